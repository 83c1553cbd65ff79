#!/bin/sh
# libconsent-api(3) and the PHP FFI declarations are in step with
# include/consent.h, the tag table with its generator, the man page documents every exported function; the
# man pages format without warnings.
. "${top_srcdir:-.}/tests/cli/tap.sh"
/usr/bin/python3 "$top_srcdir/tools/gen-man-api.py" "$top_srcdir/include/consent.h" >"$TMP/api.3"
cmp -s "$TMP/api.3" "$top_srcdir/doc/libconsent-api.3"
ok $? "doc/libconsent-api.3 is in step with include/consent.h (tools/gen-man-api.py)"
# The PHP binding's FFI declarations are generated the same way.
sh "$top_srcdir/tools/gen-php-ffi.sh" >"$TMP/ffi.h" 2>"$TMP/ffi.err" &&
  cmp -s "$TMP/ffi.h" "$top_srcdir/bindings/php/src/libconsent-ffi.h"
ok $? "bindings/php/src/libconsent-ffi.h is in step with include/consent.h (tools/gen-php-ffi.sh; make update-bindings)$(head -c 200 "$TMP/ffi.err")"
/usr/bin/python3 "$top_srcdir/tools/gen-py-constants.py" "$top_srcdir/include/consent.h" \
  >"$TMP/const.py" 2>"$TMP/const.err" &&
  cmp -s "$TMP/const.py" "$top_srcdir/bindings/python/consent/_constants.py"
ok $? "bindings/python/consent/_constants.py is in step with include/consent.h (tools/gen-py-constants.py)$(head -c 200 "$TMP/const.err")"
# The tag table the tokenizer, matcher and rewriter share.
mkdir -p "$TMP/tags" &&
  /usr/bin/python3 "$top_srcdir/tools/gen-tags.py" "$TMP/tags" >/dev/null &&
  cmp -s "$TMP/tags/tags.h" "$top_srcdir/libconsent/tags.h" &&
  cmp -s "$TMP/tags/tags.c" "$top_srcdir/libconsent/tags.c"
ok $? "libconsent/tags.h and tags.c are in step with tools/gen-tags.py"
missing=""
for s in $(sed -n 's/^ *\(consent_[a-z0-9_]*\);$/\1/p' "$top_srcdir/libconsent/libconsent.sym"); do
  grep -q "^\.SS $s\$" "$top_srcdir/doc/libconsent-api.3" || missing="$missing $s"
done
[ -z "$missing" ]
ok $? "every exported function has its entry in libconsent-api(3)${missing:+ (missing:$missing)}"
for page in libconsent.3 libconsent-api.3 consent-gate.1; do
  if command -v groff >/dev/null 2>&1; then
    warn=$(groff -man -Tutf8 -ww -z "$top_srcdir/doc/$page" 2>&1)
    [ -z "$warn" ]
    ok $? "man page $page formats without warnings$(echo "$warn" | head -2)"
  else
    skip "man page $page formats without warnings" "groff is not installed"
  fi
done
done_testing
