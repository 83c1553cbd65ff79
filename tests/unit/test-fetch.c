/*
 * test-fetch.c: every entry of the matcher's table of attributes that
 * make a browser fetch is gated (libconsent/matcher.c fetch_attrs), the
 * tokenizer's quick name check knows every one of them, and every Google
 * domain of libconsent/data/google-domains.txt is gated for each Google
 * provider (and providers.conf is in step with the file); the SIMD
 * filters of inline script matching give what the plain loop gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../../libconsent/matcher.h"
#include "../../libconsent/previews.h"
#include "../../libconsent/rewriter.h"
#include "buf.h"
#include "tap.h"


static char *
gate(const struct consent_gate *g, const char *in, size_t chunk)
{
  struct consent_rewriter rw;
  struct buf b = { NULL, 0, 0, 0, 0 };
  size_t off = 0, n = strlen(in);

  consent__rewriter_init(&rw, g, sink, &b);
  while (off < n) {
    size_t step = chunk && chunk < n - off ? chunk : n - off;
    consent__rewriter_write(&rw, in + off, step);
    off += step;
  }
  consent__rewriter_end(&rw);
  consent__rewriter_free(&rw);
  sink("", 0, &b);
  return b.data;
}

static void
test_table(const struct consent_gate *g)
{
  size_t n, i;
  const struct consent__fetch_attr *t = consent__fetch_attrs(&n);

  for (i = 0; i < n; i++) {
    const struct consent__fetch_attr *f = &t[i];
    const char *elem = strcmp(f->elem, "*") == 0
                       ? (f->where == CONSENT__ON_FOREIGN ? "pattern" : "p")
                       : f->elem;
    const char *attr = strcmp(f->attr, "on*") == 0 ? "onload" : f->attr;
    const char *value, *extra = "";
    char in[512], needle[64];
    char *out, *whole, *bytes;
    int foreign = f->where == CONSENT__ON_FOREIGN;

    switch (f->how) {
    case CONSENT__FETCH_TEXT:
      value = "url(https://i.ytimg.com/x.png)";
      break;
    case CONSENT__FETCH_REFRESH:
      value = "refresh";
      extra = " content=\"0; url=https://www.youtube.com/watch\"";
      break;
    default:
      value = "https://i.ytimg.com/x.png";
      break;
    }
    if (strcmp(elem, "link") == 0)
      extra = " rel=\"stylesheet\"";
    if (strcmp(elem, "input") == 0)
      extra = " type=\"image\"";
    snprintf(in, sizeof(in), "%s<%s%s %s=\"%s\">x</%s>%s",
             foreign ? "<svg>" : "", elem, extra, attr, value, elem,
             foreign ? "</svg>" : "");
    /* Gated: the attribute is gone from the markup (renamed, or the
     * element is inside a placeholder, escaped). */
    snprintf(needle, sizeof(needle), " %s=\"", attr);
    whole = gate(g, in, 0);
    bytes = gate(g, in, 1);
    out = whole;
    tap_ok(strstr(out, needle) == NULL &&
       (strstr(out, "data-consent-off-") != NULL ||
        strstr(out, "data-consent-provider") != NULL),
       "<%s %s> %s is gated: %.200s", elem, attr,
       foreign ? "in SVG" : "in HTML", out);
    tap_ok(strcmp(whole, bytes) == 0, "<%s %s>: the same fed byte by byte",
       elem, attr);
    tap_ok(consent__tok_fetch_name(attr, strlen(attr), foreign) ||
           consent__match_wants(g->reg, consent__tag_id(elem, strlen(elem)),
                                elem, strlen(elem)),
           "the tokenizer flags '%s'%s, or records <%s> always", attr,
           foreign ? " (foreign)" : "", elem);
    {
      /* Idempotent: gating the output again changes nothing. */
      char *again = gate(g, whole, 0);
      tap_ok(strcmp(again, whole) == 0, "<%s %s>: gating twice = once", elem,
         attr);
      free(again);
    }
    free(whole);
    free(bytes);
    {
      /* The attribute right after a '/' that ends the name, as a browser
       * reads it (<p/style=...>; once read by nobody on the skip path). */
      char *again;
      snprintf(in, sizeof(in), "%s<%s/%s=\"%s\"%s>x</%s>%s",
               foreign ? "<svg>" : "", elem, attr, value, extra, elem,
               foreign ? "</svg>" : "");
      snprintf(needle, sizeof(needle), "/%s=\"", attr);
      whole = gate(g, in, 0);
      bytes = gate(g, in, 1);
      again = gate(g, whole, 0);
      tap_ok(strstr(whole, needle) == NULL &&
             (strstr(whole, "data-consent-off-") != NULL ||
              strstr(whole, "data-consent-provider") != NULL) &&
             strcmp(whole, bytes) == 0 && strcmp(again, whole) == 0,
             "<%s/%s> %s is gated (byte by byte the same, twice = once): "
             "%.200s", elem, attr, foreign ? "in SVG" : "in HTML", whole);
      free(again);
      free(whole);
      free(bytes);
    }
  }
  /* Links a visitor clicks are navigation. */
  {
    char *out = gate(g, "<a href=\"https://www.youtube.com/watch\">v</a>"
                     "<svg><a href=\"https://www.youtube.com/\">v</a></svg>",
                     0);
    tap_ok(strstr(out, "data-consent") == NULL, "links are not gated: %s", out);
    free(out);
  }
  /* An input that is no image button: its provider's src is renamed all
   * the same (a script may make it one; found by fuzz-gate, whose leak
   * check reads every fetching attribute), in any chunking; a local src
   * is left alone. */
  {
    static const char in[] =
      "<form><input src=\"https://www.youtube.com/embed/x\" name=q>"
      "<input type=text src=\"/a.png\"></form>";
    char *out = gate(g, in, 0), *bytes = gate(g, in, 1), *again;
    again = gate(g, out, 0);
    tap_ok(strstr(out, "<input data-consent-attrs=\"youtube\" "
                  "data-consent-off-src=") != NULL &&
           strstr(out, "<input type=text src=\"/a.png\">") != NULL &&
           strcmp(out, bytes) == 0 && strcmp(out, again) == 0,
           "an input's provider src is renamed, whatever its type: %s", out);
    free(again);
    free(bytes);
    free(out);
  }
}

