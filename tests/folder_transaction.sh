#!/bin/bash
# folder_transaction.sh CASE HFSIM CONFIG WORK - the output folder is one
# transaction (include/hfsim/output.h), probed from outside the program.
# Exit 0 passed, 1 failed. tests/ROBUSTNESS.md lists the results.
#
#   faults       strace fault injection: every rename fails (EIO), the
#                switch is killed (SIGKILL at renameat2), the removal of the
#                old folder is killed; the folder is always the whole old
#                or the whole new one, and the next run removes what a
#                killed one left.
#   kills        SIGKILL at 20 random points of a run (a random file or
#                descriptor system call of a traced run, fixed seed): the
#                same invariants.
#   concurrent   30 pairs of runs (two seeds) into one folder at once: both
#                succeed (the second waits for the lock), and the folder is
#                exactly one run's results; --no-wait fails while the folder
#                is locked; SIGHUP ends a waiting and a running command.
#   planted      links planted where the lock file and a staging folder go
#                are not followed; a newline in an argument stays inside
#                its manifest line; write errors on standard output fail.
#   rerun        every command (run, psa, owsa, twsa, scenarios, verify,
#                calibrate) twice into its own folder, figures drawn, then
#                report twice (not of verify's folder: it has no figures):
#                each replaces the folder and leaves it whole; a folder of
#                an older hfsim (manifest without a file list) is replaced
#                too; a file of the user's in any of them stops the
#                command and report (exit 4) and is kept.
set -u
case_=$1 hfsim=$2 config=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
run() { # run SEED DIR [ARGS...]
  local seed=$1 dir=$2
  shift 2
  "$hfsim" run -q --config "$config" --patients 200 --threads 1 \
    --seed "$seed" --out "$dir" "$@"
}
# strace ARGS...: LeakSanitizer cannot run under ptrace (the sanitizer
# build runs this script too), so leak checking is off for traced runs.
traced() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"
}
# The CSV files of DIR and their hashes, one line each (sorted).
csv_sums() { (cd "$1" && sha256sum -- *.csv 2>/dev/null | LC_ALL=C sort); }
# DIR is whole (verify-folder) and holds exactly reference A's or B's CSVs.
expect_old_or_new() { # DIR A B WHAT
  local got
  got=$(csv_sums "$1")
  if ! "$hfsim" verify-folder "$1" >/dev/null 2>verify.err; then
    fail "$4: the folder is not whole: $(cat verify.err)"
  elif [ "$got" != "$(cat "$2")" ] && [ "$got" != "$(cat "$3")" ]; then
    fail "$4: the folder is neither the old nor the new results"
  fi
}
staging_count() { # PARENT NAME
  find "$1" -maxdepth 1 -name ".$2.hfsim-staging-*" | wc -l
}
expect_clean() { # PARENT NAME WHAT: no staging folder, no temporary
  local left
  left=$(find "$1" -maxdepth 1 -name ".$2.*" ! -name ".$2.hfsim-lock")
  [ -z "$left" ] || fail "$3: left behind: $left"
}

# references: seed 1 (the old results) and seed 2 (the new ones)
run 1 ref1 && run 2 ref2 || { echo "FAIL: reference runs"; exit 1; }
csv_sums ref1 >old.sums
csv_sums ref2 >new.sums
[ "$(cat old.sums)" != "$(cat new.sums)" ] || fail "seeds 1 and 2 agree"

fresh_old() { rm -rf out; run 1 out || fail "the old run"; }

