# nginx.sh: builds the nginx module against the build tree and starts the
# distribution's nginx on 127.0.0.1 with its own prefix in $TMP, serving
# the host suite's site and proxying /proxy/ to the stand-in backend.
# Source it after tests/cli/tap.sh; it sets NGINX_PORT, NGINX_KEY,
# NGINX_RECEIPTS, NGINX_SITE, and nginx_stop.
#
#   nginx_start [EXTRA_SERVER_LINES]   returns non-zero (and says why in
#                                      $TMP/nginx.why) when it cannot
. "$top_srcdir/tests/hosts/common.sh"
: "${NGINX:=/usr/sbin/nginx}"

nginx_build_module() {
  libdir=$(abs "$top_builddir/libconsent/.libs")
  incdir=$(abs "$top_srcdir/include")
  "$top_srcdir/bindings/nginx/build-module.sh" "$TMP/ngxmod" "-I$incdir" \
    "-L$libdir -Wl,-rpath,$libdir -lconsent" >"$TMP/ngxmod.log" 2>&1
}

nginx_start() {
  [ -x "$NGINX" ] && [ -f /usr/share/nginx/src/configure ] || {
    echo "nginx and nginx-dev are not installed" >"$TMP/nginx.why"
    return 1
  }
  nginx_build_module || {
    echo "the module did not build: $(tail -5 "$TMP/ngxmod.log")" >"$TMP/nginx.why"
    return 1
  }
  chmod 755 "$TMP"
  NGINX_SITE="$TMP/site"
  host_site "$NGINX_SITE"
  mkdir -p "$TMP/nginx/logs" "$TMP/nginx/tmp"
  NGINX_KEY="$TMP/nginx/keys"
  "$GATE" key new --key-file "$NGINX_KEY" >/dev/null || return 1
  NGINX_RECEIPTS="$TMP/nginx/receipts.log"
  rm -f "$NGINX_RECEIPTS"   # (nginx creates it, as root)
  NGINX_PORT=$(free_port)
  start_backend "$NGINX_SITE"
  backend_port=$BACKEND_PORT
  user=""
  [ "$(id -u)" -eq 0 ] && user="user www-data;"
  t="$TMP/nginx/tmp"
  # Two locations whose settings differ only past 4 KB of allow list:
  # each must get a gate of its own.
  many=$(i=0; while [ $i -lt 700 ]; do printf 'youtube '; i=$((i + 1)); done)
  cat >"$TMP/nginx/nginx.conf" <<EOF
load_module $TMP/ngxmod/ngx_http_consent_module.so;
$user
worker_processes 2;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log info;
events { worker_connections 512; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path $t/body;
  proxy_temp_path $t/proxy;
  fastcgi_temp_path $t/fastcgi;
  uwsgi_temp_path $t/uwsgi;
  scgi_temp_path $t/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    server_name 127.0.0.1;
    root $NGINX_SITE;
    consent on;
    consent_key_file $NGINX_KEY;
    consent_cookie consent insecure;
    consent_receipt_log $NGINX_RECEIPTS;
    consent_privacy_url /privacy.html;
    consent_providers $(abs "$top_srcdir/tests/banners")/providers.conf;
    consent_sources cookie tcf klaro gpc;
    consent_gpc_categories marketing video;
    consent_trusted_proxies 127.0.0.1 ::1/128;
    location = /consent { consent_endpoint; }
    location /own/ { consent_allow youtube; }
    location /off/ { consent off; }
    location /guard/ { consent_guard on; }
    location /safe/ { consent_cache_safe on; }
    location /nocache/ { consent_page_cache off; }
    location /long1/ { consent_allow $many vimeo; }
    location /long2/ { consent_allow $many dailymotion; }
    location /ssi/ { ssi on; }
    location /proxy/ {
      proxy_pass http://127.0.0.1:$backend_port/;
      proxy_http_version 1.1;
    }
    location /safe/proxy/ {
      consent_cache_safe on;
      proxy_pass http://127.0.0.1:$backend_port/;
      proxy_http_version 1.1;
    }
    ${1:-}
  }
}
EOF
  "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -t >"$TMP/nginx/configtest.log" 2>&1 || {
    echo "nginx -t: $(cat "$TMP/nginx/configtest.log")" >"$TMP/nginx.why"
    return 1
  }
  "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/start.log" 2>&1
  wait_port "$NGINX_PORT" && wait_port "$backend_port" || {
    echo "nginx did not start: $(cat "$TMP/nginx/start.log" "$TMP/nginx/logs/error.log")" >"$TMP/nginx.why"
    return 1
  }
}

nginx_stop() {
  if [ -f "$TMP/nginx/nginx.pid" ]; then
    kill -QUIT "$(cat "$TMP/nginx/nginx.pid")" 2>/dev/null
    i=0
    while [ -f "$TMP/nginx/nginx.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  fi
  [ -n "${BACKEND_PID:-}" ] && kill "$BACKEND_PID" 2>/dev/null
  BACKEND_PID=""
}
