# httpd.sh: builds mod_consent against the build tree and starts a real
# apache2 on 127.0.0.1 with its own ServerRoot in $TMP, serving the host
# suite's site (tests/hosts/host_suite.py) and proxying /proxy/ to the
# stand-in backend.  Source it after tests/cli/tap.sh; it sets HTTPD_PORT,
# HTTPD_KEY, HTTPD_RECEIPTS, HTTPD_SITE, and httpd_stop.
#
#   httpd_start [EXTRA_CONFIG_LINES]   returns non-zero (and says why in
#                                      $TMP/httpd.why) when it cannot
. "$top_srcdir/tests/hosts/common.sh"
: "${APXS:=apxs}" "${APACHE2:=/usr/sbin/apache2}"
APACHE_MODULES=${APACHE_MODULES:-/usr/lib/apache2/modules}

# Builds mod_consent.so with apxs into $TMP/mod.
httpd_build_module() {
  libdir=$(abs "$top_builddir/libconsent/.libs")
  incdir=$(abs "$top_srcdir/include")
  mkdir -p "$TMP/mod"
  cp "$top_srcdir/bindings/httpd/mod_consent.c" "$TMP/mod/"
  (cd "$TMP/mod" && "$APXS" -c -I"$incdir" \
     -Wc,-Wall -Wc,-Wextra -Wc,-Werror -Wc,-Wno-missing-field-initializers \
     -L"$libdir" -Wl,-rpath,"$libdir" -lconsent mod_consent.c) \
    >"$TMP/mod/build.log" 2>&1
}

httpd_start() {
  command -v "$APXS" >/dev/null 2>&1 && [ -x "$APACHE2" ] || {
    echo "apache2 and apxs are not installed (Debian apache2, apache2-dev)" >"$TMP/httpd.why"
    return 1
  }
  httpd_build_module || {
    echo "apxs could not build mod_consent: $(tail -5 "$TMP/mod/build.log")" >"$TMP/httpd.why"
    return 1
  }
  chmod 755 "$TMP"
  HTTPD_SITE="$TMP/site"
  mkdir -p "$TMP/httpd/logs"
  host_site "$HTTPD_SITE"
  # Pre-compressed copies of the page (test-httpd.sh).
  mkdir -p "$HTTPD_SITE/gz" "$HTTPD_SITE/mv" "$HTTPD_SITE/forced"
  gzip -c "$HTTPD_SITE/page.html" >"$HTTPD_SITE/gz/page.html.gz"
  cp "$HTTPD_SITE/gz/page.html.gz" "$HTTPD_SITE/mv/page.html.gz"
  cp "$HTTPD_SITE/gz/page.html.gz" "$HTTPD_SITE/forced/page"
  chmod -R a+rX "$HTTPD_SITE"
  HTTPD_KEY="$TMP/keys"
  "$GATE" key new --key-file "$HTTPD_KEY" >/dev/null || return 1
  HTTPD_RECEIPTS="$TMP/httpd/receipts.log"
  rm -f "$HTTPD_RECEIPTS"   # (httpd creates it, as root, 0640)
  HTTPD_PORT=$(free_port)
  start_backend "$HTTPD_SITE"
  backend_port=$BACKEND_PORT
  user=""
  [ "$(id -u)" -eq 0 ] && user="User www-data
Group www-data"
  cat >"$TMP/httpd/httpd.conf" <<EOF
ServerRoot "$TMP/httpd"
ServerName 127.0.0.1
Listen 127.0.0.1:$HTTPD_PORT
PidFile "$TMP/httpd/httpd.pid"
ErrorLog "$TMP/httpd/logs/error.log"
LogLevel warn consent:info
$user
LoadModule mpm_event_module $APACHE_MODULES/mod_mpm_event.so
LoadModule authz_core_module $APACHE_MODULES/mod_authz_core.so
LoadModule mime_module $APACHE_MODULES/mod_mime.so
LoadModule negotiation_module $APACHE_MODULES/mod_negotiation.so
LoadModule headers_module $APACHE_MODULES/mod_headers.so
LoadModule proxy_module $APACHE_MODULES/mod_proxy.so
LoadModule proxy_http_module $APACHE_MODULES/mod_proxy_http.so
LoadModule consent_module $TMP/mod/.libs/mod_consent.so
TypesConfig /etc/mime.types
StartServers 2
DocumentRoot "$HTTPD_SITE"
<Directory "$HTTPD_SITE">
  Require all granted
</Directory>

ConsentGate On
ConsentKeyFile "$HTTPD_KEY"
ConsentEndpoint /consent
ConsentCookie consent insecure
ConsentReceiptLog "$HTTPD_RECEIPTS"
ConsentPrivacyURL /privacy.html
ConsentProviders "$(abs "$top_srcdir/tests/banners")/providers.conf"
ConsentSources cookie tcf klaro gpc
ConsentGPCCategories marketing video
ConsentTrustedProxies 127.0.0.1 ::1/128
<Location /own/>
  ConsentAllow youtube
</Location>
<Location /off/>
  ConsentGate Off
</Location>
<Location /safe/>
  ConsentCacheSafe On
</Location>
<Location /nocache/>
  ConsentPageCache Off
</Location>
<Location /guard/>
  ConsentGuard On
</Location>
ProxyPass /proxy/ http://127.0.0.1:$backend_port/
ProxyPass /safe/proxy/ http://127.0.0.1:$backend_port/
<Directory "$HTTPD_SITE/gz">
  AddEncoding gzip .gz
  AddType text/html .gz
</Directory>
<Directory "$HTTPD_SITE/mv">
  Options +MultiViews
  RemoveType .gz
  AddEncoding gzip .gz
</Directory>
<Directory "$HTTPD_SITE/forced">
  ForceType text/html
  Header set Content-Encoding gzip
</Directory>
${1:-}
EOF
  "$APACHE2" -f "$TMP/httpd/httpd.conf" -t >"$TMP/httpd/configtest.log" 2>&1 || {
    echo "apache2 -t: $(cat "$TMP/httpd/configtest.log")" >"$TMP/httpd.why"
    return 1
  }
  "$APACHE2" -f "$TMP/httpd/httpd.conf" -k start >"$TMP/httpd/start.log" 2>&1
  wait_port "$HTTPD_PORT" && wait_port "$backend_port" || {
    echo "apache2 did not start: $(cat "$TMP/httpd/start.log" "$TMP/httpd/logs/error.log")" >"$TMP/httpd.why"
    return 1
  }
}

httpd_stop() {
  [ -f "$TMP/httpd/httpd.pid" ] &&
    "$APACHE2" -f "$TMP/httpd/httpd.conf" -k stop >/dev/null 2>&1
  i=0
  while [ -f "$TMP/httpd/httpd.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -n "${BACKEND_PID:-}" ] && kill "$BACKEND_PID" 2>/dev/null
  BACKEND_PID=""
}
