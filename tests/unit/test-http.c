/* test-http: the HTTP decisions hosts take from the library (which
 * responses are gated, in which coding, which request headers a gated
 * location drops, the headers a gated response carries, Link headers),
 * and what stands between a body and the tokenizer: gzip, deflate, br
 * and zstd, UTF-16 and the switches of ISO-2022-JP. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include "consent.h"
#include "buf.h"
#include "tap.h"

#define YT "https://www.youtube.com/embed/abc"
#define PAGE "<!DOCTYPE html><title>t</title><p>before</p>" \
  "<iframe src=\"" YT "\" width=\"560\" height=\"315\"></iframe><p>after</p>"

static consent_gate_t *gate;

/* ---------------------------------------------------------------- */
/* Which responses are gated                                         */

static void
classify(void)
{
  static const struct {
    int status;
    const char *type, *enc;
    consent_http_action act;
    consent_encoding coding;
  } t[] = {
    { 200, "text/html", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "text/html; charset=utf-8", "", CONSENT_HTTP_GATE, 0 },
    { 200, "TEXT/HTML;Charset=UTF-8", "identity", CONSENT_HTTP_GATE, 0 },
    { 200, "text/html\t;charset=utf-8", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, " text/html ", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "application/xhtml+xml", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, NULL, NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "html", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "text/", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "unknown/unknown", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "application/unknown", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "*/*", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "text/plain", NULL, CONSENT_HTTP_PASS, 0 },
    { 200, "text/htmlx", NULL, CONSENT_HTTP_PASS, 0 },
    { 200, "image/png", "compress", CONSENT_HTTP_PASS, 0 },
    { 200, "application/json", "br", CONSENT_HTTP_PASS, 0 },
    { 200, "text/html", "gzip", CONSENT_HTTP_GATE, CONSENT_ENCODING_GZIP },
    { 200, "text/html", " X-GZIP ", CONSENT_HTTP_GATE,
      CONSENT_ENCODING_GZIP },
    { 200, "text/html", "deflate", CONSENT_HTTP_GATE,
      CONSENT_ENCODING_DEFLATE },
    { 200, "text/html", "br", CONSENT_HTTP_GATE, CONSENT_ENCODING_BR },
    { 200, "text/html", "zstd", CONSENT_HTTP_GATE, CONSENT_ENCODING_ZSTD },
    { 200, NULL, "br", CONSENT_HTTP_GATE, CONSENT_ENCODING_BR },
    { 200, "text/html", "identity, br", CONSENT_HTTP_GATE,
      CONSENT_ENCODING_BR },
    { 200, "text/html", "gzip, gzip", CONSENT_HTTP_REFUSE, 0 },
    { 200, "text/html", "gzip, br", CONSENT_HTTP_REFUSE, 0 },
    { 200, "text/html", "compress", CONSENT_HTTP_REFUSE, 0 },
    { 200, "text/html", "bz2", CONSENT_HTTP_REFUSE, 0 },
    { 200, "text/html; charset=iso-2022-jp", NULL, CONSENT_HTTP_REFUSE, 0 },
    { 200, "text/html; charset=\"ISO-2022-JP\"", NULL, CONSENT_HTTP_REFUSE,
      0 },
    { 200, "text/html; charset=utf-16", NULL, CONSENT_HTTP_GATE, 0 },
    { 200, "text/html; charset=shift_jis", NULL, CONSENT_HTTP_GATE, 0 },
    { 206, "text/html", NULL, CONSENT_HTTP_REFUSE, 0 },
    { 206, "video/mp4", NULL, CONSENT_HTTP_PASS, 0 },
    { 304, "text/html", NULL, CONSENT_HTTP_GATE, 0 },
  };
  size_t i;

  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    consent_encoding c = 99;
    const char *why = NULL;
    consent_http_action a = consent_http_classify(
      t[i].status, t[i].type, t[i].type ? strlen(t[i].type) : 0, t[i].enc,
      t[i].enc ? strlen(t[i].enc) : 0, &c, &why);
    tap_ok(a == t[i].act && (a != CONSENT_HTTP_GATE || c == t[i].coding) &&
           why != NULL && (a != CONSENT_HTTP_REFUSE || *why != '\0'),
           "%d, Content-Type %s, Content-Encoding %s: %s%s%s", t[i].status,
           t[i].type ? t[i].type : "(none)", t[i].enc ? t[i].enc : "(none)",
           a == CONSENT_HTTP_GATE ? "gate" : a == CONSENT_HTTP_PASS ? "pass"
           : "refuse", *why ? ": " : "", why);
  }
  tap_ok(consent_http_classify(200, "text/html; x", 9, NULL, 0, NULL,
                               NULL) == CONSENT_HTTP_GATE,
         "only len bytes are read; NULL out-parameters are fine");
}

