#!/bin/bash
# robust_inputs.sh HFSIM CONFIGS WORK - inputs that once hung, overflowed or
# fooled the simulator (tests/ROBUSTNESS.md, "Inputs"). Each case: the exit
# code, the message, and no results folder. Exit 0 passed, 1 failed.
set -u
hfsim=$1 configs=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# expect EXIT TEXT WHAT -- ARGS...: hfsim ARGS exits EXIT, standard error
# holds TEXT, and the folder out/ was not written.
expect() {
  local want=$1 text=$2 what=$3
  shift 4
  rm -rf out
  timeout 60 "$hfsim" "$@" >stdout.txt 2>stderr.txt
  local rc=$?
  if [ $rc -ne "$want" ]; then
    fail "$what: exit $rc, expected $want: $(head -c 600 stderr.txt)"
  elif ! grep -qF -- "$text" stderr.txt; then
    fail "$what: expected \"$text\" in: $(head -c 600 stderr.txt)"
  elif [ -e out ]; then
    fail "$what: results were written"
  else
    echo "ok: $what (exit $rc)"
  fi
}
# a scenario in WORK using the real tables (absolute paths)
scenario() { # FILE [TEXT appended]
  sed -e "/^\[inputs\]/,/^\[/ s|^parameters = .*|parameters = ${2:-$configs/parameters.csv}|" \
    -e "s|^life_table = .*|life_table = ${3:-$configs/life_table_us_ssa_2020.csv}|" \
    -e "s|^utility_norms = .*|utility_norms = $configs/utility_norms_us_fryback2007.csv|" \
    -e "s|^price_index = .*|price_index = $configs/cpi_medical_care_us.csv|" \
    -e "s|^cost_price_years = .*|cost_price_years = $configs/cost_price_years.csv|" \
    -e "s|^targets_file = .*|targets_file = $configs/validation_targets.csv|" \
    "$configs/default.ini" >"$1"
}
small="--patients 200 --threads 1 --out out"

# ---- size limits and signals while reading ----------------------------------
expect 4 "larger than 64 MiB" "--config /dev/zero stops at the size limit" -- \
  run --config /dev/zero $small
mkfifo fifo
timeout 60 "$hfsim" check --config fifo 2>stderr.txt &
pid=$!
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "SIGINT while opening a FIFO: exit $rc, expected 130"
timeout 60 "$hfsim" check --config fifo 2>stderr.txt &
pid=$!
exec 3>fifo # a writer that never writes: the read blocks
sleep 0.3
kill -TERM $pid
wait $pid
rc=$?
exec 3>&-
[ $rc -eq 130 ] || fail "SIGTERM while reading a FIFO: exit $rc, expected 130"
grep -q "interrupted while" stderr.txt || fail "FIFO: $(cat stderr.txt)"
echo "ok: SIGINT/SIGTERM while opening or reading a FIFO (exit 130)"

# ---- the same text rules for INI and CSV ------------------------------------
scenario bom.ini
printf '\357\273\277' | cat - bom.ini >bom2.ini
printf '\357\273\277' | cat - "$configs/parameters.csv" >bom.csv
scenario bom3.ini "$work/bom.csv"
printf '\357\273\277' | cat - bom3.ini >bom4.ini
timeout 60 "$hfsim" check --config bom4.ini >/dev/null 2>stderr.txt ||
  fail "a byte-order mark in the INI and the CSV: $(cat stderr.txt)"
echo "ok: a byte-order mark is skipped in the INI and the CSV"
scenario nul.ini
printf 'x\0y\n' >>nul.ini
expect 3 "NUL byte" "a NUL byte in the INI" -- run --config nul.ini $small
{ head -c 3000 "$configs/parameters.csv"; printf '\0'; } >nul.csv
scenario nul2.ini "$work/nul.csv"
expect 3 "NUL byte" "a NUL byte in the CSV" -- run --config nul2.ini $small
scenario cr.ini
printf '[dsa]\rpatients = 10\n' >>cr.ini
expect 3 "carriage return inside a line" "a lone CR in the INI" -- \
  run --config cr.ini $small
{ head -n 3 "$configs/parameters.csv"; printf '"a\rb",1\n'; } >cr.csv
scenario cr2.ini "$work/cr.csv"
expect 3 "carriage return inside a line" "a CR in a quoted CSV field" -- \
  run --config cr2.ini $small
expect 3 "'0x10'" "a hexadecimal number in the INI" -- \
  run --config "$configs/default.ini" --set run.seed=0x10 $small
sed 's/^cost_mvd,[^,]*,/cost_mvd,0x7530,/' "$configs/parameters.csv" >hex.csv
scenario hex.ini "$work/hex.csv"
expect 3 "0x7530" "a hexadecimal number in the CSV" -- \
  run --config hex.ini $small
expect 3 "cost_mvd" "inf as a number (--set)" -- \
  run --config "$configs/default.ini" --set cost_mvd=inf $small

# ---- the life table: qx = 1 before the last age ------------------------------
awk -F, 'BEGIN{OFS=","} $1=="80" && $2=="male" {$3="1"} {print}' \
  "$configs/life_table_us_ssa_2020.csv" >lt.csv
scenario lt.ini "$configs/parameters.csv" "$work/lt.csv"
expect 3 "qx = 1 at age 80 (male) before the last age" \
  "qx = 1 before the last age" -- run --config lt.ini $small

