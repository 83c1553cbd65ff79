/*
 * adversarial.cjs: the adversarial corpus in a real browser.
 *
 *   node adversarial.cjs CASES_TXT PROVIDERS_JSON CONSENT_GATE WORKDIR
 *
 * Reads the hand-written cases (cases.txt) and makes ten mutations of an
 * embed of every built-in provider (the generator: entities, case, a
 * trailing dot, userinfo, backslashes, tabs and newlines in the URL,
 * protocol-relative, srcset, JSON escapes, SVG), gates each page with
 * consent-gate (built-in providers, no consent) and loads it in Debian's
 * chromium (playwright-core) with JavaScript on and off.  Every request
 * is intercepted; a case passes when none leaves the site.  Prints TAP.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

const [casesTxt, providersJson, gate, work, article] = process.argv.slice(2);
const SITE = "http://site.test";
const tap = require(path.join(__dirname, "..", "browser", "tap.cjs"))();
const ok = tap.ok;

/* The hand-written cases. */
function readCases() {
  const out = [];
  let cur = null;
  for (const line of fs.readFileSync(casesTxt, "utf8").split("\n")) {
    if (line.startsWith("#") && !cur) continue;
    const m = line.match(/^=== (.*)$/);
    if (m) {
      const [name, modes, hosts, opts] = m[1].split(";").map(s => s.trim());
      cur = { name, modes, hosts: hosts.split(/\s+/), opts: opts ? opts.split(/\s+/) : [], body: "" };
      out.push(cur);
    } else if (cur && line.trim()) {
      cur.body += line.replace(/PADPADPAD/g, "p".repeat(6000)) + "\n";
    }
  }
  return out;
}

