#!/usr/bin/env bash
# bench/run.sh — builds and runs the sstop benchmarks, prints the results as Markdown tables.
# Root is needed (network namespaces, AF_PACKET). See bench/README.md for what each number is.
#
#   bash bench/run.sh [--no-build] [--only sockets|capture|history|idle] [--out FILE]
#
# --only idle runs bench/idle.sh (idle cost beside nethogs; its own IDLE_* knobs) with the
# sstop built here, and nothing else.
#
# Environment: SSTOP_BENCH_BUILD (build dir, default <repo>/build-bench),
#   BENCH_SOCKETS ("1000 10000 30000"), BENCH_REPS (5), BENCH_CYCLES (10),
#   BENCH_CAPTURE_SECONDS (10), BENCH_CAPTURE_REPS (3), BENCH_PROFILE (0; 1 = perf profile
#   of the netlink and procnet collects at the largest socket count).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SSTOP_BENCH_BUILD:-$ROOT/build-bench}
SOCKETS=${BENCH_SOCKETS:-"1000 10000 30000"}
REPS=${BENCH_REPS:-5}
CYCLES=${BENCH_CYCLES:-10}
CAP_SECONDS=${BENCH_CAPTURE_SECONDS:-10}
CAP_REPS=${BENCH_CAPTURE_REPS:-3}
PROFILE=${BENCH_PROFILE:-0}
BUILD_FIRST=1
ONLY=""
OUT=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) BUILD_FIRST=0 ;;
        --only)
            ONLY=${2:-}
            case $ONLY in
                sockets | capture | history | idle) ;;
                *) echo "run.sh: --only takes sockets, capture, history or idle" >&2; exit 2 ;;
            esac
            shift ;;
        --out) OUT=$2; shift ;;
        -h|--help) sed -n 2,14p "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

if [[ $(id -u) -ne 0 ]]; then
    echo "run.sh: needs root (network namespaces, AF_PACKET)" >&2
    exit 2
fi

if [[ -n $OUT ]]; then
    exec > >(tee "$OUT")
fi

if [[ $ONLY == idle ]]; then
    if [[ $BUILD_FIRST -eq 1 ]]; then
        cmake -S "$ROOT" -B "$BUILD" -DSSTOP_BUILD_TESTS=OFF >/dev/null
        # Everything (no tests): `sstop --headless` with defaults loads every plugin it finds.
        cmake --build "$BUILD" -j "$(nproc)" >/dev/null
    fi
    exec bash "$ROOT/bench/idle.sh" --sstop "$BUILD/bin/sstop"
fi

if [[ $BUILD_FIRST -eq 1 ]]; then
    cmake -S "$ROOT" -B "$BUILD" -DSSTOP_BUILD_TESTS=OFF >/dev/null
    cmake --build "$BUILD" -j "$(nproc)" --target collect_bench capture_bench history_bench sstop \
        sstop_plugin_netlink sstop_plugin_procnet sstop_plugin_afpacket >/dev/null
    # The ebpf case of the capture benchmark needs the plugin; without libbpf it is skipped.
    cmake --build "$BUILD" -j "$(nproc)" --target sstop_plugin_ebpf >/dev/null 2>&1 || true
fi
BIN=$BUILD/bin

# Everything this script starts or makes is recorded here and undone on any exit.
TMP=$(mktemp -d /tmp/sstop-bench.XXXXXX)
NS_A=sstop-bench-$$-a
NS_B=sstop-bench-$$-b
PIDS=()
BPF_STATS_WAS=""
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    # The stats runs turn the kernel's BPF timing on; an interrupted one leaves it as it was.
    [[ -n ${BPF_STATS_WAS:-} ]] && sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_WAS"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# sstop benchmarks"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"

# ---------------------------------------------------------------------------------------------
# 1. Collection cycle with many established TCP sockets (collect_bench makes its own netns).
if [[ -z $ONLY || $ONLY == sockets ]]; then
    echo
    echo "## 1. Collection cycle (CPU per cycle; reference: \`ss -tinp\` in the same run)"
    echo
    echo "Targets: first cycle no slower than \`ss -tinp\` (ratio ≥ 1×), steady state ≥ 3× cheaper."
    echo "Median of $REPS runs for first cycles and \`ss\`; steady = $CYCLES cycles × $REPS runs."
    for n in $SOCKETS; do
        "$BIN/collect_bench" --sockets "$n" --procs 50 --reps "$REPS" --cycles "$CYCLES" \
            --sstop "$BIN/sstop" --sstop-count 10
    done
    if [[ $PROFILE -eq 1 ]] && command -v perf >/dev/null; then
        n=${SOCKETS##* }
        echo
        echo "### Profile hint: perf, collect_bench at $n sockets (top symbols, children excluded)"
        echo
        echo '```'
        perf record -q -g -o "$TMP/perf.data" -- "$BIN/collect_bench" --sockets "$n" --reps 1 \
            --cycles 20 >/dev/null 2>&1 || true
        perf report -i "$TMP/perf.data" --no-children --comm collect_bench --stdio \
            --percent-limit 2 -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25 || true
        echo '```'
    fi
fi

# ---------------------------------------------------------------------------------------------
# 2. AF_PACKET capture at the highest small-UDP rate this machine makes over a veth pair.
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit}
    if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
