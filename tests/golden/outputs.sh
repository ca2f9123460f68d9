#!/bin/sh
# outputs.sh HFSIM CONFIG_DIR WORK_DIR - run the fixed set of small analyses
# whose CSV outputs a refactor must keep byte-identical, and print one line
# "sha256  command/file" per CSV (sorted). manifest.txt is left out: it holds
# times and the commit. Used by tests/golden/golden.cmake and to regenerate
# tests/golden/*.sha256 after a deliberate model change (see README.md,
# "Developers").
set -eu
hfsim=$1; cfg=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
q="--quiet --threads 2"
"$hfsim" run $q --config "$cfg/default.ini" --patients 3000 --patients-csv --out "$work/run"
"$hfsim" run $q --config "$cfg/sick_sicker.ini" --patients 3000 --patients-csv --out "$work/sick_sicker"
"$hfsim" psa $q --config "$cfg/default.ini" --iterations 40 --patients 200 --out "$work/psa"
"$hfsim" owsa $q --config "$cfg/default.ini" --patients 300 --out "$work/owsa"
"$hfsim" twsa $q --config "$cfg/default.ini" --patients 300 --param cost_mvd --param botox_p_primary_response --steps 3 --out "$work/twsa"
"$hfsim" scenarios $q --config "$cfg/default.ini" --patients 300 --out "$work/scenarios"
cd "$work"
find . -name '*.csv' | LC_ALL=C sort | while read -r f; do sha256sum "$f"; done
