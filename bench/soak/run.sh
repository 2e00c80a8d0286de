#!/usr/bin/env bash
# The churn soak at any length: 1,000 short TCP connections a second from one namespace to
# another while sstop watches, with its RSS, descriptors, tables and byte accounting checked
# at the end (the rules are in tests/soak/soak_churn_test.cpp; CI runs 60 s of it as
# SoakChurn.SixtySeconds).
#
#   bash bench/soak/run.sh [SECONDS]      default 600; needs root (namespaces)
#
# Builds sstop, its plugins and the soak test in build-soak/ (or $SSTOP_SOAK_BUILD), then runs
# the test once and prints its report; the exit status is the test's.
set -euo pipefail

seconds=${1:-600}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${SSTOP_SOAK_BUILD:-$root/build-soak}

if [[ $(id -u) -ne 0 ]]; then
    echo "run.sh: needs root to create network namespaces" >&2
    exit 2
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target soak_churn_test >/dev/null

echo "soak: $seconds s of churn, sstop --json --interval 1s in the client's namespace"
SSTOP_SOAK_SECONDS=$seconds "$build/tests/soak_churn_test" \
    --gtest_also_run_disabled_tests --gtest_filter=SoakChurn.DISABLED_Configured
