/*
 * test-gate.c: the gate through the public API: what is gated and what
 * is not, placeholders and their texts, chunk invariance, idempotence,
 * byte identity outside embeds, the buffer bound, gzip, escaping.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <consent.h>

#include "../tools/gen.h"
#include "buf.h"
#include "tap.h"

#define NOW 1764374400LL

static consent_registry_t *reg;
static char *article;
static size_t article_len;


struct opts {
  const consent_state_t *state;
  const char *lang;
  long chunk;               /* 0 whole, -1 random */
  int in_enc, out_enc;
  consent_status status;    /* of the last call */
};

static consent_gate_t *
gate_with(consent_config_t *c)
{
  consent_gate_t *g = NULL;

  if (consent_gate_new(c, &g) != CONSENT_OK)
    abort();
  return g;
}

static consent_gate_t *
default_gate(void)
{
  consent_config_t *c;
  consent_gate_t *g;

  consent_config_new(&c);
  consent_config_set_registry(c, reg);
  g = gate_with(c);
  consent_config_free(c);
  return g;
}

static char *
gate_doc(consent_gate_t *g, const char *in, size_t len, struct opts *o,
         size_t *out_len)
{
  struct buf b = { NULL, 0, 0, 0, 0 };
  consent_rewriter_t *rw;
  struct gen gn;
  size_t off = 0, step;
  consent_status st;

  consent_rewriter_new(g, sink, &b, &rw);
  if (o != NULL && o->state != NULL)
    consent_rewriter_set_state(rw, o->state);
  if (o != NULL && o->lang != NULL)
    consent_rewriter_set_language(rw, o->lang);
  if (o != NULL && (o->in_enc || o->out_enc))
    consent_rewriter_set_encoding(rw, (consent_encoding)o->in_enc,
                                  (consent_encoding)o->out_enc);
  gen_seed(&gn, len);
  st = CONSENT_OK;
  while (st == CONSENT_OK && off < len) {
    long c = o != NULL ? o->chunk : 0;
    step = c == 0 ? len - off : c < 0 ? 1 + gen_below(&gn, 300) : (size_t)c;
    if (step > len - off)
      step = len - off;
    st = consent_rewriter_write(rw, in + off, step);
    off += step;
  }
  if (st == CONSENT_OK)
    st = consent_rewriter_end(rw);
  if (o != NULL)
    o->status = st;
  consent_rewriter_free(rw);
  if (b.data == NULL)
    sink("", 0, &b);
  if (out_len != NULL)
    *out_len = b.len;
  return b.data;
}

static char *
gate_str(consent_gate_t *g, const char *in, struct opts *o)
{
  return gate_doc(g, in, strlen(in), o, NULL);
}

static int
count(const char *hay, const char *needle)
{
  int n = 0;
  const char *p = hay;

  while ((p = strstr(p, needle)) != NULL) {
    n++;
    p += strlen(needle);
  }
  return n;
}

/* ------------------------------------------------------------------ */

/* Rebuilds the input from an output: each placeholder back to the
 * markup it holds, the inlined assets removed. */
static char *
restore(const char *out, size_t len, size_t *rlen)
{
  const char *css = consent_asset(CONSENT_ASSET_STYLE, NULL);
  const char *js = consent_asset(CONSENT_ASSET_SCRIPT, NULL);
  char *r = malloc(len + 1), *assets = malloc(strlen(css) + strlen(js) + 64);
  size_t o = 0, i = 0;

  sprintf(assets, "<style>%s</style><script>%s</script>", css, js);
  while (i < len) {
    const char *p = out + i;
    if (strncmp(p, assets, strlen(assets)) == 0) {
      i += strlen(assets);
      continue;
    }
    if (strncmp(p, "<aside class=\"consent-notice\"", 29) == 0 &&
        strstr(p, "</aside>") != NULL) {
      /* The notice holds nothing of the input. */
      i += (size_t)(strstr(p, "</aside>") + 8 - p);
      continue;
    }
    if (strncmp(p, "<div class=\"consent-embed", 25) == 0 ||
        strncmp(p, "<template data-consent-provider=", 32) == 0) {
      const char *a = strstr(p, "data-consent-original=\"");
      const char *end;
      int depth = 0;
      if (p[1] == 't') {
        end = strstr(p, "</template>") + 11;
      } else {
        const char *q = p;
        for (;;) {
          const char *od = strstr(q, "<div"), *cd = strstr(q, "</div>");
          if (od != NULL && od < cd) {
            depth++;
            q = od + 4;
          } else {
            depth--;
            q = cd + 6;
            if (depth == 0)
              break;
          }
        }
        end = q;
      }
      if (a != NULL && a < end) {
        a += 23;
        while (*a != '"') {
          if (*a == '&') {
            static const char *const ents[][2] = {
              { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
              { "&quot;", "\"" }, { "&#39;", "'" }
            };
            size_t k;
            for (k = 0; k < 5; k++)
              if (strncmp(a, ents[k][0], strlen(ents[k][0])) == 0) {
                r[o++] = ents[k][1][0];
                a += strlen(ents[k][0]);
                break;
              }
            if (k == 5)
              r[o++] = *a++;
          } else {
            r[o++] = *a++;
          }
        }
      }
      i = (size_t)(end - out);
      continue;
    }
    r[o++] = out[i++];
  }
  r[o] = '\0';
  free(assets);
  *rlen = o;
  return r;
}

static void
test_article(void)
{
  static const char *const gated[] = {
    "youtube", "x", "google-maps", "datawrapper", "instagram", "spotify",
    "vimeo", "soundcloud", "google-fonts", "google-analytics",
    "facebook-pixel", NULL
  };
  consent_gate_t *g = default_gate();
  char *out, *again, *back;
  size_t len, alen, blen, i;
  static const long chunks[] = { 1, 2, 3, 7, 13, 64, 4096, -1 };
  int bad = 0, missing = 0;

  out = gate_doc(g, article, article_len, NULL, &len);
  for (i = 0; gated[i] != NULL; i++) {
    char want[80];
    snprintf(want, sizeof(want), "data-consent-provider=\"%s\"", gated[i]);
    if (strstr(out, want) == NULL) {
      printf("# not gated: %s\n", gated[i]);
      missing++;
    }
  }
  tap_ok(missing == 0, "the sample article: all 11 providers gated");
  tap_ok(count(out, "<aside class=\"consent-notice\"") == 1 &&
         strstr(out, "data-consent-notice=\"google-fonts google-analytics "
                "facebook-pixel\"") != NULL,
         "the sample article: one notice for its fonts, analytics and "
         "pixel (byte identity, chunk invariance and idempotence below "
         "cover it)");
  tap_ok(count(out, "data-consent-provider=\"x\"") == 1 &&
         count(out, "data-consent-provider=\"instagram\"") == 1,
         "a tweet and an Instagram post, each with its script, are one "
         "placeholder each");
  tap_ok(strstr(out, "<a href=\"https://www.example.gov/flood-warnings\">")
         != NULL && strstr(out, "document.documentElement.classList") !=
         NULL, "a plain link and a harmless inline script stay");
  back = restore(out, len, &blen);
  tap_ok(blen == article_len && memcmp(back, article, blen) == 0,
         "byte identity: the output is the input with each embed moved "
         "into its placeholder");
  free(back);
  again = gate_doc(g, out, len, NULL, &alen);
  tap_ok(alen == len && memcmp(again, out, len) == 0,
         "idempotent: gating the output again changes nothing");
  free(again);
  for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
    struct opts o = { 0 };
    char *c;
    size_t clen;
    o.chunk = chunks[i];
    c = gate_doc(g, article, article_len, &o, &clen);
    if (clen != len || memcmp(c, out, len) != 0)
      bad++;
    free(c);
  }
  tap_ok(bad == 0, "the same output for chunks of 1, 2, 3, 7, 13, 64, 4096 "
         "bytes and random sizes");
  free(out);
  consent_gate_free(g);
}

static void
test_generated(void)
{
  static char in[300000];
  consent_gate_t *g = default_gate();
  struct gen gn;
  int seed, chunky = 0, idem = 0, ident = 0;

  for (seed = 1; seed <= 8; seed++) {
    struct opts o = { 0 };
    size_t n, len, clen, alen, blen;
    char *out, *c, *again, *back;

    gen_seed(&gn, (uint64_t)seed + 77);
    n = seed % 2 ? gen_page(&gn, in, sizeof(in))
                 : gen_garbage(&gn, in, 60000);
    out = gate_doc(g, in, n, NULL, &len);
    o.chunk = seed % 3 == 0 ? 1 : -1;
    c = gate_doc(g, in, n, &o, &clen);
    chunky += clen != len || memcmp(c, out, len) != 0;
    again = gate_doc(g, out, len, NULL, &alen);
    idem += alen != len || memcmp(again, out, len) != 0;
    if (seed % 2) {
      back = restore(out, len, &blen);
      ident += blen != n || memcmp(back, in, n) != 0;
      free(back);
    }
    free(out);
    free(c);
    free(again);
  }
  tap_ok(chunky == 0, "generated pages and garbage: the same output in "
         "any chunking (%d differ)", chunky);
  tap_ok(idem == 0, "generated pages and garbage: idempotent (%d differ)",
         idem);
  tap_ok(ident == 0, "generated pages: byte identity outside embeds (%d "
         "differ)", ident);
  consent_gate_free(g);
}

