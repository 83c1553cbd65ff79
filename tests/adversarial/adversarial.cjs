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

const [casesTxt, providersJson, gate, work] = process.argv.slice(2);
const SITE = "http://site.test";
let n = 0, failed = 0;
function ok(cond, name, diag) {
  n++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - ${name}`);
  if (!cond) {
    failed++;
    if (diag) console.log("# " + String(diag).replace(/\n/g, "\n# "));
  }
}

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
  } finally {
    await browser.close();
  }
  console.log(`# ${cases.length} cases (${cases.length - providers.size} hand-written or per provider), ` +
              `${providers.size} providers, ${kinds.size} element kinds: ${[...kinds].sort().join(" ")}`);
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
})().catch(e => { console.log("not ok - " + e.stack.replace(/\n/g, "\n# ")); console.log(`1..${n + 1}`); process.exit(1); });
