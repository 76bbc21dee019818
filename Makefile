# voipsec top-level Makefile: the commands a user and CI run. CMake does the building.
#   make          release build, binary at build/voipsec
#   make demo     install dependencies if missing, build, run the demo on bundled examples
#   make check    build and pass every test (unit, corpus, CLI, fuzz replay + short fuzz runs),
#                 then the same tests again under ASan+UBSan
#   make asan     sanitized build, binary at build-asan/voipsec
#   make fuzz     libFuzzer targets with clang (FUZZ_SECONDS per target, default 60)
#   make bench    benchmarks against peers (libosip2) in the same run
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
CHECK_FUZZ_SECONDS ?= 15
CMAKE ?= cmake

.PHONY: all deps demo check check-release check-asan asan fuzz fuzz-build fuzz-short bench clean

all: deps build/Makefile
	$(CMAKE) --build build -j$(JOBS)

# Installs Debian packages only when one is missing (the script checks each one).
deps:
	@scripts/install-deps.sh

build/Makefile: CMakeLists.txt
	$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release

build-asan/Makefile: CMakeLists.txt
	$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DVS_SANITIZE=ON

build-fuzz/Makefile: CMakeLists.txt
	CC=clang $(CMAKE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVS_BUILD_TESTS=OFF -DVS_BUILD_FUZZ=ON

build-bench/Makefile: CMakeLists.txt
	$(CMAKE) -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DVS_BUILD_TESTS=OFF -DVS_BUILD_BENCH=ON

demo: all
	@scripts/demo.sh

asan: deps build-asan/Makefile
	$(CMAKE) --build build-asan -j$(JOBS)

check: check-release check-asan fuzz-short
	@echo "make check: all test suites passed"

check-release: all
	cd build && ctest --output-on-failure -j$(JOBS)

check-asan: asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j$(JOBS)

fuzz-build: deps build-fuzz/Makefile
	$(CMAKE) --build build-fuzz -j$(JOBS)

fuzz-short: fuzz-build
	@scripts/fuzz.sh $(CHECK_FUZZ_SECONDS)

fuzz: fuzz-build
	@scripts/fuzz.sh $(FUZZ_SECONDS)

bench: deps build-bench/Makefile
	$(CMAKE) --build build-bench -j$(JOBS)
	@scripts/bench.sh

clean:
	rm -rf build build-asan build-fuzz build-bench
