#!/bin/sh
# run-suite.sh: the whole test suite (what './build.sh check' and CI run),
# after './build.sh build'.  Each part runs even when another failed; the
# last line totals the test results: "N passed, N failed".
#
#   1. make check in _build (unit, conformance, CLI, ABI tests)
#   2. the same suite built with AddressSanitizer + UBSan (_build-asan)
#   3. make distcheck: the release tarball builds, installs and passes
#   4. short libFuzzer runs of every fuzz target (tests/fuzz/run.sh)
#   5. consent-gate under valgrind: no leak, no error (tests/leaks.sh)
#   6. the library configured with --disable-previews (tests/no-previews.sh)
#   7. make install and a program linked as the README says (tests/install.sh)
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc)
passed=0
failed=0
parts=""

# Adds the counts of an automake test-suite.log.
count() {
  p=$(sed -n 's/^# PASS: *//p' "$1" | head -1)
  f=$(sed -n 's/^# FAIL: *//p' "$1" | head -1)
  e=$(sed -n 's/^# ERROR: *//p' "$1" | head -1)
  x=$(sed -n 's/^# XPASS: *//p' "$1" | head -1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
}

part() { # NAME RC
  if [ "$2" -eq 0 ]; then parts="$parts\n  ok      $1"
  else parts="$parts\n  FAILED  $1"; fi
}

corpus=$("$top/bench/corpus.sh" 2>&1) || {
  echo "run-suite: the benchmark corpus could not be fetched: $corpus"
  corpus="$top/.cache/missing-corpus"
}
export CONSENT_CORPUS="$corpus"

echo "== 1. make check"
make -C _build -j"$jobs" check >_build/check.out 2>&1
rc=$?
grep -E '^(FAIL|ERROR|XPASS)' _build/check.out
count _build/test-suite.log
part "make check" $rc
[ $rc -eq 0 ] || sed -n '/^FAIL\|^ERROR/,+0p' _build/test-suite.log

echo "== 2. make check with AddressSanitizer and UndefinedBehaviorSanitizer"
mkdir -p _build-asan
(cd _build-asan && { [ -f Makefile ] ||
  ../configure --quiet --enable-sanitizers CC=clang; } &&
  make -j"$jobs" >/dev/null 2>&1 &&
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  make -j"$jobs" check >check.out 2>&1)
rc=$?
grep -E '^(FAIL|ERROR|XPASS)' _build-asan/check.out
[ -f _build-asan/test-suite.log ] && count _build-asan/test-suite.log
[ $rc -eq 0 ] || [ -f _build-asan/test-suite.log ] || failed=$((failed + 1))
part "make check (ASan + UBSan)" $rc

echo "== 3. make distcheck"
make -C _build -j"$jobs" distcheck >_build/distcheck.out 2>&1
rc=$?
if [ $rc -eq 0 ]; then passed=$((passed + 1)); else
  failed=$((failed + 1)); tail -30 _build/distcheck.out; fi
part "make distcheck" $rc

# A part that prints TAP: its results count one by one.
tap_part() { # NAME LOG COMMAND...
  name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1
  rc=$?
  cat "$log"
  p=$(grep -c '^ok' "$log")
  f=$(grep -c '^not ok' "$log")
  passed=$((passed + p))
  failed=$((failed + f))
  [ $rc -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
  part "$name" $rc
}

echo "== 4. fuzzing (${FUZZ_SECONDS:-20} s a target)"
tap_part fuzzing _build/fuzz.out tests/fuzz/run.sh "${FUZZ_SECONDS:-20}"

echo "== 5. valgrind"
tap_part valgrind _build/leaks.out tests/leaks.sh

echo "== 6. a build without previews (configure --disable-previews)"
tap_part "build without previews" _build/nopreviews.out tests/no-previews.sh

echo "== 7. make install, as the README says"
tap_part "install" _build/install.out tests/install.sh

printf "\nParts:$parts\n\n"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
