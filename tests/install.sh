#!/bin/sh
# install.sh: the README's "Building by hand" and "Linking" lines as they
# are printed: make install (from _build, prefix /usr/local), then a
# program built with `cc app.c $(pkg-config --cflags --libs libconsent)`
# runs at once (no LD_LIBRARY_PATH, no manual ldconfig); make uninstall
# leaves nothing behind.  Needs root (CI runs as root).  Prints TAP.
top=$(cd "$(dirname "$0")/.." && pwd)
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
  echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
if [ "$(id -u)" -ne 0 ]; then
  echo "ok 1 - make install # SKIP not root"; echo "1..1"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$(sed -n 's/^prefix = //p' "$top/_build/Makefile")
make -C "$top/_build" install >"$tmp/install.log" 2>&1
ok $? "make install (prefix $prefix)"
ldconfig -p | grep -q "libconsent.so.0 .*=> $prefix/lib/"
ok $? "the dynamic linker finds libconsent.so.0 in $prefix/lib right after make install"
awk '/^```c$/ {on = 1; next} on && /^```$/ {exit} on {print}' \
  "$top/README.md" >"$tmp/app.c"
(cd "$tmp" && cc app.c $(pkg-config --cflags --libs libconsent) -o app) \
  2>"$tmp/cc.err"
ok $? "cc app.c \$(pkg-config --cflags --libs libconsent)$(head -c 200 "$tmp/cc.err")"
env -u LD_LIBRARY_PATH "$tmp/app" <"$top/examples/article.html" >"$tmp/out" 2>"$tmp/err" &&
  grep -q 'data-consent-provider="youtube"' "$tmp/out"
ok $? "the program runs and gates, with no LD_LIBRARY_PATH $(head -c 200 "$tmp/err")"
[ -f "$prefix/include/consent.h" ] && [ -f "$prefix/share/man/man3/libconsent.3" ] &&
  [ -f "$prefix/share/man/man3/libconsent-api.3" ] &&
  [ -f "$prefix/share/doc/libconsent/endpoint.md" ] && [ -x "$prefix/bin/consent-gate" ]
ok $? "header, man pages (libconsent, libconsent-api), the docs they name and consent-gate installed"
# bindings/httpd/README.md: the module against the installed library.
if command -v apxs >/dev/null 2>&1; then
  moddir=$(apxs -q LIBEXECDIR)
  (cd "$top" && make -C bindings/httpd && make -C bindings/httpd install) \
    >"$tmp/httpd.log" 2>&1
  ok $? "make -C bindings/httpd; make -C bindings/httpd install$(tail -3 "$tmp/httpd.log" | tr '\n' ' ' | head -c 300)"
  printf 'ServerRoot %s\nServerName x\nListen 127.0.0.1:1\nPidFile %s/pid\nErrorLog %s/error.log\nLoadModule mpm_event_module %s/mod_mpm_event.so\nLoadModule consent_module %s/mod_consent.so\nConsentGate On\n' \
    "$tmp" "$tmp" "$tmp" "$moddir" "$moddir" >"$tmp/httpd.conf"
  /usr/sbin/apache2 -t -f "$tmp/httpd.conf" >"$tmp/t.log" 2>&1
  ok $? "apache2 -t loads the installed $moddir/mod_consent.so$(head -c 200 "$tmp/t.log")"
  rm -f "$moddir/mod_consent.so"
  make -C "$top/bindings/httpd" clean >/dev/null 2>&1
fi
# bindings/python/README.md, its shell lines as printed (in a folder with
# the repository's bindings/ and examples/; the library installed above).
mkdir -p "$tmp/py" && ln -s "$top/bindings" "$top/examples" "$tmp/py/"
awk '/^```sh$/ {on = 1; next} on && /^```$/ {exit} on {print}' \
  "$top/bindings/python/README.md" >"$tmp/py/readme.sh"
(cd "$tmp/py" && sh -e readme.sh) >"$tmp/py.log" 2>&1 &&
  grep -q 'data-consent-provider="youtube"' "$tmp/py.log"
ok $? "bindings/python/README.md: venv, pip install, gate a page ($(grep -v '^<\|^$' "$tmp/py.log" | tail -2 | tr '\n' ' ' | head -c 200))"
# bindings/php/README.md, the WordPress plugin's install lines as printed
# (tests/wordpress/test-wordpress.sh runs a real WordPress the same way);
# what they copy is removed again.
if [ -d /var/lib/wordpress/wp-content/plugins ] && [ -d /etc/php/8.2/apache2/conf.d ]; then
  awk '/^```sh$/ {on = 1; next} on && /^```$/ {exit} on {print}' \
    "$top/bindings/php/README.md" >"$tmp/wp.sh"
  (cd "$top" && sh -e "$tmp/wp.sh") >"$tmp/wp.log" 2>&1
  rc=$?
  p=/var/lib/wordpress/wp-content/plugins/libconsent
  ini=/etc/php/8.2/apache2/conf.d/30-libconsent.ini
  [ $rc -eq 0 ] && [ -f "$p/libconsent.php" ] && [ -f "$p/Consent.php" ] &&
    [ -f "$p/libconsent-ffi.h" ] && grep -q "^opcache.preload=$p/Consent.php$" "$ini" &&
    php -d ffi.enable=preload -r "require '$p/Consent.php'; exit(Consent\\Lib::ffi()->consent_version_num() > 0 ? 0 : 1);"
  ok $? "bindings/php/README.md: the WordPress plugin where Debian's WordPress and PHP look, the installed library loads through its files ($(tail -2 "$tmp/wp.log" | tr '\n' ' '))"
  rm -rf "$p" "$ini"
fi
make -C "$top/_build" uninstall >"$tmp/uninstall.log" 2>&1
ok $? "make uninstall"
[ ! -e "$prefix/include/consent.h" ] && ! ls "$prefix"/lib/libconsent.so* >/dev/null 2>&1
ok $? "nothing of libconsent is left in $prefix"
ldconfig
echo "1..$n"
[ $failed -eq 0 ]
