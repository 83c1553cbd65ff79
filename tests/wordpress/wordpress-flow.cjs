/*
 * wordpress-flow.cjs BASE INSTALL_LOG: the visitor's side of a real
 * WordPress with the plugin (tests/wordpress/test-wordpress.sh), in
 * Debian's chromium driven by playwright-core.  Requests to the site go
 * through; every other request is a third party: recorded and answered
 * locally, nothing reaches the network.  Prints TAP.
 */
"use strict";
const fs = require("fs");
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");

const [base, installLog] = process.argv.slice(2);
const origin = new URL(base).origin;
const posts = {};
for (const line of fs.readFileSync(installLog, "utf8").split("\n")) {
  const m = line.match(/^post (\S+) (\S+)/);
  if (m) posts[m[1]] = m[2];
  const f = line.match(/^feed (\S+)/);
  if (f) posts.feed = f[1];
}
let n = 0, failed = 0;
function ok(cond, what, diag) {
  n++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - wordpress: ${what}`);
  if (!cond) {
    failed++;
    if (diag) console.log("# " + String(diag).replace(/\n/g, "\n# "));
  }
}

async function context(browser, js, third, view) {
  const ctx = await browser.newContext(Object.assign({ javaScriptEnabled: js,
    viewport: { width: 1100, height: 1200 } }, view || {}));
  await ctx.route("**/*", route => {
    const req = route.request();
    if (new URL(req.url()).origin === origin) return route.continue();
    third.push(new URL(req.url()).hostname);
    const type = req.resourceType();
    return route.fulfill({ status: 200,
      contentType: type === "script" ? "application/javascript" : "text/html",
      body: type === "script" ? "" : "<p>third party stand-in</p>" });
  });
  return ctx;
}
const only = (list, re) => list.length > 0 && list.every(h => re.test(h));

async function scripted(browser) {
  const third = [];
  const ctx = await context(browser, true, third);
  const page = await ctx.newPage();
  const resp = await page.goto(posts.iframe);
  await page.waitForTimeout(400);
  const html = await resp.text();
  ok(resp.status() === 200 && third.length === 0,
     `JavaScript on: a post with a YouTube and a Vimeo iframe: zero third-party requests (${resp.status()})`,
     third.join(" "));
  const yt = page.locator('div.consent-embed[data-consent-provider="youtube"]');
  ok(await yt.count() === 1 && await yt.isVisible(), "the YouTube placeholder is visible",
     (html.match(/<article[\s\S]*?<\/article>/) || [html])[0].slice(0, 1500));
  ok((html.match(/<script[^>]*consent-[0-9a-f]+\.js/g) || []).length === 1 &&
     (html.match(/consent-[0-9a-f]+\.css/g) || []).length === 1 &&
     !/&#038;&#038;|&amp;&amp;/.test(html),
     "the script and style are enqueued once, as files, untouched by WordPress's formatters");
  const ids = [...html.matchAll(/ id="(consent-embed-\d+)"/g)].map(m => m[1]);
  ok(ids.length >= 2 && new Set(ids).size === ids.length, `unique box ids (${ids.join(" ")})`);
  await yt.locator("[data-consent-allow]").click();
  await page.waitForTimeout(600);
  ok(await page.locator('iframe[src^="https://www.youtube.com/embed/"]').count() === 1 &&
     only(third, /youtube/), "one click loads YouTube in place, and only YouTube", third.join(" "));
  await ctx.close();
}

async function noScript(browser) {
  const third = [];
  const ctx = await context(browser, false, third);
  const page = await ctx.newPage();
  await page.goto(posts.iframe);
  ok(third.length === 0, "JavaScript off: zero third-party requests", third.join(" "));
  const yt = page.locator('div.consent-embed[data-consent-provider="youtube"]');
  ok(await yt.locator('form[action*="admin-post.php?action=libconsent"] button').count() === 1,
     "JavaScript off: the placeholder is a form to admin-post.php");
  await yt.locator("[data-consent-always]").check();
  await yt.locator("[data-consent-allow]").click();
  await page.waitForLoadState("load");
  ok(page.url() === posts.iframe &&
     await page.locator('iframe[src^="https://www.youtube.com/embed/"]').count() === 1 &&
     only(third, /youtube/) &&
     await page.locator('div.consent-embed[data-consent-provider="vimeo"]').count() === 1,
     "the no-JS form: back on the post with YouTube loaded, Vimeo still gated", page.url());
  /* Withdrawal: revoke, then the next page gates YouTube again. */
  await page.goto(base + "/wp-admin/admin-post.php?action=libconsent&revoke&return=" +
                  encodeURIComponent(new URL(posts.iframe).pathname + new URL(posts.iframe).search));
  await page.waitForLoadState("load");
  third.length = 0;
  await page.goto(posts.iframe);
  ok(await page.locator('div.consent-embed[data-consent-provider="youtube"]').count() === 1 &&
     third.length === 0, "after revoke the next page gates YouTube again: zero requests",
     third.join(" "));
  await ctx.close();
}

async function afterAlways(browser) {
  /* JavaScript on: "always", then revoke: nothing of YouTube on the next
   * page (the script's storage is no way back). */
  const third = [];
  const ctx = await context(browser, true, third);
  const page = await ctx.newPage();
  await page.goto(posts.iframe);
  const yt = page.locator('div.consent-embed[data-consent-provider="youtube"]');
  await yt.locator("[data-consent-always]").check();
  await yt.locator("[data-consent-allow]").click();
  await page.waitForTimeout(800);
  await page.goto(base + "/wp-admin/admin-post.php?action=libconsent&revoke&return=%2F");
  third.length = 0;
  await page.goto(posts.iframe);
  await page.waitForTimeout(600);
  ok(third.length === 0, "JavaScript on: after Always allow and revoke, zero requests to YouTube",
     third.join(" "));
  await ctx.close();
}

async function oembed(browser) {
  const third = [];
  const ctx = await context(browser, true, third);
  const page = await ctx.newPage();
  await page.goto(posts.oembed);
  await page.waitForTimeout(400);
  const box = page.locator('figure.wp-block-embed div.consent-embed[data-consent-provider="youtube"]');
  ok(third.length === 0 && await box.count() === 1 && await box.isVisible(),
     "an oEmbed post (a YouTube URL): a visible placeholder, zero requests", third.join(" "));
  const gap = await page.evaluate(() => {
    const w = document.querySelector("figure.wp-block-embed .wp-block-embed__wrapper");
    const b = w && w.querySelector(".consent-embed");
    return w && b ? Math.round(b.getBoundingClientRect().top - w.getBoundingClientRect().top) : -1;
  });
  ok(gap >= 0 && gap <= 2, `the placeholder fills the oEmbed wrapper: no gap above it (${gap} px)`);
  if (process.env.SHOTS_DIR)
    await page.screenshot({ path: `${process.env.SHOTS_DIR}/wordpress-oembed.png`, fullPage: true });
  await ctx.close();
}

/* A post whose embed has a preview (fetched by WP-Cron in the shell part):
 * the thumbnail comes from the site, nothing from the provider. */
async function preview(browser) {
  if (!posts.preview) return;
  const third = [];
  const ctx = await context(browser, true, third);
  const page = await ctx.newPage();
  const local = [];
  page.on("response", r => { if (/libconsent-previews\/[0-9a-f]{64}\.jpg$/.test(r.url())) local.push(r.status()); });
  await page.goto(posts.preview);
  await page.waitForTimeout(400);
  const img = page.locator('div.consent-embed[data-consent-provider="testvideo"] figure.consent-embed__preview img');
  ok(third.length === 0 && await img.count() === 1 && await img.isVisible() && local.join() === "200",
     "a placeholder with a preview: the title and the site's own thumbnail, zero third-party requests",
     third.join(" ") + " " + local.join());
  if (process.env.SHOTS_DIR)
    await page.screenshot({ path: `${process.env.SHOTS_DIR}/wordpress-preview.png`, fullPage: true });
  await ctx.close();
}

async function feed(browser) {
  const third = [];
  const ctx = await context(browser, true, third);
  const page = await ctx.newPage();
  const resp = await page.goto(posts.feed);
  const xml = await resp.text();
  ok(resp.status() === 200 && !/consent-embed|<form|youtube\.com\/embed/.test(xml) &&
     /view it on the site/.test(xml),
     "the feed: no placeholders or forms, a link to the post instead", xml.slice(0, 400));
  await ctx.close();
}

/* The site owner's side: Settings -> Consent shows no load error, a
 * provider switched off there is saved with WordPress's confirmation and
 * is no longer gated. */
async function adminSettings(browser) {
  const third = [];
  const ctx = await context(browser, true, third);
  const page = await ctx.newPage();
  await page.goto(base + "/wp-login.php");
  await page.fill("#user_login", "admin");
  await page.fill("#user_pass", "admin-test-password-1");
  await Promise.all([page.waitForNavigation(), page.click("#wp-submit")]);
  await page.goto(base + "/wp-admin/options-general.php?page=libconsent");
  const html = await page.content();
  ok(/Consent \(libconsent\)/.test(html) && !/could not load its library/.test(html),
     "Settings -> Consent opens; the library is loaded (no admin error)");
  await page.uncheck('input[name="libconsent_options[enabled][]"][value="vimeo"]');
  await Promise.all([page.waitForNavigation(), page.click("#submit")]);
  const saved = await page.content();
  ok(/Settings saved\./.test(saved) &&
     await page.locator('input[name="libconsent_options[enabled][]"][value="vimeo"]').isChecked() === false,
     "saving shows WordPress's \"Settings saved.\" and keeps Vimeo switched off",
     page.url() + " " + (saved.match(/<div[^>]*(notice|error|updated)[\s\S]{0,600}/) || [saved.slice(0, 600)])[0]);
  await page.goto(posts.iframe);
  ok(await page.locator('iframe[src^="https://player.vimeo.com/video/"]').count() === 1 &&
     await page.locator('div.consent-embed[data-consent-provider="youtube"]').count() === 1,
     "Vimeo switched off: it passes ungated, YouTube stays gated");
  /* The placeholders' wording, typed as a texts file. */
  await page.goto(base + "/wp-admin/options-general.php?page=libconsent");
  await page.fill("#libconsent-texts", "[en]\ntitle = Videos from {provider} on this site\n");
  await Promise.all([page.waitForNavigation(), page.click("#submit")]);
  await page.goto(posts.iframe);
  ok(/Videos from YouTube on this site/.test(await page.locator(
       'div.consent-embed[data-consent-provider="youtube"]').innerText()),
     "texts typed into Settings -> Consent are the placeholders' wording");
  await page.goto(base + "/wp-admin/options-general.php?page=libconsent");
  await page.fill("#libconsent-texts", "[en]\nthis line has no value\n");
  await Promise.all([page.waitForNavigation(), page.click("#submit")]);
  const bad = await page.content();
  ok(/Texts: [^<]*line 2/.test(bad) &&
     /Videos from \{provider\} on this site/.test(await page.inputValue("#libconsent-texts")),
     "broken texts: an error naming the line, the working texts kept",
     (bad.match(/Texts:[^<]{0,200}/) || [""])[0]);
  await ctx.close();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    ok(posts.iframe && posts.oembed, "the posts were created", JSON.stringify(posts));
    await scripted(browser);
    await noScript(browser);
    await afterAlways(browser);
    await oembed(browser);
    await preview(browser);
    await feed(browser);
    await adminSettings(browser);
  } catch (e) {
    ok(false, "the browser flow ran", e && e.stack);
  }
  await browser.close();
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
})();
