#!/bin/sh
# test-wordpress.sh: the plugin in a real WordPress, as a site owner runs
# it: Debian's wordpress (6.1) on MariaDB, served by apache2 with mod_php
# 8.2 (where PHP allows FFI only for preloaded code), all started on
# loopback with their own data and configuration folders in $TMP.
# WordPress is installed non-interactively, the plugin activated with its
# defaults, the library preloaded with the ini snippet the plugin ships,
# and posts are created (a custom HTML iframe, a YouTube oEmbed answered by
# a stand-in).  Then Chromium checks the visitor's side
# (tests/wordpress/wordpress-flow.cjs).
. "${top_srcdir:-.}/tests/cli/tap.sh"
. "$top_srcdir/tests/hosts/common.sh"
: "${APACHE2:=/usr/sbin/apache2}"
APACHE_MODULES=${APACHE_MODULES:-/usr/lib/apache2/modules}
WP=/usr/share/wordpress

need=""
[ -f "$WP/wp-load.php" ] || need="$need wordpress"
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need="$need mariadb-server"
[ -f "$APACHE_MODULES/libphp8.2.so" ] || need="$need libapache2-mod-php8.2"
php -m 2>/dev/null | grep -q '^mysqli$' || need="$need php8.2-mysql"
if [ -n "$need" ]; then
  ok 1 "WordPress test: missing$need (./build.sh check installs them)"
  done_testing
  exit
fi
if [ "$(id -u)" -ne 0 ]; then
  skip "WordPress under apache2 + mod_php" "needs root (Debian's WordPress reads /etc/wordpress; apache2 runs as www-data)"
  done_testing
  exit
fi
if sanitized; then
  skip "WordPress under apache2 + mod_php" "the library would need the ASan runtime"
  done_testing
  exit
fi

chmod 755 "$TMP"
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"

# --- The library, where www-data can read it -------------------------
mkdir -p "$TMP/lib"
cp "$top_builddir/libconsent/.libs/libconsent.so.0" "$TMP/lib/libconsent.so.0"
LIB="$TMP/lib/libconsent.so.0"

# --- MariaDB ---------------------------------------------------------------
mkdir -p "$TMP/db" "$TMP/run"
chmod 755 "$TMP/run"
SOCK="$TMP/run/mysqld.sock"
mariadb-install-db --no-defaults --datadir="$TMP/db" --user=root \
  --auth-root-authentication-method=normal --skip-test-db \
  >"$TMP/db-install.log" 2>&1
ok $? "MariaDB: a data folder of its own"
/usr/sbin/mariadbd --no-defaults --datadir="$TMP/db" --socket="$SOCK" \
  --skip-networking --user=root --pid-file="$TMP/run/mysqld.pid" \
  --log-error="$TMP/db-error.log" >/dev/null 2>&1 &
DB_PID=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
mariadb --no-defaults --socket="$SOCK" -uroot <<'EOF'
CREATE DATABASE wordpress;
CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wp-test-password';
GRANT ALL ON wordpress.* TO 'wp'@'localhost';
EOF
ok $? "MariaDB: started on a socket, a database and a user"

stop_all() {
  [ -f "$TMP/apache/httpd.pid" ] && kill "$(cat "$TMP/apache/httpd.pid")" 2>/dev/null
  kill "$DB_PID" ${STANDIN_PID:-} 2>/dev/null
  rm -f /etc/wordpress/config-libconsenttest.php
  wait 2>/dev/null
}
trap 'stop_all; rm -rf "$TMP"' EXIT

# --- WordPress: its content folder with the plugin, as installed -----
CONTENT="$TMP/wp-content"
mkdir -p "$CONTENT/plugins" "$CONTENT/themes" "$CONTENT/uploads"
cp -R "$top_srcdir/bindings/php/wordpress/libconsent" "$CONTENT/plugins/"
cp "$top_srcdir/bindings/php/src/Consent.php" "$top_srcdir/bindings/php/src/libconsent-ffi.h" \
  "$CONTENT/plugins/libconsent/"
