/*
 * browser-test.cjs: the gate in a real browser (Debian's chromium driven
 * by playwright-core).  Every request is intercepted: the site is served
 * from the folder of gated pages, third parties are simulated and
 * recorded, nothing reaches the network.
 *
 *   node browser-test.cjs PAGES_DIR PROVIDERS_JSON SCREENSHOT_DIR
 *
 * Prints TAP.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

const [pagesDir, providersJson, shotDir] = process.argv.slice(2);
const SITE = "http://site.test";
const providers = JSON.parse(fs.readFileSync(providersJson, "utf8"));

const tap = require(path.join(__dirname, "..", "browser", "tap.cjs"))();
const ok = tap.ok;

/* The provider of a URL: longest host suffix, then a matching path. */
const patterns = [];
for (const p of providers)
  for (const h of (p.hosts || "").split(" ").filter(Boolean)) {
    const slash = h.indexOf("/");
    patterns.push({ id: p.id, host: slash < 0 ? h : h.slice(0, slash),
                    path: slash < 0 ? "" : h.slice(slash) });
  }
function providerOf(href) {
  const u = new URL(href);
  let host = u.hostname.toLowerCase();
  for (;;) {
    const here = patterns.filter(p => p.host === host);
    const byPath = here.filter(p => p.path && (u.pathname === p.path ||
      u.pathname.startsWith(p.path + "/") || u.pathname.startsWith(p.path + "?")))
      .sort((a, b) => b.path.length - a.path.length);
    if (byPath.length) return byPath[0].id;
    const any = here.find(p => !p.path);
    if (any) return any.id;
    const dot = host.indexOf(".");
    if (dot < 0) return null;
    host = host.slice(dot + 1);
  }
}

const gif = Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");

async function newPage(browser, thirdParty, cookies, view) {
  const context = await browser.newContext(Object.assign(
    { viewport: { width: 1100, height: 1400 } }, view || {}));
  if (cookies) await context.addCookies(cookies);
  await context.route("**/*", async route => {
    const req = route.request();
    const u = new URL(req.url());
    if (u.origin === SITE) {
      /* The consent endpoint's GET ?state, standing in for a server that
       * verifies the signed cookie (the host suite checks the real one):
       * "consent=signed-vimeo" stands for a cookie that verifies. */
      if (u.pathname === "/consent" && u.searchParams.has("state")) {
        const signed = /(?:^|;\s*)consent=signed-vimeo(?:;|$)/.test(req.headers()["cookie"] || "");
        return route.fulfill({ status: 200, contentType: "application/json",
                               body: JSON.stringify({ allowed: signed ? ["vimeo"] : [] }) });
      }
      const file = path.join(pagesDir, path.basename(u.pathname) || "index.html");
      if (fs.existsSync(file))
        return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8",
                               body: fs.readFileSync(file) });
      return route.fulfill({ status: 404, body: "not found" });
    }
    thirdParty.push({ url: req.url(), type: req.resourceType(), provider: providerOf(req.url()) });
    switch (req.resourceType()) {
      case "script":
        return route.fulfill({ status: 200, contentType: "application/javascript",
          body: `window.__ran = (window.__ran || []).concat([${JSON.stringify(u.hostname)}]);` });
      case "image":
        return route.fulfill({ status: 200, contentType: "image/gif", body: gif });
      case "stylesheet":
        return route.fulfill({ status: 200, contentType: "text/css", body: "" });
      case "document":
        return route.fulfill({ status: 200, contentType: "text/html",
          body: `<body style="margin:0;background:#222;color:#eee;font:16px sans-serif">` +
                `<p style="padding:1em">Simulated ${u.hostname}</p></body>` });
      default:
        return route.fulfill({ status: 204, body: "" });
    }
  });
  const page = await context.newPage();
  return { context, page };
}

/* Moves the mouse off any frame a click just put under it (Chromium
 * gives the next click to that frame otherwise), then clicks. */
async function click(page, selector) {
  const loc = page.locator(selector).first();
  await loc.scrollIntoViewIfNeeded();
  await page.mouse.move(1, 1);
  await page.waitForTimeout(50);
  await loc.click();
}

async function settle(page) {
  await page.waitForLoadState("load");
  await page.waitForTimeout(400);
}