/* A tag larger than the bound: an embed is dropped; any other element
 * passes with its fetching attributes renamed, in any chunking. */
static void
test_oversize(struct consent_gate *g)
{
  size_t saved = g->max_buffer, pad = 6000, chunks[] = { 0, 1, 7, 4096 };
  char *in = malloc(pad + 512), *whole, *again;
  size_t i;

  g->max_buffer = 4096;
  sprintf(in, "<p>a</p><div tabindex=0 autofocus data-pad=\"");
  memset(in + strlen(in), 'p', pad);
  sprintf(in + strlen(in) - 0, "%s", "");
  in[strlen("<p>a</p><div tabindex=0 autofocus data-pad=\"") + pad] = '\0';
  strcat(in, "\" ONFOCUS=\"fetch('https://www.youtube.com/x')\" "
         "onfocus=x style=\"color:red\">d</div><p>b</p>");
  whole = gate(g, in, 0);
  tap_ok(strstr(whole, "data-consent-off-ONFOCUS=\"fetch(") != NULL &&
         strstr(whole, "data-consent-off-onfocus=x") != NULL &&
         strstr(whole, " style=\"color:red\"") != NULL &&
         strlen(whole) == strlen(in) + 2 * 17,
         "an element's tag larger than the bound passes, its event "
         "handlers renamed");
  for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
    char *o = gate(g, in, chunks[i]);
    tap_ok(strcmp(o, whole) == 0, "the same in chunks of %zu", chunks[i]);
    free(o);
  }
  again = gate(g, whole, 1);
  tap_ok(strcmp(again, whole) == 0, "gating it again changes nothing");
  free(again);
  free(whole);
  /* A placeholder larger than the bound, gated again: unchanged. */
  strcpy(in, "<iframe src=\"https://www.youtube.com/embed/x\" title=\"");
  memset(in + strlen(in), 't', 3000);
  in[strlen("<iframe src=\"https://www.youtube.com/embed/x\" title=\"") + 3000]
    = '\0';
  strcat(in, "\"></iframe>");
  g->max_buffer = 65536;
  whole = gate(g, in, 0);
  g->max_buffer = 4096;
  again = gate(g, whole, 3);
  tap_ok(strstr(whole, "data-consent-provider=\"youtube\"") != NULL &&
         strcmp(again, whole) == 0,
         "a placeholder larger than the bound passes when gated again");
  free(again);
  free(whole);
  free(in);
  g->max_buffer = saved;
}

