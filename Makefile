# Thin wrapper around CMake: `make run` and `make test` install what is missing, build, and go.
# `make run` installs only the build packages and builds only the host and its plugins;
# `make test` installs the rest and builds everything (tests, benchmarks).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
WERROR ?= OFF
ARGS ?=
CHECK_SKIPS ?= ON

.PHONY: all setup setup-build configure configure-build build build-run run test bench install \
	deb clean format

all: build

setup:
	@bash .ci/setup

setup-build:
	@bash .ci/setup build

configure: setup
	@cmake -S . -B $(BUILD) -DSSTOP_WERROR=$(WERROR) >/dev/null

configure-build: setup-build
	@cmake -S . -B $(BUILD) -DSSTOP_WERROR=$(WERROR) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

build-run: configure-build
	@cmake --build $(BUILD) -j $(JOBS) --target sstop-run

run: build-run
	./$(BUILD)/bin/sstop $(ARGS)

# The whole suite; then every skipped test must be on .ci/allowed-skips.txt (a skip passes
# CTest, so a lost package or capability would silently drop tests). CHECK_SKIPS=OFF for a
# run that is expected to skip (no root: the kernel tests skip).
test: build
	@rm -f $(BUILD)/ctest-junit.xml; status=0; ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 600 \
		--output-junit ctest-junit.xml || status=$$?; \
	if [ "$(CHECK_SKIPS)" != OFF ]; then \
		python3 .ci/check-skips $(BUILD)/ctest-junit.xml || status=1; fi; \
	exit $$status

# Benchmarks measure (ratios against references run alongside); they are not tests.
bench: setup
	bash bench/run.sh

# Debian packages, unsigned, into dist/ (debian/make-deb; lintian must report no errors).
deb: setup
	@bash debian/make-deb

install: build
	cmake --install $(BUILD)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
