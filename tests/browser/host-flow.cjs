/*
 * host-flow.cjs: the consent flow in a real browser (Debian's chromium
 * driven by playwright-core) through a running host (httpd, nginx, ...)
 * that serves tests/hosts/site with its consent endpoint at /consent.
 * Requests to the host go through; every other request is a third party:
 * recorded and answered locally, nothing reaches the network.
 *
 *   node host-flow.cjs BASE_URL NAME
 *
 * Prints TAP.
 */
"use strict";
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

const [base, name] = process.argv.slice(2);
const origin = new URL(base).origin;
let n = 0, failed = 0;
function ok(cond, what, diag) {
  n++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - ${name}: ${what}`);
  if (!cond) {
    failed++;
    if (diag) console.log("# " + String(diag).replace(/\n/g, "\n# "));
  }
}

const VIMEO_RAW = '<iframe src="https://player.vimeo.com/video/76979871"';

/* What a provider's script does when it runs: Datawrapper's embed.js
 * marks its chart, so that a test sees the script ran. */
function standIn(url) {
  if (/datawrapper\.dwcdn\.net\/.*embed\.js/.test(url))
    return "document.querySelectorAll('[id^=datawrapper-vis-]').forEach(" +
           "function (e) { e.setAttribute('data-chart-ran', '1'); });";
  return "";
}

async function context(browser, js, thirdParty, locale) {
  const ctx = await browser.newContext({ javaScriptEnabled: js, locale: locale || "en-US",
                                        viewport: { width: 1100, height: 1400 } });
  await ctx.route("**/*", route => {
    const req = route.request();
    if (new URL(req.url()).origin === origin) return route.continue();
    thirdParty.push(new URL(req.url()).hostname);
    const type = req.resourceType();
    return route.fulfill({
      status: 200,
      contentType: type === "script" ? "application/javascript" : "text/html",
      body: type === "script" ? standIn(req.url()) : "<p>third party stand-in</p>",
    });
  });
  return ctx;
}

const hostsOf = (list, re) => list.filter(h => re.test(h));

async function noScript(browser) {
  const third = [];
  const ctx = await context(browser, false, third);
  const page = await ctx.newPage();
  await page.goto(base + "/page.html");
  ok(third.length === 0, "JavaScript off: zero third-party requests before consent",
     third.join(" "));
  const box = page.locator('[data-consent-provider="youtube"]');
  ok(await box.count() === 1 && await box.locator("form button[data-consent-allow]").count() === 1,
     "JavaScript off: the placeholder is a form with a button");
  const back = page.waitForResponse(r => r.url() === base + "/page.html" &&
                                         r.request().method() === "GET");
  await box.locator("button[data-consent-allow]").click();
  const resp = await back;
  await page.waitForLoadState("load");
  const chain = resp.request().redirectedFrom();
  ok(chain && chain.method() === "POST" && (await chain.response()).status() === 303,
     "submit -> POST to the endpoint -> 303 -> the same page");
  ok(await page.locator('iframe[src^="https://www.youtube.com/embed/"]').count() === 1,
     "the page now holds the real YouTube embed");
  ok(hostsOf(third, /youtube/).length > 0 && hostsOf(third, /vimeo|twitter|twimg/).length === 0,
     "only YouTube was contacted", third.join(" "));
  ok(await page.locator('[data-consent-provider="vimeo"]').count() === 1,
     "Vimeo is still a placeholder");
  await ctx.close();
}

async function scripted(browser) {
  const third = [];
  const ctx = await context(browser, true, third);
  const page = await ctx.newPage();
  const posts = [];
  page.on("request", r => { if (r.method() === "POST") posts.push(r.url()); });
  await page.goto(base + "/page.html");
  await page.waitForTimeout(300);
  ok(third.length === 0, "scripted: zero third-party requests before consent", third.join(" "));
  await page.locator('[data-consent-provider="youtube"] [data-consent-allow]').click();
  await page.waitForTimeout(500);
  ok(await page.locator('iframe[src^="https://www.youtube.com/embed/"]').count() === 1 &&
     page.url() === base + "/page.html" && posts.length === 0,
     "scripted: one click loads YouTube in place (no reload, no POST)");
  ok(hostsOf(third, /youtube/).length > 0 && hostsOf(third, /vimeo/).length === 0,
     "scripted: only YouTube was contacted", third.join(" "));
  const vimeo = page.locator('[data-consent-provider="vimeo"]');
  await vimeo.locator("[data-consent-always]").check();
  const posted = page.waitForResponse(r => r.request().method() === "POST");
  await vimeo.locator("[data-consent-allow]").click();
  const post = await posted;
  ok(post.url() === base + "/consent" && [200, 303].includes(post.status()) ||
     (await post.request().redirectedTo()) !== null,
     `scripted: "always" asks the endpoint for a cookie (${post.status()})`);
  await page.waitForTimeout(300);
  ok(hostsOf(third, /vimeo/).length > 0, "scripted: Vimeo loaded after the click");
  const cookies = await ctx.cookies();
  ok(cookies.some(c => c.name === "consent" && c.httpOnly),
     "scripted: the signed cookie is set (HttpOnly)");
  const again = await page.reload();
  const html = await again.text();
  ok(html.includes(VIMEO_RAW) && html.includes('data-consent-provider="youtube"'),
     "scripted: after a reload the server sends Vimeo as it is, YouTube (once) still gated");
  await ctx.close();
}

/* A hostile or careless backend behind /proxy/ (tests/hosts/backend.py),
 * pre-compressed static pages (httpd's /gz/, /mv/; 404 elsewhere) and
 * planted companion cookies: with JavaScript on and off, the browser
 * makes no request to anyone but the site before consent. */
const HOSTILE = ["br", "zstd", "gzip-twice", "compress", "utf16", "utf16be",
                 "utf16-bom", "notype", "tab", "iso2022jp", "iso2022jp-meta",
                 "link"].map(h => "/proxy/hostile/" + h)
  .concat(["/gz/page.html.gz", "/mv/page"]);

async function hostile(browser) {
  for (const js of [true, false]) {
    const third = [], loaded = [];
    const ctx = await context(browser, js, third);
    const page = await ctx.newPage();
    for (const path of HOSTILE) {
      const before = third.length;
      try {
        await page.goto(base + path, { waitUntil: "load", timeout: 10000 });
        await page.waitForTimeout(js ? 300 : 50);
      } catch (e) {
        /* A refused page (502) or a download is nothing loaded. */
      }
      if (third.length > before) loaded.push(path + ": " + third.slice(before).join(" "));
    }
    ok(loaded.length === 0, `JavaScript ${js ? "on" : "off"}: ${HOSTILE.length} hostile ` +
       "or pre-compressed pages (br, zstd, UTF-16 three ways, no type, ISO-2022-JP, Link " +
       "preloads, ...): zero third-party requests", loaded.join("\n"));
    await ctx.close();
  }
  for (const path of ["/page.html", "/safe/page.html"]) {
    const third = [];
    const ctx = await context(browser, true, third);
    await ctx.addCookies([{ name: "consent_allowed", value: "youtube.vimeo.x",
                            url: base }]);
    const page = await ctx.newPage();
    await page.evaluate(() => 0).catch(() => {});
    await page.goto(base + path);
    await page.waitForTimeout(500);
    ok(third.length === 0, `a planted companion cookie (consent_allowed=youtube.vimeo.x) ` +
       `loads nothing on ${path}`, third.join(" "));
    await ctx.close();
  }
}

/* The page with trackers, fonts and a script-built chart
 * (tests/hosts/site/trackers.html): the notice, Only necessary, Allow
 * all, the chart's box; the settings page withdraws one provider. */
const TRACKERS = /googletagmanager|google-analytics|facebook|fbcdn|matomo|fonts\.g/;
const shots = process.env.SHOTS_DIR;

async function notice(browser) {
  for (const js of [true, false]) {
    const third = [];
    const ctx = await context(browser, js, third);
    const page = await ctx.newPage();
    const tag = js ? "JavaScript on" : "JavaScript off";
    await page.goto(base + "/trackers.html");
    await page.waitForTimeout(js ? 400 : 50);
    ok(third.length === 0, `${tag}: a page with GA, GTM, Meta Pixel, Matomo, Google Fonts ` +
       "and a Datawrapper chart: zero third-party requests", third.join(" "));
    const n = page.locator("aside.consent-notice");
    const text = (await n.count()) ? await n.innerText() : "";
    ok(await n.count() === 1 && await n.isVisible() &&
       ["Google Analytics", "Meta Pixel", "Google Fonts", "Matomo"].every(p => text.includes(p)),
       `${tag}: the notice is visible and names the trackers`, text);
    const chart = page.locator('[data-consent-provider="datawrapper"]');
    ok(await chart.count() === 1 && await chart.isVisible() &&
       (await chart.innerText()).includes("Datawrapper") &&
       (await chart.boundingBox()).height >= 440,
       `${tag}: the chart is one visible box of its size naming Datawrapper`);
    await n.locator("[data-consent-notice-deny]").click();
    if (js) {
      await page.waitForTimeout(400);
      ok(await page.locator("aside.consent-notice").count() === 0,
         `${tag}: Only necessary takes the notice away in place`);
    } else {
      await page.waitForLoadState("load");
    }
    await page.goto(base + "/trackers.html");
    await page.waitForTimeout(js ? 400 : 50);
    ok(await page.locator("aside.consent-notice").count() === 0 && third.length === 0,
       `${tag}: after Only necessary nothing loaded and the next page has no notice`,
       third.join(" "));
    await ctx.close();
  }
  {
    const third = [];
    const ctx = await context(browser, true, third);
    const page = await ctx.newPage();
    await page.goto(base + "/notice-place.html");
    await page.waitForTimeout(300);
    ok(await page.locator("header consent-notice aside.consent-notice").count() === 1 &&
       third.length === 0,
       "the script puts the notice where the site put <consent-notice>", third.join(" "));
    await ctx.close();
  }
  /* Allow all loads the trackers, not the chart; the chart's click runs
   * its script. */
  const third = [];
  const ctx = await context(browser, true, third);
  const page = await ctx.newPage();
  await page.goto(base + "/trackers.html");
  await page.waitForTimeout(300);
  await page.locator("aside.consent-notice [data-consent-notice-allow]").click();
  await page.waitForTimeout(600);
  ok(hostsOf(third, TRACKERS).length > 0 && hostsOf(third, /datawrapper|dwcdn/).length === 0 &&
     await page.locator("aside.consent-notice").count() === 0,
     "Allow all: the trackers load, the chart does not, the notice goes", third.join(" "));
  const before = third.length;
  await page.locator('[data-consent-provider="datawrapper"] [data-consent-allow]').click();
  await page.waitForTimeout(600);
  const after = third.slice(before);
  ok(after.length > 0 && after.every(h => /dwcdn|datawrapper/.test(h)) &&
     await page.locator("#datawrapper-vis-Qz7Lm[data-chart-ran]").count() === 1,
     "one click on the chart loads Datawrapper only, and its script runs", after.join(" "));
  await ctx.close();
}

async function settings(browser) {
  const third = [];
  const ctx = await context(browser, false, third);
  const page = await ctx.newPage();
  await page.goto(base + "/page.html");
  const yt = page.locator('[data-consent-provider="youtube"]');
  await yt.locator("[data-consent-always]").check();
  await yt.locator("[data-consent-allow]").click();
  await page.waitForLoadState("load");
  ok(await page.locator('iframe[src^="https://www.youtube.com/embed/"]').count() === 1,
     "settings: YouTube always allowed");
  await page.locator('[data-consent-provider="vimeo"] a.consent-embed__manage').click();
  await page.waitForLoadState("load");
  const box = page.locator('input[name="provider"][value="youtube"]');
  ok(page.url().startsWith(base + "/consent?return=") && await box.isChecked(),
     "settings: Manage consent opens the settings page, YouTube ticked", page.url());
  await box.uncheck();
  await page.locator('button[type="submit"]:not([name])').click();
  await page.waitForLoadState("load");
  ok((await page.locator('[role="status"]').innerText()).includes("saved") &&
     !(await page.locator('input[name="provider"][value="youtube"]').isChecked()),
     "settings: saved, YouTube now unticked");
  third.length = 0;
  await page.locator("main > p:last-child a").click();
  await page.waitForLoadState("load");
  ok(page.url() === base + "/page.html" &&
     await page.locator('[data-consent-provider="youtube"]').count() === 1 &&
     hostsOf(third, /youtube/).length === 0,
     "settings: back on the page YouTube is gated again, zero requests to it", third.join(" "));
  await ctx.close();
}

async function screenshots(browser) {
  if (!shots) return;
  for (const lang of ["en", "de"]) {
    const ctx = await context(browser, true, [], lang === "de" ? "de-DE" : "en-US");
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(base + "/trackers.html");
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${shots}/notice-${name}-${lang}.png` });
    await page.goto(base + "/consent?return=%2Ftrackers.html");
    await page.screenshot({ path: `${shots}/settings-${name}-${lang}.png`, fullPage: true });
    await ctx.close();
  }
  ok(true, `screenshots of the notice and the settings page (en, de) in ${shots}`);
}