/* Ten mutations of an embed of each provider with host patterns. */
function generated() {
  const out = [];
  for (const p of JSON.parse(fs.readFileSync(providersJson, "utf8"))) {
    const pat = (p.hosts || "").split(" ").filter(Boolean)[0];
    if (!pat) continue;
    const slash = pat.indexOf("/");
    const host = slash < 0 ? pat : pat.slice(0, slash);
    const pth = (slash < 0 ? "" : pat.slice(slash)) + "/x";
    const url = `https://${host}${pth}`;
    const ent = url.replace(/\//g, "&#x2F;");
    const upper = `HTTPS://${host.toUpperCase()}${pth}`;
    const body = [
      `<iframe src="${url}"></iframe>`,
      `<IFRAME SRC="${upper}"></IFRAME>`,
      `<img src="//${host}${pth}.png">`,
      `<img src="${ent}.png">`,
      `<script src="https://${host}.${pth}.js"></script>`,
      `<img src="https://user:pw@${host}${pth}.gif">`,
      `<img src="https:\\\\${host}${pth.replace(/\//g, "\\")}.jpg">`,
      `<iframe src="ht&#9;tps://${host}${pth}&#10;"></iframe>`,
      `<img srcset="/own.png 1x, ${url}.png 2x">`,
      `<script>var s=document.createElement("script");s.src="${url.replace(/\//g, "\\/")}.js";document.head.appendChild(s);</script>`,
      `<table background="${url}.png"><tr><td>x</td></tr></table>`,
      `<svg width="4" height="4"><image href="${url}.svg" width="4" height="4"/></svg>`,
    ].join("\n");
    out.push({ name: `generated: ${p.id} (${host})`, modes: "both", hosts: [host], opts: [], body, kinds: 12 });
  }
  return out;
}

/* A context serving pages[path] for the site, recording the rest. */
async function siteContext(browser, pages, seen) {
  const context = await browser.newContext();
  await context.route("**/*", route => {
    const u = new URL(route.request().url());
    if (u.origin === SITE)
      return route.fulfill({ status: pages[u.pathname] ? 200 : 404,
                             contentType: "text/html; charset=utf-8",
                             body: pages[u.pathname] || "" });
    seen.push(route.request().url());
    return route.fulfill({ status: 204, body: "" });
  });
  return context;
}

/* The guard's placeholder for markup a script inserted: visible, names
 * the provider, and one click loads that provider only. */
async function guardFlow(browser) {
  const src = path.join(work, "guard-flow.html");
  fs.writeFileSync(src, `<!doctype html><html><head><title>g</title></head><body>
<div id="d"></div><script>document.getElementById("d").innerHTML =
'<iframe width="560" height="315" src="https://www.'+'youtube.com/embed/x"></iframe>';
var s = document.createElement("script"); s.src = "https://connect."+"facebook.net/x.js";
document.body.appendChild(s);</script></body></html>\n`);
  const seen = [];
  const context = await siteContext(browser, { "/g.html": execFileSync(gate, ["--guard", src]) }, seen);
  const page = await context.newPage();
  await page.goto(SITE + "/g.html", { waitUntil: "load" });
  await page.waitForTimeout(300);
  ok(seen.length === 0, "guard: nothing reaches YouTube or Facebook from script-built embeds", seen.join("\n"));
  const box = page.locator('div[data-consent-provider="youtube"]');
  ok(await box.count() === 1 && await box.isVisible() &&
     /YouTube/.test(await box.innerText()), "guard: the inserted frame became a visible placeholder naming YouTube");
  await box.locator("[data-consent-allow]").click();
  await page.waitForTimeout(500);
  const hosts = [...new Set(seen.map(u => new URL(u).hostname))];
  ok(hosts.length === 1 && hosts[0] === "www.youtube.com" &&
     await page.locator('iframe[src*="youtube.com/embed/x"]').count() === 1,
     `guard: one click loads YouTube only (${hosts.join(" ")})`, seen.join("\n"));
  await context.close();
}

/* The guard's code, minified (terser) and gzipped: at most 2 KB. */
async function guardSize() {
  if (!process.env.TERSER || !process.env.GUARD_JS) {
    tap.skip("guard size", "terser (npm) is not available");
    return;
  }
  const { minify } = require(process.env.TERSER);
  const src = fs.readFileSync(process.env.GUARD_JS, "utf8");
  const min = (await minify(src, { compress: true, mangle: true })).code;
  const gz = require("zlib").gzipSync(min, { level: 9 }).length;
  ok(gz <= 2048, `guard: ${min.length} bytes minified, ${gz} bytes gzipped (at most 2048)`);
}

/* What the guard costs on load: the sample article (with its embeds)
 * gated with and without it, each loaded 15 times; printed, not tested
 * (a benchmark, not a timed test). */
async function guardCost(browser) {
  const pages = { "/a.html": execFileSync(gate, [article]),
                  "/g.html": execFileSync(gate, ["--guard", article]) };
  const seen = [];
  const context = await siteContext(browser, pages, seen);
  const page = await context.newPage();
  const ms = {};
  for (const p of ["/a.html", "/g.html", "/a.html", "/g.html"]) {
    const t = [];
    for (let i = 0; i < 15; i++) {
      await page.goto(SITE + p, { waitUntil: "load" });
      t.push(await page.evaluate(() => {
        const n = performance.getEntriesByType("navigation")[0];
        return n.loadEventEnd - n.startTime;
      }));
    }
    t.sort((a, b) => a - b);
    ms[p] = t[7];
  }
  ok(seen.length === 0, "guard cost: the article loads nothing from third parties either way");
  console.log(`# guard cost on load (median of 15, article with its embeds): ` +
              `${ms["/a.html"].toFixed(1)} ms without, ${ms["/g.html"].toFixed(1)} ms with ` +
              `(+${(ms["/g.html"] - ms["/a.html"]).toFixed(1)} ms); page bytes ` +
              `${pages["/a.html"].length} / ${pages["/g.html"].length}`);
  await context.close();
}

const gif = Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");

(async () => {
  const cases = readCases().concat(generated());
  fs.mkdirSync(path.join(work, "in"), { recursive: true });
  fs.mkdirSync(path.join(work, "out"), { recursive: true });
  cases.forEach((c, i) => {
    c.file = `case${i}.html`;
    const src = path.join(work, "in", c.file);
    fs.writeFileSync(src, `<!doctype html><html><head><title>${i}</title></head><body>\n${c.body}</body></html>\n`);
    c.gated = execFileSync(gate, c.opts.concat([src]));
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const providers = new Set(), kinds = new Set();
  try {
    for (const js of [true, false]) {
      const context = await browser.newContext({ javaScriptEnabled: js });
      let seen = [], current = null;
      await context.route("**/*", route => {
        const u = new URL(route.request().url());
        if (u.origin === SITE) {
          const c = current;
          return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8",
                                 body: c && u.pathname === "/" + c.file ? c.gated : "" });
        }
        seen.push(route.request().url());
        return route.request().resourceType() === "image"
          ? route.fulfill({ status: 200, contentType: "image/gif", body: gif })
          : route.fulfill({ status: 204, body: "" });
      });
      const page = await context.newPage();
      for (const c of cases) {
        if (c.modes !== "both" && c.modes !== (js ? "js" : "nojs")) continue;
        current = c;
        seen = [];
        try {
          await page.goto(SITE + "/" + c.file, { waitUntil: "load", timeout: 10000 });
          await page.waitForTimeout(js ? 250 : 50);
        } catch (e) {
          /* A refresh or a blocked navigation: what was requested counts. */
        }
        ok(seen.length === 0, `${c.name} [JS ${js ? "on" : "off"}]: no request to ${c.hosts.join(" ")}`,
           seen.join("\n"));
        if (c.name.startsWith("generated: ")) providers.add(c.name.split(" ")[1]);
        for (const m of c.body.matchAll(/<([a-zA-Z]+)/g)) kinds.add(m[1].toLowerCase());
      }
      await context.close();
    }
    await guardFlow(browser);
    await guardSize();
    if (article) await guardCost(browser);
  } finally {
    await browser.close();
  }
  console.log(`# ${cases.length} pages: ${cases.length - providers.size} hand-written, ` +
              `${providers.size} generated (12 mutations of an embed of each provider), ` +
              `${kinds.size} element kinds: ${[...kinds].sort().join(" ")}`);
  tap.done();
})().catch(e => { tap.ok(false, "the run ended early", e.stack); tap.done(); });