static void
test_google(const struct consent_gate *g)
{
  static const struct { const char *path, *prov; } paths[] = {
    { "/maps/embed?pb=1", "google-maps" }, { "/", "google" },
    { "/recaptcha/api.js", "recaptcha" }, { "/pagead/conversion", "google-ads" },
    { "/ads/ga-audiences?v=1", "google-analytics" },
  };
  const char *top = getenv("top_srcdir");
  char path[4096], line[256], cmd[8192];
  FILE *f;
  size_t n = 0, bad = 0, k;

  snprintf(path, sizeof(path), "%s/libconsent/data/google-domains.txt",
           top ? top : ".");
  if ((f = fopen(path, "r")) == NULL) {
    tap_ok(0, "cannot read %s", path);
    return;
  }
  while (fgets(line, sizeof(line), f) != NULL) {
    size_t len = strcspn(line, "\r\n");
    line[len] = '\0';
    if (len == 0 || line[0] == '#')
      continue;
    n++;
    for (k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
      char url[512];
      long prov;
      int l = snprintf(url, sizeof(url), "https://www.%s%s", line,
                       paths[k].path);
      prov = consent__registry_match_url(g->reg, url, (size_t)l);
      if (prov < 0 || strcmp(g->reg->prov[prov].id, paths[k].prov) != 0) {
        bad++;
        printf("# %s: %s\n", url, prov < 0 ? "no provider"
                                     : g->reg->prov[prov].id);
      }
    }
  }
  fclose(f);
  tap_ok(n >= 190 && bad == 0, "every one of the %zu Google domains is gated "
     "for Maps, Google, reCAPTCHA, Ads and Analytics (%zu wrong)", n, bad);
  snprintf(cmd, sizeof(cmd), "python3 %s/tools/gen-google-domains.py --check "
           "%s/libconsent/providers.conf", top ? top : ".", top ? top : ".");
  tap_ok(system(cmd) == 0, "providers.conf is in step with google-domains.txt");
}

/* Frames whose document is a data: URL: percent-encoded past any
 * window, and base64. */
static void
test_data_documents(const struct consent_gate *g)
{
  static const char b64[] =
    "PGlmcmFtZSBzcmM9Imh0dHBzOi8vd3d3LnlvdXR1YmUuY29tL2VtYmVkL3giPjwv"
    "aWZyYW1lPg==";
  char *in = malloc(40000), *out;
  size_t k;

  strcpy(in, "<iframe src=\"data:text/html;base64,");
  strcat(in, b64);
  strcat(in, "\"></iframe>");
  out = gate(g, in, 0);
  tap_ok(strstr(out, "data-consent-provider=\"youtube\"") != NULL,
         "a base64 data: document loading a provider is gated");
  free(out);
  for (k = 0; k < 3; k++) {
    /* The provider URL at 8 KiB window boundaries, and far past them. */
    size_t pad[] = { 8192 - 20, 16384 - 9, 30000 };
    strcpy(in, "<iframe src=\"data:text/html,");
    memset(in + strlen(in), 'a', pad[k]);
    in[strlen("<iframe src=\"data:text/html,") + pad[k]] = '\0';
    strcat(in, "%3Ciframe src=%22https://www.youtube.com/embed/x%22%3E\">"
           "</iframe>");
    out = gate(g, in, 0);
    tap_ok(strstr(out, "data-consent-provider=\"youtube\"") != NULL,
           "a data: document with the provider at %zu bytes is gated",
           pad[k]);
    free(out);
  }
  free(in);
}

