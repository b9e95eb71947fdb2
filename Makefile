# The project's front door. Each target installs missing Debian packages (idempotent), configures
# and builds before it runs.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
WERROR := $(if $(filter true,$(CI)),ON,OFF)

.PHONY: all deps configure build test demo bench format clean asan-configure test-asan fuzz

all: build

deps:
	@bash scripts/ensure_deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DEQUILINK_WERROR=$(WERROR) > $(BUILD_DIR).configure.log 2>&1 \
	  || (cat $(BUILD_DIR).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The demo needs only the two executables, not the test and benchmark binaries.
demo: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target equilink equilink-gateway
	@bash scripts/demo.sh $(BUILD_DIR)

bench: build
	@bash scripts/bench.sh $(BUILD_DIR)

# One clang build with ASan + UBSan serves both: the whole suite runs in it (test-asan) and its
# fuzz targets link libFuzzer (fuzz). Not part of `make test`: it takes several times as long.
ASAN_DIR ?= build-asan
FUZZ_SECONDS ?= 60

asan-configure:
	@bash scripts/ensure_deps.sh --sanitizers
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DEQUILINK_SANITIZE=address,undefined -DEQUILINK_LIBFUZZER=ON -DEQUILINK_WERROR=$(WERROR) \
	  > $(ASAN_DIR).configure.log 2>&1 || (cat $(ASAN_DIR).configure.log; exit 1)

test-asan: asan-configure
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	@bash scripts/test_asan.sh $(ASAN_DIR) $(JOBS)

# Every libFuzzer target (tests/fuzz/*_fuzz.cc) for FUZZ_SECONDS each, from a scratch corpus seeded
# by the committed one; prints and writes $(ASAN_DIR)/fuzz/report.json and fails on any crash
# (docs/FUZZING.md). Builds only the fuzz targets, not the whole tree.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.cc,%,$(wildcard tests/fuzz/*_fuzz.cc))

fuzz: asan-configure
	@cmake --build $(ASAN_DIR) -j $(JOBS) --target $(FUZZ_TARGETS)
	@bash scripts/fuzz.sh $(ASAN_DIR) $(FUZZ_SECONDS)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log $(ASAN_DIR) $(ASAN_DIR).configure.log