static void
request_headers(void)
{
  static const struct {
    const char *path, *name;
    int drop;
  } t[] = {
    { "/", "Range", 1 },
    { "/news/", "If-None-Match", 1 },
    { "/page.html", "if-modified-since", 1 },
    { "/page.HTM?x=1", "If-Range", 1 },
    { "/a.php", "If-Match", 1 },
    { "/index.shtml", "If-Unmodified-Since", 1 },
    { "/article", "Range", 1 },
    { "/video.mp4", "Range", 0 },
    { "/img/x.png", "If-None-Match", 0 },
    { "/a.mp4?page.html", "Range", 0 },
    { "/page.html", "Accept", 0 },
    { "/page.html", "Cookie", 0 },
    { "", "Range", 1 },
  };
  size_t i;

  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    tap_ok(consent_http_drop_request_header(t[i].path, strlen(t[i].path),
                                            t[i].name, strlen(t[i].name))
           == t[i].drop, "%s for %s: %s", t[i].name, t[i].path,
           t[i].drop ? "dropped" : "kept");
}

static void
accept_encoding(void)
{
  static const struct {
    const char *in, *out;
  } t[] = {
    { "gzip, deflate, br, zstd", "gzip, deflate, br, zstd" },
    { "compress, gzip;q=0.8, exi, br, *", "gzip;q=0.8, br" },
    { " BR ;q=1 , x-gzip", "BR ;q=1, x-gzip" },
    { "identity", "identity" },
    { "compress, *", NULL },
    { "", NULL },
  };
  size_t i;

  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    char *out = (char *)"x";
    consent_status st = consent_http_accept_encoding(t[i].in,
                                                     strlen(t[i].in), &out);
    tap_ok(st == CONSENT_OK && (t[i].out == NULL ? out == NULL :
                                out != NULL && strcmp(out, t[i].out) == 0),
           "Accept-Encoding \"%s\" to the backend: %s", t[i].in,
           out ? out : "(none)");
    consent_free(out);
  }
}

static const char *
vary_of(const consent_gate_t *g, const consent_site_t *site, int *edits)
{
  consent_header_op op;
  const char *name, *value, *vary = "";
  size_t i;
  int removed = 0, ranges = 0;

  for (i = 0; consent_gate_header_edit(g, site, i, &op, &name, &value); i++)
    if (op == CONSENT_HEADER_MERGE && strcmp(name, "Vary") == 0)
      vary = value;
    else if (op == CONSENT_HEADER_REMOVE)
      removed += strcmp(name, "Content-Length") == 0 ||
                 strcmp(name, "ETag") == 0 ||
                 strcmp(name, "Last-Modified") == 0 ||
                 strcmp(name, "Content-MD5") == 0;
    else if (op == CONSENT_HEADER_SET && strcmp(name, "Accept-Ranges") == 0)
      ranges = strcmp(value, "none") == 0;
  *edits = removed == 4 && ranges;
  return vary;
}