/* The previews' fetcher never connects to internal addresses, also
 * when IPv6 carries an IPv4 one. */
static void
test_internal_addresses(void)
{
  static const struct { const char *a; int internal; } cases[] = {
    { "127.0.0.1", 1 }, { "10.1.2.3", 1 }, { "192.168.0.1", 1 },
    { "169.254.169.254", 1 }, { "100.64.0.1", 1 }, { "93.184.216.34", 0 },
    { "::1", 1 }, { "::", 1 }, { "fe80::1", 1 }, { "fd00::1", 1 },
    { "::ffff:127.0.0.1", 1 }, { "::ffff:93.184.216.34", 0 },
    { "::127.0.0.1", 1 }, { "::10.0.0.1", 1 },
    { "64:ff9b::7f00:1", 1 }, { "64:ff9b::a9fe:a9fe", 1 },
    { "64:ff9b::5db8:d822", 0 }, { "64:ff9b:1::1", 1 },
    { "2002:7f00:1::1", 1 }, { "2002:c0a8:101::1", 1 },
    { "2002:5db8:d822::1", 0 }, { "2001:0:4136:e378::1", 1 },
    { "2001:db8::1", 1 }, { "2606:2800:220:1::1", 0 },
  };
  size_t i, bad = 0;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (strchr(cases[i].a, ':') != NULL) {
      struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
      s6->sin6_family = AF_INET6;
      inet_pton(AF_INET6, cases[i].a, &s6->sin6_addr);
    } else {
      struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
      s4->sin_family = AF_INET;
      inet_pton(AF_INET, cases[i].a, &s4->sin_addr);
    }
    if ((consent__internal_address((struct sockaddr *)&ss) != 0) !=
        cases[i].internal) {
      bad++;
      printf("# %s: %s\n", cases[i].a,
             cases[i].internal ? "let through" : "refused");
    }
  }
  tap_ok(bad == 0, "previews' address filter: %zu addresses, NAT64, 6to4, "
         "IPv4-compatible, Teredo included (%zu wrong)",
         sizeof(cases) / sizeof(cases[0]), bad);
}

/* CONSENT_PREVIEW_MEMORY: a lookup answers from memory and never reads
 * the folder; the fetcher loads what the folder already has (no
 * transfer), and a lookup then finds it, even with the file gone. */