/* Every built-in script-built embed (tests/hosts/site/widgets.html, the
 * codes the providers' embed dialogs give): one visible box naming the
 * provider, nothing fetched before consent, one click loads that
 * provider only. */
const WIDGETS = {
  datawrapper: ["Datawrapper", /dwcdn|datawrapper/], flourish: ["Flourish", /flourish/],
  infogram: ["Infogram", /infogram/], tiktok: ["TikTok", /tiktok/],
  x: ["X (Twitter)", /twitter|twimg|(^|\.)x\.com$/], instagram: ["Instagram", /instagram/],
  facebook: ["Facebook", /facebook|fbcdn/], threads: ["Threads", /threads/],
  tumblr: ["Tumblr", /tumblr/], reddit: ["Reddit", /reddit/], bluesky: ["Bluesky", /bsky/],
  imgur: ["Imgur", /imgur/], flickr: ["Flickr", /flickr/],
  pinterest: ["Pinterest", /pinterest|pinimg/], twitch: ["Twitch", /twitch/],
  typeform: ["Typeform", /typeform/], calendly: ["Calendly", /calendly/],
  codepen: ["CodePen", /codepen/], tenor: ["Tenor", /tenor/],
  "github-gist": ["GitHub Gist", /github/],
};

async function widgets(browser) {
  for (const js of [false, true]) {
    const third = [];
    const ctx = await context(browser, js, third);
    const page = await ctx.newPage();
    const tag = js ? "JavaScript on" : "JavaScript off";
    await page.goto(base + "/widgets.html");
    await page.waitForTimeout(js ? 400 : 50);
    ok(third.length === 0, `${tag}: ${Object.keys(WIDGETS).length} script-built embeds: ` +
       "zero third-party requests before consent", third.join(" "));
    const bad = [];
    for (const [id, [label]] of Object.entries(WIDGETS)) {
      const box = page.locator(`div.consent-embed[data-consent-provider="${id}"]`);
      if (await box.count() !== 1 || !(await box.isVisible()) ||
          !(await box.innerText()).includes(label))
        bad.push(id);
    }
    ok(bad.length === 0, `${tag}: each is one visible box naming its provider`,
       bad.join(" "));
    if (js) {
      const wrong = [];
      for (const [id, [, re]] of Object.entries(WIDGETS)) {
        const before = third.length;
        await page.locator(`div.consent-embed[data-consent-provider="${id}"] ` +
                           "[data-consent-allow]").click();
        await page.waitForTimeout(250);
        const got = third.slice(before);
        if (got.length === 0 || !got.every(h => re.test(h)))
          wrong.push(`${id}: ${got.join(" ") || "nothing"}`);
      }
      ok(wrong.length === 0, "one click each: that provider loads, and only that provider",
         wrong.join("\n"));
    }
    await ctx.close();
  }
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  try {
    await noScript(browser);
    await scripted(browser);
    await hostile(browser);
    await notice(browser);
    await widgets(browser);
    await settings(browser);
    await screenshots(browser);
  } catch (e) {
    ok(false, "browser flow ran", e && e.stack);
  }
  await browser.close();
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
})();
