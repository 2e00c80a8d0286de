#!/usr/bin/env bash
# TUI benchmarks: frame cost of the processes view (memory canvas and curses on a pty) and
# startup to first drawn frame of bin/sstop. Prints both tables; see README.md.
#
#   bash bench/tui/run.sh [--no-build] [--out FILE]
#
# SSTOP_BENCH_BUILD: build dir (default build-bench). BENCH_TUI_FRAMES (400),
# BENCH_TUI_PROCESSES (2000), BENCH_TUI_CONNECTIONS (20000), BENCH_TUI_RUNS (10).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${SSTOP_BENCH_BUILD:-$src/build-bench}
out=""
build_first=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --no-build) build_first=0 ;;
        --out) out=$2; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [[ $build_first == 1 ]]; then
    cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j 2 --target tui_frame_bench tui_startup_bench sstop \
        sstop_plugin_processes sstop_plugin_hosts sstop_plugin_ports sstop_plugin_netlink \
        sstop_plugin_procnet sstop_plugin_afpacket >/dev/null
fi
for exe in tui_frame_bench tui_startup_bench; do
    [[ -x "$build/bin/$exe" ]] || { echo "missing $build/bin/$exe" >&2; exit 1; }
done

report() {
    echo "## TUI frame cost"
    echo
    "$build/bin/tui_frame_bench" --frames "${BENCH_TUI_FRAMES:-400}" \
        --processes "${BENCH_TUI_PROCESSES:-2000}" --connections "${BENCH_TUI_CONNECTIONS:-20000}"
    echo
    echo "## Startup to first drawn frame"
    echo
    "$build/bin/tui_startup_bench" "$build/bin/sstop" --runs "${BENCH_TUI_RUNS:-10}"
    echo
    echo "Breakdown: the same with the /proc source only (no netlink start-up)"
    echo
    "$build/bin/tui_startup_bench" "$build/bin/sstop" --runs "${BENCH_TUI_RUNS:-10}" \
        -- --sources procnet
    echo
    echo "machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)," \
        "commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)"
}
if [[ -n "$out" ]]; then
    report | tee "$out"
else
    report
fi
