#!/bin/sh
# no-previews.sh: the library configured with --disable-previews (in
# _build-nopreviews): it builds, links neither libcurl nor pthreads, gates
# as before, and says clearly that previews are left out.  Prints TAP.
top=$(cd "$(dirname "$0")/.." && pwd)
b="$top/_build-nopreviews"
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
  echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
mkdir -p "$b"
(cd "$b" && { [ -f Makefile ] || "$top/configure" --quiet --disable-previews; } &&
  make -j"$(nproc)" >make.log 2>&1)
ok $? "configure --disable-previews && make"
lib="$b/libconsent/.libs/libconsent.so"
! ldd "$lib" 2>/dev/null | grep -Eq "libcurl|libpthread"
ok $? "the library links neither libcurl nor libpthread"
! grep -q "libcurl" "$b/libconsent.pc"
ok $? "libconsent.pc does not require libcurl"
"$b/tools/consent-gate" "$top/examples/article.html" >"$b/article.out" &&
  "$top/_build/tools/consent-gate" "$top/examples/article.html" | cmp -s - "$b/article.out"
ok $? "it gates the sample article as the full build does"
mkdir -p "$b/pv"
"$b/tools/consent-gate" --previews "$b/pv" "$top/examples/article.html" >/dev/null 2>"$b/err"
[ $? -ne 0 ] && grep -q "leaves the feature out" "$b/err"
ok $? "--previews: refused with a clear message ($(cat "$b/err"))"
abidiff --no-added-syms "$top/_build/libconsent/.libs/libconsent.so" "$lib" >"$b/abidiff.out" 2>&1
ok $? "the same ABI as the full build (abidiff)"
echo "1..$n"
[ $failed -eq 0 ]