struct gcase {
  const char *name;
  const char *in;
  const char *provider; /* gated as, or NULL: unchanged */
};

static const struct gcase cases[] = {
  { "iframe", "<iframe src=\"https://player.vimeo.com/video/1\"></iframe>",
    "vimeo" },
  { "protocol-relative, odd case, padded",
    "<IFRAME SRC=\"  //WWW.YouTube.COM/embed/x \"></IFRAME>", "youtube" },
  { "entity-encoded URL",
    "<iframe src=\"https&#58;//www.youtube&#x2e;com/embed/x\"></iframe>",
    "youtube" },
  { "embed", "<embed src=\"https://www.youtube.com/v/x\">", "youtube" },
  { "object", "<object data=\"https://www.youtube.com/v/x\"></object>",
    "youtube" },
  { "script src", "<script src=\"https://platform.twitter.com/widgets.js\">"
    "</script>", "x" },
  { "img", "<img src=\"https://i.ytimg.com/vi/x/0.jpg\" alt=x>", "youtube" },
  /* CSS function names in any case, CSS escapes and character references
   * in a style attribute, CSS escapes in a style element: each loads
   * from the provider in a browser (they passed before). */
  { "style Url()", "<div style=\"background:Url(https://i.ytimg.com/vi/x/"
    "0.jpg)\">x</div>", "youtube" },
  { "style with a character reference",
    "<div style=\"background:url(https:&#x2f;&#x2f;i.ytimg.com/vi/x/0.jpg)"
    "\">x</div>", "youtube" },
  { "style with CSS escapes",
    "<div style=\"background:url(https:\\2f\\2f i.ytimg.com/vi/x/0.jpg)"
    "\">x</div>", "youtube" },
  { "style element with CSS escapes",
    "<style>a{background:url(https\\3a\\/\\/i.ytimg.com/vi/x/0.jpg)}"
    "</style>", "youtube" },
  { "style without a provider", "<p style=\"color:red;background:url(/a."
    "png)\">x</p>", NULL },
  { "srcset", "<img src=/own.jpg srcset=\"/a.jpg 1x, "
    "https://pbs.twimg.com/b.jpg 2x\">", "x" },
  { "video poster", "<video poster=\"https://i.vimeocdn.com/p.jpg\" "
    "src=/own.mp4></video>", "vimeo" },
  { "picture source", "<picture><source srcset=\"https://i.pinimg.com/x."
    "webp\"><img src=/own.jpg></picture>", "pinterest" },
  { "audio", "<audio src=\"https://cdns-preview.dzcdn.net/x.mp3\"></audio>",
    "deezer" },
  { "input image", "<input type=image src=\"https://i.imgur.com/x.png\">",
    "imgur" },
  { "svg image", "<svg><image href=\"https://i.imgur.com/x.png\"/></svg>",
    "imgur" },
  { "link stylesheet", "<link rel=stylesheet href=\"https://fonts."
    "googleapis.com/css2?family=Roboto\">", "google-fonts" },
  { "link preconnect", "<link rel=\"preconnect\" href=\"https://fonts."
    "gstatic.com\" crossorigin>", "google-fonts" },
  { "link dns-prefetch", "<link rel=dns-prefetch href=//www.google-"
    "analytics.com>", "google-analytics" },
  { "inline GTM", "<script>(function(w,d,s,l,i){j.src='https://www."
    "googletagmanager.com/gtm.js?id='+i})()</script>", "google-analytics" },
  { "inline Meta Pixel", "<script>!function(f){}();fbq('init', '1');"
    "</script>", "facebook-pixel" },
  { "JSON-escaped URL in a script",
    "<script>var u=\"https:\\/\\/www.youtube.com\\/iframe_api\";</script>",
    "youtube" },
  { "style @import", "<style>@import url(https://fonts.googleapis.com/css?"
    "family=Lato);</style>", "google-fonts" },
  { "noscript pixel", "<noscript><img height=1 width=1 src=\"https://www."
    "facebook.com/tr?id=1&ev=PageView\"></noscript>", "facebook-pixel" },
  { "srcdoc", "<iframe srcdoc=\"<iframe src=&quot;https://www.youtube.com/"
    "embed/x&quot;></iframe>\"></iframe>", "youtube" },
  { "data: URL frame", "<iframe src=\"data:text/html,%3Cimg%20src%3D%22"
    "https://i.ytimg.com/x.jpg%22%3E\"></iframe>", "youtube" },
  { "base href", "<base href=\"https://www.youtube.com/\"><iframe src="
    "\"embed/x\"></iframe>", "youtube" },
  { "widget alone", "<blockquote class=\"tiktok-embed\" cite=x><section>"
    "</section></blockquote>", "tiktok" },
  { "widget by attribute", "<a data-pin-do=\"embedPin\" href=\"https://www."
    "pinterest.com/pin/1/\"></a>", "pinterest" },
  { "widget by id", "<div id=\"disqus_thread\"></div>", "disqus" },
  { "widget by id prefix (Datawrapper's script embed)",
    "<div style=\"min-height:444px\" id=\"datawrapper-vis-Qz7Lm\"><script "
    "type=\"text/javascript\" defer src=\"https://datawrapper.dwcdn.net/"
    "Qz7Lm/embed.js\" charset=\"utf-8\" data-target=\"#datawrapper-vis-"
    "Qz7Lm\"></script><noscript><img src=\"https://datawrapper.dwcdn.net/"
    "Qz7Lm/full.png\" alt=\"...\" /></noscript></div>", "datawrapper" },
  { "an id that only starts like a widget's", "<div id=\"datawrapper-\">"
    "</div>", NULL },
  { "a script that draws where it stands (a gist)", "<script src=\"https://"
    "gist.github.com/a/1.js\"></script>", "github-gist" },
  { "an unclosed widget at the end", "<blockquote class=\"instagram-media"
    "\"><a href=\"https://www.instagram.com/p/x/", "instagram" },
  { "a thumbnail as a background (lite-youtube)", "<lite-youtube videoid=x "
    "style=\"background-image: url(&quot;https://i.ytimg.com/vi/x/hq.jpg"
    "&quot;);\"><button>Play</button></lite-youtube>", "youtube" },
  { "a background image of a div", "<div class=\"thumb\" style=\"background:"
    "url('https://i.vimeocdn.com/video/1.jpg')\"><p>Watch</p></div>",
    "vimeo" },
  { "a background of a void element", "<hr style=\"background:url(//i.ytimg"
    ".com/x.jpg)\">", "youtube" },
  { "a background of raw text, self-closed", "<textarea style=\"background:"
    "url(https://i.ytimg.com/x.jpg)\"/><iframe src=\"https://www.youtube.com/"
    "embed/x\"></iframe></textarea>", "youtube" },
  { "an own background", "<div style=\"background:url(/own.png)\">x</div>",
    NULL },
  { "a style without URLs", "<span style=\"color:red\">x</span>", NULL },
  { "a plain link", "<a href=\"https://www.youtube.com/watch?v=x\">video</a>",
    NULL },
  { "a same-origin frame", "<iframe src=\"/embed/local\"></iframe>", NULL },
  { "a lookalike host", "<iframe src=\"https://notyoutube.com/embed/x\">"
    "</iframe>", NULL },
  { "a host behind a dot", "<iframe src=\"https://youtube.com.evil.example/"
    "x\"></iframe>", NULL },
  { "in a comment", "<!-- <iframe src=\"https://www.youtube.com/embed/x\">"
    "</iframe> -->", NULL },
  { "in a textarea", "<textarea><iframe src=\"https://www.youtube.com/embed/"
    "x\"></iframe></textarea>", NULL },
  { "in a title", "<title><img src=\"https://i.ytimg.com/x.jpg\"></title>",
    NULL },
  { "JSON-LD", "<script type=\"application/ld+json\">{\"embedUrl\":\"https:"
    "//www.youtube.com/embed/x\"}</script>", NULL },
  { "canonical link", "<link rel=canonical href=\"https://www.youtube.com/"
    "x\">", NULL },
  { "an own script", "<script src=\"/app.js\"></script><script>var x = "
    "1;</script>", NULL },
  /* Widget boxes (div, p, a, blockquote) are read on the tokenizer's
   * skip path, on their class and id alone. */
  { "a widget's class after other attributes",
    "<div id=post data-x=\"1\" class=\"card  fb-post\t wide\"></div>",
    "facebook" },
  { "a widget's class written with a character reference",
    "<div class=\"fb&#45;post\"></div>", "facebook" },
  { "a widget's class, unquoted", "<p class=codepen>pen</p>", "codepen" },
  { "the second class attribute does not count",
    "<div class=\"card\" class=\"fb-post\"></div>", NULL },
  { "a widget by id", "<div id=\"disqus_thread\"></div>", "disqus" },
  { "a widget by an id prefix",
    "<div data-x=1 id=\"datawrapper-vis-abc\"></div>", "datawrapper" },
  { "a widget by attribute name", "<a href=\"/p\" data-pin-do=\"embedPin\">"
    "pin</a>", "pinterest" },
  { "a widget by attribute value",
    "<div data-tf-widget=\"abc\" style=\"height:9px\"></div>", "typeform" },
  { "a widget tag with a long attribute name and no widget",
    "<div data-a-very-long-attribute-name-indeed=\"fb-post\" "
    "class=\"fb-post-not\"></div>", NULL },
  { "a box after a plain widget tag",
    "<div class=\"card\"></div><div class=\"fb-post\"></div>", "facebook" },
  { "a class that only looks like a widget's",
    "<div class=\"fb-posts twitter-tweets\" id=\"disqus\"></div>", NULL },
};

