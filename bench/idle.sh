#!/usr/bin/env bash
# bench/idle.sh — what sstop costs while nothing happens: N idle established TCP loopback
# connections in a namespace of its own, sstop (ebpf, netlink+afpacket, defaults) and nethogs
# watching them, CPU ms per second of wall time and RSS, interleaved, nethogs the reference.
# Measures and asserts nothing (except that the ebpf source really ran). Root. See
# bench/README.md, section 4.
#
#   bash bench/idle.sh [--sstop PATH] [--no-growth]
#
# nethogs runs as `nethogs -t -a -d 1` (-a: without it nethogs refuses lo, the only device).
#
# Environment: IDLE_CONNECTIONS (10000 connections = 2× sockets), IDLE_SECONDS (20, the
#   measured window), IDLE_WARMUP (5), IDLE_REPS (3), IDLE_FIRST_REPS (5, first-cycle runs
#   of each command: ss -tinp is noisy on a shared machine), IDLE_HOLDERS (10 holders),
#   IDLE_GROWTH (1: also the "cost growth" rows, ebpf at 6,000 and 60,000 sockets with 1% of
#   the connections sending 64 bytes a second, and at 6,000 with 600 active), SSTOP_BIN (default <repo>/build-bench/bin/sstop,
#   else `sstop` on PATH). With collect_bench beside that sstop (a build tree's bin/), also
#   "the dumps alone": the netlink source's sock_diag dumps once a second as a process of its
#   own, the reference of the fallback's steady cost. Needs iproute2 (`ip`, `ss`), util-linux (`nsenter`), nethogs,
#   python3 and GNU time (/usr/bin/time; without it python3's getrusage is used).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONNS=${IDLE_CONNECTIONS:-10000}
SECONDS_WIN=${IDLE_SECONDS:-20}
WARMUP=${IDLE_WARMUP:-5}
REPS=${IDLE_REPS:-3}
FIRST_REPS=${IDLE_FIRST_REPS:-5}
HOLDERS=${IDLE_HOLDERS:-10}
GROWTH=${IDLE_GROWTH:-1}
SSTOP=${SSTOP_BIN:-}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --sstop) SSTOP=$2; shift ;;
        --no-growth) GROWTH=0 ;;
        -h|--help) sed -n 2,19p "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "idle.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

if [[ $(id -u) -ne 0 ]]; then
    echo "idle.sh: needs root (network namespaces, eBPF, AF_PACKET)" >&2
    exit 2
fi
if [[ -z $SSTOP ]]; then
    if [[ -x $ROOT/build-bench/bin/sstop ]]; then SSTOP=$ROOT/build-bench/bin/sstop
    else SSTOP=$(command -v sstop || true); fi
fi
if [[ -z $SSTOP || ! -x $SSTOP ]]; then
    echo "idle.sh: no sstop binary (set SSTOP_BIN or --sstop)" >&2
    exit 2
fi
# The dumps-alone reference comes with a build tree (bench/collect_bench.cpp).
DUMPS=$(dirname "$SSTOP")/collect_bench
[[ -x $DUMPS ]] || DUMPS=""
for tool in ip ss nsenter nethogs python3; do
    command -v "$tool" >/dev/null || { echo "idle.sh: $tool not found" >&2; exit 2; }
done
if (( CONNS < HOLDERS || REPS < 1 || SECONDS_WIN < 1 )); then
    echo "idle.sh: IDLE_CONNECTIONS ≥ IDLE_HOLDERS, IDLE_REPS ≥ 1, IDLE_SECONDS ≥ 1" >&2
    exit 2
fi

log() { echo "idle.sh: $*" >&2; }

