# mognad: build, run and test the survey engine.
#
#   make            build build/mognad
#   make run        install missing packages, build, start a private
#                   PostgreSQL under var/ (unless DATABASE_URL is set),
#                   migrate and serve on 127.0.0.1
#   make test       the same set-up on a throwaway database, then every test
#   make test-asan  the tests against an AddressSanitizer + UBSan build
#   make clean-db   stop make run's PostgreSQL and delete its data
#   make install    PREFIX=/usr/local DESTDIR=...

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    := $(PREFIX)/bin
DATADIR   := $(PREFIX)/share/mognad
MAN1DIR   := $(PREFIX)/share/man/man1
DOCDIR    := $(PREFIX)/share/doc/mognad

CC        ?= cc
PKGS      := libmicrohttpd libpq libcjson libsodium gsl xlsxwriter
WARN      := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
             -Wshadow -Wpointer-arith -fno-common
HARDEN    := -fstack-protector-strong
DEFS      := -D_GNU_SOURCE -DMG_VERSION='"$(VERSION)"' -DMG_DATADIR='"$(DATADIR)"'

# SAN=1 builds into build/asan with AddressSanitizer and UBSan.
# BUILD moves the whole output (build/mognad, build/asan/...) elsewhere.
SAN       ?= 0
BUILD     ?= build
ifeq ($(SAN),1)
  OUT     := $(BUILD)/asan
  OPT     := -O1 -g -fno-omit-frame-pointer \
             -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDSAN   := -fsanitize=address,undefined
else
  OUT     := $(BUILD)
  OPT     := -O2 -g -D_FORTIFY_SOURCE=2
  LDSAN   :=
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS    ?=
CFLAGS    += -std=c11 $(OPT) $(WARN) $(HARDEN) $(DEFS) -Iinclude $(PKG_CFLAGS) -MMD -MP
LDLIBS    += $(PKG_LIBS) -lreadstat -lpthread -lm

SRCS      := $(sort $(wildcard server/*.c server/*/*.c))
OBJS      := $(SRCS:%.c=$(OUT)/obj/%.o)
LIBOBJS   := $(filter-out $(OUT)/obj/server/main.o,$(OBJS))
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(OUT)/tests/%)

.PHONY: all deps run test test-asan unit unit-asan clean clean-db install uninstall help

all: $(OUT)/mognad

help:
	@sed -n '3,11p' Makefile | sed 's/^# \{0,1\}//'

$(OUT)/mognad: $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(LDSAN) -o $@ $^ $(LDLIBS)

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(OUT)/tests/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS) -MF $@.d -o $@ $< $(LIBOBJS) $(LDSAN) $(LDLIBS) -lcmocka

# Installs the Debian packages that are missing (a no-op when none is).
deps:
	@server/scripts/deps.sh

unit: $(TEST_BINS)

run: deps
	@$(MAKE) --no-print-directory all
	@server/scripts/run.sh

test: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory SAN=1 all unit
	@MOGNAD_BUILD_DIR=$(BUILD) tests/run.sh

test-asan: deps
	@$(MAKE) --no-print-directory SAN=1 all unit
	@MOGNAD_BUILD_DIR=$(BUILD) MOGNAD_TEST_BUILDS=asan tests/run.sh

# config.o carries DATADIR (MG_DATADIR): rebuild it when PREFIX changes.
$(OUT)/obj/server/config.o: $(OUT)/datadir.stamp
$(OUT)/datadir.stamp: FORCE
	@mkdir -p $(OUT) && echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' >$@
FORCE:

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MAN1DIR) \
	    $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(OUT)/mognad $(DESTDIR)$(BINDIR)/mognad
	rm -rf $(DESTDIR)$(DATADIR)/sql $(DESTDIR)$(DATADIR)/surveys $(DESTDIR)$(DATADIR)/web
	cp -R sql surveys web $(DESTDIR)$(DATADIR)/
	install -m 0644 server/man/mognad.1 $(DESTDIR)$(MAN1DIR)/mognad.1
	install -m 0644 docs/deploy.md docs/indicators.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 server/deploy/mognad.service server/deploy/mognad.env.example \
	    server/deploy/nginx.conf.example $(DESTDIR)$(DOCDIR)/examples/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mognad $(DESTDIR)$(MAN1DIR)/mognad.1
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build

# Stops `make run`'s private PostgreSQL and deletes its data (var/pg, or the
# directory var/pg links to when the postgres user cannot reach var/).
clean-db:
	@server/scripts/pg.sh remove var/pg

-include $(OBJS:.o=.d) $(TEST_BINS:=.d)
include tests/fuzz/fuzz.mk
include tests/bench/bench.mk
include tests/lint.mk