static void
header_edits(void)
{
  static const char ring_text[] =
    "1 2025-01-01T00:00:00Z AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n";
  consent_registry_t *reg;
  consent_keyring_t *ring;
  consent_site_t *site;
  consent_config_t *c;
  consent_gate_t *safe;
  unsigned cookie_only;
  int edits;

  consent_registry_new(&reg);
  consent_keyring_load_buffer(ring_text, strlen(ring_text), "ring", &ring,
                              NULL);
  consent_site_new(reg, ring, &site);
  tap_ok(strcmp(vary_of(gate, site, &edits),
                "Cookie, Sec-GPC, Accept-Language") == 0 && edits,
         "per visitor, GPC honoured: Vary: Cookie, Sec-GPC, "
         "Accept-Language; length and validators removed; no ranges");
  consent_sources_from_names("cookie", &cookie_only, NULL);
  consent_site_set_sources(site, cookie_only);
  tap_ok(strcmp(vary_of(gate, site, &edits),
                "Cookie, Accept-Language") == 0 && edits,
         "GPC not honoured: no Sec-GPC in Vary");
  tap_ok(strcmp(vary_of(gate, NULL, &edits), "Accept-Language") == 0 &&
         edits, "no site (no cookie read): no Cookie in Vary");
  consent_config_new(&c);
  consent_config_set_cache_safe(c, 1);
  consent_gate_new(c, &safe);
  consent_config_free(c);
  tap_ok(strcmp(vary_of(safe, site, &edits), "Accept-Language") == 0 &&
         edits, "cache-safe: the page is the same for every visitor, so "
         "no Cookie in Vary (it would defeat shared caches)");
  tap_ok(consent_gate_header_edit(NULL, site, 0, NULL, NULL, NULL) == 0,
         "NULL gate: no edits");
  consent_gate_free(safe);
  consent_site_free(site);
  consent_keyring_free(ring);
  consent_registry_free(reg);
}

/* ---------------------------------------------------------------- */
/* Link headers                                                      */

static void
link_headers(void)
{
  static const struct {
    const char *in, *out; /* out NULL: the header goes */
    int allow_youtube;
  } t[] = {
    { "<" YT ">; rel=preload; as=document", NULL, 0 },
    { "<https://www.youtube.com/>; rel=preconnect", NULL, 0 },
    { "<//www.youtube.com/iframe_api>; rel=modulepreload", NULL, 0 },
    { "<" YT ">; rel=preload; as=document, </site.css>; rel=preload; "
      "as=style", "</site.css>; rel=preload; as=style", 0 },
    { "</a.css>; rel=preload, <https://fonts.googleapis.com/css?x=1,2>; "
      "rel=preconnect, </b.js>; rel=preload; title=\"a, <c>\"",
      "</a.css>; rel=preload, </b.js>; rel=preload; title=\"a, <c>\"", 0 },
    { "<https://fonts.gstatic.com>; rel=preconnect; crossorigin, "
      "<https://www.googletagmanager.com/gtag/js?id=G-1>; rel=preload; "
      "as=script", NULL, 0 },
    { "</x>; rel=next", "</x>; rel=next", 0 },
    { "<" YT ">; rel=preload", "<" YT ">; rel=preload", 1 },
    { "<https://www.youtube.com", NULL, 0 },
    { "", NULL, 0 },
  };
  consent_registry_t *reg;
  consent_state_t *state;
  size_t i;

  consent_registry_new(&reg);
  consent_state_new(reg, &state);
  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    consent_rewriter_t *rw;
    struct buf b = { 0 };
    char *out = (char *)"x";
    consent_status st;
    consent_state_clear(state);
    if (t[i].allow_youtube)
      consent_state_set_provider(state, "youtube", 1, 0);
    consent_rewriter_new(gate, sink, &b, &rw);
    consent_rewriter_set_state(rw, state);
    st = consent_rewriter_filter_link(rw, t[i].in, strlen(t[i].in), &out);
    tap_ok(st == CONSENT_OK && (t[i].out == NULL ? out == NULL :
                                out != NULL && strcmp(out, t[i].out) == 0),
           "Link: %s -> %s", t[i].in, out ? out : "(dropped)");
    consent_free(out);
    consent_rewriter_free(rw);
  }
  tap_ok(consent_rewriter_filter_link(NULL, "x", 1, NULL) ==
         CONSENT_E_INVAL, "NULL rewriter: CONSENT_E_INVAL");
  consent_state_free(state);
  consent_registry_free(reg);
}

/* ---------------------------------------------------------------- */
/* Content codings                                                   */