# Everything this script starts or makes is recorded here and undone on any exit.
TMP=$(mktemp -d /tmp/sstop-idle.XXXXXX)
NS_PREFIX=sstop-idle-$$
NAMESPACES=()
PIDS=()
cleanup() {
    local pid ns
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for ns in "${NAMESPACES[@]+"${NAMESPACES[@]}"}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# sstop never touches the invoking user's config or history store: both point into $TMP.
mkdir -p "$TMP/config" "$TMP/state"
export XDG_CONFIG_HOME=$TMP/config XDG_STATE_HOME=$TMP/state

forget_pid() {  # drop a pid from PIDS once it has been waited for
    local keep=() p
    for p in "${PIDS[@]+"${PIDS[@]}"}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    PIDS=("${keep[@]+"${keep[@]}"}")
}
stop_pid() {  # SIGTERM, 5 s grace, then SIGKILL; only pids this script started
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

# ---------------------------------------------------------------------------------------------
# The holder: one listener on 127.0.0.<k>:<port>, `count` connections to it, both ends kept
# open; `active` of them send 64 bytes a second (read at once by the other end). Bounded by
# --max-seconds, and dies with this script (PR_SET_PDEATHSIG).
cat >"$TMP/holder.py" <<'EOF'
import ctypes, os, resource, select, signal, socket, sys, time

def main():
    addr, count, active, ready, max_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    need = 2 * count + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, max(hard, need)))
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((addr, 0))
    lst.listen(1024)
    target = lst.getsockname()
    clients, servers = [], {}
    while len(clients) < count:
        batch = min(512, count - len(clients))
        new = []
        for _ in range(batch):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.connect(target)            # the kernel completes the handshake; accepted below
            new.append(c)
        for _ in range(batch):
            s, peer = lst.accept()
            servers[peer] = s
        clients.extend(new)
    lst.close()                          # only established sockets remain
    pairs = [(c, servers[c.getsockname()]) for c in clients[:active]]
    for _, s in pairs:
        s.setblocking(False)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % len(clients))
    os.rename(ready + ".tmp", ready)
    deadline = time.monotonic() + max_s
    msg = b"x" * 64
    while time.monotonic() < deadline:
        if os.getppid() == 1:
            break
        t = time.monotonic()
        for c, s in pairs:
            c.send(msg)
        for c, s in pairs:
            try:
                while s.recv(4096):
                    pass
            except BlockingIOError:
                pass
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t)))

main()
EOF

# make_ns NAME CONNECTIONS HOLDERS ACTIVE_TOTAL: a namespace with lo up and the holders
# started in it; returns when every holder has all its connections established, with the
# namespace's established TCP socket count in MADE_SOCKETS. (Not in $(...): the holders and
# the namespace must be recorded in this shell, and they die with their parent.)
make_ns() {
    local ns=$1 conns=$2 holders=$3 active=$4 i per extra n a pid
    ip netns add "$ns"
    NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
    # Per-namespace: enough ephemeral ports whatever the holder count.
    ip netns exec "$ns" sh -c 'echo "10000 65000" > /proc/sys/net/ipv4/ip_local_port_range'
    per=$((conns / holders)) extra=$((conns % holders))
    for ((i = 0; i < holders; i++)); do
        n=$((per + (i < extra ? 1 : 0)))
        a=$(( (active * (i + 1)) / holders - (active * i) / holders ))
        rm -f "$TMP/$ns.ready.$i"
        # nsenter execs python3, so $! is the holder itself.
        nsenter --net="/run/netns/$ns" python3 "$TMP/holder.py" "127.0.0.$((i + 1))" "$n" "$a" \
            "$TMP/$ns.ready.$i" 7200 </dev/null >"$TMP/$ns.holder.$i.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
    done
    for ((i = 0; i < holders; i++)); do
        local t
        for ((t = 0; t < 1200; t++)); do
            [[ -e $TMP/$ns.ready.$i ]] && break
            sleep 0.1
        done
        if [[ ! -e $TMP/$ns.ready.$i ]]; then
            log "holder $i in $ns not ready after 120 s:"
            cat "$TMP/$ns.holder.$i.log" >&2
            exit 1
        fi
    done
    n=$(nsenter --net="/run/netns/$ns" ss -Htn state established | wc -l)
    log "$ns: $n established TCP sockets ($conns connections, $active active, $holders holders)"
    MADE_SOCKETS=$n
}
MADE_SOCKETS=0 CHECKED_SOURCES=""
declare -A GSOCKS=()

