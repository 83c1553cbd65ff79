/*
 * peer-lolhtml.cjs: Cloudflare's lol-html (npm html-rewriter-wasm) doing
 * the gate's job on the same files: provider iframes and images replaced
 * by a placeholder, provider scripts and links removed.  Prints MB/s (the
 * median of PASSES passes) for bench/run.sh.
 *
 *   node peer-lolhtml.cjs PROVIDERS_JSON PASSES FILE...
 */
"use strict";
const fs = require("fs");
const { HTMLRewriter } = require(process.env.HTML_REWRITER_WASM ||
                                 "html-rewriter-wasm");

const [providersJson, passesArg, ...files] = process.argv.slice(2);
const passes = Number(passesArg) || 5;
const isProvider = require("./peer-hosts.cjs")(providersJson);

const placeholder = '<div class="consent-embed" data-consent-provider="x">' +
  '<button data-consent-allow>Load content</button></div>';
const docs = files.map(f => fs.readFileSync(f));
const total = docs.reduce((n, d) => n + d.length, 0);

async function gate(doc) {
  let out = 0;
  const rw = new HTMLRewriter(chunk => { out += chunk.length; });
  const box = { element(el) {
    if (isProvider(el.getAttribute("src"))) el.replace(placeholder, { html: true });
  } };
  rw.on("iframe", box);
  rw.on("img", box);
  rw.on("script[src]", { element(el) {
    if (isProvider(el.getAttribute("src"))) el.remove();
  } });
  rw.on("link[href]", { element(el) {
    if (isProvider(el.getAttribute("href"))) el.remove();
  } });
  await rw.write(doc);
  await rw.end();
  rw.free();
  return out;
}

(async () => {
  const times = [];
  for (const d of docs) await gate(d); /* warm up */
  for (let p = 0; p < passes; p++) {
    const t0 = process.hrtime.bigint();
    for (const d of docs) {
      try { await gate(d); } catch (e) { /* a page lol-html refuses */ }
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  console.log((total / times[Math.floor(passes / 2)] / 1e6).toFixed(1));
})();