static struct buf
squeeze(consent_encoding c, const char *in, size_t len)
{
  struct buf o = { 0 };

  o.cap = len + 1024;
  o.data = malloc(o.cap);
  if (c == CONSENT_ENCODING_GZIP || c == CONSENT_ENCODING_DEFLATE) {
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 6, Z_DEFLATED, c == CONSENT_ENCODING_GZIP ? 31 : 15, 8,
                 Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)o.data;
    z.avail_out = (uInt)o.cap;
    deflate(&z, Z_FINISH);
    o.len = z.total_out;
    deflateEnd(&z);
  } else if (c == CONSENT_ENCODING_BR) {
    o.len = o.cap;
    BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, len, (const uint8_t *)in,
                          &o.len, (uint8_t *)o.data);
  } else {
    o.len = ZSTD_compress(o.data, o.cap, in, len, 3);
  }
  return o;
}

static struct buf
unsqueeze(consent_encoding c, const char *in, size_t len)
{
  struct buf o = { 0 };

  o.cap = 1 << 20;
  o.data = calloc(1, o.cap);
  if (c == CONSENT_ENCODING_GZIP || c == CONSENT_ENCODING_DEFLATE) {
    z_stream z;
    memset(&z, 0, sizeof(z));
    inflateInit2(&z, c == CONSENT_ENCODING_GZIP ? 31 : 15);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)o.data;
    z.avail_out = (uInt)o.cap - 1;
    if (inflate(&z, Z_FINISH) == Z_STREAM_END)
      o.len = z.total_out;
    inflateEnd(&z);
  } else if (c == CONSENT_ENCODING_BR) {
    size_t n = o.cap - 1;
    if (BrotliDecoderDecompress(len, (const uint8_t *)in, &n,
                                (uint8_t *)o.data) == BROTLI_DECODER_RESULT_SUCCESS)
      o.len = n;
  } else {
    size_t n = ZSTD_decompress(o.data, o.cap - 1, in, len);
    o.len = ZSTD_isError(n) ? 0 : n;
  }
  return o;
}

/* Gates in through a rewriter in chunks of step bytes (0: whole). */
static consent_status
gate_coded(consent_encoding c, const char *in, size_t len, size_t step,
           struct buf *out, const char *type)
{
  consent_rewriter_t *rw;
  consent_status st = CONSENT_OK;
  size_t off = 0;

  consent_rewriter_new(gate, sink, out, &rw);
  if (type != NULL)
    consent_rewriter_set_content_type(rw, type, strlen(type));
  if (c != CONSENT_ENCODING_IDENTITY)
    consent_rewriter_set_encoding(rw, c, c);
  if (step == 0)
    step = len ? len : 1;
  while (off < len && st == CONSENT_OK) {
    size_t n = len - off < step ? len - off : step;
    st = consent_rewriter_write(rw, in + off, n);
    off += n;
  }
  if (st == CONSENT_OK)
    st = consent_rewriter_end(rw);
  consent_rewriter_free(rw);
  return st;
}

static int
gated(const char *s, size_t len)
{
  return s != NULL && len > 0 && strstr(s, "<iframe src=\"" YT) == NULL &&
         strstr(s, "data-consent-provider=\"youtube\"") != NULL &&
         strstr(s, "<p>after</p>") != NULL;
}