static void
test_memory_lookups(const struct consent_registry *reg)
{
  static const char url[] = "https://www.youtube.com/embed/memtest";
  char dir[] = "/tmp/consent-mem-XXXXXX", path[256], hex[65];
  unsigned char md[32];
  unsigned int mdlen = 0, done = 9, failed = 9, i;
  struct consent_previews *pv;
  struct consent__preview out;
  FILE *f;
  int before, after, gone;

  if (mkdtemp(dir) == NULL || (pv = consent__previews_new(reg, dir)) == NULL) {
    tap_ok(0, "previews in memory: a cache folder");
    return;
  }
  EVP_Digest(url, strlen(url), md, &mdlen, EVP_sha256(), NULL);
  for (i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  snprintf(path, sizeof(path), "%s/%s.json", dir, hex);
  f = fopen(path, "w");
  if (f != NULL) {
    fprintf(f, "{\"url\":\"%s\",\"title\":\"On disk\",\"author\":\"A\","
            "\"fetched\":%lld}", url, (long long)time(NULL));
    fclose(f);
  }
  tap_ok(consent__previews_set(pv, CONSENT_PREVIEW_MEMORY, 16) == 0,
         "previews in memory: memory=16 set");
  before = consent__previews_lookup(pv, "youtube", url, strlen(url), &out);
  tap_ok(before == 0 && consent__previews_pending(pv) == 1,
         "previews in memory: the first lookup does not read the folder "
         "(a miss, queued), though the file is there");
  consent__previews_run(pv, 2000, &done, &failed);
  after = consent__previews_lookup(pv, "youtube", url, strlen(url), &out);
  tap_ok(done == 0 && failed == 0 && after == 1 &&
         strcmp(out.title, "On disk") == 0,
         "previews in memory: the fetcher loaded the folder's entry without "
         "a transfer (%u fetched, %u failed), the next lookup has it",
         done, failed);
  unlink(path);
  gone = consent__previews_lookup(pv, "youtube", url, strlen(url), &out);
  tap_ok(gone == 1 && consent__previews_pending(pv) == 0,
         "previews in memory: answered from memory with the file gone");
  consent__previews_free(pv);
  rmdir(dir);
}

/* The matcher's text search as it was written before the SIMD filters
 * (every signature over the whole text first, then every URL): the
 * reference the filters are held to. */
static long
reference_text(const struct consent_registry *r, const char *text,
               size_t len)
{
  const char *p = text, *e = text + len;
  size_t i, j;

  for (j = 0; len >= 2 && j + 1 < len; j++)
    for (i = 0; i < r->nsigs; i++)
      if (r->sigs[i].len <= len - j &&
          memcmp(text + j, r->sigs[i].text, r->sigs[i].len) == 0)
        return (long)r->sigs[i].prov;
  while (p < e) {
    const char *s = memchr(p, '/', (size_t)(e - p));
    char url[300];
    size_t n = 2;
    long prov;
    if (s == NULL)
      break;
    p = s + 1;
    if (s + 1 < e && s[1] == '/')
      s += 2;
    else if (s > text && s + 3 < e && s[-1] == '\\' && s[1] == '\\' &&
             s[2] == '/')
      s += 3;
    else
      continue;
    memcpy(url, "//", 2);
    while (s < e && n < CONSENT__HOST_MAX + 6 &&
           ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
            (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
            *s == '%' || (unsigned char)*s >= 0x80))
      url[n++] = *s++;
    if (n == 2)
      continue;
    if (s < e && (*s == '/' || *s == '\\')) {
      size_t room = CONSENT__HOST_MAX + 8 - n;
      while (s < e && room > 1 && *s != '"' && *s != '\'' && *s != ' ' &&
             *s != ')' && *s != '<' && *s != '>' && *s != '\n') {
        url[n++] = *s == '\\' ? '/' : *s;
        s++;
        room--;
      }
    }
    if ((prov = consent__registry_match_url(r, url, n)) >= 0)
      return prov;
  }
  return -1;
}

/* (allows the providers of even index) */
static int
allow_even(const void *ud, long prov)
{
  (void)ud;
  return prov % 2 == 0;
}

/* consent__match_text with its SIMD filters (SSSE3, AVX2, as far as this
 * CPU has them) and without: the same provider for every text, at every
 * alignment, with signatures, URLs and JSON-escaped URLs across the
 * filters' 16- and 32-byte blocks and at the very end. */
static void
test_text_filters(const struct consent_registry *r)
{
  static const char *const parts[] = {
    "googletagmanager.com", "gtag(", "fbq(", "fb", "f", "_hjSettings",
    "adsbygoogle", "//www.youtube.com/embed/x", "\\/\\/player.vimeo.com",
    "//", "/", "\\", "\\/", "//example.org/a.js", "clarity.ms",
    "var a = 1;", " ", "\n", "g", "gt", "gta", "https:", "\"",
    "matomo.cloud", "//platform.twitter.com/widgets.js", "hotjar.co",
    "analytics.tiktok.com", "abcdefghijklmnopqrstuvwxyz0123456789",
    "//%79outube.com/embed/q", "%", "-", ".", "ÿ", "//\xc3\xbf.example"
  };
  char buf[640];
  unsigned seed = 12345, i, bad = 0, found = 0, cases = 30000;
  unsigned bad_allow = 0, allowed_other = 0;
  const struct consent__allow even = { allow_even, NULL };
  static const struct { const char *text; const char *id; } fixed[] = {
    { "x = '//www.youtube.com/embed/a'; fbq('init');", "facebook-pixel" },
    { "//www.youtube.com/embed/a", "youtube" },
    { "0123456789abcdef0123456789abcdef//www.youtube.com/", "youtube" },
    { "0123456789abcdef0123456789abcd\\/\\/www.youtube.com", "youtube" },
    { "0123456789abcdef0123456789abcdefg gtag(", "google-analytics" },
    { "0123456789abcdef0123456789abcdegtag(", "google-analytics" },
    { "nothing to see here, not even a slash / or two", NULL },
  };

  for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
    int level;
    for (level = 0; level <= 2; level++) {
      long p = consent__match_text_at(r, fixed[i].text,
                                      strlen(fixed[i].text), level, NULL);
      const char *id = p >= 0 ? r->prov[p].id : NULL;
      tap_ok(fixed[i].id == NULL ? id == NULL
                                 : id != NULL && strcmp(id, fixed[i].id) == 0,
             "inline text %u, filter level %d: %s", i, level,
             id ? id : "none");
    }
  }
  for (i = 0; i < cases; i++) {
    size_t n = 0, off;
    long p0, p1, p2, pr, q0, q1, q2;
    seed = seed * 1103515245u + 12345u;
    off = (seed >> 16) % 32; /* any alignment */
    while (n < 500) {
      const char *s;
      size_t k;
      seed = seed * 1103515245u + 12345u;
      if ((seed >> 16) % 9 == 0)
        break;
      s = parts[(seed >> 16) % (sizeof(parts) / sizeof(parts[0]))];
      k = strlen(s);
      memcpy(buf + off + n, s, k);
      n += k;
    }
    p0 = consent__match_text_at(r, buf + off, n, 0, NULL);
    p1 = consent__match_text_at(r, buf + off, n, 1, NULL);
    p2 = consent__match_text_at(r, buf + off, n, 2, NULL);
    pr = reference_text(r, buf + off, n);
    /* With an allow (every other provider): the levels agree, something
     * is found where something was, and what is not allowed is not
     * hidden behind what is. */
    q0 = consent__match_text_at(r, buf + off, n, 0, &even);
    q1 = consent__match_text_at(r, buf + off, n, 1, &even);
    q2 = consent__match_text_at(r, buf + off, n, 2, &even);
    if (q0 != q1 || q0 != q2 || (q0 >= 0) != (p0 >= 0) ||
        (p0 >= 0 && p0 % 2 != 0 && q0 % 2 == 0)) {
      if (bad_allow++ == 0)
        printf("# with an allow: %ld %ld %ld (without %ld) on '%.*s'\n",
               q0, q1, q2, p0, (int)n, buf + off);
    }
    allowed_other += q0 >= 0 && q0 != p0;
    if (p0 != p1 || p0 != p2 || p0 != pr) {
      if (bad++ == 0)
        printf("# differs: %ld %ld %ld (reference %ld) on '%.*s'\n", p0,
               p1, p2, pr, (int)n,
                 buf + off);
    }
    found += p0 >= 0;
  }
  tap_ok(bad_allow == 0 && allowed_other > 0,
         "inline text with an allow: the levels agree, and a provider not "
         "allowed is found behind an allowed one (%u texts name another "
         "than without; %u differ)", allowed_other, bad_allow);
  tap_ok(bad == 0 && found > cases / 4 && found < cases,
         "inline text: the SIMD filters, the plain loop and the search "
         "as it was agree on %u random texts (%u name a provider; %u differ)", cases, found, bad);
}

