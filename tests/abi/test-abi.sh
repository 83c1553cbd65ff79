#!/bin/sh
# The built library against the committed ABI baseline (abidiff).  Any
# incompatible change fails; added functions are fine.  A deliberate
# change updates the baseline (make update-abi) in the same commit.
. "${top_srcdir:-.}/tests/cli/tap.sh"

so="$top_builddir/libconsent/.libs/libconsent.so"
base="$top_srcdir/tests/abi/libconsent.abi"
if ! command -v abidiff >/dev/null 2>&1; then
  ok 1 "abidiff is installed (Debian package abigail-tools)"
  done_testing; exit
fi
abidiff --no-added-syms --suppressions "$top_srcdir/tests/abi/suppressions.txt" \
  --headers-dir2 "$top_srcdir/include" "$base" "$so" >"$TMP/diff" 2>&1
rc=$?
sed 's/^/# /' "$TMP/diff"
# abidiff exits 0 when nothing but added functions differ; 4 is an ABI
# change (a changed parameter or type), 8 an incompatible one, 1-3 errors.
# All of them fail: a deliberate change comes with a new baseline.
[ $rc -eq 0 ]
ok $? "no ABI change against tests/abi/libconsent.abi (abidiff exit $rc)"
done_testing