case $case_ in
faults)
  # 1. every rename fails: exit 4, the old folder whole, nothing left
  fresh_old
  traced -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
    -e inject=rename,renameat,renameat2:error=EIO \
    "$hfsim" run -q --config "$config" --patients 200 --threads 1 \
    --seed 2 --out out 2>err.txt
  rc=$?
  [ $rc -eq 4 ] || fail "rename EIO: exit $rc, expected 4: $(cat err.txt)"
  grep -q "Input/output error" err.txt || fail "rename EIO: no reason given"
  [ "$(csv_sums out)" = "$(cat old.sums)" ] || fail "rename EIO: old changed"
  expect_old_or_new out old.sums old.sums "rename EIO"
  expect_clean . out "rename EIO"
  echo "rename fails (EIO): exit 4, the old folder whole, nothing left"

  # 2. killed at the switch, 3. killed while removing the old folder, 4.
  # killed at the first fsync of a result: the old or the new folder whole,
  # at most one staging folder, which the next run removes
  for inj in renameat2:signal=KILL unlinkat:signal=KILL:when=2 \
    fsync:signal=KILL:when=2 mkdir:signal=KILL:when=2; do
    fresh_old
    traced -f -qq -o /dev/null -e trace="${inj%%:*}" -e inject="$inj" \
      "$hfsim" run -q --config "$config" --patients 200 --threads 1 \
      --seed 2 --out out 2>/dev/null
    rc=$?
    [ $rc -eq 137 ] || fail "$inj: exit $rc, expected 137 (killed)"
    expect_old_or_new out old.sums new.sums "killed at $inj"
    n=$(staging_count . out)
    [ "$n" -le 1 ] || fail "killed at $inj: $n staging folders"
    run 2 out || fail "the run after the kill at $inj"
    expect_clean . out "the run after the kill at $inj"
    [ "$(csv_sums out)" = "$(cat new.sums)" ] || fail "after $inj: not new"
    echo "killed at $inj: a whole folder, $n staging folder(s), removed by the next run"
  done
  ;;

kills)
  # the system calls of one traced run (one thread: the same sequence
  # every time), then SIGKILL at random ones of them
  fresh_old
  traced -qq -o calls.txt -e trace=%file,%desc,fsync,flock \
    "$hfsim" run -q --config "$config" --patients 200 --threads 1 \
    --seed 2 --out out || fail "the traced run"
  sed -E 's/^([a-z0-9_]+)\(.*/\1/' calls.txt | grep -E '^[a-z0-9_]+$' \
    >names.txt
  total=$(wc -l <names.txt)
  [ "$total" -gt 50 ] || fail "only $total system calls traced"
  RANDOM=20261201 # fixed: the same points every time
  old_n=0 new_n=0
  for i in $(seq 20); do
    # (from call 2: call 1 is the execve that starts hfsim, which strace
    # reports on its return, when a signal no longer interrupts it)
    k=$(((RANDOM * 32768 + RANDOM) % (total - 1) + 2))
    name=$(sed -n "${k}p" names.txt)
    when=$(head -n "$k" names.txt | grep -cx "$name")
    fresh_old
    traced -qq -o /dev/null -e trace="$name" \
      -e inject="$name:signal=KILL:when=$when" \
      "$hfsim" run -q --config "$config" --patients 200 --threads 1 \
      --seed 2 --out out 2>/dev/null
    rc=$?
    what="SIGKILL at call $k of $total ($name #$when)"
    [ $rc -eq 137 ] || fail "$what: exit $rc, expected 137"
    expect_old_or_new out old.sums new.sums "$what"
    if [ "$(csv_sums out)" = "$(cat new.sums)" ]; then
      new_n=$((new_n + 1))
    else
      old_n=$((old_n + 1))
    fi
    n=$(staging_count . out)
    [ "$n" -le 1 ] || fail "$what: $n staging folders"
    run 1 out || fail "the run after $what"
    expect_clean . out "the run after $what"
    echo "$what: whole; $n staging folder(s), removed by the next run"
  done
  echo "20 kills: $old_n left the old folder, $new_n the new one"
  ;;