static void
test_cases(void)
{
  consent_gate_t *g = default_gate();
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *out = gate_str(g, cases[i].in, NULL), *bytes;
    struct opts o = { 0 };
    int ok;
    if (cases[i].provider == NULL) {
      ok = strcmp(out, cases[i].in) == 0;
    } else {
      char want[80];
      snprintf(want, sizeof(want), "data-consent-provider=\"%s\"",
               cases[i].provider);
      ok = strstr(out, want) != NULL && count(out, "data-consent-provider")
           == 1;
    }
    o.chunk = 1;
    bytes = gate_str(g, cases[i].in, &o);
    ok = ok && strcmp(out, bytes) == 0;
    tap_ok(ok, "%s: %s (the same fed byte by byte)", cases[i].name,
           cases[i].provider ? cases[i].provider : "unchanged");
    if (!ok)
      printf("#   out: %.300s\n", out);
    free(bytes);
    free(out);
  }
  {
    /* The chart's container is one visible box of the container's size. */
    char *out;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
      if (strstr(cases[i].name, "Datawrapper") != NULL)
        break;
    out = gate_str(g, cases[i].in, NULL);
    tap_ok(strstr(out, "consent-embed--widget\" data-consent-provider=\""
                  "datawrapper\"") != NULL &&
           strstr(out, "style=\"min-height:444px\"") != NULL &&
           strstr(out, "<template") == NULL,
           "a script-built chart: one visible box, 444 px high, no "
           "template");
    free(out);
  }
  consent_gate_free(g);
}

static void
test_consent(void)
{
  static const char page[] =
    "<iframe src=\"https://www.youtube.com/embed/a\"></iframe>"
    "<iframe src=\"https://player.vimeo.com/video/1\"></iframe>"
    "<script src=\"https://www.googletagmanager.com/gtag/js\"></script>";
  consent_state_t *s;
  consent_config_t *c;
  consent_gate_t *g = default_gate(), *g2;
  struct opts o = { 0 };
  char *out;

  consent_state_new(reg, &s);
  consent_state_set_provider(s, "youtube", 1, 0);
  consent_state_set_category(s, CONSENT_CATEGORY_ANALYTICS, 1, 0);
  o.state = s;
  out = gate_str(g, page, &o);
  tap_ok(strstr(out, "<iframe src=\"https://www.youtube.com/embed/a\">"
                "</iframe>") != NULL &&
         strstr(out, "<script src=\"https://www.googletagmanager.com/gtag/"
                "js\"></script>") != NULL &&
         count(out, "data-consent-provider=\"vimeo\"") == 1,
         "what the visitor allowed passes untouched, the rest is gated");
  free(out);
  consent_config_new(&c);
  consent_config_set_registry(c, reg);
  consent_config_set_cache_safe(c, 1);
  g2 = gate_with(c);
  out = gate_str(g2, page, &o);
  tap_ok(count(out, "data-consent-provider=") == 3,
         "cache-safe mode: the same placeholders for every visitor");
  free(out);
  consent_gate_free(g2);
  consent_config_free(c);
  consent_config_new(&c);
  consent_config_set_registry(c, reg);
  consent_config_allow_provider(c, "vimeo");
  g2 = gate_with(c);
  out = gate_str(g2, page, NULL);
  tap_ok(strstr(out, "<iframe src=\"https://player.vimeo.com/video/1\">") &&
         count(out, "data-consent-provider=") == 2,
         "an always-allowed provider passes without consent");
  free(out);
  consent_gate_free(g2);
  tap_ok(consent_config_allow_provider(c, "nope") == CONSENT_OK &&
         consent_gate_new(c, &g2) == CONSENT_E_NOTFOUND,
         "an unknown always-allowed provider: E_NOTFOUND");
  consent_config_free(c);
  consent_state_free(s);
  consent_gate_free(g);
}

/* The consent notice: what was gated out of sight, once, at the end of a
 * document, for a visitor who decided nothing about it. */
