#!/bin/sh
# installed.sh BUILD_DIR TMP - hfsim installs and runs like any Debian tool.
#
# `cmake --install` into a scratch prefix, then, from an empty folder with
# only PREFIX/bin on PATH, the README's examples run as written: `hfsim run`
# finds the installed default scenario and writes results/default/ under
# the current folder (nothing is written into the data directory); check,
# psa and the man page work. Then `cpack -G DEB` builds a .deb holding the
# program, the configs and the man page, with its library dependencies.
set -eu
build=$1
tmp=$2
rm -rf "$tmp"
mkdir -p "$tmp/work"
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
data="$tmp/prefix/share/hfsim"
[ -f "$data/configs/default.ini" ] || fail "no installed default.ini"
[ -f "$tmp/prefix/share/man/man1/hfsim.1" ] || fail "no man page"
before=$(find "$data" | sort)

cd "$tmp/work"
# the installed program, found on PATH, as a user types it
PATH="$tmp/prefix/bin:/usr/bin:/bin"
export PATH
unset HFSIM_DATA_DIR || :
[ "$(command -v hfsim)" = "$tmp/prefix/bin/hfsim" ] || fail "hfsim not on PATH"
hfsim check >/dev/null || fail "hfsim check"
hfsim run --patients 2000 --threads 1 >run.out || fail "hfsim run"
[ -s results/default/summary.csv ] || fail "no ./results/default/summary.csv"
[ -s results/default/cea.csv ] || fail "no ./results/default/cea.csv"
grep -q "^scenario: $data/configs/default.ini" results/default/manifest.txt ||
  fail "manifest.txt does not name the installed scenario"
hfsim psa --iterations 12 --patients 100 --threads 1 -q ||
  fail "hfsim psa"
[ -s results/default-psa/psa.csv ] || fail "no ./results/default-psa/psa.csv"
hfsim scenarios --patients 50 --threads 1 -q || fail "hfsim scenarios"
[ -s results/default-scenarios/scenarios.csv ] ||
  fail "no ./results/default-scenarios/scenarios.csv"
hfsim owsa --patients 20 --threads 1 -q || fail "hfsim owsa"
[ -s results/default-owsa/owsa.csv ] || fail "no ./results/default-owsa/owsa.csv"
# a copy of the configs in the current folder takes over
cp -r "$data/configs" configs
hfsim run --patients 500 --threads 1 -q --set cost_mvd=20000 ||
  fail "hfsim run with ./configs"
[ -s results/default/summary.csv ] || fail "./configs wrote elsewhere"
grep -q "^scenario: configs/default.ini" results/default/manifest.txt ||
  fail "./configs/default.ini was not preferred"
after=$(find "$data" | sort)
[ "$before" = "$after" ] || fail "something was written into $data"
groff -man -Tutf8 -ww -z "$tmp/prefix/share/man/man1/hfsim.1" ||
  fail "the man page has markup errors"

cd "$build"
cpack -G DEB -B "$tmp/pkg" >/dev/null || fail "cpack -G DEB"
deb=$(ls "$tmp"/pkg/hfsim_*.deb)
files=$(dpkg-deb -c "$deb")
for f in ./usr/bin/hfsim ./usr/share/hfsim/configs/default.ini \
  ./usr/share/hfsim/configs/parameters.csv ./usr/share/man/man1/hfsim.1; do
  echo "$files" | grep -q " $f\$" || fail "$deb lacks $f"
done
dpkg-deb -f "$deb" Depends | grep -q libgsl || fail "Depends lacks libgsl"
echo "installed under $tmp/prefix: run, check, psa, scenarios and owsa from an empty folder;" \
  "$(basename "$deb") built"
