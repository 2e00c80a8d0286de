#!/usr/bin/env bash
# sstop-exporter.service (debian/sstop-plugin-prometheus.sstop-exporter.service):
#   verify: the unit keeps its command line and hardening, and `systemd-analyze verify`
#           accepts it (ExecStart pointed at the built binary: /usr/bin/sstop is not
#           installed here);
#   run:    the unit's command line, in the foreground, as an unprivileged user holding only
#           the unit's ambient capabilities (what DynamicUser= and AmbientCapabilities= give),
#           in a network namespace made here, with the config that installs as
#           /etc/sstop/exporter.yaml: it prints nothing, serves metrics on 127.0.0.1:9464
#           with the netlink and afpacket sources working, and exits 0 on SIGTERM.
# Usage: exporter_unit_test.sh verify|run SOURCE_DIR BINARY_DIR
set -euo pipefail
mode=$1
src=$2
bin=$3
unit=$src/debian/sstop-plugin-prometheus.sstop-exporter.service
sstop=$bin/bin/sstop
fail() { echo "FAIL: $*" >&2; exit 1; }
value() { sed -n "s/^$1=//p" "$unit"; }

command=$(value ExecStart)
[ "$command" = "/usr/bin/sstop --headless --config /etc/sstop/exporter.yaml" ] ||
  fail "ExecStart is '$command'"
caps=$(value AmbientCapabilities)

if [ "$mode" = verify ]; then
  command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 0; }
  [ "$(value DynamicUser)" = yes ] || fail "DynamicUser"
  [ "$(value NoNewPrivileges)" = yes ] || fail "NoNewPrivileges"
  [ "$(value ProtectSystem)" = strict ] || fail "ProtectSystem"
  [ "$(value ProtectHome)" = yes ] || fail "ProtectHome"
  [ "$(value PrivateTmp)" = yes ] || fail "PrivateTmp"
  [ "$(value RestrictAddressFamilies)" = "AF_NETLINK AF_PACKET AF_INET AF_INET6 AF_UNIX" ] ||
    fail "RestrictAddressFamilies"
  [ "$(value CapabilityBoundingSet)" = "$caps" ] || fail "bounding set differs from ambient set"
  [ "$caps" = "CAP_NET_RAW CAP_DAC_READ_SEARCH CAP_SYS_PTRACE" ] || fail "capabilities: $caps"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  sed "s#^ExecStart=/usr/bin/sstop #ExecStart=$sstop #" "$unit" >"$work/sstop-exporter.service"
  out=$(systemd-analyze verify --man=no "$work/sstop-exporter.service" 2>&1) ||
    { echo "$out"; fail "systemd-analyze verify"; }
  [ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify printed warnings"; }
  # The check is live: a unit with a mistake is refused.
  sed 's/^Type=exec$/Type=nosuchtype/' "$work/sstop-exporter.service" >"$work/bad.service"
  if out=$(systemd-analyze verify --man=no "$work/bad.service" 2>&1) && [ -z "$out" ]; then
    fail "systemd-analyze verify accepted a bad unit"
  fi
  echo "PASS: sstop-exporter.service verifies"
  exit 0
fi

[ "$mode" = run ] || fail "mode $mode"
[ "$(id -u)" -eq 0 ] && ip netns add "sstop-probe-$$" 2>/dev/null ||
  { echo "SKIP: needs root to make a network namespace"; exit 0; }
ip netns del "sstop-probe-$$"
ns=sstop-exporter-$$
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
# The unit's command line with the built binary and the config that installs as
# /etc/sstop/exporter.yaml. setpriv drops to nobody with the unit's capabilities as ambient
# ones (bounding set limited to them) and no_new_privs, as systemd would.
config=$src/plugins/exporter-prometheus/exporter.yaml
args=${command#/usr/bin/sstop }
args=${args/\/etc\/sstop\/exporter.yaml/$config}
setcaps=$(tr 'A-Z' 'a-z' <<<"$caps" | sed 's/cap_/+/g; s/ /,/g')
chmod 755 "$work"
# shellcheck disable=SC2086
ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
  --inh-caps="-all,$setcaps" --ambient-caps="$setcaps" --bounding-set="-all,$setcaps" \
  "$sstop" $args >"$work/stdout" 2>"$work/stderr" &
pid=$!
scrape() {
  ip netns exec "$ns" python3 -c '
import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:9464/metrics", timeout=2).read().decode())' \
    2>/dev/null
}
metrics=""
for _ in $(seq 1 50); do
  kill -0 "$pid" 2>/dev/null || { cat "$work/stderr"; fail "sstop exited"; }
  metrics=$(scrape || true)
  grep -q '^sstop_snapshot_seq [1-9]' <<<"$metrics" && break
  sleep 0.2
done
grep -q '^sstop_up 1' <<<"$metrics" || { echo "$metrics" | head; cat "$work/stderr"; fail "no metrics"; }
grep -q '^sstop_snapshot_seq [1-9]' <<<"$metrics" || fail "no snapshot after 10 s"
sources=$(grep '^sstop_sources_info' <<<"$metrics" || true)
grep -q 'netlink' <<<"$sources" || { echo "$sources"; cat "$work/stderr"; fail "netlink not active"; }
grep -q 'afpacket' <<<"$sources" || { echo "$sources"; cat "$work/stderr"; fail "afpacket not active (CAP_NET_RAW)"; }
kill -TERM "$pid"
rc=0
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid" || rc=$?
pid=""
[ "$rc" -eq 0 ] || { cat "$work/stderr"; fail "exit status $rc after SIGTERM"; }
[ ! -s "$work/stdout" ] || { head "$work/stdout"; fail "--headless printed to stdout"; }
cat "$work/stderr"
echo "PASS: the unit's command line serves metrics on 127.0.0.1:9464"