static void
codings(void)
{
  static const struct {
    consent_encoding c;
    const char *name;
  } t[] = {
    { CONSENT_ENCODING_GZIP, "gzip" },
    { CONSENT_ENCODING_DEFLATE, "deflate" },
    { CONSENT_ENCODING_BR, "br" },
    { CONSENT_ENCODING_ZSTD, "zstd" },
  };
  static const size_t steps[] = { 0, 1, 7, 100 };
  char page[8192];
  size_t plen, i, k;

  /* A page long enough to span several output blocks. */
  plen = (size_t)snprintf(page, sizeof(page), "%s", PAGE);
  while (plen + 40 < sizeof(page))
    plen += (size_t)snprintf(page + plen, sizeof(page) - plen,
                             "<p>%zu filler text</p>\n", plen);
  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    struct buf z = squeeze(t[i].c, page, plen), first = { 0 };
    int same = 1, ok = 1;
    for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
      struct buf out = { 0 }, plain;
      consent_status st = gate_coded(t[i].c, z.data, z.len, steps[k], &out,
                                     NULL);
      plain = unsqueeze(t[i].c, out.data, out.len);
      ok &= st == CONSENT_OK && gated(plain.data, plain.len);
      if (k == 0)
        first = plain;
      else {
        same &= plain.len == first.len &&
                memcmp(plain.data, first.data, plain.len) == 0;
        free(plain.data);
      }
      free(out.data);
    }
    tap_ok(ok, "%s: decoded, gated and encoded again (whole, in chunks of "
           "1, 7, 100)", t[i].name);
    tap_ok(same, "%s: the same page whatever the chunks", t[i].name);
    {
      struct buf out = { 0 };
      consent_status st = gate_coded(t[i].c, z.data, z.len / 2, 0, &out,
                                     NULL);
      tap_ok(st == CONSENT_E_ENCODING && !(out.data && strstr(out.data,
                                                              YT)),
             "%s: a truncated stream fails (CONSENT_E_ENCODING)",
             t[i].name);
      free(out.data);
    }
    {
      struct buf out = { 0 }, bad = { 0 };
      consent_status st;
      sink(z.data, z.len, &bad);
      /* (zstd frames carry no checksum by default: its header.) */
      for (k = t[i].c == CONSENT_ENCODING_ZSTD ? 0 : z.len / 3;
           k < (t[i].c == CONSENT_ENCODING_ZSTD ? 0 : z.len / 3) + 8 &&
           k < z.len; k++)
        bad.data[k] ^= 0x5A;
      st = gate_coded(t[i].c, bad.data, bad.len, 0, &out, NULL);
      tap_ok(st == CONSENT_E_ENCODING, "%s: a corrupt stream fails "
             "(CONSENT_E_ENCODING)", t[i].name);
      free(out.data);
      free(bad.data);
    }
    if (t[i].c != CONSENT_ENCODING_ZSTD) {
      struct buf out = { 0 }, more = { 0 };
      consent_status st;
      sink(z.data, z.len, &more);
      sink("<iframe src=\"" YT "\"></iframe>", 45, &more);
      st = gate_coded(t[i].c, more.data, more.len, 0, &out, NULL);
      tap_ok(st == CONSENT_E_ENCODING, "%s: bytes after the end of the "
             "stream fail (never passed unread)", t[i].name);
      free(out.data);
      free(more.data);
    }
    free(first.data);
    free(z.data);
  }
  {
    /* zstd: a second frame is read too (RFC 8878 allows several). */
    struct buf a = squeeze(CONSENT_ENCODING_ZSTD, "<p>one</p>", 10),
               b = squeeze(CONSENT_ENCODING_ZSTD, PAGE, strlen(PAGE)),
               out = { 0 }, plain;
    consent_status st;
    sink(b.data, b.len, &a);
    st = gate_coded(CONSENT_ENCODING_ZSTD, a.data, a.len, 3, &out, NULL);
    plain = unsqueeze(CONSENT_ENCODING_ZSTD, out.data, out.len);
    tap_ok(st == CONSENT_OK && strncmp(plain.data, "<p>one</p>", 10) == 0 &&
           gated(plain.data, plain.len),
           "zstd: an embed in a second frame is gated");
    free(a.data);
    free(b.data);
    free(out.data);
    free(plain.data);
  }
}

/* ---------------------------------------------------------------- */
/* Charsets                                                          */

static struct buf
utf16(const char *s, int be, int bom)
{
  struct buf o = { 0 };
  char u[2];

  if (bom) {
    u[0] = be ? '\xFE' : '\xFF';
    u[1] = be ? '\xFF' : '\xFE';
    sink(u, 2, &o);
  }
  for (; *s; s++) {
    u[be ? 0 : 1] = 0;
    u[be ? 1 : 0] = *s;
    sink(u, 2, &o);
  }
  return o;
}