static void
test_notice(void)
{
  static const char head[] =
    "<!DOCTYPE html><html><head><title>t</title>"
    "<link rel=\"preconnect\" href=\"https://fonts.gstatic.com\">"
    "<link href=\"https://fonts.googleapis.com/css2?family=Roboto\" "
    "rel=\"stylesheet\">"
    "<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\">"
    "</script><script>window.dataLayer=window.dataLayer||[];function gtag()"
    "{dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-1');"
    "</script><script>!function(f,b,e,v){}(window,document,'script','https:"
    "//connect.facebook.net/en_US/fbevents.js');fbq('init','1');</script>"
    "<noscript><img height=\"1\" width=\"1\" src=\"https://www.facebook.com"
    "/tr?id=1&ev=PageView&noscript=1\"></noscript></head><body><p>Hi</p>"
    "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>";
  char page[2048];
  consent_config_t *c;
  consent_gate_t *g = default_gate(), *g2;
  consent_state_t *s;
  struct opts o = { 0 };
  char *out, *bytes, *n;

  snprintf(page, sizeof(page), "%s</body></html>\n", head);
  out = gate_str(g, page, NULL);
  n = strstr(out, "<aside class=\"consent-notice\"");
  tap_ok(n != NULL && count(out, "<aside class=\"consent-notice\"") == 1 &&
         strstr(n, "data-consent-notice=\"google-fonts google-analytics "
                "facebook-pixel\"") != NULL &&
         strstr(n, "Google Fonts") && strstr(n, "Meta Pixel") &&
         strstr(n, "youtube") == NULL,
         "a page with fonts, analytics and a pixel: one notice naming the "
         "three (not YouTube, which has its box)");
  tap_ok(n != NULL && strstr(n, "</aside>") != NULL &&
         strcmp(strstr(n, "</aside>"), "</aside>") == 0 &&
         strstr(out, "</body></html>\n<aside") != NULL,
         "the notice is the last thing of the document");
  tap_ok(n != NULL && strstr(n, "<strong>Fonts:</strong>") &&
         strstr(n, "<strong>Analytics:</strong>") &&
         strstr(n, "<strong>Marketing:</strong>") &&
         strstr(n, "data-consent-notice-allow>Allow all</button>") &&
         strstr(n, "data-consent-notice-deny>Only necessary</button>") &&
         strstr(n, "role=\"region\" aria-labelledby=\"consent-notice-title\"")
         && strstr(n, "<form") == NULL,
         "by category, with Allow all and Only necessary; without an "
         "endpoint, buttons for the script");
  o.chunk = 1;
  bytes = gate_str(g, page, &o);
  tap_ok(strcmp(out, bytes) == 0, "the same fed byte by byte");
  free(bytes);
  o.chunk = -1;
  bytes = gate_str(g, page, &o);
  tap_ok(strcmp(out, bytes) == 0, "the same fed in random chunks");
  free(bytes);
  free(out);

  out = gate_str(g, "<p>A post</p><script async src=\"https://www.google"
                 "tagmanager.com/gtag/js?id=G-1\"></script>", NULL);
  tap_ok(strstr(out, "<aside class=\"consent-notice\"") == NULL &&
         strstr(out, "data-consent-provider=\"google-analytics\""),
         "a fragment (no doctype, html, head or body) gets no notice");
  free(out);

  {
    /* A document that ends inside a title, a comment or a tag: a notice
     * written there would be text, not markup (and would not survive
     * gating the output again). */
    static const char *const tails[] = { "<title>unclosed", "<!-- open",
                                         "<p class=\"x", "<svg><g>" };
    size_t k;
    int none = 1;
    for (k = 0; k < 4; k++) {
      char doc[2048];
      snprintf(doc, sizeof(doc), "%s%s", head, tails[k]);
      out = gate_str(g, doc, NULL);
      if (strstr(out, "<aside class=\"consent-notice\"") != NULL)
        none = 0;
      free(out);
    }
    tap_ok(none, "a document ending in a title, a comment, a tag or SVG: "
           "no notice");
  }
  consent_state_new(reg, &s);
  consent_state_set_provider(s, "google-analytics", 1, 0);
  consent_state_set_provider(s, "facebook-pixel", 0, 0);
  memset(&o, 0, sizeof(o));
  o.state = s;
  out = gate_str(g, page, &o);
  tap_ok((n = strstr(out, "data-consent-notice=\"")) != NULL &&
         strncmp(n, "data-consent-notice=\"google-fonts\"", 34) == 0,
         "what the visitor allowed or refused is not asked again");
  free(out);
  consent_state_set_category(s, CONSENT_CATEGORY_FONTS, 0, 0);
  out = gate_str(g, page, &o);
  tap_ok(strstr(out, "data-consent-notice=") == NULL,
         "everything decided: no notice");
  free(out);
  o.lang = "de";
  consent_state_clear(s);
  out = gate_str(g, page, &o);
  tap_ok(strstr(out, "Alle erlauben") && strstr(out, "Nur notwendige") &&
         strstr(out, "<strong>Schriften:</strong>"),
         "in the page's language (de)");
  free(out);

  {
    /* The site's template for the notice. */
    FILE *f = fopen("test-gate-notice.tpl", "w");
    consent_config_new(&c);
    consent_config_set_registry(c, reg);
    fputs("<h2 id=\"consent-notice-title\">{{title}}</h2>{{list}}"
          "<p class=\"mine\">{{intro}}</p>{{controls}}", f);
    fclose(f);
    tap_ok(consent_config_load_notice_template(c, "test-gate-notice.tpl") ==
           CONSENT_OK, "consent_config_load_notice_template");
    g2 = gate_with(c);
    out = gate_str(g2, page, NULL);
    n = strstr(out, "<aside class=\"consent-notice\"");
    tap_ok(n && strstr(n, "<div class=\"consent-notice__box\"><h2 id=\"consent-"
                       "notice-title\">Your privacy choices</h2><ul class=\""
                       "consent-notice__list\">") &&
           strstr(n, "<p class=\"mine\">This page would like") &&
           strstr(n, "data-consent-notice-allow>Allow all</button>"),
           "the notice in the site's template, the contract attributes kept");
    free(out);
    consent_gate_free(g2);
    f = fopen("test-gate-notice.tpl", "w");
    fputs("<p>{{title}}</p>", f);
    fclose(f);
    tap_ok(consent_config_load_notice_template(c, "test-gate-notice.tpl") ==
           CONSENT_E_PARSE && strstr(consent_config_errmsg(c), "{{controls}}"),
           "a notice template without {{controls}} is refused: %s",
           consent_config_errmsg(c));
    f = fopen("test-gate-notice.tpl", "w");
    fputs("<p>{{title}}{{provider}}</p>{{controls}}", f);
    fclose(f);
    tap_ok(consent_config_load_notice_template(c, "test-gate-notice.tpl") ==
           CONSENT_E_PARSE && strstr(consent_config_errmsg(c), "provider"),
           "an unknown slot is refused: %s", consent_config_errmsg(c));
    remove("test-gate-notice.tpl");
    consent_config_free(c);
  }
  consent_config_new(&c);
  consent_config_set_registry(c, reg);
  consent_config_set_notice(c, 0);
  g2 = gate_with(c);
  out = gate_str(g2, page, NULL);
  tap_ok(strstr(out, "data-consent-notice=") == NULL &&
         strstr(out, "data-consent-provider=\"google-analytics\""),
         "notice off: the trackers are gated, nothing is asked");
  free(out);
  consent_gate_free(g2);
  consent_config_set_notice(c, 1);
  consent_config_set_endpoint(c, "/consent");
  consent_config_set_cache_safe(c, 1);
  g2 = gate_with(c);
  consent_state_set_category(s, CONSENT_CATEGORY_FONTS, 0, 0);
  consent_state_set_category(s, CONSENT_CATEGORY_ANALYTICS, 0, 0);
  consent_state_set_category(s, CONSENT_CATEGORY_MARKETING, 0, 0);
  {
    consent_rewriter_t *rw;
    struct buf b = { NULL, 0, 0, 0, 0 };
    consent_rewriter_new(g2, sink, &b, &rw);
    consent_rewriter_set_state(rw, s);
    consent_rewriter_set_return_path(rw, "/news/a?x=1&y=2");
    consent_rewriter_write(rw, page, strlen(page));
    consent_rewriter_end(rw);
    consent_rewriter_free(rw);
    sink("", 1, &b);
    out = b.data;
  }
  n = strstr(out, "<aside class=\"consent-notice\"");
  tap_ok(n != NULL,
         "cache-safe: the notice for every visitor (the script takes it "
         "away for those who decided)");
  tap_ok(n != NULL && strstr(n, "<form class=\"consent-notice__box\" "
                             "method=\"post\" action=\"/consent\">") &&
         strstr(n, "<input type=\"hidden\" name=\"provider\" "
                "value=\"google-fonts\">") &&
         strstr(n, "<input type=\"hidden\" name=\"always\" value=\"1\">") &&
         strstr(n, "type=\"submit\" name=\"decision\" value=\"necessary\"") &&
         strstr(n, "href=\"/consent?return=/news/a%3Fx%3D1%26y%3D2\""),
         "with an endpoint: a form (no JavaScript needed) and a settings "
         "link back to this page");
  free(out);
  consent_gate_free(g2);
  consent_config_free(c);
  consent_state_free(s);
  consent_gate_free(g);
}

/* Google Consent Mode v2: the default before the first Google tag. */
static void
test_google_consent_mode(void)
{
  static const char page[] =
    "<!DOCTYPE html><html><head><script>var a=1;</script>"
    "<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\">"
    "</script><script>gtag('config','G-1');</script></head><body>"
    "<script src=\"https://pagead2.googlesyndication.com/pagead/js/"
    "adsbygoogle.js\"></script></body></html>";
  static const char inline_first[] =
    "<p>x</p><script>(function(w,d,s,l,i){j.src='https://www.googletag"
    "manager.com/gtm.js?id='+i})(window,document,'script','dataLayer',"
    "'GTM-1');</script>";
  consent_config_t *c;
  consent_gate_t *g, *plain = default_gate();
  consent_state_t *s;
  struct opts o = { 0 };
  char *out, *bytes, *d;

  consent_config_new(&c);
  consent_config_set_registry(c, reg);
  tap_ok(consent_config_set_google_consent_mode(NULL, 1) == CONSENT_E_INVAL
         && consent_config_set_google_consent_mode(c, 1) == CONSENT_OK,
         "consent_config_set_google_consent_mode");
  consent_config_allow_provider(c, "google-analytics");
  g = gate_with(c);
  out = gate_str(g, page, NULL);
  d = strstr(out, "gtag('consent','default',");
  tap_ok(d != NULL && count(out, "gtag('consent','default'") == 1 &&
         strstr(out, "<script>var a=1;</script><script>window.dataLayer="
                "window.dataLayer||[];") != NULL &&
         d < strstr(out, "<script async src=\"https://www.googletagmanager"),
         "one default, right before the first Google tag");
  tap_ok(d && strncmp(d, "gtag('consent','default',{ad_storage:'denied',"
                      "ad_user_data:'denied',ad_personalization:'denied',"
                      "analytics_storage:'denied',wait_for_update:500});",
                      130) == 0,
         "denied for a visitor who decided nothing, though the tag loads "
         "without consent (cookieless)");
  o.chunk = 1;
  bytes = gate_str(g, page, &o);
  tap_ok(strcmp(out, bytes) == 0, "the same fed byte by byte");
  free(bytes);
  free(out);
  consent_state_new(reg, &s);
  consent_state_set_category(s, CONSENT_CATEGORY_ANALYTICS, 1, 0);
  memset(&o, 0, sizeof(o));
  o.state = s;
  out = gate_str(g, page, &o);
  tap_ok(strstr(out, "ad_storage:'denied'") &&
         strstr(out, "analytics_storage:'granted'"),
         "analytics allowed by the visitor: analytics_storage granted, ads "
         "denied");
  free(out);
  consent_state_set_provider(s, "google-ads", 1, 0);
  out = gate_str(g, page, &o);
  tap_ok(strstr(out, "ad_storage:'granted',ad_user_data:'granted',"
                "ad_personalization:'granted',analytics_storage:'granted'")
         != NULL,
         "ads allowed too: all granted");
  free(out);
  out = gate_str(g, inline_first, NULL);
  tap_ok(strstr(out, "<p>x</p><script>window.dataLayer=") != NULL,
         "before an inline Google Tag Manager snippet");
  free(out);
  out = gate_str(plain, page, &o);
  tap_ok(strstr(out, "gtag('consent'") == NULL, "off by default");
  free(out);
  consent_state_free(s);
  consent_gate_free(g);
  consent_gate_free(plain);
  consent_config_free(c);
}