function providersOf(list) {
  return [...new Set(list.map(r => r.provider || "(unknown: " + new URL(r.url).hostname + ")"))];
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage"],
  });
  try {
    /* 1. The sample article. */
    {
      const seen = [];
      const { context, page } = await newPage(browser, seen);
      await page.goto(SITE + "/article.html");
      await settle(page);
      ok(seen.length === 0, "article: no request to any third party before consent",
         JSON.stringify(seen, null, 1));
      const boxes = await page.locator("[data-consent-provider]").count();
      ok(boxes >= 10, `article: ${boxes} placeholders`);
      await page.screenshot({ path: path.join(shotDir, "article-before.png"), fullPage: true });
      await click(page, 'div[data-consent-provider="youtube"] [data-consent-allow]');
      await page.waitForTimeout(800);
      const after = providersOf(seen);
      ok(seen.length > 0 && after.length === 1 && after[0] === "youtube",
         `article: after clicking YouTube's button, requests go to YouTube only (${after.join(", ")})`,
         JSON.stringify(seen, null, 1));
      ok(await page.locator('iframe[src*="youtube-nocookie.com"]').count() === 1,
         "article: the YouTube player is back in place");
      await page.screenshot({ path: path.join(shotDir, "article-after.png"), fullPage: true });
      await context.close();
    }

    /* 1b. The placeholders' look: no text spills out of a box from a
     * phone (390 px) to a desktop (1280 px), light and dark; the page's
     * own font; the provider's mark; an "open on" link. */
    for (const width of [390, 1280]) {
      for (const scheme of ["light", "dark"]) {
        const seen = [];
        const { context, page } = await newPage(browser, seen, null,
          { viewport: { width, height: 900 }, colorScheme: scheme });
        await page.goto(SITE + "/article.html");
        await settle(page);
        await page.evaluate(() => document.querySelectorAll(".consent-notice").forEach(n => n.remove()));
        const geo = await page.evaluate(() => [...document.querySelectorAll("div.consent-embed")].map(e => {
          const r = e.getBoundingClientRect(), abs = getComputedStyle(e).position === "absolute";
          let spill = 0;
          e.querySelectorAll("*").forEach(c => {
            const q = c.getBoundingClientRect();
            if (q.width && (q.right > r.right + 1 || q.left < r.left - 1 ||
                            (!abs && q.bottom > r.bottom + 1))) spill++;
          });
          const next = e.nextElementSibling, n = next && next.getBoundingClientRect();
          return { id: e.getAttribute("data-consent-provider"), spill,
                   wide: r.right > document.documentElement.clientWidth + 1,
                   over: !abs && n && n.height > 0 && n.top < r.bottom - 1,
                   font: getComputedStyle(e).fontFamily, bg: getComputedStyle(e).backgroundColor,
                   mark: !!e.querySelector(".consent-embed__mark"),
                   scroll: !abs || getComputedStyle(e).overflowY === "auto" };
        }));
        const bad = geo.filter(g => g.spill || g.wide || g.over || !g.scroll);
        ok(geo.length >= 8 && bad.length === 0,
           `look at ${width} px, ${scheme}: ${geo.length} boxes, no text outside its box, ` +
           "none wider than the page, none over what follows", JSON.stringify(bad));
        ok(geo.every(g => /Merriweather|Georgia|serif/.test(g.font) && g.mark),
           `look at ${width} px, ${scheme}: the article's own font, the provider's mark on each box`,
           geo.map(g => g.font).join(" | "));
        ok(geo.every(g => scheme === "dark" ? g.bg === "rgb(38, 38, 38)" : g.bg === "rgb(243, 243, 243)"),
           `look at ${width} px, ${scheme}: the ${scheme} colours`, geo.map(g => g.bg).join(" "));
        await page.screenshot({ path: path.join(shotDir, `article-${width}-${scheme}.png`), fullPage: true });
        ok(seen.length === 0, `look at ${width} px, ${scheme}: no third-party request`);
        await context.close();
      }
    }
    {
      const seen = [];
      const { context, page } = await newPage(browser, seen);
      await page.goto(SITE + "/article.html");
      await settle(page);
      const open = page.locator('div[data-consent-provider="youtube"] a.consent-embed__open');
      ok(await open.count() === 1 && (await open.innerText()) === "Open on YouTube" &&
         (await open.getAttribute("href")).startsWith("https://www.youtube-nocookie.com/embed/") &&
         seen.length === 0,
         "an \"Open on YouTube\" link to the video, which loads nothing until followed");
      await context.close();
    }

    /* 2. Many providers on one page. */
    {
      const seen = [];
      const { context, page } = await newPage(browser, seen);
      await page.goto(SITE + "/providers.html");
      await settle(page);
      ok(seen.length === 0, "providers page: no request to any third party before consent",
         JSON.stringify(seen.slice(0, 20), null, 1));
      const ids = await page.$$eval("[data-consent-provider]",
        els => [...new Set(els.map(e => e.getAttribute("data-consent-provider")))]);
      ok(ids.length >= 25, `providers page: ${ids.length} providers gated (at least 25)`,
         ids.join(" "));
      await page.screenshot({ path: path.join(shotDir, "providers-before.png"), fullPage: true });

      /* One click each: requests go to that provider only, and its
       * scripts run (the tweet's widget script). */
      for (const id of ["vimeo", "x", "spotify", "instagram", "google-maps"]) {
        const before = seen.length;
        await click(page, `div[data-consent-provider="${id}"] [data-consent-allow]`);
        await page.waitForTimeout(600);
        const now = providersOf(seen.slice(before));
        ok(seen.length > before && now.length === 1 && now[0] === id,
           `providers page: clicking ${id} loads ${id} only (${now.join(", ")})`,
           JSON.stringify(seen.slice(before), null, 1));
      }
      const ran = await page.evaluate(() => window.__ran || []);
      ok(ran.includes("platform.twitter.com"), "providers page: the tweet's widget script ran after the click",
         ran.join(" "));

      /* "Always" for YouTube: every YouTube embed on the page loads. */
      const ytBefore = await page.locator('[data-consent-provider="youtube"]').count();
      const before = seen.length;
      await page.mouse.move(1, 1);
      await page.locator('div[data-consent-provider="youtube"] [data-consent-always]').first().check();
      await click(page, 'div[data-consent-provider="youtube"] [data-consent-allow]');
      await page.waitForTimeout(800);
      const yt = providersOf(seen.slice(before));
      const left = await page.locator('[data-consent-provider="youtube"]').count();
      const frames = await page.locator('iframe[src*="youtube"]').count();
      ok(ytBefore >= 3 && left === 0 && frames === 2 && yt.length === 1 && yt[0] === "youtube",
         `providers page: with "always" ticked, all ${ytBefore} YouTube embeds load, nothing else`,
         `left ${left}, frames ${frames}, providers ${yt.join(", ")}`);
      const cookie = (await page.context().cookies()).find(c => c.name === "consent_allowed");
      ok(cookie && cookie.value.split(".").includes("youtube"),
         "providers page: the companion cookie remembers YouTube");

      /* Keyboard only: Tab to a button, Enter. */
      const kb = seen.length;
      await page.locator('div[data-consent-provider="soundcloud"] [data-consent-allow]').focus();
      const focused = await page.evaluate(() => document.activeElement &&
        document.activeElement.hasAttribute("data-consent-allow"));
      await page.keyboard.press("Enter");
      await page.waitForTimeout(600);
      const k = providersOf(seen.slice(kb));
      ok(focused && k.length === 1 && k[0] === "soundcloud",
         "providers page: a placeholder works with the keyboard alone");
      await page.screenshot({ path: path.join(shotDir, "providers-after.png"), fullPage: true });
      await context.close();
    }

    /* 3. Cache-safe output: only what the signed cookie allows comes back
     * on load; a companion cookie planted without it does nothing. */
    {
      const seen = [];
      const { context, page } = await newPage(browser, seen,
        [{ name: "consent_allowed", value: "vimeo.youtube.x", url: SITE }]);
      await page.goto(SITE + "/providers-cache-safe.html");
      await settle(page);
      ok(seen.length === 0 &&
         await page.locator('[data-consent-provider="vimeo"]').count() > 0,
         `cache-safe page: a planted companion cookie (vimeo.youtube.x) without a signed cookie loads nothing (${providersOf(seen).join(", ")})`);
      await context.close();
    }
    {
      const seen = [];
      const { context, page } = await newPage(browser, seen,
        [{ name: "consent_allowed", value: "vimeo.youtube", url: SITE },
         { name: "consent", value: "signed-vimeo", url: SITE }]);
      await page.goto(SITE + "/providers-cache-safe.html");
      await settle(page);
      const p = providersOf(seen);
      ok(seen.length > 0 && p.length === 1 && p[0] === "vimeo",
         `cache-safe page: what the signed cookie allows (Vimeo) loads on its own, not what the companion cookie adds (YouTube) (${p.join(", ")})`,
         JSON.stringify(seen.slice(0, 10), null, 1));
      ok(await page.locator('[data-consent-provider="vimeo"]').count() === 0 &&
         await page.locator('[data-consent-provider="youtube"]').count() >= 3,
         "cache-safe page: Vimeo restored, the others still placeholders");
      await context.close();
    }

    /* 4. Without JavaScript: no third-party request either. */
    {
      const seen = [];
      const context = await browser.newContext({ javaScriptEnabled: false });
      await context.route("**/*", async route => {
        const u = new URL(route.request().url());
        if (u.origin === SITE)
          return route.fulfill({ status: 200, contentType: "text/html",
            body: fs.readFileSync(path.join(pagesDir, path.basename(u.pathname))) });
        seen.push({ url: u.href, provider: providerOf(u.href) });
        return route.fulfill({ status: 204, body: "" });
      });
      const page = await context.newPage();
      await page.goto(SITE + "/providers.html");
      await settle(page);
      ok(seen.length === 0, "providers page without JavaScript: no third-party request (noscript pixel included)",
         JSON.stringify(seen, null, 1));
      await context.close();
    }
  } catch (e) {
    ok(false, "the browser test ran to its end", e.stack);
  } finally {
    await browser.close();
  }
  tap.done();
})();