# ---- overflow: an error naming the inputs, never an empty cell ---------------
expect 3 "cost_mvd = 1e+308" "costs near 1e308" -- \
  run --config "$configs/default.ini" --set cost_mvd=1e308 $small
expect 3 "the largest WTP: 1e+308" "a WTP near 1e308" -- \
  run --config "$configs/default.ini" --set economics.wtp=1e308 $small
expect 3 "not a finite number" "a WTP near 1e308 in the PSA" -- \
  psa --config "$configs/default.ini" --set economics.wtp=1e308 \
  --set psa.evppi= --iterations 12 --patients 20 --threads 1 --out out

# ---- no silent truncation -----------------------------------------------------
long="$work/$(printf 'd%.0s' $(seq 200))/$(printf 'e%.0s' $(seq 200))"
long="$long/$(printf 'f%.0s' $(seq 200))/$(printf 'g%.0s' $(seq 200))"
long="$long/$(printf 'h%.0s' $(seq 200))/$(printf 'i%.0s' $(seq 200))/out"
timeout 60 "$hfsim" run -q --config "$configs/default.ini" --patients 200 \
  --threads 1 --out "$long" 2>stderr.txt || fail "a long --out: $(cat stderr.txt)"
[ -f "$long/summary.csv" ] || fail "a --out of ${#long} bytes: results not there"
echo "ok: --out of ${#long} bytes is used whole"

# ---- check validates every section; the CEAC grid has a maximum --------------
expect 3 "[psa] iterations" "check: [psa] iterations = nan" -- \
  check --config "$configs/default.ini" --set psa.iterations=nan
expect 3 "[dsa] patients" "check: [dsa] patients = -1" -- \
  check --config "$configs/default.ini" --set dsa.patients=-1
expect 3 "evppi: unknown parameter" "check: an unknown EVPPI parameter" -- \
  check --config "$configs/default.ini" --set psa.evppi=cost_mvdd
scenario bad_scenario.ini
printf '\n[scenario broken]\ncost_mvd = cheap\n' >>bad_scenario.ini
expect 3 "[scenario broken] does not load: cost_mvd" \
  "check: a [scenario] that does not load" -- check --config bad_scenario.ini
expect 3 "at most 100000 are allowed" "check: a CEAC grid of 2e8 points" -- \
  check --config "$configs/default.ini" --set psa.ceac_wtp_step=0.001
expect 3 "at most 100000 are allowed" "psa: a CEAC grid of 2e8 points" -- \
  psa --config "$configs/default.ini" --set psa.ceac_wtp_step=0.001 \
  --iterations 12 --patients 20 --out out

# ---- allocation failures say what and how much --------------------------------
rm -rf out
(
  ulimit -v 4000000
  timeout 60 "$hfsim" psa -q --config "$configs/default.ini" \
    --iterations 100000000 --out out 2>stderr.txt
)
rc=$?
[ $rc -eq 1 ] || fail "psa --iterations 1e8 under 4 GB: exit $rc, expected 1"
grep -q "out of memory: 100000000 iterations need [0-9]* MiB" stderr.txt ||
  fail "psa --iterations 1e8: $(cat stderr.txt)"
echo "ok: psa --iterations 1e8 without the memory: says how much (exit 1)"

# ---- the PSA checkpoint: a checksum per line, values drawn again --------------
psa_args=(psa -q --config "$configs/default.ini" --iterations 400
  --patients 200 --threads 1 --set psa.evppi= --out p)
"$hfsim" "${psa_args[@]}" 2>/dev/null &
pid=$!
for _ in $(seq 200); do
  [ -f .p.psa-checkpoint ] && [ "$(wc -l <.p.psa-checkpoint)" -ge 5 ] && break
  sleep 0.05
done
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "the interrupted PSA: exit $rc, expected 130"
cp .p.psa-checkpoint good.ckpt
# a cost edited by hand: the checksum no longer matches
awk -F, 'BEGIN{OFS=","} NR==3 {$(NF-1)="12345"} {print}' good.ckpt \
  >.p.psa-checkpoint
expect 3 "checksum mismatch" "an edited checkpoint line" -- \
  "${psa_args[@]}" --resume
# a parameter edited and the checksum recomputed: drawn again, it differs
line=$(sed -n 3p good.ckpt)
body=${line%,#*}
IFS=, read -r -a f <<<"$body"
f[1]=7
body=$(IFS=,; echo "${f[*]}")
sum=$(printf '%s' "$body" | sha256sum | cut -c1-16)
{ sed -n 1,2p good.ckpt; echo "$body,#$sum"; sed -n '4,$p' good.ckpt; } \
  >.p.psa-checkpoint
expect 3 "the checkpoint was changed" "a forged checkpoint value" -- \
  "${psa_args[@]}" --resume
# nan with a valid checksum: damaged
f[1]=nan
body=$(IFS=,; echo "${f[*]}")
sum=$(printf '%s' "$body" | sha256sum | cut -c1-16)
{ sed -n 1,2p good.ckpt; echo "$body,#$sum"; sed -n '4,$p' good.ckpt; } \
  >.p.psa-checkpoint
expect 3 "damaged checkpoint line" "nan in a checkpoint" -- \
  "${psa_args[@]}" --resume
# the untouched checkpoint resumes
cp good.ckpt .p.psa-checkpoint
timeout 300 "$hfsim" "${psa_args[@]}" --resume 2>stderr.txt ||
  fail "the untouched checkpoint: $(cat stderr.txt)"
echo "ok: the untouched checkpoint resumes"

[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo PASSED
