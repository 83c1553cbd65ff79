#!/bin/sh
# previews.sh: the preview fetcher's throughput and the cache at 10,000
# entries (make bench-previews; run from the build folder).
#
# Fetches the previews of BENCH_PREVIEWS (10000) distinct embeds from the
# HTTPS stand-in (tests/previews/standin.py) on 127.0.0.1, in pages of
# 2500 embeds, with concurrency BENCH_CONCURRENCY (16); then times
# rendering a page whose embeds all hit the cache, and the eviction of a
# full cache down to a smaller cap.
set -eu
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top=$(cd "$top" && pwd)
N=${BENCH_PREVIEWS:-10000}
C=${BENCH_CONCURRENCY:-16}
GATE=./tools/consent-gate
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=video.test" 2>/dev/null
printf 'subjectAltName=DNS:video.test,DNS:*.video.test\n' >ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext 2>/dev/null
cd - >/dev/null
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 "$top/tests/previews/standin.py" "$port" "$tmp/srv.pem" "$tmp/srv.key" >"$tmp/standin.log" 2>&1 &
pid=$!
sleep 1
printf '[testvideo]\nname = Test Video\ncategory = video\nhosts = video.test\noembed = https://oembed.video.test:%s/oembed\n' "$port" >"$tmp/p.conf"
mkdir -p "$tmp/cache"
common="--providers $tmp/p.conf --previews $tmp/cache --ca-file $tmp/ca.pem --trust-address 127.0.0.1 --resolve oembed.video.test:$port:127.0.0.1 --resolve img.video.test:$port:127.0.0.1"
pages=$(( (N + 2499) / 2500 ))
i=0
while [ $i -lt "$pages" ]; do
  /usr/bin/python3 -c 'import sys
p, n = int(sys.argv[1]), int(sys.argv[2])
print("<!doctype html>")
for k in range(p * 2500, min(n, (p + 1) * 2500)):
    print("<iframe src=\"https://www.video.test/embed/ok-b%d\"></iframe>" % k)' "$i" "$N" >"$tmp/page$i.html"
  i=$((i + 1))
done
echo "== preview fetcher: $N embeds from an HTTPS stand-in on 127.0.0.1, concurrency $C"
t0=$(date +%s.%N)
i=0
while [ $i -lt "$pages" ]; do
  # shellcheck disable=SC2086
  $GATE $common --fetch-previews --preview-limit concurrency=$C "$tmp/page$i.html" >/dev/null 2>>"$tmp/fetch.log"
  i=$((i + 1))
done
t1=$(date +%s.%N)
entries=$(ls "$tmp/cache" | grep -c '\.json$')
size=$(du -sb "$tmp/cache" | cut -f1)
/usr/bin/python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print('fetched %d entries (oEmbed JSON + thumbnail each) in %.1f s: %.0f entries/s, %.0f transfers/s' % (n, t, n/t, 2*n/t))" "$t0" "$t1" "$entries"
echo "cache: $entries entries, $size bytes ($(sed -n 's/.*previews: //p' "$tmp/fetch.log" | tr '\n' ';'))"
cat "$tmp/page"*.html >"$tmp/all.html"
t0=$(date +%s.%N)
# shellcheck disable=SC2086
$GATE $common "$tmp/all.html" >"$tmp/out.html"
t1=$(date +%s.%N)
shown=$(grep -o '<figure class="consent-embed__preview">' "$tmp/out.html" | wc -l)
/usr/bin/python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print('render with every embed a cache hit: %d placeholders with previews in %.2f s (%.0f us per placeholder, lookup included)' % (n, t, t/n*1e6))" "$t0" "$t1" "$shown"
t0=$(date +%s.%N)
# shellcheck disable=SC2086
$GATE $common --fetch-previews --preview-limit cache_bytes=$((size / 2)) "$tmp/page0.html" >/dev/null 2>&1 || true
printf '<iframe src="https://www.video.test/embed/ok-evict"></iframe>' >"$tmp/one.html"
# shellcheck disable=SC2086
$GATE $common --fetch-previews --preview-limit cache_bytes=$((size / 2)) "$tmp/one.html" >/dev/null 2>&1
t1=$(date +%s.%N)
left=$(ls "$tmp/cache" | grep -c '\.json$')
/usr/bin/python3 -c "import sys; print('eviction to half the size cap: %d -> %d entries, %s bytes, in %.2f s (one scan of the folder)' % (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[5])-float(sys.argv[4])))" "$entries" "$left" "$(du -sb "$tmp/cache" | cut -f1)" "$t0" "$t1"
