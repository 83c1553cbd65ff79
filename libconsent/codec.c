/*
 * codec.c: content codings and character encodings between a response
 * body and the tokenizer (see codec.h).
 */
#include "codec.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zstd.h>

#include "consent.h"
#include "util.h"

/* zlib counts in uInt: slices of at most 1 GiB. */
#define ZSLICE ((size_t)1 << 30)
#define CHUNK 16384

/* ------------------------------------------------------------------ */
/* Decoding                                                            */

int
consent__decoder_init(struct consent__decoder *d, int coding)
{
  memset(d, 0, sizeof(*d));
  d->coding = coding;
  switch (coding) {
  case CONSENT__CODING_GZIP:
    if (inflateInit2(&d->z, 15 + 16) != Z_OK)
      return CONSENT_E_NOMEM;
    d->started = 1;
    break;
  case CONSENT__CODING_DEFLATE:
    break;                      /* once the first two bytes are known */
  case CONSENT__CODING_BR:
    if ((d->br = BrotliDecoderCreateInstance(NULL, NULL, NULL)) == NULL)
      return CONSENT_E_NOMEM;
    d->started = 1;
    break;
  case CONSENT__CODING_ZSTD:
    if ((d->zs = ZSTD_createDStream()) == NULL)
      return CONSENT_E_NOMEM;
    /* The window browsers accept (RFC 9659: 8 MiB), so that a stream
     * cannot make the server hold more than they would. */
    ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax, 23);
    d->started = 1;
    break;
  default:
    return CONSENT_E_INVAL;
  }
  return 0;
}

static int
corrupt(char *err, size_t errlen, const char *what)
{
  snprintf(err, errlen, "%s: %s", consent_strerror(CONSENT_E_ENCODING),
           what);
  return CONSENT_E_ENCODING;
}

static int
inflate_some(struct consent__decoder *d, const char *buf, size_t len,
             consent__bytes_fn fn, void *ud, char *err, size_t errlen)
{
  unsigned char out[CHUNK];
  int zr;

  d->z.next_in = (Bytef *)(uintptr_t)buf;
  d->z.avail_in = (uInt)len;
  while (d->z.avail_in > 0 && !d->done) {
    d->z.next_out = out;
    d->z.avail_out = sizeof(out);
    zr = inflate(&d->z, Z_NO_FLUSH);
    if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
      return corrupt(err, errlen, d->z.msg ? d->z.msg : "corrupt data");
    if (sizeof(out) - d->z.avail_out > 0 &&
        fn((const char *)out, sizeof(out) - d->z.avail_out, ud) != 0)
      return -1;
    if (zr == Z_STREAM_END)
      d->done = 1;
  }
  return 0;
}

/* "deflate": a zlib header (RFC 1950: method 8, window at most 32 KiB, a
 * check multiple of 31) means zlib, anything else raw deflate (RFC
 * 1951), as browsers read it. */
