#!/bin/sh
# hosts.sh: the load benchmark behind 'make bench-hosts'.  Run from the
# build folder.
#
# Starts apache2 with mod_consent and nginx with its module on 127.0.0.1
# (as the host tests do), each serving one ~100 KB article with 6 embeds
# twice: gated (/article.html) and with the gate off (/off/article.html).
# wrk measures requests/s of both in the same run; the RSS of the server's
# children (httpd children, nginx workers) is read after a warm-up and
# after each gated round, to show that memory stays flat.
#
#   BENCH_SECONDS (default 10)   BENCH_CONNECTIONS (default 32)
#   BENCH_ROUNDS (gated rounds after the first, default 2)
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(pwd)
GATE="$top_builddir/tools/consent-gate"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/consent-bench.XXXXXX")
seconds=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-32}
export top_srcdir top_builddir GATE TMP
. "$top_srcdir/tests/hosts/httpd.sh"
. "$top_srcdir/tests/hosts/nginx.sh"
trap 'httpd_stop; nginx_stop; rm -rf "$TMP"' EXIT

command -v wrk >/dev/null || { echo "wrk is not installed (Debian wrk)"; exit 1; }
httpd_start || { cat "$TMP/httpd.why"; exit 1; }

# The article: the sample article's text repeated to ~100 KB, with six
# embeds spread through it.  (/nocache/: the same with the page cache off.)
mkdir -p "$HTTPD_SITE/nocache"
/usr/bin/python3 - "$top_srcdir/examples/article.html" "$HTTPD_SITE" <<'EOF'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
paras = re.findall(r"<p>[^<]*(?:<(?!/p>)[^<]*)*</p>", src)
embeds = [
    '<iframe width="560" height="315" src="https://www.youtube.com/embed/M7lc1UVf-VE" allowfullscreen></iframe>',
    '<iframe src="https://player.vimeo.com/video/76979871" width="640" height="360"></iframe>',
    '<blockquote class="twitter-tweet"><p>Post</p><a href="https://twitter.com/a/status/1">1 Nov</a></blockquote>\n<script async src="https://platform.twitter.com/widgets.js"></script>',
    '<iframe src="https://open.spotify.com/embed/episode/7makk4oTQel546B0PZlDM5" width="100%" height="232"></iframe>',
    '<iframe src="https://www.google.com/maps/embed?pb=!1m18" width="600" height="450" loading="lazy"></iframe>',
    '<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/C1/"></blockquote>\n<script async src="//www.instagram.com/embed.js"></script>',
]
head = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<title>Benchmark article</title>\n<link rel="stylesheet" href="/site.css">\n'
        '</head>\n<body>\n<main>\n<article>\n<h1>Benchmark article</h1>\n')
body, i = [], 0
while sum(len(x) for x in body) < 100_000 - 2000:
    body.append(paras[i % len(paras)] + "\n")
    i += 1
step = len(body) // (len(embeds) + 1)
for k, e in enumerate(embeds):
    body.insert((k + 1) * step + k, "<figure>\n" + e + "\n</figure>\n")
page = head + "".join(body) + "</article>\n</main>\n</body>\n</html>\n"
for path in (sys.argv[2] + "/article.html", sys.argv[2] + "/off/article.html",
             sys.argv[2] + "/nocache/article.html"):
    open(path, "w", encoding="utf-8").write(page)
EOF

size=$(wc -c <"$HTTPD_SITE/article.html")

# A 64 MiB page (the article, repeated), for slow readers and the time to
# its first byte.
/usr/bin/python3 - "$HTTPD_SITE" <<'EOF'
import sys
page = open(sys.argv[1] + "/article.html", encoding="utf-8").read()
body = page[page.index("<main>"):page.index("</main>")]
out = [page[:page.index("<main>")]]
n = len(out[0])
while n < 64 << 20:
    out.append(body)
    n += len(body)
out.append("</body></html>\n")
for path in (sys.argv[1] + "/big.html", sys.argv[1] + "/off/big.html"):
    open(path, "w", encoding="utf-8").write("".join(out))
EOF
big=$(wc -c <"$HTTPD_SITE/big.html")

# slow BASE PATH: RSS of the children while 4 clients hold a request for
# PATH open without reading (64 KB receive buffers), against before.
slow() {
  before=$(children_rss)
  /usr/bin/python3 - "$1" "$2" <<'EOF' &
import socket, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
socks = []
for i in range(4):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.connect((u.hostname, u.port))
    s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % sys.argv[2].encode())
    socks.append(s)
time.sleep(8)
EOF
  spid=$!
  sleep 5
  during=$(children_rss)
  kill $spid 2>/dev/null; wait $spid 2>/dev/null
  echo "${before%% *} ${during%% *}"
}

# ttfb URL: seconds to the first byte, and to the last.
ttfb() {
  curl -s -o /dev/null -w '%{time_starttransfer} %{time_total}' "$1"
}