chmod -R u+w "$CONTENT"   # (a distcheck's sources are read-only)
# (make check does not install the library: the header names its path.)
sed -i "s|^#define FFI_LIB .*|#define FFI_LIB \"$LIB\"|" "$CONTENT/plugins/libconsent/libconsent-ffi.h"
cp -R "$top_srcdir/tests/wordpress/theme" "$CONTENT/themes/libconsent-test"
cp -R "$top_srcdir/tests/wordpress/mu-plugins" "$CONTENT/mu-plugins"
chown -R www-data:www-data "$CONTENT"
mkdir -p /etc/wordpress
cat >/etc/wordpress/config-libconsenttest.php <<EOF
<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp-test-password');
define('DB_HOST', 'localhost:$SOCK');
define('WP_CONTENT_DIR', '$CONTENT');
define('WP_CONTENT_URL', '$BASE/wp-content');
define('WP_HOME', '$BASE');
define('WP_SITEURL', '$BASE');
define('WP_DEBUG', true);
define('WP_DEBUG_LOG', '$TMP/wp-debug.log');
define('WP_DEBUG_DISPLAY', false);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
\$table_prefix = 'wp_';
EOF
chmod 644 /etc/wordpress/config-libconsenttest.php

# --- apache2 + mod_php, with the plugin's ini snippet -----------------
mkdir -p "$TMP/apache/logs" "$TMP/php/conf.d"
# The PHP configuration Debian's Apache PHP has (ffi.enable=preload), and
# the plugin's snippet with its path filled in, as its README says.
sed "s|/var/lib/wordpress/wp-content/plugins/libconsent|$CONTENT/plugins/libconsent|" \
  "$CONTENT/plugins/libconsent/libconsent.ini" >"$TMP/php/conf.d/30-libconsent.ini"