static int
deflate_start(struct consent__decoder *d, const char **buf, size_t *len)
{
  unsigned cmf, flg;

  while (d->head_len < 2 && *len > 0) {
    d->head[d->head_len++] = (unsigned char)**buf;
    (*buf)++;
    (*len)--;
  }
  if (d->head_len < 2)
    return 0;
  cmf = d->head[0];
  flg = d->head[1];
  if (inflateInit2(&d->z, (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 &&
                   (cmf * 256 + flg) % 31 == 0 ? 15 : -15) != Z_OK)
    return CONSENT_E_NOMEM;
  d->started = 1;
  return 0;
}

static int
zlib_write(struct consent__decoder *d, const char *buf, size_t len,
           consent__bytes_fn fn, void *ud, char *err, size_t errlen)
{
  int st;

  if (!d->started) {
    if ((st = deflate_start(d, &buf, &len)) != 0)
      return st;
    if (!d->started)
      return 0;                 /* (fewer than two bytes so far) */
    if ((st = inflate_some(d, (const char *)d->head, 2, fn, ud, err,
                           errlen)) != 0)
      return st;
  }
  while (len > 0) {
    size_t n = len < ZSLICE ? len : ZSLICE;
    if ((st = inflate_some(d, buf, n, fn, ud, err, errlen)) != 0)
      return st;
    if (d->done && d->z.avail_in > 0)
      return corrupt(err, errlen, "data after the end of the compressed "
                     "stream");
    buf += n;
    len -= n;
  }
  return 0;
}

static int
brotli_write(struct consent__decoder *d, const char *buf, size_t len,
             consent__bytes_fn fn, void *ud, char *err, size_t errlen)
{
  const uint8_t *in = (const uint8_t *)buf;
  size_t avail_in = len;

  for (;;) {
    uint8_t out[CHUNK], *next_out = out;
    size_t avail_out = sizeof(out);
    BrotliDecoderResult r;

    if (d->done)
      return avail_in > 0 ? corrupt(err, errlen, "data after the end of "
                                    "the compressed stream") : 0;
    r = BrotliDecoderDecompressStream(d->br, &avail_in, &in, &avail_out,
                                      &next_out, NULL);
    if (r == BROTLI_DECODER_RESULT_ERROR)
      return corrupt(err, errlen, BrotliDecoderErrorString(
                       BrotliDecoderGetErrorCode(d->br)));
    if (avail_out < sizeof(out) &&
        fn((const char *)out, sizeof(out) - avail_out, ud) != 0)
      return -1;
    if (r == BROTLI_DECODER_RESULT_SUCCESS)
      d->done = 1;
    else if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
      return 0;
  }
}

static int
zstd_write(struct consent__decoder *d, const char *buf, size_t len,
           consent__bytes_fn fn, void *ud, char *err, size_t errlen)
{
  ZSTD_inBuffer in = { buf, len, 0 };

  for (;;) {
    char out[CHUNK];
    ZSTD_outBuffer o = { out, sizeof(out), 0 };
    size_t r = ZSTD_decompressStream(d->zs, &o, &in);

    if (ZSTD_isError(r))
      return corrupt(err, errlen, ZSTD_getErrorName(r));
    if (o.pos > 0 && fn(out, o.pos, ud) != 0)
      return -1;
    /* 0: a frame is complete and flushed (another may follow). */
    d->done = r == 0;
    if (in.pos == in.size && o.pos < o.size)
      return 0;
  }
}

int
consent__decoder_write(struct consent__decoder *d, const char *buf,
                       size_t len, consent__bytes_fn fn, void *ud,
                       char *err, size_t errlen)
{
  if (len == 0)
    return 0;
  switch (d->coding) {
  case CONSENT__CODING_BR:
    return brotli_write(d, buf, len, fn, ud, err, errlen);
  case CONSENT__CODING_ZSTD:
    return zstd_write(d, buf, len, fn, ud, err, errlen);
  default:
    if (d->done)
      return corrupt(err, errlen, "data after the end of the compressed "
                     "stream");
    return zlib_write(d, buf, len, fn, ud, err, errlen);
  }
}

int
consent__decoder_end(const struct consent__decoder *d, char *err,
                     size_t errlen)
{
  return d->done ? 0 : corrupt(err, errlen, "the compressed stream is "
                               "truncated");
}

void
consent__decoder_free(struct consent__decoder *d)
{
  if ((d->coding == CONSENT__CODING_GZIP ||
       d->coding == CONSENT__CODING_DEFLATE) && d->started)
    inflateEnd(&d->z);
  if (d->br != NULL)
    BrotliDecoderDestroyInstance(d->br);
  if (d->zs != NULL)
    ZSTD_freeDStream(d->zs);
  memset(d, 0, sizeof(*d));
}

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

int
consent__encoder_init(struct consent__encoder *e, int coding,
                      consent__bytes_fn sink, void *ud)
{
  memset(e, 0, sizeof(*e));
  e->coding = coding;
  e->sink = sink;
  e->ud = ud;
  switch (coding) {
  case CONSENT__CODING_GZIP:
  case CONSENT__CODING_DEFLATE:
    if (deflateInit2(&e->z, 6, Z_DEFLATED,
                     coding == CONSENT__CODING_GZIP ? 15 + 16 : 15, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
      return CONSENT_E_NOMEM;
    return 0;
  case CONSENT__CODING_BR:
    if ((e->br = BrotliEncoderCreateInstance(NULL, NULL, NULL)) == NULL)
      return CONSENT_E_NOMEM;
    /* Quality 5: most of brotli's gain at a speed near gzip -6. */
    BrotliEncoderSetParameter(e->br, BROTLI_PARAM_QUALITY, 5);
    BrotliEncoderSetParameter(e->br, BROTLI_PARAM_LGWIN, 22);
    return 0;
  case CONSENT__CODING_ZSTD:
    if ((e->zs = ZSTD_createCCtx()) == NULL)
      return CONSENT_E_NOMEM;
    ZSTD_CCtx_setParameter(e->zs, ZSTD_c_compressionLevel, 3);
    /* Within the window browsers accept. */
    ZSTD_CCtx_setParameter(e->zs, ZSTD_c_windowLog, 21);
    return 0;
  default:
    return CONSENT_E_INVAL;
  }
}

static int
deflate_run(struct consent__encoder *e, const char *buf, size_t len,
            int flush)
{
  unsigned char out[CHUNK];
  int zr;

  do {
    size_t n = len < ZSLICE ? len : ZSLICE;
    e->z.next_in = (Bytef *)(uintptr_t)buf;
    e->z.avail_in = (uInt)n;
    do {
      e->z.next_out = out;
      e->z.avail_out = sizeof(out);
      zr = deflate(&e->z, flush && n == len ? Z_FINISH : Z_NO_FLUSH);
      if (zr == Z_STREAM_ERROR)
        return 1;
      if (sizeof(out) - e->z.avail_out > 0 &&
          e->sink((const char *)out, sizeof(out) - e->z.avail_out, e->ud)
          != 0)
        return 1;
    } while (e->z.avail_out == 0 ||
             (flush && n == len && zr != Z_STREAM_END));
    buf += n;
    len -= n;
  } while (len > 0);
  return 0;
}

static int
brotli_run(struct consent__encoder *e, const char *buf, size_t len,
           BrotliEncoderOperation op)
{
  const uint8_t *in = (const uint8_t *)buf;
  size_t avail_in = len;

  for (;;) {
    size_t avail_out = 0, n;
    const uint8_t *o;

    if (!BrotliEncoderCompressStream(e->br, op, &avail_in, &in, &avail_out,
                                     NULL, NULL))
      return 1;
    o = BrotliEncoderTakeOutput(e->br, &n);
    if (n > 0 && e->sink((const char *)o, n, e->ud) != 0)
      return 1;
    if (avail_in == 0 && !BrotliEncoderHasMoreOutput(e->br) &&
        (op != BROTLI_OPERATION_FINISH || BrotliEncoderIsFinished(e->br)))
      return 0;
  }
}

static int
zstd_run(struct consent__encoder *e, const char *buf, size_t len,
         ZSTD_EndDirective how)
{
  ZSTD_inBuffer in = { buf, len, 0 };
  size_t r;

  do {
    char out[CHUNK];
    ZSTD_outBuffer o = { out, sizeof(out), 0 };
    r = ZSTD_compressStream2(e->zs, &o, &in, how);
    if (ZSTD_isError(r))
      return 1;
    if (o.pos > 0 && e->sink(out, o.pos, e->ud) != 0)
      return 1;
  } while (in.pos < in.size || (how == ZSTD_e_end && r != 0));
  return 0;
}

int
consent__encoder_write(struct consent__encoder *e, const char *buf,
                       size_t len)
{
  if (len == 0)
    return 0;
  switch (e->coding) {
  case CONSENT__CODING_BR:
    return brotli_run(e, buf, len, BROTLI_OPERATION_PROCESS);
  case CONSENT__CODING_ZSTD:
    return zstd_run(e, buf, len, ZSTD_e_continue);
  default:
    return deflate_run(e, buf, len, 0);
  }
}

int
consent__encoder_end(struct consent__encoder *e)
{
  switch (e->coding) {
  case CONSENT__CODING_BR:
    return brotli_run(e, NULL, 0, BROTLI_OPERATION_FINISH);
  case CONSENT__CODING_ZSTD:
    return zstd_run(e, NULL, 0, ZSTD_e_end);
  default:
    return deflate_run(e, "", 0, 1);
  }
}

void
consent__encoder_free(struct consent__encoder *e)
{
  if (e->coding == CONSENT__CODING_GZIP ||
      e->coding == CONSENT__CODING_DEFLATE)
    deflateEnd(&e->z);
  if (e->br != NULL)
    BrotliEncoderDestroyInstance(e->br);
  if (e->zs != NULL)
    ZSTD_freeCCtx(e->zs);
  memset(e, 0, sizeof(*e));
}

/* ------------------------------------------------------------------ */
/* Content-Type (WHATWG MIME Sniffing, "parse a MIME type")            */

static int
http_ws(int c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
token_char(int c)
{
  return c > 0x20 && c < 0x7F && strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

static int
all_token(const char *p, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (!token_char((unsigned char)p[i]))
      return 0;
  return n > 0;
}

static int
label_is(const char *p, size_t n, const char *const *labels)
{
  for (; *labels != NULL; labels++)
    if (strlen(*labels) == n && consent__strncasecmp(p, *labels, n) == 0)
      return 1;
  return 0;
}

/* WHATWG Encoding: the labels of the encodings that matter here. */
static int
classify_charset(const char *p, size_t n)
{
  static const char *const utf8[] = {
    "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8",
    "x-unicode20utf8", NULL
  };
  static const char *const utf16le[] = {
    "csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff",
    "utf-16", "utf-16le", NULL
  };
  static const char *const utf16be[] = { "unicodefffe", "utf-16be", NULL };
  static const char *const iso2022jp[] = {
    "csiso2022jp", "iso-2022-jp", NULL
  };

  while (n > 0 && http_ws((unsigned char)*p)) {
    p++;
    n--;
  }
  while (n > 0 && http_ws((unsigned char)p[n - 1]))
    n--;
  if (n == 0)
    return CONSENT__CHARSET_UNKNOWN;
  if (label_is(p, n, utf8))
    return CONSENT__CHARSET_UTF8;
  if (label_is(p, n, utf16le))
    return CONSENT__CHARSET_UTF16LE;
  if (label_is(p, n, utf16be))
    return CONSENT__CHARSET_UTF16BE;
  if (label_is(p, n, iso2022jp))
    return CONSENT__CHARSET_ISO2022JP;
  return CONSENT__CHARSET_OTHER;
}

int
consent__content_type(const char *v, size_t len, const char **essence,
                      size_t *essence_len)
{
  size_t i = 0, t0, slash, end;
  int charset = CONSENT__CHARSET_UNKNOWN, have_charset = 0;

  *essence = v;
  *essence_len = 0;
  if (v == NULL)
    return CONSENT__CHARSET_UNKNOWN;
  while (len > 0 && http_ws((unsigned char)v[len - 1]))
    len--;
  while (i < len && http_ws((unsigned char)v[i]))
    i++;
  t0 = i;
  while (i < len && v[i] != '/')
    i++;
  if (i >= len || !all_token(v + t0, i - t0))
    return CONSENT__CHARSET_UNKNOWN;
  slash = i++;
  while (i < len && v[i] != ';')
    i++;
  end = i;
  while (end > slash + 1 && http_ws((unsigned char)v[end - 1]))
    end--;
  if (!all_token(v + slash + 1, end - slash - 1))
    return CONSENT__CHARSET_UNKNOWN;
  *essence = v + t0;
  *essence_len = end - t0;
  while (i < len) {
    size_t n0, n1, v0, v1;
    int quoted = 0;
    i++;                                          /* ';' */
    while (i < len && http_ws((unsigned char)v[i]))
      i++;
    n0 = i;
    while (i < len && v[i] != ';' && v[i] != '=')
      i++;
    n1 = i;
    if (i >= len || v[i] == ';')
      continue;
    i++;                                          /* '=' */
    if (i < len && v[i] == '"') {
      quoted = 1;
      v0 = ++i;
      while (i < len && v[i] != '"')
        i += v[i] == '\\' && i + 1 < len ? 2 : 1;
      v1 = i < len ? i : len;
      while (i < len && v[i] != ';')
        i++;
    } else {
      v0 = i;
      while (i < len && v[i] != ';')
        i++;
      v1 = i;
      while (v1 > v0 && http_ws((unsigned char)v[v1 - 1]))
        v1--;
    }
    if (!have_charset && n1 - n0 == 7 &&
        consent__strncasecmp(v + n0, "charset", 7) == 0 &&
        (quoted || v1 > v0)) {
      have_charset = 1;
      charset = classify_charset(v + v0, v1 - v0);
    }
  }
  return charset;
}

/* ------------------------------------------------------------------ */
/* Character encodings                                                 */

void
consent__recoder_init(struct consent__recoder *r, int charset)
{
  memset(r, 0, sizeof(*r));
  r->charset = charset;
}

static const char utf8_bom[3] = { '\xEF', '\xBB', '\xBF' };
static const unsigned char zstd_magic[4] = { 0x28, 0xB5, 0x2F, 0xFD };

/* Whether the first bytes have said all a byte order mark can say. */
static int
bom_settled(const struct consent__recoder *r)
{
  const unsigned char *h = r->head;

  if (r->head_len == 0)
    return 0;
  if (h[0] == 0xEF)
    return r->head_len == 3 || (r->head_len == 2 && h[1] != 0xBB);
  if (h[0] == 0xFE || h[0] == 0xFF || h[0] == 0x1F)
    return r->head_len >= 2;
  if (h[0] == 0x28)                       /* zstd: 28 B5 2F FD */
    return r->head_len == 4 || memcmp(h, zstd_magic, r->head_len) != 0;
  return 1;
}

/* Whether ESC followed by these bytes (n of them, 0 to 2) may begin a
 * switch of ISO-2022-JP into a mode where markup bytes are letters: ESC
 * $ @ and ESC $ B (JIS X 0208), ESC ( I (katakana).  2: it does, 1: more
 * bytes will tell, 0: it does not. */
static int
iso2022_switch(const char *p, size_t n)
{
  if (n == 0)
    return 1;
  if (p[0] != '$' && p[0] != '(')
    return 0;
  if (n == 1)
    return 1;
  return (p[0] == '$' && (p[1] == '@' || p[1] == 'B')) ||
         (p[0] == '(' && p[1] == 'I') ? 2 : 0;
}

/* Passes buf on without the ESC of every mode switch (iso2022_switch);
 * an ESC at the end waits for the bytes that tell. */
static int
strip_switches(struct consent__recoder *r, const char *buf, size_t len,
               consent__bytes_fn fn, void *ud)
{
  const char *e;

  if (r->esc_len > 0) {
    /* Complete the held sequence with buf's first bytes. */
    char seq[3];
    size_t n = r->esc_len, held = r->esc_len, take = 0;
    int k;
    memcpy(seq, r->esc, n);
    while (n < 3 && take < len)
      seq[n++] = buf[take++];
    k = iso2022_switch(seq + 1, n - 1);
    if (k == 1) {                     /* still undecided: buf was short */
      memcpy(r->esc, seq, n);
      r->esc_len = (unsigned)n;
      return 0;
    }
    r->esc_len = 0;
    if (k == 0 && fn(seq, 1, ud) != 0)  /* the ESC, when it stays */
      return -1;
    if (held > 1 && fn(seq + 1, held - 1, ud) != 0)
      return -1;
    /* (buf's own bytes are read below) */
  }
  while (len > 0 && (e = memchr(buf, 0x1B, len)) != NULL) {
    size_t at = (size_t)(e - buf), rest = len - at - 1;
    int k = iso2022_switch(e + 1, rest < 2 ? rest : 2);
    if (k == 1) {                     /* at the end: wait */
      if (at > 0 && fn(buf, at, ud) != 0)
        return -1;
      memcpy(r->esc, e, len - at);
      r->esc_len = (unsigned)(len - at);
      return 0;
    }
    if (fn(buf, k == 2 ? at : at + 1, ud) != 0)
      return -1;
    len -= at + 1;
    buf = e + 1;
  }
  return len > 0 && fn(buf, len, ud) != 0 ? -1 : 0;
}

/* UTF-16 to UTF-8 (WHATWG "shared UTF-16 decoder": a lone surrogate is
 * U+FFFD). */
static int
utf16(struct consent__recoder *r, const char *buf, size_t len,
      consent__bytes_fn fn, void *ud)
{
  unsigned char out[CHUNK + 8];
  size_t n = 0, i = 0;
  int be = r->charset == CONSENT__CHARSET_UTF16BE;

  while (i < len) {
    unsigned b0, b1, u;
    if (r->odd_len == 1) {
      b0 = r->odd[0];
      r->odd_len = 0;
    } else {
      b0 = (unsigned char)buf[i++];
      if (i == len) {
        r->odd[0] = (unsigned char)b0;
        r->odd_len = 1;
        break;
      }
    }
    b1 = (unsigned char)buf[i++];
    u = be ? b0 << 8 | b1 : b1 << 8 | b0;
    if (r->lead != 0) {
      if (u >= 0xDC00 && u <= 0xDFFF) {
        n += consent__utf8_put(0x10000 + ((r->lead - 0xD800) << 10) +
                               (u - 0xDC00), out + n);
        r->lead = 0;
        goto next;
      }
      n += consent__utf8_put(0xFFFD, out + n);
      r->lead = 0;
    }
    if (u >= 0xD800 && u <= 0xDBFF)
      r->lead = u;
    else
      n += consent__utf8_put(u >= 0xDC00 && u <= 0xDFFF ? 0xFFFD : u,
                             out + n);
  next:
    if (n >= CHUNK) {
      if (fn((const char *)out, n, ud) != 0)
        return -1;
      n = 0;
    }
  }
  return n > 0 && fn((const char *)out, n, ud) != 0 ? -1 : 0;
}

static int
recode(struct consent__recoder *r, const char *buf, size_t len,
       consent__bytes_fn fn, void *ud)
{
  if (len == 0)
    return 0;
  switch (r->charset) {
  case CONSENT__CHARSET_UTF8:
    return fn(buf, len, ud) != 0 ? -1 : 0;
  case CONSENT__CHARSET_UTF16LE:
  case CONSENT__CHARSET_UTF16BE:
    return utf16(r, buf, len, fn, ud);
  default:
    return strip_switches(r, buf, len, fn, ud);
  }
}

/* The byte order mark decides before any declaration (WHATWG Encoding,
 * "decode"). */
static int
settle_bom(struct consent__recoder *r, consent__bytes_fn fn, void *ud)
{
  const unsigned char *h = r->head;
  size_t skip = 0;

  r->sniffed = 1;
  if ((r->head_len >= 2 && h[0] == 0x1F && h[1] == 0x8B) ||
      (r->head_len == 4 && memcmp(h, zstd_magic, 4) == 0))
    return CONSENT__COMPRESSED;
  if (r->head_len >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
    r->charset = CONSENT__CHARSET_UTF8;
  else if (r->head_len >= 2 && h[0] == 0xFE && h[1] == 0xFF) {
    r->charset = CONSENT__CHARSET_UTF16BE;
    skip = 2;
  } else if (r->head_len >= 2 && h[0] == 0xFF && h[1] == 0xFE) {
    r->charset = CONSENT__CHARSET_UTF16LE;
    skip = 2;
  }
  if ((r->charset == CONSENT__CHARSET_UTF16LE ||
       r->charset == CONSENT__CHARSET_UTF16BE) &&
      fn(utf8_bom, sizeof(utf8_bom), ud) != 0)
    return -1;
  return recode(r, (const char *)h + skip, r->head_len - skip, fn, ud);
}

int
consent__recoder_write(struct consent__recoder *r, const char *buf,
                       size_t len, consent__bytes_fn fn, void *ud)
{
  int st;

  if (!r->sniffed) {
    while (len > 0 && !bom_settled(r)) {
      r->head[r->head_len++] = (unsigned char)*buf++;
      len--;
    }
    if (!bom_settled(r))
      return 0;
    if ((st = settle_bom(r, fn, ud)) != 0)
      return st;
  }
  return recode(r, buf, len, fn, ud);
}

int
consent__recoder_end(struct consent__recoder *r, consent__bytes_fn fn,
                     void *ud)
{
  static const char fffd[3] = { '\xEF', '\xBF', '\xBD' };
  int st;

  if (!r->sniffed && (st = settle_bom(r, fn, ud)) != 0)
    return st;
  if (r->esc_len > 0) {
    /* An ESC at the end switches nothing. */
    size_t n = r->esc_len;
    r->esc_len = 0;
    if (fn((const char *)r->esc, n, ud) != 0)
      return -1;
  }
  if (r->odd_len + (r->lead != 0) > 0) {
    r->odd_len = 0;
    r->lead = 0;
    if (fn(fffd, sizeof(fffd), ud) != 0)
      return -1;
  }
  return 0;
}