concurrent)
  mixed=0
  for i in $(seq 30); do
    rm -rf out
    run 1 out 2>err1.txt &
    p1=$!
    run 2 out 2>err2.txt &
    p2=$!
    wait $p1
    r1=$?
    wait $p2
    r2=$?
    [ $r1 -eq 0 ] && [ $r2 -eq 0 ] ||
      fail "pair $i: exit $r1 and $r2: $(cat err1.txt err2.txt)"
    got=$(csv_sums out)
    if [ "$got" != "$(cat old.sums)" ] && [ "$got" != "$(cat new.sums)" ]; then
      mixed=$((mixed + 1))
    fi
    expect_old_or_new out old.sums new.sums "pair $i"
    expect_clean . out "pair $i"
  done
  [ $mixed -eq 0 ] || fail "$mixed of 30 folders mixed"
  echo "30 concurrent pairs: $mixed mixed folders"

  # a long run holds the lock: --no-wait fails at once, a waiting run and
  # the long one end on SIGHUP (exit 130), nothing is left
  fresh_old
  "$hfsim" run -q --config "$config" --patients 3000000 --threads 1 \
    --seed 2 --out out 2>long.txt &
  long=$!
  for _ in $(seq 100); do
    [ "$(staging_count . out)" -ge 1 ] && break
    sleep 0.05
  done
  run 2 out --no-wait 2>nowait.txt
  rc=$?
  [ $rc -eq 4 ] || fail "--no-wait: exit $rc, expected 4"
  grep -q "another hfsim command is writing this folder" nowait.txt ||
    fail "--no-wait: $(cat nowait.txt)"
  # not through run(): $! must be hfsim itself, not a subshell
  "$hfsim" run -q --config "$config" --patients 200 --threads 1 \
    --seed 2 --out out 2>waiting.txt &
  waiting=$!
  for _ in $(seq 100); do
    grep -q "waiting for it" waiting.txt && break
    sleep 0.05
  done
  grep -q "waiting for it" waiting.txt || fail "the second run does not wait"
  kill -HUP $waiting
  wait $waiting
  rc=$?
  [ $rc -eq 130 ] || fail "SIGHUP while waiting: exit $rc, expected 130"
  kill -HUP $long
  wait $long
  rc=$?
  [ $rc -eq 130 ] || fail "SIGHUP: exit $rc, expected 130: $(cat long.txt)"
  [ "$(csv_sums out)" = "$(cat old.sums)" ] || fail "SIGHUP: old changed"
  expect_clean . out "SIGHUP"
  echo "--no-wait: exit 4; SIGHUP (waiting, running): exit 130, nothing left"
  ;;