static void
charsets(void)
{
  static const size_t steps[] = { 0, 1, 2, 3, 5 };
  size_t k;

  for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
    struct buf le = utf16(PAGE, 0, 1), be = utf16(PAGE, 1, 0);
    struct buf o1 = { 0 }, o2 = { 0 }, o3 = { 0 };
    consent_status s1, s2, s3;
    s1 = gate_coded(CONSENT_ENCODING_IDENTITY, le.data, le.len, steps[k],
                    &o1, "text/html; charset=utf-8");
    s2 = gate_coded(CONSENT_ENCODING_IDENTITY, be.data, be.len, steps[k],
                    &o2, "text/html; charset=UTF-16BE");
    s3 = gate_coded(CONSENT_ENCODING_IDENTITY, le.data, le.len, steps[k],
                    &o3, NULL);
    tap_ok(s1 == CONSENT_OK && o1.len > 3 &&
           memcmp(o1.data, "\xEF\xBB\xBF<!DOCTYPE", 12) == 0 &&
           gated(o1.data, o1.len) && s3 == CONSENT_OK && o3.len == o1.len,
           "UTF-16LE with a byte order mark (which wins over the header's "
           "utf-8), chunks of %zu: gated as UTF-8, sent with a UTF-8 one",
           steps[k]);
    tap_ok(s2 == CONSENT_OK && memcmp(o2.data, "\xEF\xBB\xBF", 3) == 0 &&
           gated(o2.data, o2.len),
           "UTF-16BE declared in Content-Type, no byte order mark, chunks "
           "of %zu: gated", steps[k]);
    free(le.data);
    free(be.data);
    free(o1.data);
    free(o2.data);
    free(o3.data);
  }
  {
    /* U+1F600 as a surrogate pair, a lone low surrogate, an odd byte. */
    static const char in[] = "\xFF\xFE" "a\0" "\x3D\xD8\x00\xDE" "\x00\xDC"
                             "b\0" "\x3D\xD8" "c\0" "d";
    struct buf o = { 0 };
    gate_coded(CONSENT_ENCODING_IDENTITY, in, sizeof(in) - 1, 1, &o, NULL);
    tap_ok(o.len == 19 && memcmp(o.data, "\xEF\xBB\xBF" "a\xF0\x9F\x98\x80"
                                 "\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c"
                                 "\xEF\xBF\xBD", 19) == 0,
           "UTF-16: surrogate pairs joined, lone surrogates and an odd "
           "last byte become U+FFFD");
    free(o.data);
  }
  {
    /* ISO-2022-JP: ESC $ B makes "<!--" two kanji for a browser, so the
     * iframe after it would load while the gate took it for a
     * comment. */
    static const char in[] = "<p>\x1B$B<!--\x1B(B<iframe src=\"" YT
                             "\"></iframe>\x1B$B-->\x1B(B<p>\x1B(I<\x1B(J"
                             "\x1B$@x\x1B";
    size_t s;
    int ok = 1, kept = 1;
    for (s = 0; s <= 4; s++) {
      struct buf o = { 0 }, u = { 0 };
      gate_coded(CONSENT_ENCODING_IDENTITY, in, sizeof(in) - 1, s, &o,
                 NULL);
      gate_coded(CONSENT_ENCODING_IDENTITY, in, sizeof(in) - 1, s, &u,
                 "text/html;charset=utf-8");
      ok &= o.data != NULL && strstr(o.data, "\x1B$B") == NULL &&
            strstr(o.data, "\x1B$@") == NULL &&
            strstr(o.data, "\x1B(I") == NULL &&
            strstr(o.data, "\x1B(B<iframe") != NULL &&
            strstr(o.data, "\x1B(J") != NULL &&
            o.data[o.len - 1] == '\x1B';
      kept &= u.len == sizeof(in) - 1 && memcmp(u.data, in, u.len) == 0;
      free(o.data);
      free(u.data);
    }
    tap_ok(ok, "charset not declared: the ESC of ESC $ B, ESC $ @ and ESC "
           "( I goes (whatever the chunks), so a browser reads the markup "
           "as the gate did; other ESC bytes stay");
    tap_ok(kept, "declared UTF-8: ESC bytes mean nothing and stay");
  }
}