CLK_TCK=$(getconf CLK_TCK)
# utime+stime of a whole process in clock ticks (fields 14 and 15, after the comm).
ticks_of() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
# on-CPU time of every live thread, ns (schedstat; a finer cross-check of the tick count).
sched_ns_of() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
now_s() { awk '{print $1}' /proc/uptime; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit}
    if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
minmax() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s–%s", lo, hi}'; }

# tool_cmd KEY: the command line of each measured tool.
tool_cmd() {
    case $1 in
        ebpf) echo "$SSTOP --sources ebpf --headless --interval 1s" ;;
        netlink) echo "$SSTOP --sources netlink,afpacket --headless --interval 1s" ;;
        default) echo "$SSTOP --headless" ;;
        nethogs) echo "nethogs -t -a -d 1" ;;
        dumps) echo "$DUMPS --dumps-every-ms 1000 --seconds 3600" ;;
    esac
}
tool_label() {
    case $1 in
        ebpf) echo "sstop --sources ebpf --headless --interval 1s" ;;
        netlink) echo "sstop --sources netlink,afpacket --headless --interval 1s" ;;
        default) echo "sstop --headless (defaults)" ;;
        nethogs) echo "nethogs -t -a -d 1 (reference)" ;;
        dumps) echo "the netlink source's sock_diag dumps alone, once a second (reference)" ;;
    esac
}

# measure NS KEY TAG: start the tool in NS, warm up, measure the window, stop it. Writes
# cpu_ms_per_s, sched_ms_per_s, rss_kb, hwm_kb, threads to $TMP/res.TAG.
measure() {
    local ns=$1 key=$2 tag=$3 pid t0 t1 c0 c1 s0 s1 rss hwm thr load
    local -a cmd
    read -r -a cmd <<<"$(tool_cmd "$key")"
    if [[ ! -e /run/netns/$ns ]]; then
        log "namespace $ns is gone: something other than this script deleted it"; exit 1
    fi
    # nsenter execs the tool, so $! is the tool itself.
    nsenter --net="/run/netns/$ns" "${cmd[@]}" </dev/null >/dev/null 2>"$TMP/log.$tag" &
    pid=$!
    PIDS+=("$pid")
    sleep "$WARMUP"
    if ! kill -0 "$pid" 2>/dev/null; then
        log "$key exited during warm-up:"; cat "$TMP/log.$tag" >&2; exit 1
    fi
    c0=$(ticks_of "$pid") s0=$(sched_ns_of "$pid") t0=$(now_s)
    sleep "$SECONDS_WIN"
    c1=$(ticks_of "$pid") s1=$(sched_ns_of "$pid") t1=$(now_s)
    rss=$(status_kb "$pid" VmRSS) hwm=$(status_kb "$pid" VmHWM) thr=$(status_kb "$pid" Threads)
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [[ $key != nethogs ]]; then
        cp "/proc/$pid/smaps_rollup" "$TMP/smaps.$tag" 2>/dev/null || true
    fi
    stop_pid "$pid"
    # What the tool said on stderr (sstop's warnings, e.g. a Degraded ebpf collect).
    sed "s/^/$tag: /" "$TMP/log.$tag" >>"$TMP/stderr.all"
    awk -v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" \
        -v rss="$rss" -v hwm="$hwm" -v thr="$thr" -v load="$load" \
        -v lines="$(wc -l <"$TMP/log.$tag")" 'BEGIN {
            w = t1 - t0
            printf "cpu_ms_per_s=%.2f\nsched_ms_per_s=%.2f\nrss_kb=%d\nhwm_kb=%d\nthreads=%d\nwindow_s=%.2f\nload1=%s\nstderr_lines=%d\n",
                1000 * (c1 - c0) / hz / w, (s1 - s0) / 1e6 / w, rss, hwm, thr, w, load, lines }' >"$TMP/res.$tag"
    log "  $tag: $(tr '\n' ' ' <"$TMP/res.$tag")"
}
kv() { sed -n "s/^$1=//p" "$2"; }
values() {  # values KEY FIELD: the FIELD of every rep of KEY, one a line
    local r
    for ((r = 1; r <= REPS; r++)); do kv "$2" "$TMP/res.$1.$r"; done
}

