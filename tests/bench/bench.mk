# bench.mk: the benchmark (tests/bench/), included by the top-level Makefile.
#
#   make bench        data sets of 1k, 100k and 1M responses (made once,
#                     then reused; BENCH_REGEN=1 makes them again), the HTTP
#                     and ingest limits, mognad measured with wrk, PASS/FAIL
#                     against the targets (BENCH_PROFILE=1 adds perf profiles)
#   make bench-smoke  the same scripts on tiny data, against DATABASE_URL
BENCH_BUILD ?= build-bench

.PHONY: bench bench-smoke

bench:
	@$(MAKE) --no-print-directory BUILD=$(BENCH_BUILD) all
	@tests/bench/build_tools.sh $(BENCH_BUILD)/bench
	@MOGNAD_BIN=$(CURDIR)/$(BENCH_BUILD)/mognad BENCH_TOOLS=$(CURDIR)/$(BENCH_BUILD)/bench tests/bench/bench.sh

bench-smoke:
	@$(MAKE) --no-print-directory BUILD=$(BENCH_BUILD) all
	@MOGNAD_BIN=$${MOGNAD_BIN:-$(CURDIR)/$(BENCH_BUILD)/mognad} tests/bench/smoke.sh