static const char *
pick(unsigned *seed, const char *const *a, size_t n)
{
  *seed = *seed * 1103515245u + 12345u;
  return a[(*seed >> 16) % n];
}

/* The registry's quick tests (a URL's host read without parsing it, a
 * host without the parser) never say "no provider" where parsing the
 * URL finds one: random URLs of hosts near the providers' and every way
 * the parser reads a host apart from the bytes as written. */
static void
test_url_prefilter(const struct consent_registry *r)
{
  static const char *const scheme[] = {
    "https:", "http:", "HTTPS:", "hTtP:", "", "", "ftp:", "https:/",
    " https:", "https", "ws:", "\thttps:", "https:\\", "https:\t",
  };
  static const char *const slashes[] = {
    "//", "//", "//", "///", "/\\", "\\\\", "/", "", "/\t/",
  };
  static const char *const user[] = { "", "", "", "a@", "x:y@", "@" };
  static const char *const host[] = {
    "www.youtube.com", "youtube.com", "YouTube.COM", "i.ytimg.com",
    "player.vimeo.com", "example.org", "www.example.org", "youtube.com.",
    ".youtube.com", "you..tube.com", "xn--youtube-abc.com", "127.0.0.1",
    "%79outube.com", "youtu.be", "www.google.com", "maps.google.de",
    "x", "", "yout\tube.com", "youtube.com:", "ex-ample.org",
    "googletagmanager.com", "www.facebook.com", "\xc3\xbf.youtube.com",
    "a.b.c.d.e.f.youtube.com", "0x7f.1", "www.youtube.com.evil.org",
  };
  static const char *const port[] = { "", "", ":443", ":x@youtube.com", ":" };
  static const char *const path[] = {
    "", "/", "/embed/x", "?q=1", "#f", "\\x", "\t", " ", "/maps/embed",
    "/tr?id=1", "/recaptcha/api.js", "@youtube.com/",
  };
  char url[256];
  unsigned seed = 777, i, bad = 0, quick = 0, found = 0, cases = 40000;

#define PICK(a) pick(&seed, a, sizeof(a) / sizeof(a[0]))
  for (i = 0; i < cases; i++) {
    long p;
    int may_url, may_host;
    const char *sc = PICK(scheme), *sl = PICK(slashes), *us = PICK(user);
    const char *h = PICK(host), *po = PICK(port), *pa = PICK(path);
    snprintf(url, sizeof(url), "%s%s%s%s%s%s", sc, sl, us, h, po, pa);
    p = consent__registry_match_url(r, url, strlen(url));
    may_url = consent__registry_may_match_url(r, url, strlen(url));
    may_host = consent__registry_may_match_host(r, h, strlen(h));
    snprintf(url, sizeof(url), "https://%s/", h);
    found += p >= 0;
    quick += !may_url;
    if ((p >= 0 && !may_url) ||
        (consent__registry_match_url(r, url, strlen(url)) >= 0 && !may_host)) {
      if (bad++ == 0)
        printf("# says no provider, parsing finds %ld: '%s'\n", p, url);
    }
  }
#undef PICK
  tap_ok(bad == 0 && quick > cases / 200 && found > cases / 10,
         "the quick URL and host tests never hide a provider the parser "
         "finds: %u random URLs (%u answered without parsing, %u name a "
         "provider; %u wrong)", cases, quick, found, bad);
}