for ini in /etc/php/8.2/apache2/conf.d/*.ini; do cp "$ini" "$TMP/php/conf.d/"; done
cat >"$TMP/apache/httpd.conf" <<EOF
ServerRoot "$TMP/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile "$TMP/apache/httpd.pid"
ErrorLog "$TMP/apache/logs/error.log"
LogLevel warn
User www-data
Group www-data
LoadModule mpm_prefork_module $APACHE_MODULES/mod_mpm_prefork.so
LoadModule authz_core_module $APACHE_MODULES/mod_authz_core.so
LoadModule mime_module $APACHE_MODULES/mod_mime.so
LoadModule dir_module $APACHE_MODULES/mod_dir.so
LoadModule alias_module $APACHE_MODULES/mod_alias.so
LoadModule env_module $APACHE_MODULES/mod_env.so
LoadModule rewrite_module $APACHE_MODULES/mod_rewrite.so
LoadModule php_module $APACHE_MODULES/libphp8.2.so
TypesConfig /etc/mime.types
StartServers 2
MinSpareServers 1
MaxSpareServers 3
DocumentRoot "$WP"
DirectoryIndex index.php index.html
SetEnv WORDPRESS_CONFIG libconsenttest
Alias /wp-content "$CONTENT"
<Directory />
  Require all granted
  AllowOverride None
</Directory>
<FilesMatch "\.php$">
  SetHandler application/x-httpd-php
</FilesMatch>
EOF
PHPRC=/etc/php/8.2/apache2 PHP_INI_SCAN_DIR="$TMP/php/conf.d" \
  CONSENT_LIBRARY="$LIB" "$APACHE2" -f "$TMP/apache/httpd.conf" -k start \
  >"$TMP/apache/start.log" 2>&1
wait_port "$PORT"
ok $? "apache2 with mod_php 8.2 started ($(cat "$TMP/apache/start.log" "$TMP/apache/logs/error.log" 2>/dev/null | tail -3))"

# --- A video provider's oEmbed endpoint, stood in over HTTPS -----------
# (tests/previews/standin.py, a certificate from a CA made here; the
# fetcher is told the CA and where the hosts are by the filter
# libconsent_preview_options, in a must-use plugin written here.)
SPORT=$(free_port)
(cd "$TMP" &&
 openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
   -subj "/CN=libconsent test CA" &&
 openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=video.test" &&
 printf 'subjectAltName=DNS:video.test,DNS:*.video.test\nbasicConstraints=CA:FALSE\n' >ext &&
 openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
   -days 2 -extfile ext) >"$TMP/ca.log" 2>&1
chmod 644 "$TMP/ca.pem"
/usr/bin/python3 "$top_srcdir/tests/previews/standin.py" "$SPORT" "$TMP/srv.pem" "$TMP/srv.key" \
  >"$TMP/standin.log" 2>&1 &
STANDIN_PID=$!
wait_port "$SPORT"
ok $? "an HTTPS stand-in for a video provider's oEmbed endpoint listens on $SPORT"
cat >"$CONTENT/mu-plugins/preview-standin.php" <<EOF
<?php
add_filter('libconsent_preview_options', fn(\$o) => \$o + [
    'ca' => '$TMP/ca.pem', 'trust' => '127.0.0.1',
    'resolve' => ['www.video.test:$SPORT:127.0.0.1', 'oembed.video.test:$SPORT:127.0.0.1',
                  'img.video.test:$SPORT:127.0.0.1']]);
EOF
PREVIEW_PROVIDER=$(printf '[testvideo]\nname = Test Video\ncategory = video\nhosts = video.test\noembed = https://oembed.video.test:%s/oembed\nprivacy = https://video.test/privacy\n' "$SPORT")
export PREVIEW_PROVIDER

# --- Install WordPress, activate the plugin, create the posts ---------
php -d ffi.enable=preload "$top_srcdir/tests/wordpress/install.php" "$BASE" \
  "$LIB" >"$TMP/install.log" 2>&1
ok $? "WordPress installed, the plugin activated with its defaults, posts created ($(tail -3 "$TMP/install.log"))"
diag "$(grep '^post ' "$TMP/install.log" | tr '\n' ' ')"
# (install.php ran as root: what it made in uploads/ belongs to the site.)
chown -R www-data:www-data "$CONTENT/uploads"

# --- Previews: fetched by WP-Cron, then shown from uploads/ -------------
POST_PREVIEW=$(sed -n 's/^post preview //p' "$TMP/install.log")
curl -s "$POST_PREVIEW" >"$TMP/preview1.html"
grep -q 'data-consent-provider="testvideo"' "$TMP/preview1.html" &&
  ! grep -q 'consent-embed__preview' "$TMP/preview1.html"
ok $? "previews: the first view has the placeholder without a preview (nothing fetched on the request)"
curl -s -o /dev/null -w '%{http_code}' "$BASE/wp-cron.php?doing_wp_cron" >"$TMP/cron.code"
KEY=$(printf '%s' "https://www.video.test/embed/ok-1" | sha256sum | cut -c1-64)
[ "$(cat "$TMP/cron.code")" = 200 ] && [ -s "$CONTENT/uploads/libconsent-previews/$KEY.jpg" ]
ok $? "previews: WP-Cron fetched the title and thumbnail into uploads/libconsent-previews ($(cat "$TMP/cron.code"); $(ls "$CONTENT/uploads/libconsent-previews" 2>&1 | tr '\n' ' '))"
curl -s "$POST_PREVIEW" >"$TMP/preview2.html"
grep -q "<figure class=\"consent-embed__preview\"><img src=\"/wp-content/uploads/libconsent-previews/$KEY.jpg\" alt=\"Video ok-1\"" "$TMP/preview2.html" &&
  ! grep -o '\(src\|srcset\|poster\)="[^"]*video\.test[^"]*"' "$TMP/preview2.html" | grep -q .
ok $? "previews: the next view shows the title and the site's own copy of the thumbnail, no src at the provider"
curl -s -o /dev/null -w '%{http_code} %{content_type}' \
  "$BASE/wp-content/uploads/libconsent-previews/$KEY.jpg" >"$TMP/thumb.code"
grep -q '^200 image/jpeg' "$TMP/thumb.code"
ok $? "previews: the thumbnail is served by the site ($(cat "$TMP/thumb.code"))"

# --- The visitor's side in Chromium ------------------------------------
pw=${PLAYWRIGHT_CORE:-$("$top_srcdir/tests/browser/setup.sh" 2>"$TMP/setup.err")}
if [ -z "$pw" ] || [ ! -d "$pw" ]; then
  ok 1 "playwright-core is available ($(cat "$TMP/setup.err"))"
else
  mkdir -p screenshots
  SHOTS_DIR="$PWD/screenshots" PLAYWRIGHT_CORE="$pw" \
    CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" \
    node "$top_srcdir/tests/wordpress/wordpress-flow.cjs" "$BASE" "$TMP/install.log" \
    >"$TMP/flow.tap" 2>&1
  renumber "$TMP/flow.tap"
  grep -q "^1\.\.[1-9]" "$TMP/flow.tap" || {
    ok 1 "the browser flow ran"; sed 's/^/# /' "$TMP/flow.tap" | tail -20; }
fi

# --- Logs: no PHP warning, no error of the plugin ------------------------
# (WordPress 6.1's own code has PHP 8.2 deprecations: only the plugin's
# lines and real warnings count.)
warnings=$(grep -hiE "PHP (Warning|Notice|Fatal|Parse)|plugins/libconsent|libconsent:" \
  "$TMP/apache/logs/error.log" "$TMP/wp-debug.log" 2>/dev/null |
  grep -v "consent receipt" | head -5)
[ -z "$warnings" ]
ok $? "no PHP warnings and no plugin errors in the logs ($warnings)"
done_testing
