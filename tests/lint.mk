# lint.mk: static analysis of server/ with cppcheck (included by Makefile).
#
#   make lint   cppcheck over server/ at the level below; fails on any finding
#
# Level: --enable=warning,performance,portability (errors are always on),
# C11, one configuration: the defines the build uses ($(DEFS)) and our own
# headers (-Iinclude). System headers are not parsed (they would only slow
# it down), except cJSON.h, forced in so cJSON_ArrayForEach is known.
# A false positive is suppressed where it is, with its reason:
#   /* cppcheck-suppress ID ; why this is not a bug */
# on the line before the reported one. Needs Debian's cppcheck
# (server/scripts/deps.sh).

CPPCHECK       ?= cppcheck
CJSON_INCLUDE  := $(shell pkg-config --variable=includedir libcjson 2>/dev/null || echo /usr/include)
LINT_FLAGS     := -q --std=c11 --enable=warning,performance,portability \
                  --inline-suppr --error-exitcode=1 -j2 \
                  -Iinclude --include=$(CJSON_INCLUDE)/cjson/cJSON.h $(DEFS)

.PHONY: lint

lint:
	@echo "  LINT    server/ (cppcheck $$($(CPPCHECK) --version | sed 's/^Cppcheck //'))"
	@$(CPPCHECK) $(LINT_FLAGS) server