static void
api_rules(void)
{
  consent_rewriter_t *rw;
  consent_registry_t *reg;
  consent_state_t *s;
  struct buf b = { 0 };
  int late = 1;

  tap_ok(strcmp(consent_status_name(CONSENT_OK), "CONSENT_OK") == 0 &&
         strcmp(consent_status_name(CONSENT_E_INVAL), "CONSENT_E_INVAL")
         == 0 && strcmp(consent_status_name((consent_status)999),
                        "CONSENT_E_UNKNOWN") == 0,
         "consent_status_name: the header's names");
  consent_registry_new(&reg);
  consent_state_new(reg, &s);
  /* youtube allowed at time 1000 for 1000 s: the clock decides. */
  consent_state_set_max_age(s, 1000);
  consent_state_set_provider(s, "youtube", 1, 1000);
  consent_rewriter_new(gate, sink, &b, &rw);
  consent_rewriter_set_state(rw, s);
  consent_rewriter_set_time(rw, 1500);
  consent_rewriter_write(rw, PAGE, strlen(PAGE));
  late &= consent_rewriter_set_time(rw, 5000) == CONSENT_E_INVAL;
  late &= consent_rewriter_set_state(rw, NULL) == CONSENT_E_INVAL;
  late &= consent_rewriter_set_language(rw, "de") == CONSENT_E_INVAL;
  late &= consent_rewriter_set_nonce(rw, "n") == CONSENT_E_INVAL;
  late &= consent_rewriter_set_return_path(rw, "/") == CONSENT_E_INVAL;
  late &= consent_rewriter_set_encoding(rw, CONSENT_ENCODING_GZIP,
                                        CONSENT_ENCODING_GZIP) ==
          CONSENT_E_INVAL;
  late &= consent_rewriter_set_content_type(rw, "text/html", 9) ==
          CONSENT_E_INVAL;
  late &= consent_rewriter_set_report(rw, NULL, NULL) == CONSENT_E_INVAL;
  consent_rewriter_end(rw);
  consent_rewriter_free(rw);
  tap_ok(b.data != NULL && strstr(b.data, "<iframe src=\"" YT) != NULL,
         "consent_rewriter_set_time: at 1500 the consent of 1000 (max age "
         "1000 s) still holds");
  tap_ok(late, "every rewriter setter after the first write: "
         "CONSENT_E_INVAL");
  free(b.data);
  memset(&b, 0, sizeof(b));
  consent_rewriter_new(gate, sink, &b, &rw);
  consent_rewriter_set_state(rw, s);
  consent_rewriter_set_time(rw, 2500);
  consent_rewriter_write(rw, PAGE, strlen(PAGE));
  consent_rewriter_end(rw);
  consent_rewriter_free(rw);
  tap_ok(gated(b.data, b.len), "at 2500 it has expired: gated");
  free(b.data);
  consent_state_free(s);
  consent_registry_free(reg);
}

static void
preview_options(void)
{
  static const struct {
    const char *opt;
    consent_status want;
  } t[] = {
    { "ttl=3600", CONSENT_OK }, { "cache_bytes=1048576", CONSENT_OK },
    { "concurrency=64", CONSENT_OK }, { "concurrency=65", CONSENT_E_INVAL },
    { "timeout_ms=99", CONSENT_E_INVAL }, { "max_image=2k", CONSENT_E_INVAL },
    { "ttl=", CONSENT_E_INVAL }, { "trust=127.0.0.1", CONSENT_OK },
    { "trust=::1", CONSENT_OK }, { "trust=localhost", CONSENT_E_INVAL },
    { "resolve=a.test:443:127.0.0.1", CONSENT_OK }, { "ca=/x.pem", CONSENT_OK },
    { "nonsense=1", CONSENT_E_INVAL }, { "ttl", CONSENT_E_INVAL },
  };
  static const struct {
    const char *name, *type;
  } f[] = {
    { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.jpg",
      "image/jpeg" },
    { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.webp",
      "image/webp" },
    { "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json",
      NULL },
    { "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.png",
      NULL },
    { "../../etc/passwd", NULL },
  };
  size_t i;

  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    tap_ok(consent_previews_set_option(NULL, t[i].opt) == t[i].want,
           "preview option %s: %s", t[i].opt,
           t[i].want == CONSENT_OK ? "valid" : "refused");
  for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
    const char *ty = consent_previews_file_type(f[i].name,
                                                strlen(f[i].name));
    tap_ok(f[i].type ? ty != NULL && strcmp(ty, f[i].type) == 0
           : ty == NULL, "preview file %.20s...: %s", f[i].name,
           f[i].type ? f[i].type : "not served");
  }
}