static void
test_languages(void)
{
  static const char *const langs[][2] = {
    { "en", "Recommended external content" },
    { "de", "Empfohlener externer Inhalt" },
    { "fr", "Contenu externe recommand\xC3\xA9" },
    { "es", "Contenido externo recomendado" },
    { "it", "Contenuto esterno consigliato" },
    { "nl", "Aanbevolen externe inhoud" },
    { "pl", "Polecana tre\xC5\x9B\xC4\x87 zewn\xC4\x99trzna" },
  };
  consent_gate_t *g = default_gate();
  size_t i;
  int ok = 1;

  for (i = 0; i < 7; i++) {
    struct opts o = { 0 };
    char *out;
    o.lang = langs[i][0];
    out = gate_str(g, "<iframe src=\"https://player.vimeo.com/video/1\">"
                   "</iframe>", &o);
    if (strstr(out, langs[i][1]) == NULL)
      ok = 0;
    free(out);
  }
  tap_ok(ok, "placeholders in de, en, es, fr, it, nl, pl");
  tap_ok(strcmp(consent_gate_negotiate_language(g, "fr-CH, fr;q=0.9, "
                "de;q=0.8", 26), "fr") == 0 &&
         strcmp(consent_gate_negotiate_language(g, "da, de-AT;q=0.7, "
                "en;q=0.5", 24), "de") == 0 &&
         strcmp(consent_gate_negotiate_language(g, "ja, zh", 6), "en") == 0 &&
         strcmp(consent_gate_negotiate_language(g, "", 0), "en") == 0,
         "Accept-Language negotiation with q-values and fallbacks");
  {
    /* q-values read without the C library's locale: where the decimal
     * point is a comma, atof("0.8") is 0 (a defect found in review). */
    static const char *const locales[] = { "de_DE.UTF-8", "de_DE.utf8",
                                           "fr_FR.UTF-8", "C.UTF-8" };
    const char *h1 = "de;q=0.849, fr;q=0.85";
    const char *h2 = "it;q=0.5, nl;q=0.05, pl;q=0.500";
    const char *h3 = "es;q=1.000, de;q=0.999, fr;q=x";
    size_t k;
    int good = 1;
    for (k = 0; k < sizeof(locales) / sizeof(locales[0]); k++) {
      if (setlocale(LC_NUMERIC, locales[k]) == NULL)
        continue;
      good &= strcmp(consent_gate_negotiate_language(g, h1, strlen(h1)),
                     "fr") == 0 &&
              strcmp(consent_gate_negotiate_language(g, h2, strlen(h2)),
                     "it") == 0 &&
              strcmp(consent_gate_negotiate_language(g, h3, strlen(h3)),
                     "es") == 0;
    }
    setlocale(LC_NUMERIC, "C");
    good &= strcmp(consent_gate_negotiate_language(g, h1, strlen(h1)),
                   "fr") == 0;
    tap_ok(good, "q-values to the thousandth, in any locale");
  }
  consent_gate_free(g);
}

static void
test_placeholder_contract(void)
{
  consent_config_t *c;
  consent_gate_t *g;
  consent_rewriter_t *rw;
  struct buf b = { NULL, 0, 0, 0, 0 };
  static const char in[] = "<iframe width=\"560\" height=\"315\" src=\"https:"
    "//player.vimeo.com/video/1\"></iframe>";

  consent_config_new(&c);
  consent_config_set_registry(c, reg);
  consent_config_set_endpoint(c, "/consent");
  consent_config_set_privacy_url(c, "/privacy");
  g = gate_with(c);
  consent_rewriter_new(g, sink, &b, &rw);
  consent_rewriter_set_nonce(rw, "n0nce");
  consent_rewriter_set_return_path(rw, "/news/1?a=1&b=2");
  consent_rewriter_write(rw, in, sizeof(in) - 1);
  consent_rewriter_end(rw);
  consent_rewriter_free(rw);
  tap_ok(strstr(b.data, "data-consent-provider=\"vimeo\"") &&
         strstr(b.data, "data-consent-allow>Load content</button>") &&
         strstr(b.data, "data-consent-always> Always allow Vimeo</label>"),
         "the DOM contract: provider, allow button, always checkbox");
  tap_ok(strstr(b.data, "<form class=\"consent-embed__controls\" method="
                "\"post\" action=\"/consent\">") &&
         strstr(b.data, "name=\"provider\" value=\"vimeo\"") &&
         strstr(b.data, "name=\"return\" value=\"/news/1?a=1&amp;b=2\"") &&
         strstr(b.data, "<button class=\"consent-embed__button\" type="
                "\"submit\""), "with an endpoint: a form that works "
         "without JavaScript");
  tap_ok(strstr(b.data, "style=\"aspect-ratio:560/315;max-width:560px;"
                "min-height:auto\"") &&
         strstr(b.data, "role=\"region\" aria-labelledby=\"consent-embed-1\"")
         && strstr(b.data, "id=\"consent-embed-1\""),
         "the embed's size is kept; the box is a labelled region");
  tap_ok(strstr(b.data, "href=\"https://vimeo.com/privacy\"") &&
         strstr(b.data, "href=\"/privacy\">Our privacy policy</a>"),
         "the provider's and the site's privacy links");
  tap_ok(strstr(b.data, "<style nonce=\"n0nce\">") &&
         strstr(b.data, "<script nonce=\"n0nce\" data-consent-state=\"\">")
         && count(b.data, "<script") == 1, "inline script and style once, "
         "with the CSP nonce; per visitor with an endpoint, the script "
         "restores nothing on load (data-consent-state=\"\")");
  free(b.data);
  consent_gate_free(g);
  consent_config_set_script(c, CONSENT_SCRIPT_URL, "/s/consent.js",
                            "/s/consent.css");
  g = gate_with(c);
  {
    char *out = gate_str(g, "<iframe src=\"https://player.vimeo.com/1\">"
                         "</iframe><img src=\"https://i.vimeocdn.com/x.jpg\">",
                         NULL);
    tap_ok(strstr(out, "<link rel=\"stylesheet\" href=\"/s/consent.css\">"
                  "<script defer src=\"/s/consent.js\" "
                  "data-consent-state=\"\"></script>") &&
           count(out, "<script") == 1 && count(out, "<style") == 0,
           "script mode url: no inline script or style at all");
    free(out);
  }
  consent_gate_free(g);
  consent_config_set_cache_safe(c, 1);
  g = gate_with(c);
  {
    char *out = gate_str(g, "<iframe src=\"https://player.vimeo.com/1\">"
                         "</iframe>", NULL);
    tap_ok(strstr(out, "<script defer src=\"/s/consent.js\" "
                  "data-consent-state=\"/consent\"></script>") != NULL,
           "cache-safe with an endpoint: the script asks the endpoint "
           "(data-consent-state=\"/consent\")");
    free(out);
  }
  consent_gate_free(g);
  consent_config_free(c);
  {
    size_t n;
    const char *js = consent_asset(CONSENT_ASSET_SCRIPT, &n);
    tap_ok(js != NULL && n > 500 && n < 5120 && strstr(js, "data-consent-")
           != NULL, "the activation script is %zu bytes (under 5 KB)", n);
  }
}

/* Widgets of names the tag table lacks (custom elements) and of a
 * widget-only tag with an attribute selector: the tokenizer's quiet path
 * asks for them by name; the same boxes whole and byte by byte, other
 * tags of such names untouched. */
static void
test_custom_widgets(void)
{
  static const char providers[] =
    "[boxes]\n"
    "name = Boxes\n"
    "hosts = boxes.example\n"
    "widgets = my-embed.box x-card[data-card] div[data-boxes-id]\n"
    "inline = boxes.example/embed.js\n";
  static const struct { const char *in; int gated; } cases[] = {
    { "<p>a</p><my-embed class=\"x box\"><p>t</p></my-embed><p>b</p>", 1 },
    { "<p>a</p><MY-EMBED CLASS=box>t</MY-EMBED><p>b</p>", 1 },
    { "<p>a</p><my-embed class=\"other\">t</my-embed><p>b</p>", 0 },
    { "<p>a</p><x-card title=t data-card=1>t</x-card><p>b</p>", 1 },
    { "<p>a</p><x-card title=t>t</x-card><td>c</td><p>b</p>", 0 },
    { "<p>a</p><div class=c data-boxes-id=\"7\">t</div><p>b</p>", 1 },
    { "<p>a</p><div class=c data-other=\"7\">t</div><p>b</p>", 0 },
  };
  consent_registry_t *r;
  consent_config_t *c;
  consent_gate_t *g;
  size_t i;

  consent_registry_new(&r);
  tap_ok(consent_registry_load_buffer(r, providers, sizeof(providers) - 1,
                                      "p") == CONSENT_OK,
         "custom widgets: the provider file loads");
  consent_config_new(&c);
  consent_config_set_registry(c, r);
  g = gate_with(c);
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct opts o = { 0 };
    char *out = gate_str(g, cases[i].in, NULL), *bytes;
    o.chunk = 1;
    bytes = gate_str(g, cases[i].in, &o);
    tap_ok(strcmp(out, bytes) == 0 &&
           (cases[i].gated
            ? count(out, "data-consent-provider=\"boxes\"") == 1
            : strcmp(out, cases[i].in) == 0),
           "custom widgets: %s %s (the same byte by byte)", cases[i].in,
           cases[i].gated ? "gated" : "untouched");
    free(bytes);
    free(out);
  }
  consent_gate_free(g);
  consent_config_free(c);
  consent_registry_free(r);
}

