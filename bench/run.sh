#!/bin/sh
# run.sh: the benchmark behind 'make bench'.  Run from the build folder.
# Prints MB/s of the tokenizer and the passthrough rewriter over the real
# page corpus and over one large page, memcpy and memchr as the ceiling,
# then whole-process figures of consent-gate.
set -eu
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
files=$("$top/bench/corpus.sh")
big=${BENCH_BIG_MB:-100}

echo "== libconsent $(./tools/consent-gate --version | sed 's/.* //') benchmark"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)"
./bench/bench --passes "${BENCH_PASSES:-7}" --big "$big" "$files"/*

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One large file made of the corpus, for the command line tool.
while [ "$(stat -c %s "$tmp/big.html" 2>/dev/null || echo 0)" -lt $((big * 1000000)) ]; do
  cat "$files"/* >>"$tmp/big.html"
done
size=$(stat -c %s "$tmp/big.html")
./tools/consent-gate "$tmp/big.html" >/dev/null   # warm the page cache
start=$(date +%s.%N)
./tests/tools/maxrss ./tools/consent-gate "$tmp/big.html" 2>"$tmp/rss" >/dev/null
end=$(date +%s.%N)
start2=$(date +%s.%N)
./tests/tools/maxrss cat "$tmp/big.html" 2>"$tmp/rss2" >/dev/null
end2=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v s2="$start2" -v e2="$end2" -v n="$size" \
    -v rss="$(sed -n 's/^maxrss //p' "$tmp/rss")" \
    -v rss2="$(sed -n 's/^maxrss //p' "$tmp/rss2")" 'BEGIN {
  printf "\nWhole process, %.1f MB file to /dev/null:\n", n / 1e6
  printf "  %-26s %10s %14s\n", "", "MB/s", "peak RSS KiB"
  printf "  %-26s %10.0f %14d\n", "cat (ceiling)", n / (e2 - s2) / 1e6, rss2
  printf "  %-26s %10.0f %14d\n", "consent-gate", n / (e - s) / 1e6, rss
}'
