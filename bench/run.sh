#!/bin/sh
# run.sh: the benchmark behind 'make bench'.  Run from the build folder.
#
# One run, the same bytes for everyone: MB/s of input (median of several
# passes) of libconsent's tokenizer and gate, libxml2 (C, in process) and
# Cloudflare's lol-html running natively (Bun's HTMLRewriter, npm bun)
# doing the same job, and memcpy / memchr('<') as the ceiling; over (A) the real pages of
# the npm package htmlparser-benchmark, (B) 200 embed-heavy articles and
# (C) one large page.  Then whole-process figures of consent-gate with
# peak RSS, streaming 1 GB through it.
set -eu
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top=$(cd "$top" && pwd)
files=$("$top/bench/corpus.sh")
big=${BENCH_BIG_MB:-100}
passes=${BENCH_PASSES:-7}
embeds=${BENCH_EMBEDS:-200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== libconsent $(./tools/consent-gate --version | sed 's/.* //') benchmark"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)"

# The peer: lol-html running natively, as Bun's built-in HTMLRewriter
# (npm bun ships Bun's binary), on corpus A and on the embed-heavy corpus
# B, same files, same task.  lol-html as WASM in Node (npm
# html-rewriter-wasm) is printed as a footnote only: it is not how anyone
# runs lol-html in a server.
mkdir -p "$tmp/embeds"
./bench/bench --embeds "$embeds" --dump-embeds "$tmp/embeds"
./tools/consent-gate providers --json >"$tmp/providers.json"
peer_a="" peer_b="" wasm=""
bun=$("$top/tools/npm-fetch.sh" bun@1.3.4 2>/dev/null)/bin/bun.exe || bun=""
if [ -x "$bun" ]; then
  a=$("$bun" "$top/bench/peer-bun.mjs" "$tmp/providers.json" "$passes" "$files"/*)
  b=$("$bun" "$top/bench/peer-bun.mjs" "$tmp/providers.json" "$passes" "$tmp/embeds"/*)
  peer_a="--peer-a lol-html(native,bun-$("$bun" --version))=$(echo "$a" | tr ' ' /)"
  peer_b="--peer-b lol-html(native,bun-$("$bun" --version))=$(echo "$b" | tr ' ' /)"
else
  echo "(lol-html skipped: npm bun could not be installed)"
fi
lol=$("$top/tools/npm-fetch.sh" html-rewriter-wasm@0.4.1 2>/dev/null) || lol=""
if [ -n "$lol" ] && command -v node >/dev/null 2>&1; then
  wa=$(HTML_REWRITER_WASM="$lol" node "$top/bench/peer-lolhtml.cjs" \
       "$tmp/providers.json" "$passes" "$files"/*)
  wb=$(HTML_REWRITER_WASM="$lol" node "$top/bench/peer-lolhtml.cjs" \
       "$tmp/providers.json" "$passes" "$tmp/embeds"/*)
  wasm="lol-html as WASM in Node (html-rewriter-wasm 0.4.1), median: $wa MB/s on A, $wb MB/s on B"
fi
# shellcheck disable=SC2086
./bench/bench --passes "$passes" --big "$big" --embeds "$embeds" \
  --plain "$embeds" $peer_a $peer_b "$files"/*
[ -n "$wasm" ] && printf '\n(footnote) %s\n' "$wasm"

# The gate's one pass over inline scripts and styles (signatures and
# provider hosts) against vectorscan given the same literals: built when
# configure finds libhs (Debian libvectorscan-dev).
if [ -x ./bench/multipattern ]; then
  ./bench/multipattern --passes "$passes" "$files"/*
else
  printf '\n%s\n' "(multi-pattern comparison skipped: no libvectorscan-dev)"
fi

# Instructions per byte of input (callgrind, one pass; the same run of
# bench with --only memcpy, which loads and copies the corpus, is
# subtracted): the gate and the tokenizer alone, on A, B and D.
if command -v valgrind >/dev/null 2>&1; then
  refs() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      ./bench/bench --passes 1 "$@" 2>&1 |
      sed -n 's/.*I *refs: *//p' | tr -d ,
  }
  ipb() { # ROW CORPUS-ARGS...
    row=$1
    shift
    b=$(./bench/bench --only memcpy --passes 1 "$@" | sed -n 's/^bytes //p')
    awk -v g="$(refs --only "$row" "$@")" -v m="$(refs --only memcpy "$@")" \
        -v b="$b" 'BEGIN { printf "%6.1f", (g - m) / b }'
  }
  printf '\nInstructions per byte (callgrind, one pass):\n'
  printf '  %-24s %8s %8s\n' "" gate tokenizer
  # shellcheck disable=SC2086
  printf '  %-24s %8s %8s\n' "A. real pages" "$(ipb gate $files/*)" \
    "$(ipb tokenizer $files/*)"
  printf '  %-24s %8s %8s\n' "B. embed-heavy" "$(ipb gate --embeds "$embeds")" \
    "$(ipb tokenizer --embeds "$embeds")"
  printf '  %-24s %8s %8s\n' "D. no embeds" "$(ipb gate --plain "$embeds")" \
    "$(ipb tokenizer --plain "$embeds")"
fi

# Whole process: consent-gate over a large file, and streaming 1 GB.
while [ "$(stat -c %s "$tmp/big.html" 2>/dev/null || echo 0)" -lt $((big * 1000000)) ]; do
  cat "$files"/* >>"$tmp/big.html"
done
size=$(stat -c %s "$tmp/big.html")
./tools/consent-gate "$tmp/big.html" >/dev/null   # warm the page cache
t0=$(date +%s.%N)
./tests/tools/maxrss ./tools/consent-gate "$tmp/big.html" 2>"$tmp/rss" >/dev/null
t1=$(date +%s.%N)
./tests/tools/maxrss cat "$tmp/big.html" 2>"$tmp/rss2" >/dev/null
t2=$(date +%s.%N)
./tests/tools/randhtml --seed 3 1G | ./tests/tools/maxrss ./tools/consent-gate \
  2>"$tmp/rss3" | wc -c >"$tmp/gbytes"
t3=$(date +%s.%N)
awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v n="$size" \
    -v g="$(cat "$tmp/gbytes")" \
    -v rss="$(sed -n 's/^maxrss //p' "$tmp/rss")" \
    -v rss2="$(sed -n 's/^maxrss //p' "$tmp/rss2")" \
    -v rss3="$(sed -n 's/^maxrss //p' "$tmp/rss3")" 'BEGIN {
  printf "\nWhole process (consent-gate, 64 KiB reads, output to /dev/null):\n"
  printf "  %-34s %10s %14s\n", "", "MB/s", "peak RSS KiB"
  printf "  %-34s %10.0f %14d\n", "cat, " int(n / 1e6) " MB file (ceiling)", n / (t2 - t1) / 1e6, rss2
  printf "  %-34s %10.0f %14d\n", "consent-gate, " int(n / 1e6) " MB file", n / (t1 - t0) / 1e6, rss
  printf "  %-34s %10s %14d\n", "consent-gate, 1 GB streamed (pipe)", "-", rss3
  printf "  (the 1 GB page came out as %.0f MB)\n", g / 1e6
}'
