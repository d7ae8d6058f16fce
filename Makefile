# The two commands a newcomer needs: `make run` and `make test`. Both install what is missing
# (as root, from Debian's packages), configure and build before doing their job.
PRESET   ?= dev
BUILD    := build/$(PRESET)
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= $(if $(CI),-DBK_WERROR=ON,)
OUT      ?= out/default
ENSEMBLE ?= out/ensemble
REPS     ?= 200
REPORT   ?= out/report.html
# The September calibration of the default (docs/validation.md, "the forecast of record"): the
# ensemble of `make run` spreads its replications over this posterior's draws.
POSTERIOR ?= scenarios/calibration/bamako-2025-posterior.csv
SPEC      ?= scenarios/calibration/bamako-2025.yaml

FUZZ_SECONDS ?= 120
SOAK_SEEDS   ?= 100000

.PHONY: all deps configure build run test test-asan bench bench-optimise fuzz soak clean

all: build

deps:
	@sh scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# One replication told in plain words, then an ensemble for the uncertainty (the simulator's and
# the calibrated parameters'), then the report.
run: build
	@$(BUILD)/cli/blockade run --out $(OUT) --force
	@echo
	@$(BUILD)/cli/blockade ensemble -n $(REPS) --out $(ENSEMBLE) --force --posterior $(POSTERIOR) --params $(SPEC)
	@$(BUILD)/cli/blockade report $(ENSEMBLE) --output $(REPORT) --quiet
	@echo
	@echo "outputs: $(OUT)/ (one run), $(ENSEMBLE)/ ($(REPS) replications over the calibrated posterior)"
	@echo "report: $(REPORT)"

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan-ubsan

bench: build
	@sh bench/run.sh $(BUILD)

# The escort optimisation of the Bamako default at 200 replications per candidate (minutes;
# docs/benchmarks.md).
bench-optimise: build
	@$(BUILD)/bench/bench_optimise

# libFuzzer targets (tests/fuzz) built with clang, ASan and UBSan, each run FUZZ_SECONDS over its
# seed corpus; new inputs and crashes go under build/fuzz/fuzz-work/.
fuzz: deps
	@cmake --preset fuzz >/dev/null   # no -Werror: clang-14 warns where gcc does not
	@cmake --build build/fuzz -j $(JOBS)
	@sh scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

# The invariants over SOAK_SEEDS seeds of the default and the test scenario (about an hour of
# CPU for 10^5); not part of `make test`.
soak: build
	@$(BUILD)/tests/bk_soak $(SOAK_SEEDS)

clean:
	rm -rf build out
