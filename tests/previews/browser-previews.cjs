/*
 * browser-previews.cjs: a gated page with a preview, in chromium: served
 * from http://site.test with the cache folder under /consent-previews/;
 * every other request is recorded as third party.  The thumbnail loads
 * from the site, nothing reaches the provider.
 *
 *   node browser-previews.cjs PAGE CACHE_DIR     (prints TAP)
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

const [pageFile, cacheDir] = process.argv.slice(2);
let n = 0, failed = 0;
function ok(c, what, d) {
  n++;
  console.log(`${c ? "ok" : "not ok"} ${n} - previews: ${what}`);
  if (!c) { failed++; if (d) console.log("# " + String(d).replace(/\n/g, "\n# ")); }
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ["--no-sandbox"] });
  const ctx = await browser.newContext();
  const third = [], local = [];
  await ctx.route("**/*", (route) => {
    const u = new URL(route.request().url());
    if (u.origin === "http://site.test") {
      local.push(u.pathname);
      if (u.pathname === "/")
        return route.fulfill({ status: 200, contentType: "text/html", body: fs.readFileSync(pageFile) });
      if (u.pathname.startsWith("/consent-previews/")) {
        const f = path.join(cacheDir, path.basename(u.pathname));
        if (fs.existsSync(f))
          return route.fulfill({ status: 200, contentType: "image/jpeg", body: fs.readFileSync(f) });
      }
      return route.fulfill({ status: 404, body: "" });
    }
    third.push(u.href);
    return route.abort();
  });
  const page = await ctx.newPage();
  try {
    await page.goto("http://site.test/");
    await page.waitForLoadState("load");
    const img = page.locator(".consent-embed__preview img");
    ok(await img.count() === 1, "the placeholder has a preview image");
    const loaded = await img.evaluate((el) => el.complete && el.naturalWidth > 0).catch(() => false);
    ok(loaded || local.some((p) => p.startsWith("/consent-previews/")),
       "the thumbnail is requested from the site's own origin", local.join(" "));
    ok(third.length === 0, "zero third-party requests with the preview shown", third.join("\n"));
    ok((await page.locator(".consent-embed__preview figcaption").innerText()).includes("Video ok-e39"),
       "the title is shown");
  } catch (e) {
    ok(false, "the page loaded", e.stack);
  }
  await browser.close();
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
})();
