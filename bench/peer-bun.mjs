/*
 * peer-bun.mjs: lol-html running natively (Bun's built-in HTMLRewriter is
 * lol-html compiled into Bun; npm bun ships the binary) doing the gate's
 * job on the same files as bench/bench: provider iframes and images
 * replaced by a placeholder, provider scripts and links removed.  The
 * files are read before timing; transform() is synchronous on the bytes.
 * Prints "MEDIAN BEST" MB/s over PASSES passes for bench/run.sh.
 *
 *   bun peer-bun.mjs PROVIDERS_JSON PASSES FILE...
 */
import { readFileSync } from "fs";
import { createRequire } from "module";

const [providersJson, passesArg, ...files] = process.argv.slice(2);
const passes = Number(passesArg) || 5;
const isProvider = createRequire(import.meta.url)("./peer-hosts.cjs")(providersJson);

const placeholder = '<div class="consent-embed" data-consent-provider="x">' +
  '<button data-consent-allow>Load content</button></div>';
const docs = files.map(f => new Uint8Array(readFileSync(f)));
const total = docs.reduce((n, d) => n + d.length, 0);

const box = { element(el) {
  if (isProvider(el.getAttribute("src"))) el.replace(placeholder, { html: true });
} };
const rw = new HTMLRewriter()
  .on("iframe", box)
  .on("img", box)
  .on("script[src]", { element(el) {
    if (isProvider(el.getAttribute("src"))) el.remove();
  } })
  .on("link[href]", { element(el) {
    if (isProvider(el.getAttribute("href"))) el.remove();
  } });

let sink = 0;
function gate(doc) {
  try {
    sink += rw.transform(doc).byteLength;
  } catch (e) { /* a page lol-html refuses */ }
}

for (const d of docs) gate(d); /* warm up */
const times = [];
for (let p = 0; p < passes; p++) {
  const t0 = Bun.nanoseconds();
  for (const d of docs) gate(d);
  times.push((Bun.nanoseconds() - t0) / 1e9);
}
times.sort((a, b) => a - b);
console.log((total / times[Math.floor(passes / 2)] / 1e6).toFixed(1) + " " +
            (total / times[0] / 1e6).toFixed(1) + (sink < 0 ? "!" : ""));