# check_sources NS ARGS... EXPECTED: `sstop ARGS --json --once` must name EXPECTED first in
# its `sources` field; fail loudly otherwise (the ebpf source falls back silently). The
# sources it ran under go to CHECKED_SOURCES.
check_sources() {
    local ns=$1 expected=${*: -1} got
    local -a args=("${@:2:$#-2}")
    got=$(nsenter --net="/run/netns/$ns" "$SSTOP" "${args[@]}" --json --once 2>"$TMP/check.err" |
        python3 -c 'import json, sys
print(",".join(json.loads(sys.stdin.readline()).get("sources", [])))') || got="(no output)"
    if [[ ${got%%,*} != "$expected" ]]; then
        log "FAILED: sstop ${args[*]} ran under sources [$got], not $expected. stderr:"
        cat "$TMP/check.err" >&2
        exit 1
    fi
    log "sstop ${args[*]:-(defaults)}: sources [$got]"
    CHECKED_SOURCES=$got
}

# ---------------------------------------------------------------------------------------------
echo "# sstop idle cost beside nethogs (bench/idle.sh)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- sstop: $SSTOP ($("$SSTOP" --version 2>/dev/null | head -1))"
echo "- script: bench/idle.sh at commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- nethogs: $(nethogs -V 2>&1 | head -1)"

NS=$NS_PREFIX
make_ns "$NS" "$CONNS" "$HOLDERS" 0
SOCKS=$MADE_SOCKETS
check_sources "$NS" --sources ebpf ebpf
SRC_EBPF=$CHECKED_SOURCES
check_sources "$NS" ebpf
SRC_DEFAULT=$CHECKED_SOURCES
check_sources "$NS" --sources netlink,afpacket netlink
SRC_NETLINK=$CHECKED_SOURCES

TOOLS=(ebpf netlink default nethogs)
[[ -n $DUMPS ]] && TOOLS+=(dumps)
LOADS=()
for ((rep = 1; rep <= REPS; rep++)); do
    # Interleaved, the order rotated each rep so no tool always follows the same one.
    for ((k = 0; k < ${#TOOLS[@]}; k++)); do
        key=${TOOLS[$(( (k + rep - 1) % ${#TOOLS[@]} ))]}
        measure "$NS" "$key" "$key.$rep"
    done
    LOADS+=("$(cut -d' ' -f1 /proc/loadavg)")
done

# First cycle: one whole `--once` run (process start, plugins, open, first listing, one
# update after one 1 s interval) against `ss -tinp`, each whole process, interleaved.
FIRST=(ebpf_once netlink_once ss)
first_cmd() {
    case $1 in
        ebpf_once) echo "$SSTOP --sources ebpf --json --once" ;;
        netlink_once) echo "$SSTOP --sources netlink --json --once" ;;
        ss) echo "ss -tinp" ;;
    esac
}
for ((rep = 1; rep <= FIRST_REPS; rep++)); do
    for key in "${FIRST[@]}"; do
        read -r -a cmd <<<"$(first_cmd "$key")"
        if [[ -x /usr/bin/time ]]; then
            /usr/bin/time -f 'wall_s=%e\nuser_s=%U\nsys_s=%S\nmaxrss_kb=%M' -o "$TMP/first.$key.$rep" \
                nsenter --net="/run/netns/$NS" "${cmd[@]}" >/dev/null 2>"$TMP/first.$key.$rep.err"
        else  # the same from python3's getrusage(RUSAGE_CHILDREN)
            python3 -c 'import resource, subprocess, sys, time
t = time.monotonic(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=sys.stderr)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("wall_s=%.3f\nuser_s=%.3f\nsys_s=%.3f\nmaxrss_kb=%d" % (time.monotonic() - t, r.ru_utime, r.ru_stime, r.ru_maxrss))' \
                nsenter --net="/run/netns/$NS" "${cmd[@]}" >"$TMP/first.$key.$rep" 2>"$TMP/first.$key.$rep.err"
        fi
    done
done
first_vals() {  # first_vals KEY: CPU ms (user+sys) of each rep
    local r
    for ((r = 1; r <= FIRST_REPS; r++)); do
        awk -F= '/^user_s=/ {u = $2} /^sys_s=/ {s = $2} END {printf "%.0f\n", 1000 * (u + s)}' \
            "$TMP/first.$1.$r"
    done
}
first_wall() {
    local r
    for ((r = 1; r <= FIRST_REPS; r++)); do
        awk -F= '/^wall_s=/ {printf "%.0f\n", 1000 * $2}' "$TMP/first.$1.$r"
    done
}
first_rss() {
    local r
    for ((r = 1; r <= FIRST_REPS; r++)); do
        awk -F= '/^maxrss_kb=/ {printf "%.1f\n", $2 / 1024}' "$TMP/first.$1.$r"
    done
}

# Kill the holders of the main namespace before the growth runs (the ebpf source sees every
# socket of the machine; their namespace goes at exit).
for pid in "${PIDS[@]+"${PIDS[@]}"}"; do stop_pid "$pid"; done
ip netns del "$NS"

# Cost growth: ebpf alone at 6,000 and at 60,000 sockets, 1% of the connections active (64
# bytes a second from the client end to the server end), and at 6,000 sockets with the
# 60,000 run's 600 active connections (the same traffic: what 54,000 idle sockets add). One
# namespace at a time.
if [[ $GROWTH -eq 1 ]]; then
    for g in 3000:60 3000:600 30000:600; do
        gc=${g%%:*} ga=${g##*:}
        gns=$NS_PREFIX-g$gc-$ga
        make_ns "$gns" "$gc" $(( gc / 1000 > HOLDERS ? gc / 1000 : HOLDERS )) "$ga"
        GSOCKS[$gc:$ga]=$MADE_SOCKETS
        check_sources "$gns" --sources ebpf ebpf
        for ((rep = 1; rep <= REPS; rep++)); do
            measure "$gns" ebpf "grow$gc-$ga.$rep"
        done
        for pid in "${PIDS[@]+"${PIDS[@]}"}"; do stop_pid "$pid"; done
        ip netns del "$gns"
    done
fi

# ---------------------------------------------------------------------------------------------
nh_cpu=$(values nethogs cpu_ms_per_s | median)
nh_rss=$(values nethogs rss_kb | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f×", a / b; else print "—"}'; }
mib() { awk '{printf "%.1f\n", $1 / 1024}'; }
echo
echo "## Idle: $SOCKS established TCP sockets ($CONNS loopback connections, $HOLDERS holders), no traffic"
echo
echo "Each tool alone in the namespace for ${WARMUP} s warm-up + ${SECONDS_WIN} s measured, $REPS reps interleaved;"
echo "median (min–max). CPU = utime+stime of the whole process from \`/proc/<pid>/stat\` (10 ms"
echo "ticks: ±$(awk -v w="$SECONDS_WIN" 'BEGIN {printf "%.2f", 10 / w}') ms/s resolution); \"sched\" = the threads' \`schedstat\` run time, ns"
echo "resolution. RSS = VmRSS at the end of the window, HWM = VmHWM. Sources actually used:"
echo "ebpf run [$SRC_EBPF], defaults [$SRC_DEFAULT], fallback [$SRC_NETLINK]."
echo "Load average (1 min) at the end of the windows: $(for key in "${TOOLS[@]}"; do values "$key" load1; done | minmax)"
echo "(after each rep: ${LOADS[*]})."
echo
echo "| tool | CPU ms/s | sched ms/s | CPU ÷ nethogs | RSS MiB | HWM MiB | RSS ÷ nethogs | threads | stderr lines |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for key in "${TOOLS[@]}"; do
    cpu=$(values "$key" cpu_ms_per_s | median)
    sched=$(values "$key" sched_ms_per_s | median)
    rss=$(values "$key" rss_kb | median)
    hwm=$(values "$key" hwm_kb | median)
    echo "| $(tool_label "$key") | $cpu ($(values "$key" cpu_ms_per_s | minmax)) |" \
        "$sched ($(values "$key" sched_ms_per_s | minmax)) | $(ratio "$cpu" "$nh_cpu") |" \
        "$(echo "$rss" | mib) ($(values "$key" rss_kb | mib | minmax)) | $(echo "$hwm" | mib) |" \
        "$(ratio "$rss" "$nh_rss") | $(values "$key" threads | median) |" \
        "$(values "$key" stderr_lines | tr '\n' ' ' | sed 's/ $//; s/ /, /g') |"
done

if [[ -n $DUMPS ]]; then
    echo
    echo "The fallback's steady cost against its sock_diag dumps alone, whole process against whole"
    echo "process (sched medians; issue 9's goal ≤ 1.3×): $(ratio "$(values netlink sched_ms_per_s | median)" "$(values dumps sched_ms_per_s | median)")"
fi

ss_cpu=$(first_vals ss | median)
echo
echo "## First cycle at $SOCKS sockets: one whole process, CPU ms (user+sys) and wall ms"
echo
echo "\`--once\` prints after one full interval (1 s), so sstop's wall time includes that sleep;"
echo "CPU is the comparable figure. $FIRST_REPS reps interleaved, median (min–max)."
echo
echo "| command | CPU ms | CPU ÷ ss | wall ms | max RSS MiB |"
echo "| --- | ---: | ---: | ---: | ---: |"
for key in "${FIRST[@]}"; do
    cpu=$(first_vals "$key" | median)
    echo "| \`$(first_cmd "$key" | sed "s|$SSTOP|sstop|")\` | $cpu ($(first_vals "$key" | minmax)) |" \
        "$(ratio "$cpu" "$ss_cpu") | $(first_wall "$key" | median) ($(first_wall "$key" | minmax)) |" \
        "$(first_rss "$key" | median) |"
done

if [[ $GROWTH -eq 1 ]]; then
    echo
    echo "## Cost growth: ebpf, active connections sending 64 bytes a second"
    echo
    echo "| sockets | active connections | CPU ms/s | sched ms/s | RSS MiB | HWM MiB |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
    for g in 3000:60 3000:600 30000:600; do
        gc=${g%%:*} ga=${g##*:} k=grow${g/:/-}
        echo "| ${GSOCKS[$g]} | $ga | $(values "$k" cpu_ms_per_s | median) ($(values "$k" cpu_ms_per_s | minmax)) |" \
            "$(values "$k" sched_ms_per_s | median) ($(values "$k" sched_ms_per_s | minmax)) |" \
            "$(values "$k" rss_kb | median | mib) | $(values "$k" hwm_kb | median | mib) |"
    done
    g6=$(values grow3000-60 sched_ms_per_s | median) g6b=$(values grow3000-600 sched_ms_per_s | median)
    g60=$(values grow30000-600 sched_ms_per_s | median)
    echo
    echo "Growth, 60,000 sockets with 1% active ÷ 6,000 with 1% active (sched medians): $(ratio "$g60" "$g6")"
    echo "Growth, 60,000 ÷ 6,000 sockets with the same 600 active connections: $(ratio "$g60" "$g6b")"
fi

# Where sstop's resident memory is (smaps_rollup of the last rep of each sstop run).
echo
echo "## Resident memory of the sstop runs (\`/proc/<pid>/smaps_rollup\`, last rep, kB)"
echo
echo "| run | Rss | Anonymous | file-backed (Rss − Anonymous) | Private_Dirty | Shared_Clean |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for key in ebpf netlink default; do
    f=$TMP/smaps.$key.$REPS
    [[ -e $f ]] || continue
    awk -v k="$(tool_label "$key")" '$1 == "Rss:" {r = $2} $1 == "Anonymous:" {a = $2}
        $1 == "Private_Dirty:" {pd = $2} $1 == "Shared_Clean:" {sc = $2}
        END {printf "| %s | %d | %d | %d | %d | %d |\n", k, r, a, r - a, pd, sc}' "$f"
done
if [[ -s $TMP/stderr.all ]]; then
    echo
    echo "## What the measured tools printed on stderr (run.rep: line; counted, first 20 distinct)"
    echo
    echo '```'
    sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+Z? ?//' "$TMP/stderr.all" | sort | uniq -c |
        sort -rn | head -20
    echo '```'
fi
echo
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