planted)
  # a link where the lock file goes: refused, its target untouched
  mkdir -p victim
  echo "do not touch" >victim/file
  ln -s "$work/victim/file" .a.hfsim-lock
  run 1 a 2>err.txt
  rc=$?
  [ $rc -eq 4 ] || fail "planted lock link: exit $rc, expected 4"
  [ "$(cat victim/file)" = "do not touch" ] || fail "the lock link was followed"
  [ ! -e a ] || fail "planted lock link: results written"
  # a link named like a stale staging folder: removed, not followed
  ln -s "$work/victim" .b.hfsim-staging-AbCdEf
  run 1 b || fail "the run beside a planted staging link"
  [ "$(cat victim/file)" = "do not touch" ] || fail "the staging link was followed"
  [ ! -L .b.hfsim-staging-AbCdEf ] || fail "the stale staging link was kept"
  # the output folder itself a link: refused
  ln -s "$work/ref1" c
  run 1 c 2>err.txt
  rc=$?
  [ $rc -eq 4 ] || fail "output folder a link: exit $rc, expected 4"
  grep -q "symbolic link" err.txt || fail "link: $(cat err.txt)"
  echo "planted links: not followed"

  # a newline in an argument stays inside its manifest line
  nl_dir=$'d\nfile: evil.csv bytes=1 sha256=0'
  run 1 "$nl_dir" || fail "a folder name with a newline"
  if grep -q '^file: evil' "$nl_dir/manifest.txt"; then
    fail "a newline in --out injected a manifest line"
  fi
  "$hfsim" verify-folder "$nl_dir" >/dev/null || fail "verify-folder of it"
  echo "newline in an argument: escaped in manifest.txt"

  # one folder belongs to one command
  "$hfsim" psa -q --config "$config" --iterations 12 --patients 20 \
    --set psa.evppi= --out ref1 2>err.txt
  rc=$?
  [ $rc -eq 4 ] || fail "psa into run's folder: exit $rc, expected 4"
  grep -q "holds the results of 'hfsim run'" err.txt ||
    fail "psa into run's folder: $(cat err.txt)"
  [ "$(csv_sums ref1)" = "$(cat old.sums)" ] || fail "psa changed run's folder"
  # a folder of someone else's files is not replaced
  mkdir mine && echo work >mine/thesis.txt
  run 1 mine 2>err.txt
  [ $? -eq 4 ] && [ "$(cat mine/thesis.txt)" = work ] ||
    fail "a foreign folder: $(cat err.txt)"
  echo "psa into a run folder, a foreign folder: refused (exit 4)"

  # write errors on standard output
  "$hfsim" dictionary --config "$config" >/dev/full 2>err.txt
  rc=$?
  [ $rc -eq 4 ] || fail "dictionary > /dev/full: exit $rc, expected 4"
  grep -q "standard output" err.txt || fail "/dev/full: $(cat err.txt)"
  # a pipe whose reading end is already closed (not `| head`: a short
  # output fits in the pipe's buffer before head exits)
  rc=$(python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
print(subprocess.call(sys.argv[1:], stdout=w, stderr=open("err.txt", "w")))' \
    "$hfsim" dictionary --config "$config")
  [ "$rc" = 4 ] || fail "dictionary into a closed pipe: exit $rc, expected 4"
  grep -q "Broken pipe" err.txt || fail "closed pipe: $(cat err.txt)"
  echo "standard output on a full disk or a closed pipe: exit 4"
  ;;
rerun)
  configs=$(dirname "$config")
  ss="$configs/sick_sicker.ini"
  small=(--patients 20 --threads 1)
  cmd_args() { # NAME: the command line (words) of that folder's command
    case $1 in
    run) echo run -q --config "$config" --patients 200 --threads 1 ;;
    psa) echo psa -q --config "$config" --iterations 12 "${small[@]}" \
      --set psa.evppi= ;;
    owsa) echo owsa -q --config "$config" "${small[@]}" ;;
    twsa) echo twsa -q --config "$config" --param cost_mvd \
      --param utility_cured --steps 3 "${small[@]}" ;;
    scenarios) echo scenarios -q --config "$config" "${small[@]}" ;;
    verify) echo verify -q --config "$config" --patients 200 ;;
    calibrate) echo calibrate -q --config "$ss" --patients 100 --threads 1 \
      --set calibration.evaluations=10 --set calibration.sir_draws=20 ;;
    esac
  }
  for c in run psa owsa twsa scenarios verify calibrate; do
    # (no folder name holds a space: word splitting is safe here)
    # shellcheck disable=SC2046
    for round in 1 2; do
      "$hfsim" $(cmd_args $c) --out "$c" 2>err.txt >/dev/null ||
        fail "$c, round $round: exit $?: $(cat err.txt)"
    done
    # (a verification folder has no figures, and no report)
    if [ $c != verify ]; then
      [ -d "$c/figures" ] || fail "$c: no figures/"
      "$hfsim" report -q "$c" 2>err.txt || fail "report $c: $(cat err.txt)"
      "$hfsim" report -q "$c" 2>err.txt ||
        fail "report $c again: $(cat err.txt)"
    fi
    "$hfsim" verify-folder -q "$c" 2>err.txt || fail "$c: $(cat err.txt)"
    # shellcheck disable=SC2046
    "$hfsim" $(cmd_args $c) --out "$c" 2>err.txt >/dev/null ||
      fail "$c after report: $(cat err.txt)"
    echo "mine" >"$c/notes.txt"
    # shellcheck disable=SC2046
    "$hfsim" $(cmd_args $c) --out "$c" 2>err.txt >/dev/null
    rc=$?
    [ $rc -eq 4 ] && grep -q "$c/notes.txt: error: a file not listed" err.txt ||
      fail "$c with notes.txt: exit $rc: $(cat err.txt)"
    [ "$(cat "$c/notes.txt")" = mine ] || fail "$c: notes.txt lost"
    "$hfsim" report -q "$c" 2>err.txt
    rc=$?
    [ $rc -eq 4 ] && [ "$(cat "$c/notes.txt")" = mine ] ||
      fail "report $c with notes.txt: exit $rc: $(cat err.txt)"
  done
  echo "every command, run twice, then report twice: replaced, whole;" \
    "a file of the user's: refused and kept"
  # a folder of an older hfsim: its manifest lists no files
  run 1 old || fail "the run for the older folder"
  grep -v -e '^file: ' -e '^folder_command: ' old/manifest.txt >m.txt
  mv m.txt old/manifest.txt
  rm -rf old/figures old/report.html
  run 2 old 2>err.txt || fail "an older hfsim's folder: $(cat err.txt)"
  "$hfsim" verify-folder -q old 2>err.txt || fail "old: $(cat err.txt)"
  grep -v -e '^file: ' -e '^folder_command: ' old/manifest.txt >m.txt
  mv m.txt old/manifest.txt
  echo "mine" >old/notes.txt
  run 2 old 2>err.txt
  rc=$?
  [ $rc -eq 4 ] && grep -q "a file that hfsim does not write" err.txt ||
    fail "an older folder with notes.txt: exit $rc: $(cat err.txt)"
  echo "an older hfsim's folder: replaced; with a file of the user's: refused"
  ;;
*)
  echo "unknown case $case_"
  exit 1
  ;;
esac
[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo PASSED
