#!/bin/sh
# The README's C example, as printed there: it compiles against the
# build tree and gates a page.
. "${top_srcdir:-.}/tests/cli/tap.sh"
if sanitized; then
  # (a plain cc cannot link the instrumented library; the normal build
  # runs this)
  skip "the README's C example" "sanitizer build"
  done_testing; exit
fi
awk '/^```c$/ {on = 1; next} on && /^```$/ {exit} on {print}' \
  "$top_srcdir/README.md" >"$TMP/gate.c"
grep -q "int main" "$TMP/gate.c"
ok $? "README.md has a complete C example"
lib="$top_builddir/libconsent/.libs"
${CC:-cc} -Wall -Wextra -Werror "$TMP/gate.c" -I"$top_srcdir/include" \
  -L"$lib" -Wl,-rpath,"$(cd "$lib" && pwd)" -lconsent -o "$TMP/gate" \
  2>"$TMP/cc.err"
ok $? "it compiles with -Wall -Wextra -Werror$(head -c 300 "$TMP/cc.err")"
"$TMP/gate" <"$top_srcdir/examples/article.html" >"$TMP/out.html" &&
  grep -q 'data-consent-provider="youtube"' "$TMP/out.html" &&
  ! grep -q '<iframe[^>]*src="https://www.youtube' "$TMP/out.html"
ok $? "it gates the sample article (YouTube becomes a placeholder)"
done_testing