minmax() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s–%s", lo, hi}'; }
kv() { sed -n "s/^$1=//p" "$2"; }
# utime+stime of a pid in seconds (fields 14 and 15 of /proc/<pid>/stat, after the comm).
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print ($12 + $13) / hz}' \
    "/proc/$1/stat"; }
wait_file() {
    local i
    for ((i = 0; i < 100; i++)); do [[ -e $1 ]] && return 0; sleep 0.1; done
    echo "run.sh: timed out waiting for $1" >&2
    return 1
}

# One run: case = baseline | afpacket | ebpf | nethogs. Leaves key=value files in
# $TMP/<case>.<rep>.*  The ebpf case is sstop itself with `--sources ebpf`: its programs run
# on every packet of the sender's and the sink's sockets (the packet-path cost), the sink is
# the same plain one as in the baseline.
# "name run_time_ns run_cnt" of each loaded sstop_* BPF program that runs in the traffic's
# path (not sstop_read: sstop runs that one to read its records); the kernel counts them
# only while kernel.bpf_stats_enabled is 1. Nothing, and a line on stderr, when a name is
# loaded twice: another sstop is running, and its programs would be counted too.
bpf_runs() {
    bpftool prog show --json | python3 -c '
import json, sys
progs = [p for p in json.load(sys.stdin)
         if p.get("name", "").startswith("sstop_") and p["name"] != "sstop_read"]
names = [p["name"] for p in progs]
if len(set(names)) != len(names):
    sys.exit("run.sh: another sstop has BPF programs loaded; no per-program times")
for p in progs:
    print(p["name"], p.get("run_time_ns", 0), p.get("run_cnt", 0))' || true
}

capture_case() {
    local case=$1 rep=$2 base=$TMP/$1.$2 recv_pid nh_pid cpu0 cpu1 sstop_pid stats=0
    local extra=()
    # An ebpf case with "-stats": one more run, with the kernel timing each program run
    # (that costs a clock read or two per run, so its rate is not compared).
    if [[ $case == *-stats ]]; then
        stats=1
        case=${case%-stats}
    fi
    [[ $case == afpacket ]] && extra=(--afpacket)
    rm -f "$base.ready" "$base.stop"
    ip netns exec "$NS_B" "$BIN/capture_bench" recv --port 40000 --seconds $((CAP_SECONDS + 30)) \
        --ready "$base.ready" --stop "$base.stop" "${extra[@]}" >"$base.recv" &
    recv_pid=$!
    PIDS+=("$recv_pid")
    wait_file "$base.ready"
    if [[ $case == nethogs ]]; then
        # `ip netns exec` execs the command, so $! is nethogs itself.
        ip netns exec "$NS_B" nethogs -t -C -d 1 vb >"$base.nethogs" 2>&1 &
        nh_pid=$!
        PIDS+=("$nh_pid")
        sleep 2  # start-up (it reads /proc and opens pcap) is not part of the steady cost
        cpu0=$(cpu_of "$nh_pid")
    fi
    if [[ $case == ebpf || $case == ebpf-packets ]]; then
        local hooks=()
        # The per-packet hooks (`hooks: packets`), for comparison with the default ones.
        [[ $case == ebpf-packets ]] && hooks=(--config "$TMP/packets.yaml")
        # nsenter, not `ip netns exec`: that remounts /sys and hides the cgroup2 mount.
        XDG_CONFIG_HOME=$TMP/xdg XDG_STATE_HOME=$TMP/xdg \
            nsenter --net="/run/netns/$NS_B" "$BIN/sstop" "${hooks[@]}" --sources ebpf \
            --headless --interval 1s >"$base.sstop" 2>&1 &
        sstop_pid=$!
        PIDS+=("$sstop_pid")
        sleep 3  # BPF load and attach, the first listing
        if ! kill -0 "$sstop_pid" 2>/dev/null; then
            echo "run.sh: sstop --sources ebpf did not stay up:" >&2
            cat "$base.sstop" >&2
            return 1
        fi
        cpu0=$(cpu_of "$sstop_pid")
    fi
    if ((stats)); then
        sysctl -qw kernel.bpf_stats_enabled=1
        bpf_runs >"$base.bpf0"
    fi
    ip netns exec "$NS_A" "$BIN/capture_bench" send --dst 10.213.0.2 --port 40000 \
        --seconds "$CAP_SECONDS" >"$base.send"
    if ((stats)); then
        bpf_runs >"$base.bpf1"
        sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_WAS"
    fi
    if [[ $case == ebpf || $case == ebpf-packets ]]; then
        cpu1=$(cpu_of "$sstop_pid")
        kill -TERM "$sstop_pid" 2>/dev/null || true
        wait "$sstop_pid" 2>/dev/null || true
        echo "sstop_cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}')" >>"$base.recv"
    fi
    if [[ $case == nethogs ]]; then
        cpu1=$(cpu_of "$nh_pid")
        kill -TERM "$nh_pid" 2>/dev/null || true
        wait "$nh_pid" 2>/dev/null || true
        echo "nethogs_cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}')" >>"$base.recv"
    fi
    touch "$base.stop"
    wait "$recv_pid"
}