children_rss() {
  ppid=$(cat "$pidfile")
  kb=0 np=0
  for p in $(pgrep -P "$ppid"); do
    r=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    kb=$((kb + ${r:-0})) np=$((np + 1))
  done
  echo "$kb ($np processes)"
}

rps() {
  wrk -t2 -c"$conns" -d"${2}s" --latency ${3:+-H "$3"} "$1" >"$TMP/wrk.out" 2>&1
  sed -n 's/^Requests\/sec: *//p' "$TMP/wrk.out"
}

run() {
  base="http://127.0.0.1:$1"
  key=$2
  shift
  gated=$(curl -s "$base/article.html" | grep -o 'data-consent-provider="[a-z-]*"' | sort -u | wc -l)
  echo
  echo "== $2, 127.0.0.1: wrk -t2 -c$conns -d${seconds}s each"
  echo "page: ${size} bytes, $gated providers gated (6 embeds)"
  rps "$base/article.html" 2 >/dev/null            # warm up both
  rps "$base/off/article.html" 2 >/dev/null
  rss0=$(children_rss)
  off=$(rps "$base/off/article.html" "$seconds")
  off_lat=$(sed -n 's/^ *50% *//p' "$TMP/wrk.out")
  on=$(rps "$base/article.html" "$seconds")
  on_lat=$(sed -n 's/^ *50% *//p' "$TMP/wrk.out")
  rss1=$(children_rss)
  more="" rsses=""
  r=0
  while [ $r -lt "${BENCH_ROUNDS:-2}" ]; do
    more="$more $(rps "$base/article.html" "$seconds")"
    rsses="$rsses, $(children_rss)"
    r=$((r + 1))
  done
  off2=$(rps "$base/off/article.html" "$seconds")
  # A visitor who allowed YouTube and Vimeo (a signed cookie), and the
  # page cache off (every request rewritten).
  cookie=$("$GATE" cookie issue --key-file "$key" --allow youtube,vimeo)
  rps "$base/article.html" 2 "Cookie: consent=$cookie" >/dev/null
  withc=$(rps "$base/article.html" "$seconds" "Cookie: consent=$cookie")
  withc_lat=$(sed -n 's/^ *50% *//p' "$TMP/wrk.out")
  nocache=$(rps "$base/nocache/article.html" "$seconds")
  nocache_lat=$(sed -n 's/^ *50% *//p' "$TMP/wrk.out")
  printf '%-28s %12s %12s\n' "" "requests/s" "median"
  printf '%-28s %12s %12s\n' "filter off" "$off" "$off_lat"
  printf '%-28s %12s %12s\n' "filter on (gated)" "$on" "$on_lat"
  printf '%-28s %12s %12s\n' "on, visitor with consent" "$withc" "$withc_lat"
  printf '%-28s %12s %12s\n' "on, page cache off" "$nocache" "$nocache_lat"
  printf '%-28s %s\n' "filter on, later rounds" "$more"
  printf '%-28s %12s\n' "filter off (again)" "$off2"
  /usr/bin/python3 -c "import sys; a,b,c,d,e=map(float,sys.argv[1:]); o=(a+c)/2; print('ratio on/off: %.2f without consent, %.2f with consent, %.2f with the page cache off (gated HTML through the server: %.0f MB/s)' % (b/o, d/o, e/o, b*$size/1e6))" "$off" "$on" "$off2" "$withc" "$nocache"
  echo "children RSS (KB): after warm-up $rss0; after each gated round: $rss1$rsses"
  echo "-- a $big-byte page, 4 clients that do not read it (children RSS, KB):"
  set -- $(slow "$base" /off/big.html)
  echo "   gate off: $1 before, $2 while they wait (+$(( $2 - $1 )))"
  set -- $(slow "$base" /big.html)
  echo "   gate on:  $1 before, $2 while they wait (+$(( $2 - $1 )))"
  set -- $(ttfb "$base/off/big.html")
  echo "-- first byte / whole page (s): gate off $1 / $2"
  set -- $(ttfb "$base/big.html")
  echo "                                gate on  $1 / $2"
}

echo "== libconsent server modules, load benchmark; machine: $(nproc) cores"
pidfile="$TMP/httpd/httpd.pid"
run "$HTTPD_PORT" "$HTTPD_KEY" "apache2 $(/usr/sbin/apache2 -v | sed -n 's/^Server version: //p') + mod_consent (event MPM)"
httpd_stop
if nginx_start; then
  pidfile="$TMP/nginx/nginx.pid"
  run "$NGINX_PORT" "$NGINX_KEY" "$($NGINX -v 2>&1 | sed 's/.*: //') + ngx_http_consent_module (2 workers)"
else
  echo "(nginx skipped: $(cat "$TMP/nginx.why"))"
fi