static void
test_escaping(void)
{
  static const char providers[] =
    "[evil]\n"
    "name = Evil <script>alert(1)</script> \"q\" 'a' & co\n"
    "hosts = evil.example\n"
    "privacy = https://evil.example/\"><script>alert(2)</script>\n";
  consent_registry_t *r;
  consent_config_t *c;
  consent_gate_t *g;
  char *out;
  FILE *f;

  consent_registry_new(&r);
  consent_registry_load_buffer(r, providers, sizeof(providers) - 1, "p");
  f = fopen("test-gate-texts.conf", "w");
  fputs("[en]\nbutton = Load <b>\"it\"</b>\n[xx]\ntitle = X<y>\n", f);
  fclose(f);
  consent_config_new(&c);
  consent_config_set_registry(c, r);
  consent_config_set_privacy_url(c, "/p?a=\"><x>");
  tap_ok(consent_config_load_texts(c, "test-gate-texts.conf") == CONSENT_OK,
         "a texts file loads");
  g = gate_with(c);
  out = gate_str(g, "<iframe src=\"https://evil.example/x?a='b'&c=\"d\">"
                 "</template></script>\"></iframe>", NULL);
  tap_ok(strstr(out, "<script>alert") == NULL &&
         strstr(out, "Evil &lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot;"
                " &#39;a&#39; &amp; co") != NULL &&
         strstr(out, "href=\"https://evil.example/&quot;&gt;&lt;script&gt;")
         != NULL && strstr(out, "href=\"/p?a=&quot;&gt;&lt;x&gt;\"") != NULL
         && strstr(out, "Load &lt;b&gt;&quot;it&quot;&lt;/b&gt;") != NULL,
         "provider names, URLs and texts are HTML-escaped");
  tap_ok(count(out, "</template>") == 0 && count(out, "<x>") == 0 &&
         strstr(out, "&lt;/template&gt;&lt;/script&gt;&quot;") != NULL,
         "the original markup cannot break out of its attribute");
  free(out);
  consent_gate_free(g);
  f = fopen("test-gate-texts.conf", "w");
  fputs("[en]\nbuttn = x\n", f);
  fclose(f);
  tap_ok(consent_config_load_texts(c, "test-gate-texts.conf") ==
         CONSENT_E_PARSE && strstr(consent_config_errmsg(c),
                                   "test-gate-texts.conf:2: unknown key"),
         "a broken texts file: file, line and problem");
  f = fopen("test-gate-texts.conf", "w");
  fputs("<section>{{title}}</section>", f);
  fclose(f);
  tap_ok(consent_config_load_template(c, "test-gate-texts.conf") ==
         CONSENT_E_PARSE && strstr(consent_config_errmsg(c), "{{controls}}"),
         "a template without {{controls}} is refused");
  f = fopen("test-gate-texts.conf", "w");
  fputs("<section class=mine><h3>{{title}}</h3>{{intro}} {{controls}}"
        "</section>", f);
  fclose(f);
  tap_ok(consent_config_load_template(c, "test-gate-texts.conf") ==
         CONSENT_OK, "a template with slots loads");
  g = gate_with(c);
  out = gate_str(g, "<iframe src=\"https://evil.example/\"></iframe>", NULL);
  tap_ok(strstr(out, "<section class=mine><h3>Recommended external content"
                "</h3>") != NULL && strstr(out, "data-consent-allow") != NULL,
         "the site's template is used, the controls kept");
  free(out);
  consent_gate_free(g);
  remove("test-gate-texts.conf");
  consent_config_free(c);
  consent_registry_free(r);
}

static void
test_bound(void)
{
  consent_config_t *c;
  consent_gate_t *g;
  char *in = malloc(20000), *out;
  size_t n;

  consent_config_new(&c);
  consent_config_set_registry(c, reg);
  consent_config_set_max_buffer(c, 4096);
  g = gate_with(c);
  n = (size_t)sprintf(in, "<p>a</p><iframe src=\"https://www.youtube.com/"
                      "embed/x\" title=\"");
  memset(in + n, 'x', 8000);
  n += 8000;
  n += (size_t)sprintf(in + n, "\"></iframe><p>b</p>");
  out = gate_str(g, in, NULL);
  tap_ok(strstr(out, "youtube.com") == NULL &&
         strstr(out, "<p>a</p>") && strstr(out, "<p>b</p>") &&
         count(out, "data-consent-provider=\"unknown\"") == 1,
         "an embed tag past the bound is dropped, not let through");
  free(out);
  {
    /* An image tag past the bound: the same box, read whole or in
     * small pieces (the fuzzer found it named "media" in one case and
     * "frame" in the other). */
    struct opts o = { 0 };
    char *bytes;
    n = (size_t)sprintf(in, "<p>a</p><img src=\"https://i.ytimg.com/x.jpg\""
                        " alt=\"");
    memset(in + n, 'y', 5000);
    n += 5000;
    n += (size_t)sprintf(in + n, "\"><p>b</p>");
    out = gate_str(g, in, NULL);
    o.chunk = 4;
    bytes = gate_str(g, in, &o);
    tap_ok(strcmp(out, bytes) == 0 && strstr(out, "ytimg") == NULL &&
           strstr(out, "<p>b</p>") != NULL,
           "an image tag past the bound: dropped alike whole and in 4-byte "
           "pieces");
    free(bytes);
    free(out);
  }
  {
    /* A start tag whose name alone runs past the bound, after an image
     * (the fuzzer found it dropped as an embed in small pieces, where
     * the decision looked at the image's tag while the name was still
     * being read, and passed whole, as an element that loads nothing):
     * passed alike whole and in 4-byte pieces, its event handler
     * renamed. */
    struct opts o = { 0 };
    char *bytes;
    n = (size_t)sprintf(in, "<img src=\"/a.png\"><x");
    memset(in + n, 'z', 6000);
    n += 6000;
    n += (size_t)sprintf(in + n, " onclick=\"f()\">t</x><p>b</p>");
    out = gate_str(g, in, NULL);
    o.chunk = 4;
    bytes = gate_str(g, in, &o);
    tap_ok(strcmp(out, bytes) == 0 && strstr(out, "<p>b</p>") != NULL &&
           strstr(out, "data-consent-provider") == NULL &&
           strstr(out, " onclick=") == NULL,
           "a tag name past the bound: passed alike whole and in 4-byte "
           "pieces, its handler renamed");
    free(bytes);
    free(out);
  }
  {
    /* A frame's start tag past the bound that ends in "/>" (the fuzzer
     * found the frame's content let through): the tag is dropped, and a
     * browser reads what follows as markup once it is gone, where the
     * tokenizer read the frame's raw text; so the content goes with it,
     * to the end tag, whatever "/>" says (it means nothing on an iframe
     * or a script), alike whole, in pieces and gated twice. */
    struct opts o = { 0 };
    char *bytes, *twice;
    n = (size_t)sprintf(in, "<p>a</p><iframe title='");
    memset(in + n, 'z', 5000);
    n += 5000;
    n += (size_t)sprintf(in + n, "'/><img src=\"https://www.facebook.com/tr?"
                         "id=1\"><p>b</p></iframe><p>c</p>");
    out = gate_str(g, in, NULL);
    o.chunk = 5;
    bytes = gate_str(g, in, &o);
    twice = gate_str(g, out, NULL);
    tap_ok(strcmp(out, bytes) == 0 && strcmp(out, twice) == 0 &&
           strstr(out, "facebook.com/tr") == NULL &&
           strstr(out, "<p>b</p>") == NULL && strstr(out, "zzzz") == NULL &&
           strstr(out, "<p>c</p>") != NULL,
           "a frame's tag past the bound ending in '/>': its content "
           "dropped with it, alike whole, in 5-byte pieces and gated twice");
    free(bytes);
    free(twice);
    free(out);
  }
  {
    /* A widget's box whose start tag runs past the bound (the fuzzer's
     * leak check took it for an embed let through): it loads nothing by
     * itself, so it passes as any such tag, alike whole, in pieces and
     * gated twice; the script that would make it an embed is gated. */
    struct opts o = { 0 };
    char *bytes, *twice;
    n = (size_t)sprintf(in, "<a data-pin-do=\"embedPin\" title='");
    memset(in + n, 'z', 5000);
    n += 5000;
    n += (size_t)sprintf(in + n, "' href=\"https://www.pinterest.com/pin/1/\">"
                         "pin</a><script async src=\"//assets.pinterest.com"
                         "/js/pinit.js\"></script><p>b</p>");
    out = gate_str(g, in, NULL);
    o.chunk = 7;
    bytes = gate_str(g, in, &o);
    twice = gate_str(g, out, NULL);
    tap_ok(strcmp(out, bytes) == 0 && strcmp(out, twice) == 0 &&
           strncmp(out, "<a data-pin-do=\"embedPin\" ", 26) == 0 &&
           strstr(out, "pinit.js\"></script>") == NULL &&
           count(out, "data-consent-provider=\"pinterest\"") == 1 &&
           strstr(out, "<p>b</p>") != NULL,
           "a widget's box past the bound passes, its script gated, alike "
           "whole, in 7-byte pieces and gated twice");
    free(bytes);
    free(twice);
    free(out);
  }
  {
    /* A widget, then a script tag that runs past the bound (the fuzzer
     * found it held without limit while the widget waited for its
     * script, and let through; gated again, dropped): the widget's box,
     * the space, the tag dropped, alike whole, in pieces and gated
     * twice. */
    struct opts o = { 0 };
    char *bytes, *twice;
    n = (size_t)sprintf(in, "<blockquote class=\"twitter-tweet\"><p>t</p>"
                        "</blockquote>\n  <script src=\"/own.js\" "
                        "data-x='");
    memset(in + n, 'z', 6000);
    n += 6000;
    n += (size_t)sprintf(in + n, "'>gtag('js')</script><p>b</p>");
    out = gate_str(g, in, NULL);
    o.chunk = 8;
    bytes = gate_str(g, in, &o);
    twice = gate_str(g, out, NULL);
    tap_ok(strcmp(out, bytes) == 0 && strcmp(out, twice) == 0 &&
           count(out, "data-consent-provider=\"x\"") == 1 &&
           count(out, "data-consent-provider=\"unknown\"") == 1 &&
           strstr(out, "\n  <template data-consent-provider=\"unknown\"") !=
           NULL &&
           strstr(out, "zzzz") == NULL && strstr(out, "<p>b</p>") != NULL,
           "a widget, then a script tag past the bound: the box, the tag "
           "dropped, alike whole, in 8-byte pieces and gated twice");
    if (strcmp(out, bytes) != 0 || strcmp(out, twice) != 0)
      printf("#   whole %zu, pieces %zu, twice %zu bytes\n", strlen(out),
             strlen(bytes), strlen(twice));
    free(twice);
    free(bytes);
    free(out);
  }
  n = (size_t)sprintf(in, "<script>");
  memset(in + n, ' ', 9000);
  n += 9000;
  n += (size_t)sprintf(in + n, "var a = 1;</script><p>after</p>");
  out = gate_str(g, in, NULL);
  tap_ok(strstr(out, "var a = 1") == NULL && strstr(out, "<p>after</p>"),
         "an inline script past the bound cannot be checked: dropped");
  free(out);
  n = (size_t)sprintf(in, "<video src=\"https://i.vimeocdn.com/v.mp4\">");
  memset(in + n, 'z', 9000);
  n += 9000;
  n += (size_t)sprintf(in + n, "<img src=\"https://i.ytimg.com/x.jpg\">"
                       "</video><p>end</p>");
  {
    struct opts o = { 0 };
    char *bytes;
    out = gate_str(g, in, NULL);
    o.chunk = 1;
    bytes = gate_str(g, in, &o);
    tap_ok(strstr(out, "vimeocdn") == NULL &&
           strstr(out, "<img src=\"https://i.ytimg") == NULL &&
           count(out, "data-consent-provider=\"youtube\"") == 1 &&
           strstr(out, "<p>end</p>") && strcmp(out, bytes) == 0,
           "markup past the bound: the rest is still gated, the same in "
           "any chunking");
    free(bytes);
  }
  free(out);
  free(in);
  consent_gate_free(g);
  consent_config_free(c);
}

