#!/bin/sh
# run.sh [SECONDS] [TARGET...]: builds the libFuzzer targets with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer into _build-fuzz/ and
# runs each for SECONDS (default 20) from its committed seed corpus
# (tests/fuzz/corpus/TARGET; new inputs go to _build-fuzz, never into the
# source tree), after replaying its regression inputs once each
# (tests/fuzz/regress/TARGET).  Prints TAP; a crash, leak or failed check fails.
#
#   tests/fuzz/run.sh 600 cookie     # a long run of one target
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
[ $# -gt 0 ] && shift
targets=${*:-tokenizer gate gzip cookie providers banners}
out=${FUZZ_OUT:-$top/_build-fuzz}
mkdir -p "$out"
CC=${FUZZ_CC:-clang}

awk -v name=consent__builtin_providers -f "$top/tools/embed.awk" \
  "$top/libconsent/providers.conf" >"$out/providers-builtin.c"
awk -v name=consent__asset_js -v strip=1 -f "$top/tools/embed.awk" \
  "$top/libconsent/assets/consent.js" >"$out/assets-js.c"
awk -v name=consent__asset_css -f "$top/tools/embed.awk" \
  "$top/libconsent/assets/consent.css" >"$out/assets-css.c"
awk -v name=consent__asset_guard -v strip=1 -f "$top/tools/embed.awk" \
  "$top/libconsent/assets/guard.js" >"$out/assets-guard.c"
src=""
for f in "$top"/libconsent/*.c; do
  case $f in */version.c|*/previews-off.c) ;; *) src="$src $f" ;; esac
done
n=0
failed=0

# A step that failed: its TAP line, then the lines of its log that say
# why (the sanitizer's report, the input that failed).
report_failure() { # TAP-LINE LOG
  echo "$1"
  grep -E 'ERROR|SUMMARY|Running:|Test unit written|deadly' "$2" |
    tail -10 | sed 's/^/# /'
  failed=$((failed + 1))
}
for t in $targets; do
  n=$((n + 1))
  # shellcheck disable=SC2086
  if ! $CC -g -O1 -fsanitize=fuzzer,address,undefined \
      -fno-sanitize-recover=undefined -I"$top/include" -I"$top/libconsent" \
      "$top/tests/fuzz/fuzz-$t.c" $src "$out/providers-builtin.c" \
      "$out/assets-js.c" "$out/assets-css.c" "$out/assets-guard.c" \
      $(pkg-config --cflags --libs libcrypto zlib libbrotlidec libbrotlienc libzstd jansson libcurl) -lpthread -o "$out/fuzz-$t" \
      2>"$out/build-$t.log"; then
    echo "not ok $n - fuzz-$t builds"
    sed 's/^/# /' "$out/build-$t.log" | tail -20
    failed=$((failed + 1))
    continue
  fi
  # Inputs that once failed (tests/fuzz/regress/TARGET) are replayed
  # once each, as they are.  They are not mutation seeds: mutating the
  # newest of them reaches the open issues named in the notes within
  # seconds, and this short run is a smoke test, not the long hunt.
  reg="$top/tests/fuzz/regress/$t"
  if [ -d "$reg" ]; then
    nreg=$(find "$reg" -type f | wc -l)
    # shellcheck disable=SC2046
    if "$out/fuzz-$t" -timeout=10 -rss_limit_mb=2048 \
        $(find "$reg" -type f | sort) >"$out/regress-$t.log" 2>&1; then
      echo "ok $n - fuzz-$t: $nreg regression inputs replayed"
    else
      report_failure "not ok $n - fuzz-$t: a regression input fails" \
        "$out/regress-$t.log"
    fi
    n=$((n + 1))
  fi
  mkdir -p "$out/corpus-$t"
  # The gate also starts from the host suite's pages (trackers and the
  # notice, the script-built embeds).
  extra=""
  [ "$t" = gate ] && extra="$top/tests/hosts/site"
  # shellcheck disable=SC2086
  "$out/fuzz-$t" -max_total_time="$secs" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/" \
    "$out/corpus-$t" \
    "$top/tests/fuzz/corpus/$t" $extra >"$out/run-$t.log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/run-$t.log")
  cov=$(grep -o 'cov: [0-9]*' "$out/run-$t.log" | tail -1)
  if [ $rc -eq 0 ]; then
    echo "ok $n - fuzz-$t: ${secs} s, ${runs:-?} runs, ${cov:-cov: ?}"
  else
    report_failure "not ok $n - fuzz-$t: exit $rc after ${runs:-?} runs" \
      "$out/run-$t.log"
  fi
done
echo "1..$n"
[ $failed -eq 0 ]
