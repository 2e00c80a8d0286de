#!/usr/bin/env bash
# A trimmed build: configure with -DSSTOP_PLUGINS="procnet;processes", install the components
# sstop, plugin-procnet and plugin-processes into a DESTDIR, and run the installed host:
# --list-plugins shows exactly those two, --json --once collects from procnet, and each
# default source or view that is not installed is reported in one line.
# Usage: trimmed_install_test.sh SOURCE_DIR WORK_DIR [WERROR]  (WERROR as the outer build's,
# so ccache hits what that build compiled)
set -euo pipefail
src=$1
work=$2
werror=${3:-OFF}
jobs=${SSTOP_TEST_JOBS:-2}
build=$work/build
dest=$work/dest
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$work"
rm -rf "$dest" "$work/bad"

# An unknown id is a configure error that names the plugins there are.
if cmake -S "$src" -B "$work/bad" -DSSTOP_PLUGINS="procnet;nosuch" >"$work/bad.log" 2>&1; then
  fail "SSTOP_PLUGINS=nosuch configured"
fi
{ grep -q "SSTOP_PLUGINS: no plugin 'nosuch'" "$work/bad.log" && grep -q 'procnet' "$work/bad.log"; } ||
  { cat "$work/bad.log"; fail "unknown plugin not reported"; }
# Tests need every plugin: asking for them in a trimmed build is an error too.
if cmake -S "$src" -B "$work/bad" -DSSTOP_PLUGINS=procnet -DSSTOP_BUILD_TESTS=ON \
    >"$work/bad.log" 2>&1; then
  fail "a trimmed build with tests configured"
fi
rm -rf "$work/bad"

# /usr/local: GNUInstallDirs puts plugins in lib/, next to bin/, where the host looks.
cmake -S "$src" -B "$build" -DSSTOP_PLUGINS="procnet;processes" -DSSTOP_BUILD_TESTS=OFF \
  -DSSTOP_BUILD_BENCH=OFF -DSSTOP_WERROR="$werror" -DCMAKE_INSTALL_PREFIX=/usr/local >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "configure"; }
grep -q "sstop: plugins: procnet processes" "$work/configure.log" ||
  { cat "$work/configure.log"; fail "configure did not pick exactly processes and procnet"; }
cmake --build "$build" -j"$jobs" >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; fail "build"; }
built=$(cd "$build/lib/sstop/plugins" && ls)
[ "$built" = $'processes.so\nprocnet.so' ] || fail "built plugins: $built"
# Only the host, its plugins and what they link were compiled: no test, bench or other plugin.
if grep -Eq "Building CXX.*(tests/|bench/|source-netlink|source-afpacket|view-hosts|exporter-)" \
    "$work/build.log"; then
  fail "the trimmed build compiled something it does not need"
fi

for c in sstop plugin-procnet plugin-processes; do
  DESTDIR=$dest cmake --install "$build" --component "$c" >/dev/null
done
root=$dest/usr/local
files=$(cd "$dest" && find . -type f | sort)
echo "$files"
for f in bin/sstop lib/sstop/plugins/procnet.so lib/sstop/plugins/processes.so \
    etc/sstop/sstop.yaml share/man/man1/sstop.1; do
  [ -f "$root/$f" ] || fail "not installed: $f"
done
[ "$(ls "$root/lib/sstop/plugins")" = $'processes.so\nprocnet.so' ] || fail "extra plugins installed"
[ ! -e "$root/include" ] || fail "the sstop component installed the SDK headers"
# The sdk component alone: headers and the CMake package, no binary.
DESTDIR=$work/sdk cmake --install "$build" --component sdk >/dev/null
[ -f "$work/sdk/usr/local/include/sstop/plugin.hpp" ] || fail "sdk: headers missing"
ls "$work/sdk/usr/local/lib/cmake/sstop-sdk/sstop-sdkConfig.cmake" >/dev/null || fail "sdk: package"
[ ! -e "$work/sdk/usr/local/bin" ] || fail "sdk component installed the host"
rm -rf "$work/sdk"

sstop=$root/bin/sstop
config=$root/etc/sstop/sstop.yaml
list=$("$sstop" --config "$config" --list-plugins)
echo "$list"
loaded=$(grep -c ' loaded ' <<<"$list" || true)
[ "$loaded" -eq 2 ] || fail "--list-plugins: $loaded plugins loaded, not 2"
grep -Eq '^procnet +source .* loaded ' <<<"$list" || fail "procnet not loaded"
grep -Eq '^processes +view .* loaded ' <<<"$list" || fail "processes not loaded"
for missing in "source 'netlink'" "source 'afpacket'" "view 'hosts'" "view 'ports'"; do
  [ "$(grep -c "missing: $missing is configured but not installed" <<<"$list")" -eq 1 ] ||
    fail "--list-plugins does not report $missing once"
done

# The snapshot goes through a file: on a busy host it is larger than an argument may be.
"$sstop" --config "$config" --json --once --interval 200ms >"$work/snapshot.json" 2>"$work/stderr"
cat "$work/stderr"
python3 - "$work/snapshot.json" <<'PY' || fail "--json --once"
import json, sys
with open(sys.argv[1]) as f:
    snap = json.loads(f.read())
assert snap["sources"] == ["procnet"], snap["sources"]
assert isinstance(snap["processes"], list)
PY
# Each missing default source is one line on stderr, and nothing else is said twice.
for id in ebpf netlink afpacket; do
  [ "$(grep -c "$id" "$work/stderr")" -eq 1 ] || fail "stderr does not name $id in one line"
done
[ "$(sort "$work/stderr" | uniq -d | wc -l)" -eq 0 ] || fail "a repeated line on stderr"
echo "PASS: trimmed install with procnet and processes"