/* consent__escape (16 bytes at a time, replacements stored 8 bytes at
 * once) writes what escaping byte by byte writes: random texts of the
 * five special characters and others, at every length and alignment. */
static void
test_escape(void)
{
  static const char alphabet[] = "&<>\"'a b\n\xc3\xa9\0x";
  char in[300], want[300 * 6 + 1];
  unsigned seed = 99, i, bad = 0, cases = 20000;
  size_t n, k, w;

  for (i = 0; i < cases; i++) {
    struct consent__buf b = { NULL, 0, 0 };
    size_t pre;
    seed = seed * 1103515245u + 12345u;
    n = (seed >> 16) % 200;
    for (k = 0; k < n; k++) {
      seed = seed * 1103515245u + 12345u;
      in[k] = (seed >> 16) % 3 == 0 ? alphabet[(seed >> 18) % 12]
                                     : (char)('a' + (seed >> 18) % 26);
    }
    for (k = 0, w = 0; k < n; k++) {
      const char *r = in[k] == '&' ? "&amp;" : in[k] == '<' ? "&lt;"
                      : in[k] == '>' ? "&gt;" : in[k] == '"' ? "&quot;"
                      : in[k] == '\'' ? "&#39;" : NULL;
      if (r != NULL) {
        memcpy(want + w, r, strlen(r));
        w += strlen(r);
      } else {
        want[w++] = in[k];
      }
    }
    pre = i % 7; /* text already in the buffer */
    if (pre > 0 && consent__buf_append(&b, "0123456", pre) != 0)
      abort();
    if (consent__escape(&b, in, n) != 0 || b.len != pre + w ||
        (w > 0 && memcmp(b.data + pre, want, w) != 0) ||
        (pre > 0 && memcmp(b.data, "0123456", pre) != 0)) {
      if (bad++ == 0)
        printf("# escape differs on a text of %zu bytes\n", n);
    }
    consent__buf_free(&b);
  }
  tap_ok(bad == 0, "consent__escape writes what a byte loop writes "
         "(%u random texts; %u differ)", cases, bad);
}

