# Thin wrapper around CMake: `make run` and `make test` install what is missing, build, and go.
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
WERROR ?= OFF
ARGS ?=

.PHONY: all setup configure build run test bench install clean format

all: build

setup:
	@bash .ci/setup

configure: setup
	@cmake -S . -B $(BUILD) -DSSTOP_WERROR=$(WERROR) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/bin/sstop $(ARGS)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 600

# Benchmarks measure (ratios against references run alongside); they are not tests.
bench: setup
	bash bench/run.sh

install: build
	cmake --install $(BUILD)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
