# common.sh: what every host's test needs: free ports, waiting for a
# server, the stand-in backend, and running the host suite and the browser
# flow against a running host with their results renumbered into the
# caller's TAP plan.  Source it after tests/cli/tap.sh.

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
  i=0
  while [ $i -lt 100 ]; do
    /usr/bin/python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$1" 2>/dev/null && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

abs() { (cd "$1" && pwd); }

# host_site DIR: the host suite's site in DIR (once): the files of
# tests/hosts/site, and the same page under /own/, /off/, /guard/ and
# /safe/ (cache-safe),
# where hosts configure the gate differently.
host_site() {
  if [ ! -d "$1" ]; then
    cp -R "$top_srcdir/tests/hosts/site" "$1" && chmod -R u+w "$1"
    mkdir -p "$1/own" "$1/off" "$1/guard" "$1/safe"
    cp "$1/page.html" "$1/own/page.html" && cp "$1/page.html" "$1/off/page.html"
    cp "$1/page.html" "$1/guard/page.html"
    cp "$1/page.html" "$1/safe/page.html"
  fi
  chmod -R a+rX "$1"
}

# start_backend DIR: the stand-in application server on a free port
# (BACKEND_PORT, BACKEND_PID).
start_backend() {
  BACKEND_PORT=$(free_port)
  /usr/bin/python3 "$top_srcdir/tests/hosts/backend.py" "$BACKEND_PORT" \
    "$1" >"$TMP/backend.log" 2>&1 &
  BACKEND_PID=$!
}

# host_table NAME PORT KEY_FILE: the table of cases every host answers
# alike (tests/hosts/table.py).
host_table() {
  /usr/bin/python3 "$top_srcdir/tests/hosts/table.py" --name "$1" \
    --base "http://127.0.0.1:$2" --gate "$GATE" --key "$3" >"$TMP/table.tap" 2>&1
  renumber "$TMP/table.tap"
  grep -q "^1\.\.[1-9]" "$TMP/table.tap" || {
    ok 1 "$1: the table of cases ran"; tail -5 "$TMP/table.tap" | sed 's/^/# /'; }
}

# page_cache_checks NAME PORT SITE_DIR KEY_FILE OFF_DIRECTIVE: the page
# cache of a server module (tests/hosts/page_cache.py), in SITE_DIR/pc
# (on) and SITE_DIR/nocache (where the host sets OFF_DIRECTIVE).
page_cache_checks() {
  mkdir -p "$3/pc" "$3/nocache"
  for d in pc nocache; do
    printf '<!doctype html><title>pc</title><p>version-1</p><iframe src="https://www.youtube.com/embed/pc"></iframe>\n' >"$3/$d/page.html"
    touch -d '2026-01-01 00:00:00' "$3/$d/page.html"
  done
  chmod -R a+rwX "$3/pc" "$3/nocache"
  /usr/bin/python3 "$top_srcdir/tests/hosts/page_cache.py" "$2" "$3" \
    "$("$GATE" cookie issue --key-file "$4" --allow youtube)" >"$TMP/pc.out" 2>&1
  grep -q "^pc first-gated True" "$TMP/pc.out" && grep -q "^pc second-same-etag True False" "$TMP/pc.out" &&
    grep -q "^pc length True" "$TMP/pc.out"
  ok $? "$1 page cache: the second request of a page is the kept gated copy (the file changed under the same ETag still shows the first version), with its exact Content-Length ($(tr '\n' ' ' <"$TMP/pc.out"))"
  grep -q "^pc cookie-allowed True" "$TMP/pc.out" && grep -q "^pc german True" "$TMP/pc.out"
  ok $? "$1 page cache: a visitor who allowed YouTube and one who reads German get their own pages, never the kept one"
  grep -q "^pc after-touch True" "$TMP/pc.out"
  ok $? "$1 page cache: a changed file (new ETag) is gated anew"
  grep -q "^nocache second-same-etag False True" "$TMP/pc.out"
  ok $? "$1 page cache: $5 gates every request"
}

# Feeds TAP lines of a sub-test into this test's plan.
renumber() {
  while IFS= read -r line; do
    case $line in
      "ok "*) ok 0 "$(echo "$line" | sed 's/^ok [0-9]* - //')" ;;
      "not ok "*) ok 1 "$(echo "$line" | sed 's/^not ok [0-9]* - //')" ;;
      "#"*) echo "$line" ;;
    esac
  done <"$1"
}

# host_checks NAME PORT SITE_DIR KEY_FILE [RECEIPTS_FILE]: the host suite
# over HTTP, then the consent flow in chromium.
host_checks() {
  /usr/bin/python3 "$top_srcdir/tests/hosts/host_suite.py" --name "$1" \
    --base "http://127.0.0.1:$2" --site "$3" --gate "$GATE" --key "$4" \
    ${5:+--receipts "$5"} >"$TMP/suite.tap" 2>&1
  rc=$?
  renumber "$TMP/suite.tap"
  [ $rc -eq 0 ] || grep -v "^ok \|^not ok \|^1\.\." "$TMP/suite.tap" | sed 's/^/# /' | tail -20
  host_table "$1" "$2" "$4"
  pw=${PLAYWRIGHT_CORE:-$("$top_srcdir/tests/browser/setup.sh" 2>"$TMP/setup.err")}
  if [ -z "$pw" ] || [ ! -d "$pw" ]; then
    ok 1 "$1: playwright-core is available ($(cat "$TMP/setup.err"))"
    return
  fi
  mkdir -p screenshots
  SHOTS_DIR="$PWD/screenshots" \
  PLAYWRIGHT_CORE="$pw" CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" \
    node "$top_srcdir/tests/browser/host-flow.cjs" "http://127.0.0.1:$2" "$1" \
    >"$TMP/browser.tap" 2>&1
  renumber "$TMP/browser.tap"
  grep -q "^1\.\.[1-9]" "$TMP/browser.tap" || {
    ok 1 "$1: the browser flow ran"; sed 's/^/# /' "$TMP/browser.tap" | tail -20; }
}
