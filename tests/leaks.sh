#!/bin/sh
# leaks.sh: consent-gate under valgrind (memcheck) on the benchmark corpus
# and the sample pages, every command: no leak, no error.  Prints TAP.
# Run from the source tree after ./build.sh build.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
gate="$top/_build/tools/.libs/consent-gate"
[ -x "$gate" ] || gate="$top/_build/tools/consent-gate"
export LD_LIBRARY_PATH="$top/_build/libconsent/.libs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

vg() { # NAME ARGS...: one run under valgrind
  name=$1
  shift
  n=$((n + 1))
  if valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
       --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
       "$gate" "$@" >"$tmp/out" 2>"$tmp/vg"; then
    echo "ok $n - valgrind: $name"
  elif [ $? -eq 99 ]; then
    echo "not ok $n - valgrind: $name"
    sed 's/^/# /' "$tmp/vg" | head -30
    failed=$((failed + 1))
  else
    echo "ok $n - valgrind: $name (exit status as expected for the case)"
  fi
}

corpus=${CONSENT_CORPUS:-$("$top/bench/corpus.sh")}
cat "$corpus"/* >"$tmp/corpus.html"
"$gate" key new --key-file "$tmp/keys" >/dev/null
V=$("$gate" cookie issue --key-file "$tmp/keys" --allow youtube,category:maps)
gzip -c "$top/examples/article.html" >"$tmp/a.gz"

vg "the whole corpus ($(wc -c <"$tmp/corpus.html") bytes), defaults" "$tmp/corpus.html"
vg "the corpus with a visitor's cookie" --key-file "$tmp/keys" --cookie "$V" "$tmp/corpus.html"
vg "providers page, German, report" --lang de --report "$tmp/r.json" "$top/examples/providers.html"
vg "article, endpoint, cache-safe, url script" --endpoint /c --cache-safe --script url --script-url /c.js "$top/examples/article.html"
vg "gzip in and out" --decode gzip --encode gzip "$tmp/a.gz"
vg "a truncated gzip stream (an error path)" --decode gzip "$top/examples/article.html"
vg "a small buffer bound" --max-buffer 4096 "$tmp/corpus.html"
mkdir -p "$tmp/site/sub"
cp "$top/examples/article.html" "$tmp/site/index.html"
cp "$top/examples/providers.html" "$tmp/site/sub/p.html"
vg "a site in place" --in-place "$tmp/site"
vg "key new" key new --key-file "$tmp/keys2"
vg "cookie issue" cookie issue --key-file "$tmp/keys" --allow vimeo --receipt
vg "cookie verify" cookie verify --key-file "$tmp/keys" "$V"
vg "cookie verify, rejected" cookie verify --key-file "$tmp/keys" "x$V"
vg "providers --json" providers --json
vg "match" match https://www.youtube.com/embed/x https://b%C3%BCcher.example/
vg "a broken provider file" providers --providers "$top/examples/article.html"
echo "1..$n"
[ $failed -eq 0 ]
