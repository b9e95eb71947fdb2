# The project's front door. Each target installs missing Debian packages (idempotent), configures
# and builds before it runs.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
WERROR := $(if $(filter true,$(CI)),ON,OFF)

.PHONY: all deps configure build test demo bench format clean

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

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log