/* gzip 1: gzip, 0: zlib, -1: raw deflate. */
static char *
z_compress(const char *in, size_t n, int gzip, size_t *out_len)
{
  z_stream z;
  char *out = malloc(n + 1024);

  memset(&z, 0, sizeof(z));
  deflateInit2(&z, 9, Z_DEFLATED, gzip > 0 ? 31 : gzip == 0 ? 15 : -15, 8,
               Z_DEFAULT_STRATEGY);
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)(n + 1024);
  deflate(&z, Z_FINISH);
  *out_len = z.total_out;
  deflateEnd(&z);
  return out;
}

static char *
z_decompress(const char *in, size_t n, size_t *out_len)
{
  z_stream z;
  size_t cap = n * 20 + 65536;
  char *out = malloc(cap);

  memset(&z, 0, sizeof(z));
  inflateInit2(&z, 15 + 32);
  z.next_in = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)out;
  z.avail_out = (uInt)cap;
  inflate(&z, Z_FINISH);
  *out_len = z.total_out;
  inflateEnd(&z);
  return out;
}

static void
test_gzip(void)
{
  consent_gate_t *g = default_gate();
  char *plain, *gz, *out, *un;
  size_t plen, gzlen, olen, ulen;
  struct opts o = { 0 };
  int k;

  plain = gate_doc(g, article, article_len, NULL, &plen);
  for (k = 1; k <= 2; k++) {
    gz = z_compress(article, article_len, k == 1, &gzlen);
    memset(&o, 0, sizeof(o));
    o.in_enc = k;
    o.chunk = 100;
    out = gate_doc(g, gz, gzlen, &o, &olen);
    tap_ok(o.status == CONSENT_OK && olen == plen &&
           memcmp(out, plain, plen) == 0, "%s input is decoded and gated",
           k == 1 ? "gzip" : "deflate");
    free(out);
    memset(&o, 0, sizeof(o));
    o.in_enc = k;
    o.out_enc = k;
    out = gate_doc(g, gz, gzlen, &o, &olen);
    un = z_decompress(out, olen, &ulen);
    tap_ok(o.status == CONSENT_OK && ulen == plen &&
           memcmp(un, plain, plen) == 0, "%s output decodes to the gated "
           "page", k == 1 ? "gzip" : "deflate");
    free(un);
    free(out);
    memset(&o, 0, sizeof(o));
    o.in_enc = k;
    out = gate_doc(g, gz, gzlen / 2, &o, &olen);
    tap_ok(o.status == CONSENT_E_ENCODING, "a truncated %s stream: "
           "E_ENCODING", k == 1 ? "gzip" : "deflate");
    free(out);
    gz[gzlen / 2] ^= 0x55;
    gz[gzlen / 2 + 1] ^= 0x55;
    memset(&o, 0, sizeof(o));
    o.in_enc = k;
    out = gate_doc(g, gz, gzlen, &o, &olen);
    tap_ok(o.status == CONSENT_E_ENCODING, "a corrupt %s stream: "
           "E_ENCODING", k == 1 ? "gzip" : "deflate");
    free(out);
    free(gz);
  }
  {
    /* Content-Encoding: deflate as raw deflate (RFC 1951), which some
     * servers send and browsers read: decoded too, in any chunking. */
    long chunks[] = { 0, 1, 2, 100 };
    size_t c;
    int good = 1;
    gz = z_compress(article, article_len, -1, &gzlen);
    for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
      memset(&o, 0, sizeof(o));
      o.in_enc = 2;
      o.chunk = chunks[c];
      out = gate_doc(g, gz, gzlen, &o, &olen);
      good &= o.status == CONSENT_OK && olen == plen &&
              memcmp(out, plain, plen) == 0;
      free(out);
    }
    tap_ok(good, "raw deflate input is decoded and gated (chunks of 1, 2, "
           "100 and whole)");
    memset(&o, 0, sizeof(o));
    o.in_enc = 2;
    out = gate_doc(g, gz, 1, &o, &olen);
    tap_ok(o.status == CONSENT_E_ENCODING, "a deflate stream of one byte: "
           "E_ENCODING");
    free(out);
    free(gz);
  }
  free(plain);
  consent_gate_free(g);
}

struct rep {
  char text[4096];
};

static void
on_report(const char *provider, const char *element, unsigned long line,
          consent_action action, void *ud)
{
  struct rep *r = ud;
  size_t n = strlen(r->text);

  snprintf(r->text + n, sizeof(r->text) - n, "%s/%s/%lu/%d ", provider,
           element, line, (int)action);
}

static void
test_report(void)
{
  consent_gate_t *g = default_gate();
  consent_rewriter_t *rw;
  consent_state_t *s;
  struct buf b = { NULL, 0, 0, 0, 0 };
  struct rep r = { "" };
  static const char in[] = "<p>\n<iframe src=\"https://www.youtube.com/e\">"
    "</iframe>\n\n<img src=\"https://i.vimeocdn.com/x.jpg\">\n";

  consent_state_new(reg, &s);
  consent_state_set_provider(s, "vimeo", 1, 0);
  consent_rewriter_new(g, sink, &b, &rw);
  consent_rewriter_set_state(rw, s);
  consent_rewriter_set_report(rw, on_report, &r);
  consent_rewriter_write(rw, in, sizeof(in) - 1);
  consent_rewriter_end(rw);
  tap_ok(strcmp(r.text, "youtube/iframe/2/0 vimeo/img/4/1 ") == 0,
         "the report: provider, element, line, action (%s)", r.text);
  consent_rewriter_free(rw);
  consent_state_free(s);
  free(b.data);
  consent_gate_free(g);
}

/* A widget that leaves MathML (its blockquote breaks out of foreign
 * content, ending a foreign style): the box takes the blockquote's place
 * and the style and script come after it, in HTML, where a browser
 * applies and runs them; gating the output again changes nothing (found
 * by fuzz-gate: written before the box they were foreign elements, and
 * the second pass read them as the foreign style's text). */
