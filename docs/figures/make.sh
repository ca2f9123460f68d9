#!/bin/sh
# docs/figures/make.sh - remake the figures shown in README.md ("Figures and
# report") from real runs of the default scenario.
#
# Run from the repository folder after building:
#     docs/figures/make.sh [build/hfsim]
# It runs each analysis into a scratch folder (each command draws its own
# figures and report.html), then copies the PNGs here. About a minute on
# two cores.
set -eu
HFSIM=${1:-build/hfsim}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
HERE=docs/figures

"$HFSIM" run --patients 4096 --target-se 600 --out "$OUT/run" --quiet
"$HFSIM" psa --iterations 300 --patients 500 --out "$OUT/psa" --quiet
"$HFSIM" owsa --patients 2000 --out "$OUT/owsa" --quiet
"$HFSIM" twsa --param cost_mvd=20000:150000 --param utility_cured=0.75:0.95 \
  --steps 9 --patients 1000 --out "$OUT/twsa" --quiet
"$HFSIM" scenarios --patients 2000 --out "$OUT/scenarios" --quiet
"$HFSIM" calibrate --config configs/sick_sicker.ini --out "$OUT/calibrate" \
  --quiet

for f in run/ce_plane run/trace run/symptom_free run/convergence_run psa/psa_cloud psa/ceac \
  psa/evpi psa/evppi psa/convergence_psa owsa/tornado_decision \
  owsa/tornado_nmb_mvd twsa/twsa_map scenarios/scenarios \
  calibrate/calibration_fit calibrate/posterior_pairs; do
  cp "$OUT/${f%%/*}/figures/${f#*/}.png" "$HERE/"
done
"$HFSIM" --version > "$HERE/VERSION"
echo "wrote $HERE/*.png and $HERE/VERSION"
