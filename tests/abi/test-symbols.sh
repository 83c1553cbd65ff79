#!/bin/sh
# The public header, the version script and the shared library's exports
# agree: every CONSENT_EXTERN prototype is in libconsent.sym and exported,
# nothing else is exported, and every export sits under a version node.
. "${top_srcdir:-.}/tests/cli/tap.sh"

so="$top_builddir/libconsent/.libs/libconsent.so"
header="$top_srcdir/include/consent.h"
sym="$top_srcdir/libconsent/libconsent.sym"

# Names declared after CONSENT_EXTERN (the name is the identifier just
# before the first '(' that follows).
awk '/^CONSENT_EXTERN/ { want = 1 }
     want && /[a-z_0-9]+ *\(/ {
       match($0, /[a-z_0-9]+ *\(/); s = substr($0, RSTART, RLENGTH);
       sub(/ *\($/, "", s); print s; want = 0 }' "$header" |
  grep -v '^$' | sort >"$TMP/header"
sed -n 's/^ *\(consent_[a-z0-9_]*\);.*/\1/p' "$sym" | sort >"$TMP/sym"
nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^CONSENT_[0-9.]*$' |
  sort >"$TMP/exports"

[ -s "$TMP/header" ]
ok $? "the header declares $(wc -l <"$TMP/header") functions"
diff -u "$TMP/header" "$TMP/sym" >"$TMP/d1"
ok $? "header and version script list the same functions"
[ -s "$TMP/d1" ] && sed 's/^/# /' "$TMP/d1"
sed 's/@.*//' "$TMP/exports" | sort -u >"$TMP/names"
diff -u "$TMP/sym" "$TMP/names" >"$TMP/d2"
ok $? "the library exports exactly the version script's functions"
[ -s "$TMP/d2" ] && sed 's/^/# /' "$TMP/d2"
! grep -v '^consent_' "$TMP/names" >/dev/null
ok $? "every export starts with consent_"
! grep -v '@@\?CONSENT_[0-9]' "$TMP/exports" >/dev/null
ok $? "every export has a version node ($(sed 's/.*@@*//' "$TMP/exports" | sort -u | tr '\n' ' '))"

# On Windows the library's own build exports and its users import.
pp() { ${CC:-cc} -E -P -D_WIN32 "$@" -I"$top_srcdir/include" - <<'EOF2' 2>/dev/null
#include <consent.h>
CONSENT_EXTERN int x;
EOF2
}
pp -DCONSENT_BUILDING_LIBRARY | grep -q 'dllexport.*int x' &&
  pp | grep -q 'dllimport.*int x'
ok $? "CONSENT_EXTERN: dllexport building the library, dllimport using it"

done_testing
