#!/bin/sh
# no_model_names.sh MODEL_NAMES SOURCE_DIR - no file outside src/models/
# names an outcome, parameter, trace state or treatment of the hemifacial
# spasm model: the engine, the writers, the analyses and the command layer
# read the model class table instead (README.md, "Style notes").
#
# The names come from the program (tests/model_names.c prints the hfs
# model's outcomes, parameters and states that no other model uses) and
# from configs/default.ini (the treatments in its strategies' `lines`).
# Searched: src/ except src/models/, and include/. A name counts as a whole
# word (letters, digits and _ around it end it).
set -eu
names=$1; src=$2
list=$(mktemp)
trap 'rm -f "$list"' EXIT
"$names" hfs > "$list"
sed -n 's/^lines *= *//p' "$src/configs/default.ini" | tr ',' '\n' |
  sed 's/^ *//; s/ *$//' | grep -v '^none$' >> "$list"
n=$(sort -u "$list" | wc -l)
# the extraction itself must work: the model has dozens of names
if [ "$n" -lt 50 ]; then
  echo "no_model_names: only $n names found; the extraction is broken" >&2
  exit 1
fi
hits=$(cd "$src" && sort -u "$list" |
  grep -rnwF -f - src include --exclude-dir=models || true)
if [ -n "$hits" ]; then
  echo "names of the hfs model outside src/models/:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "no_model_names: $n names, none outside src/models/"