if [[ -z $ONLY || $ONLY == capture ]]; then
    ip netns add "$NS_A"
    ip netns add "$NS_B"
    ip -n "$NS_A" link add va type veth peer name vb netns "$NS_B"
    ip -n "$NS_A" addr add 10.213.0.1/24 dev va
    ip -n "$NS_B" addr add 10.213.0.2/24 dev vb
    for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
    ip -n "$NS_A" link set va up
    ip -n "$NS_B" link set vb up

    CAP_CASES=(baseline afpacket nethogs)
    if [[ -e $BUILD/lib/sstop/plugins/ebpf.so ]]; then
        CAP_CASES=(baseline afpacket ebpf ebpf-packets nethogs)
        printf 'plugins:\n  ebpf:\n    hooks: packets\n' >"$TMP/packets.yaml"
    else
        echo "run.sh: no ebpf plugin in $BUILD (libbpf, bpftool or clang missing): no ebpf row" >&2
    fi
    for ((rep = 1; rep <= CAP_REPS; rep++)); do
        for case in "${CAP_CASES[@]}"; do capture_case "$case" "$rep"; done
    done
    BPF_STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
    STATS_CASES=()
    if [[ " ${CAP_CASES[*]} " == *" ebpf "* ]] && command -v bpftool >/dev/null; then
        STATS_CASES=(ebpf-stats ebpf-packets-stats)
        for case in "${STATS_CASES[@]}"; do capture_case "$case" 1; done
    fi

    echo
    echo "## 2. Capture: 64-byte UDP over a veth pair, ${CAP_SECONDS} s per run, median of $CAP_REPS (min–max)"
    echo
    echo "Targets: afpacket capture under 10% of one core, zero kernel drops; with the ebpf"
    echo "source's programs attached the sender is at most 5% slower than with none."
    echo
    echo "| case | sender kpps | capture CPU, % of one core | collect CPU, ms per 1 s tick | packets seen, kpps | kernel drops | degraded collects |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    declare -A PPS_MEDIAN=()
    for case in "${CAP_CASES[@]}"; do
        pps=() cpu=() col=() seen=() drops=() degr=()
        for ((rep = 1; rep <= CAP_REPS; rep++)); do
            b=$TMP/$case.$rep
            secs=$(kv seconds "$b.send")
            pps+=("$(awk -v p="$(kv pps "$b.send")" 'BEGIN {printf "%.0f", p / 1000}')")
            case $case in
                afpacket)
                    cpu+=("$(awk -v c="$(kv capture_cpu_s "$b.recv")" -v s="$secs" 'BEGIN {printf "%.2f", 100 * c / s}')")
                    col+=("$(awk -v c="$(kv collect_cpu_s "$b.recv")" -v s="$secs" 'BEGIN {printf "%.3f", 1000 * c / s}')")
                    seen+=("$(awk -v n="$(kv flow_rx_packets "$b.recv")" -v s="$secs" 'BEGIN {printf "%.0f", n / s / 1000}')")
                    drops+=("$(kv kernel_drops "$b.recv")")
                    degr+=("$(kv degraded_collects "$b.recv")")
                    ;;
                nethogs)
                    cpu+=("$(awk -v c="$(kv nethogs_cpu_s "$b.recv")" -v s="$secs" 'BEGIN {printf "%.2f", 100 * c / s}')")
                    ;;
                ebpf | ebpf-packets)
                    cpu+=("$(awk -v c="$(kv sstop_cpu_s "$b.recv")" -v s="$secs" 'BEGIN {printf "%.2f", 100 * c / s}')")
                    ;;
            esac
        done
        PPS_MEDIAN[$case]=$(printf '%s\n' "${pps[@]}" | median)
        cell() { if [[ $# -eq 0 ]]; then echo "—"; else
            echo "$(printf '%s\n' "$@" | median) ($(printf '%s\n' "$@" | minmax))"; fi; }
        label=$case
        [[ $case == baseline ]] && label="no capture (sender alone)"
        [[ $case == afpacket ]] && label="sstop afpacket source (capture thread)"
        [[ $case == nethogs ]] && label="nethogs -t -C -d 1 vb (whole process)"
        [[ $case == ebpf ]] && label="sstop --sources ebpf (per-syscall hooks, the default; whole process)"
        [[ $case == ebpf-packets ]] && label="sstop --sources ebpf, \`hooks: packets\` (cgroup_skb; whole process)"
        echo "| $label | $(cell "${pps[@]}") | $(cell "${cpu[@]+"${cpu[@]}"}") | $(cell "${col[@]+"${col[@]}"}") | $(cell "${seen[@]+"${seen[@]}"}") | $(cell "${drops[@]+"${drops[@]}"}") | $(cell "${degr[@]+"${degr[@]}"}") |"
    done
    # The machine's speed drifts over seconds, so each ebpf run is also set against the
    # sender-alone run of its own rep (run minutes apart at most): the median of those ratios.
    paired() {
        local r=() rep
        for ((rep = 1; rep <= CAP_REPS; rep++)); do
            r+=("$(awk -v e="$(kv pps "$TMP/$1.$rep.send")" -v b="$(kv pps "$TMP/baseline.$rep.send")" \
                'BEGIN {printf "%.3f", e / b}')")
        done
        echo "$(printf '%s\n' "${r[@]}" | median) ($(printf '%s\n' "${r[@]}" | minmax))"
    }
    for case in ebpf ebpf-packets; do
        [[ -n ${PPS_MEDIAN[$case]:-} ]] || continue
        what="the ebpf programs attached (per-syscall hooks, the default)"
        [[ $case == ebpf-packets ]] && what="\`hooks: packets\`"
        echo
        if [[ -s $TMP/$case-stats.1.bpf1 ]]; then
            # What the programs themselves took, from the kernel's own timing (one more run):
            # their time over the sender's run is the share of its time they cost.
            what="$what; programs' own time in a run with kernel.bpf_stats_enabled: $(join \
                <(sort "$TMP/$case-stats.1.bpf0") <(sort "$TMP/$case-stats.1.bpf1") | awk \
                -v secs="$(kv seconds "$TMP/$case-stats.1.send")" \
                -v pkts="$(kv sent "$TMP/$case-stats.1.send")" '
                { t = $4 - $2; n = $5 - $3
                  if (n > 0) { out = out sprintf("%s%s %.0f ns × %d", sep, $1, t / n, n); sep = ", " }
                  total += t }
                END { printf "%s; in all %.1f%% of the sender'"'"'s %.1f s (%.0f ns a packet; the timing adds a little to each run)",
                      out, 100 * total / (secs * 1e9), secs, pkts ? total / pkts : 0 }')"
        fi
        echo "Packet path, $what: the sender ran at $(awk \
            -v e="${PPS_MEDIAN[$case]}" -v b="${PPS_MEDIAN[baseline]}" \
            'BEGIN {printf "%.3f", e / b}')× its rate with none (ratio of medians; goal ≥ 0.95×);\
 median of the per-rep ratios $(paired "$case")."
    done
fi

# 3. History store: a minute's write at 2,000 programs, reports over a 90-day store of that
# size (history_bench makes and removes its own files under /var/tmp).
if [[ ( -z $ONLY || $ONLY == history ) && -x $BIN/history_bench ]]; then
    echo
    echo "## 3. History store: 2,000 programs (bench/history_bench)"
    echo
    echo "Goals: writing one minute ≤ 5 ms; a report over a 90-day store ≤ 200 ms."
    echo
    "$BIN/history_bench" /var/tmp 2000
fi