static void
test_foreign_exit(void)
{
  static const char in[] =
    "<!DOCTYPE html><p>x<math><style>body{}"
    "<blockquote class=\"twitter-tweet\"><a href=\"https://twitter.com/"
    "x/status/1\">t</a></blockquote>"
    "<script async src=\"https://platform.twitter.com/widgets.js\">"
    "</script><p>after";
  consent_gate_t *g = default_gate();
  char *once = gate_str(g, in, NULL), *twice = gate_str(g, once, NULL);
  const char *box = strstr(once, "<div class=\"consent-embed");
  const char *css = strstr(once, "<style>.consent");

  tap_ok(box != NULL && css != NULL && box < css,
         "a widget that leaves MathML: its box first, then the assets");
  tap_ok(strcmp(once, twice) == 0,
         "a widget that leaves MathML: gating twice changes nothing");
  free(twice);
  free(once);
  consent_gate_free(g);
}

/* A script tag inside a style in MathML (markup there, read as the
 * style's text) whose src host holds a quote: the text search stops at
 * the quote, the URL parser reads the whole host, which is a provider's
 * subdomain.  The style is gated as the script would be anywhere else,
 * whole and byte by byte (found by fuzz-gate). */
static void
test_foreign_markup_url(void)
{
  static const char in[] =
    "<p>x<math><articel><style>a{}<stylr f='x'>"
    "<script src=\"https://datawra'pper.dwcdn.net/Qz7Lm/embed.js\">"
    "</script><img src=\"/local.png\"><p>after";
  consent_gate_t *g = default_gate();
  char *once = gate_str(g, in, NULL), *twice = gate_str(g, once, NULL);
  struct opts o;
  char *bytes;

  memset(&o, 0, sizeof(o));
  o.chunk = 1;
  bytes = gate_str(g, in, &o);
  tap_ok(strstr(once, "<script src=") == NULL &&
         strstr(once, "data-consent-provider=\"datawrapper\"") != NULL,
         "a provider's script tag in a MathML style is gated with it");
  tap_ok(strcmp(once, bytes) == 0,
         "a provider's script tag in a MathML style: byte by byte the same");
  tap_ok(strcmp(once, twice) == 0,
         "a provider's script tag in a MathML style: gating twice changes "
         "nothing");
  free(bytes);
  free(twice);
  free(once);
  consent_gate_free(g);
}

/* An element or a text that loads from two providers, the visitor
 * allowing the first found: the other decides (found by fuzz-gate: the
 * matcher named the first provider it found, and an allowed one let the
 * whole element through).  Each case whole and byte by byte. */
static void
test_allowed_and_not(void)
{
  static const struct { const char *name, *in, *gated; } mixed[] = {
    { "img src allowed, srcset not",
      "<img src=\"https://i.ytimg.com/vi/a/0.jpg\" "
      "srcset=\"https://i.vimeocdn.com/b.jpg 2x\">", "vimeo" },
    { "script text: an allowed URL, then another",
      "<script>a('//www.youtube.com/iframe_api');"
      "b('//player.vimeo.com/api/player.js');</script>", "vimeo" },
    { "iframe src allowed, srcdoc not",
      "<iframe src=\"https://www.youtube.com/embed/x\" srcdoc=\"<img "
      "src=https://i.vimeocdn.com/c.jpg>\"></iframe>", "vimeo" },
    { "style attribute: two url()s",
      "<div style=\"background:url(//i.ytimg.com/a.jpg),"
      "url(//i.vimeocdn.com/d.jpg)\">x</div>", "vimeo" },
    { "event handler: two URLs",
      "<p onclick=\"f('//www.youtube.com/a');g('//player.vimeo.com/b')\">"
      "x</p>", "vimeo" },
    { "all allowed",
      "<img src=\"https://i.ytimg.com/vi/a/0.jpg\" "
      "srcset=\"https://i.ytimg.com/vi/a/1.jpg 2x\">", NULL },
  };
  consent_gate_t *g = default_gate();
  consent_state_t *st;
  size_t i;

  consent_state_new(reg, &st);
  consent_state_set_provider(st, "youtube", 1, 0);
  for (i = 0; i < sizeof(mixed) / sizeof(mixed[0]); i++) {
    struct opts o, ob;
    char *out, *bytes, want[96];
    memset(&o, 0, sizeof(o));
    o.state = st;
    ob = o;
    ob.chunk = 1;
    out = gate_str(g, mixed[i].in, &o);
    bytes = gate_str(g, mixed[i].in, &ob);
    if (mixed[i].gated != NULL) {
      /* (an element that is no embed keeps its tag, the attribute
       * renamed) */
      snprintf(want, sizeof(want), "data-consent-%s=\"%s\"",
               strstr(mixed[i].in, "onclick") ? "attrs" : "provider",
               mixed[i].gated);
      tap_ok(strstr(out, want) != NULL && strstr(out, mixed[i].in) == NULL &&
             strcmp(out, bytes) == 0,
             "one provider allowed, another not: %s: gated for %s (byte by "
             "byte the same)", mixed[i].name, mixed[i].gated);
    } else {
      tap_ok(strcmp(out, mixed[i].in) == 0 && strcmp(out, bytes) == 0,
             "one provider allowed, another not: %s: passes untouched",
             mixed[i].name);
    }
    free(out);
    free(bytes);
  }
  {
    /* A widget the visitor allows whose box has an event handler of a
     * provider not allowed (found by fuzz-gate): gated for that one. */
    static const char w[] =
      "<blockquote class=\"twitter-tweet\" onclick=\"gtag('event')\">"
      "<a href=\"https://twitter.com/x/status/1\">t</a></blockquote>";
    struct opts o, ob;
    char *out, *bytes;
    consent_state_set_provider(st, "x", 1, 0);
    memset(&o, 0, sizeof(o));
    o.state = st;
    ob = o;
    ob.chunk = 1;
    out = gate_str(g, w, &o);
    bytes = gate_str(g, w, &ob);
    tap_ok(strstr(out, "data-consent-provider=\"google-analytics\"") != NULL &&
           strstr(out, "<blockquote class") == NULL && strcmp(out, bytes) == 0,
           "an allowed widget with a handler of a provider not allowed is "
           "gated for that one (byte by byte the same)");
    free(out);
    free(bytes);
  }
  consent_state_free(st);
  consent_gate_free(g);
}

/* An event handler whose name holds a NUL (the tokenizer reads it as
 * U+FFFD): renamed like any other (found by fuzz-gate: the rename looked
 * for the name as written and missed it), whole and byte by byte. */
static void
test_nul_in_name(void)
{
  static const char in[] = "<p>x</p><meta charset=utf-8 onve\0b=\"f('//i."
                           "ytimg.com/y.jpg')\"><p>after</p>";
  consent_gate_t *g = default_gate();
  struct opts o;
  size_t n, nb;
  char *out, *bytes;

  memset(&o, 0, sizeof(o));
  out = gate_doc(g, in, sizeof(in) - 1, NULL, &n);
  o.chunk = 1;
  bytes = gate_doc(g, in, sizeof(in) - 1, &o, &nb);
  tap_ok(n == nb && memcmp(out, bytes, n) == 0 && n > 40 &&
         strstr(out, " data-consent-off-onve") != NULL &&
         strstr(out, " onve") == NULL,
         "an event handler whose name holds a NUL is renamed");
  free(bytes);
  free(out);
  {
    /* Names longer than the skip path keeps (a real one:
     * oncontentvisibilityautostatechange, 34 bytes) are still read as
     * event handlers (found by fuzz-gate), whole and byte by byte. */
    static const char lng[] =
      "<div oncontentvisibilityautostatechange=\"fetch('//i.ytimg.com/"
      "x.jpg')\" class=a>x</div><p onvxxxxxxxxxxxxxxxxxxxxxxxxxxxx\0e="
      "'//i.ytimg.com/y.jpg'>y</p>";
    out = gate_doc(g, lng, sizeof(lng) - 1, NULL, &n);
    bytes = gate_doc(g, lng, sizeof(lng) - 1, &o, &nb);
    tap_ok(n == nb && memcmp(out, bytes, n) == 0 &&
           strstr(out, " data-consent-off-oncontentvisibilityautostate"
                  "change=") != NULL &&
           strstr(out, " oncontent") == NULL &&
           strstr(out, "<p data-consent-attrs=\"youtube\" data-consent-"
                  "off-onvx") != NULL,
           "event handlers with names longer than 24 bytes are renamed");
    free(bytes);
    free(out);
  }
  consent_gate_free(g);
}

int
main(void)
{
  const char *top = getenv("top_srcdir");
  char path[4096];
  FILE *f;

  snprintf(path, sizeof(path), "%s/examples/article.html", top ? top : ".");
  f = fopen(path, "rb");
  if (f == NULL || consent_registry_new(&reg) != CONSENT_OK) {
    printf("Bail out! cannot read %s\n", path);
    return 1;
  }
  article = malloc(1 << 20);
  article_len = fread(article, 1, 1 << 20, f);
  fclose(f);
  test_article();
  test_generated();
  test_cases();
  test_notice();
  test_google_consent_mode();
  test_consent();
  test_languages();
  test_placeholder_contract();
  test_escaping();
  test_custom_widgets();
  test_bound();
  test_foreign_exit();
  test_foreign_markup_url();
  test_allowed_and_not();
  test_nul_in_name();
  test_gzip();
  test_report();
  free(article);
  consent_registry_free(reg);
  return tap_done();
}
