#!/bin/sh
# consent-gate's command line: options, messages and exit codes.
. "${top_srcdir:-.}/tests/cli/tap.sh"

"$GATE" --help >"$TMP/out" 2>"$TMP/err"
ok $? "--help exits 0"
grep -q '^Usage: consent-gate \[OPTIONS\] \[FILE\]' "$TMP/out"
ok $? "--help prints the usage on standard output"

"$GATE" --version >"$TMP/out"
ok $? "--version exits 0"
grep -Eq '^consent-gate \(libconsent\) [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/out"
ok $? "--version prints the version: $(cat "$TMP/out")"

"$GATE" --no-such-option </dev/null >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "Try 'consent-gate --help'" "$TMP/err" && [ ! -s "$TMP/out" ]
ok $? "an unknown option exits 2 with a hint on standard error"

"$GATE" a b </dev/null >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "one input file at most" "$TMP/err"
ok $? "two input files exit 2"

"$GATE" --max-buffer 12 </dev/null >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "max-buffer" "$TMP/err"
ok $? "a bad --max-buffer exits 2 and names the option"

"$GATE" "$TMP/missing.html" >"$TMP/out" 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "cannot open '$TMP/missing.html': No such file" "$TMP/err"
ok $? "a missing file exits 1 and names the file"

"$GATE" "$TMP" >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "cannot read" "$TMP/err"
ok $? "a directory as input exits 1: $(cat "$TMP/err")"

if [ -w /dev/full ]; then
  printf '<p>x</p>' | "$GATE" >/dev/full 2>"$TMP/err"
  [ $? -eq 1 ] && grep -q "cannot write" "$TMP/err"
  ok $? "a full disk exits 1: $(cat "$TMP/err")"
fi

printf '<p>stdin</p>' | "$GATE" >"$TMP/out"
[ $? -eq 0 ] && [ "$(cat "$TMP/out")" = "<p>stdin</p>" ]
ok $? "reads standard input without a file"

printf '<p>dash</p>' | "$GATE" - >"$TMP/out"
[ $? -eq 0 ] && [ "$(cat "$TMP/out")" = "<p>dash</p>" ]
ok $? "reads standard input for -"

printf '<p>file</p>' >"$TMP/in.html"
"$GATE" -o "$TMP/o.html" "$TMP/in.html" && cmp -s "$TMP/in.html" "$TMP/o.html"
ok $? "-o writes to a file"

"$GATE" </dev/null >"$TMP/out"
[ $? -eq 0 ] && [ ! -s "$TMP/out" ]
ok $? "empty input gives empty output"

done_testing