static void
temporary_ring(void)
{
  consent_keyring_t *a = NULL, *b = NULL;
  consent_registry_t *reg;
  consent_state_t *s, *got = NULL, *got2 = NULL;
  char *value = NULL;
  consent_status st;

  consent_registry_new(&reg);
  consent_state_new(reg, &s);
  consent_state_set_provider(s, "youtube", 1, 0);
  tap_ok(consent_keyring_new_temporary(&a) == CONSENT_OK &&
         consent_keyring_new_temporary(&b) == CONSENT_OK &&
         consent_keyring_signing_key(a) == 1,
         "a temporary key ring: one key, id 1");
  st = consent_cookie_issue(s, a, 0, NULL, NULL, &value, NULL);
  tap_ok(st == CONSENT_OK && value != NULL &&
         consent_cookie_verify(reg, a, value, strlen(value), 0, 0, &got)
         == CONSENT_OK &&
         consent_cookie_verify(reg, b, value, strlen(value), 0, 0, &got2)
         != CONSENT_OK,
         "it signs and verifies its own cookies; another one's key is "
         "random (it verifies none of them)");
  tap_ok(consent_keyring_new_temporary(NULL) == CONSENT_E_INVAL,
         "NULL: CONSENT_E_INVAL");
  consent_free(value);
  consent_state_free(got);
  consent_state_free(got2);
  consent_keyring_free(a);
  consent_keyring_free(b);
  consent_state_free(s);
  consent_registry_free(reg);
}

static void
return_paths(void)
{
  static const struct {
    const char *in, *out;
  } t[] = {
    { "/news/a.html?page=2", "/news/a.html?page=2" },
    { "https://evil.test/x", "/" },
    { "//evil.test/x", "/" },
    { "/\\evil.test/x", "/" },
    { "/a\\b", "/" },
    { "/a b", "/" },
    { "relative", "/" },
    { "/x?next=//evil.test", "/x?next=//evil.test" },
  };
  consent_config_t *c;
  consent_gate_t *g;
  size_t i;

  consent_config_new(&c);
  consent_config_set_endpoint(c, "/consent");
  consent_gate_new(c, &g);
  consent_config_free(c);
  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    consent_rewriter_t *rw;
    struct buf b = { 0 };
    char want[200];
    consent_rewriter_new(g, sink, &b, &rw);
    consent_rewriter_set_return_path(rw, t[i].in);
    consent_rewriter_write(rw, PAGE, strlen(PAGE));
    consent_rewriter_end(rw);
    consent_rewriter_free(rw);
    snprintf(want, sizeof(want), "name=\"return\" value=\"%s\"", t[i].out);
    tap_ok(b.data != NULL && strstr(b.data, want) != NULL,
           "return path %s: the form returns to %s", t[i].in, t[i].out);
    free(b.data);
  }
  consent_gate_free(g);
}

static void
undeclared(void)
{
  static const struct {
    const char *body, *what;
    size_t len;
    int refused;
  } t[] = {
    { "\x1F\x8B\x08\x00\x00\x00\x00\x00", "a gzip stream", 8, 1 },
    { "\x28\xB5\x2F\xFD\x00\x58", "a zstd stream", 6, 1 },
    { "\x1F<p>", "a page starting with 0x1F", 4, 0 },
    { "(<p>)", "a page starting with '('", 5, 0 },
    { "\x28\xB5\x2F", "the first three bytes of zstd's, then the end", 3,
      0 },
  };
  static const size_t steps[] = { 0, 1 };
  size_t i, k;

  for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    for (k = 0; k < 2; k++) {
      struct buf out = { 0 };
      consent_status st = gate_coded(CONSENT_ENCODING_IDENTITY, t[i].body,
                                     t[i].len, steps[k], &out, NULL);
      tap_ok(t[i].refused ? st == CONSENT_E_ENCODING && out.len == 0 :
             st == CONSENT_OK && out.len == t[i].len &&
             memcmp(out.data, t[i].body, t[i].len) == 0,
             "no coding given, %s (%s): %s", t[i].what, k ? "byte by byte"
             : "whole", t[i].refused ? "refused (CONSENT_E_ENCODING)"
             : "passed as it is");
      free(out.data);
    }
}

int
main(void)
{
  consent_config_t *c;

  consent_config_new(&c);
  consent_gate_new(c, &gate);
  consent_config_free(c);
  classify();
  request_headers();
  accept_encoding();
  header_edits();
  link_headers();
  codings();
  charsets();
  undeclared();
  return_paths();
  temporary_ring();
  preview_options();
  api_rules();
  consent_gate_free(gate);
  return tap_done();
}