/* CSS escapes decoded as CSS Syntax 4.3.7 reads them. */
static void
test_css_unescape(void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "url(https:\\2f\\2f i.ytimg.com)", "url(https://i.ytimg.com)" },
    { "\\3a\\/\\/x", ":\x2f/x" },
    { "a\\\nb", "ab" },                       /* a line continuation */
    { "\\e9t\\E9 ", "\xc3\xa9t\xc3\xa9" },
    { "\\0 \\110000 \\d800", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
    { "\\000041B", "AB" },                    /* at most six digits */
    { "x\\", "x\xef\xbf\xbd" },                /* at the end */
    { "plain", "plain" },
  };
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct consent__buf b = { NULL, 0, 0 };
    int ok = consent__css_unescape(cases[i].in, strlen(cases[i].in), &b) == 0 &&
             b.len == strlen(cases[i].out) &&
             memcmp(b.data ? b.data : "", cases[i].out, b.len) == 0;
    tap_ok(ok, "CSS escapes: \"%s\"", cases[i].in);
    if (!ok)
      printf("#   got \"%.*s\"\n", (int)b.len, b.data ? b.data : "");
    consent__buf_free(&b);
  }
}

int
main(void)
{
  struct consent_gate g;

  if (consent__gate_init(&g) != 0 ||
      consent__registry_builtin(&g.own_reg) != 0) {
    printf("Bail out! no gate\n");
    return 1;
  }
  g.has_own_reg = 1;
  g.reg = &g.own_reg;
  g.script_mode = CONSENT__SCRIPT_NONE;
  test_table(&g);
  test_oversize(&g);
  test_data_documents(&g);
  test_internal_addresses();
  test_memory_lookups(g.reg);
  test_google(&g);
  test_text_filters(g.reg);
  test_url_prefilter(g.reg);
  test_escape();
  test_css_unescape();
  consent__gate_free(&g);
  return tap_done();
}
