/*
 * cookie.c: the signed consent cookie and its key ring.
 *
 * Cookie format, version 1 (docs/cookie.md), base64url without padding:
 *
 *   u8  version (1)          u8  key id          u32 issued (BE, seconds)
 *   var max age (seconds)    var policy version  8   receipt id
 *   u16 allowed categories   u16 refused categories
 *   var age of each category decision (seconds before issue), in order
 *   var number of provider decisions, then for each, sorted by code:
 *       var (code - previous code) << 1 | allowed
 *       var age (seconds before issue)
 *   16  HMAC-SHA256 of everything before it, first 128 bits
 *
 * var is an unsigned LEB128 integer of at most 5 bytes.  The MAC is
 * checked (in constant time) before any field after the key id is read.
 */
#define _GNU_SOURCE /* strptime, timegm */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consent.h"
#include "cookie.h"
#include "util.h"
#include "registry.h"
#include "state.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KEY_FILE 65536

#define OPENSSL_cleanse_buf(p, n) \
  do {                            \
    if ((p) != NULL)              \
      OPENSSL_cleanse((p), (n));  \
  } while (0)

#define BODY_MAX 3072

/* ------------------------------------------------------------------ */
/* base64url                                                           */

static const char b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
b64_encode(const unsigned char *in, size_t n, struct consent__buf *out)
{
  size_t i;
  char q[4];

  for (i = 0; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    q[0] = b64[v >> 18];
    q[1] = b64[(v >> 12) & 63];
    q[2] = b64[(v >> 6) & 63];
    q[3] = b64[v & 63];
    if (consent__buf_append(out, q, 4) != 0)
      return -1;
  }
  if (n - i == 1) {
    q[0] = b64[in[i] >> 2];
    q[1] = b64[(in[i] & 3) << 4];
    return consent__buf_append(out, q, 2);
  }
  if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
    q[0] = b64[v >> 10];
    q[1] = b64[(v >> 4) & 63];
    q[2] = b64[(v << 2) & 63];
    return consent__buf_append(out, q, 3);
  }
  return 0;
}

static int
b64_value(unsigned c)
{
  if (c >= 'A' && c <= 'Z')
    return (int)(c - 'A');
  if (c >= 'a' && c <= 'z')
    return (int)(c - 'a' + 26);
  if (c >= '0' && c <= '9')
    return (int)(c - '0' + 52);
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

/* Strict: only the alphabet, no padding, no stray bits. */
static int
b64_decode(const char *in, size_t n, unsigned char *out, size_t cap,
           size_t *out_len)
{
  size_t i, o = 0;
  uint32_t acc = 0;
  int bits = 0, v;

  if (n % 4 == 1)
    return -1;
  for (i = 0; i < n; i++) {
    v = b64_value((unsigned char)in[i]);
    if (v < 0)
      return -1;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o == cap)
        return -1;
      out[o++] = (unsigned char)(acc >> bits);
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0)
    return -1;
  *out_len = o;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Integers                                                            */

static int
put_var(unsigned char *b, size_t *o, size_t cap, uint64_t v)
{
  do {
    if (*o == cap)
      return -1;
    b[(*o)++] = (unsigned char)((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
    v >>= 7;
  } while (v != 0);
  return 0;
}

static int
get_var(const unsigned char *b, size_t n, size_t *o, uint64_t *v)
{
  unsigned shift = 0;

  *v = 0;
  for (;;) {
    if (*o == n || shift > 28)
      return -1;
    *v |= (uint64_t)(b[*o] & 0x7F) << shift;
    if (!(b[(*o)++] & 0x80))
      return 0;
    shift += 7;
  }
}

/* ------------------------------------------------------------------ */
/* MAC                                                                 */

static int
mac(const struct consent__key *k, const unsigned char *data, size_t n,
    unsigned char out[CONSENT__MAC_BYTES])
{
  unsigned char full[EVP_MAX_MD_SIZE];
  size_t len = 0;
  EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
  OSSL_PARAM params[2];
  int ok;

  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                               (char *)"SHA256", 0);
  params[1] = OSSL_PARAM_construct_end();
  ok = ctx != NULL &&
       EVP_MAC_init(ctx, k->secret, sizeof(k->secret), params) == 1 &&
       EVP_MAC_update(ctx, data, n) == 1 &&
       EVP_MAC_final(ctx, full, &len, sizeof(full)) == 1 && len == 32;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(m);
  if (!ok)
    return CONSENT_E_CRYPTO;
  memcpy(out, full, CONSENT__MAC_BYTES);
  OPENSSL_cleanse(full, sizeof(full));
  return 0;
}

/* ------------------------------------------------------------------ */
/* Key ring                                                            */

void
consent__keyring_free(struct consent_keyring *ring)
{
  if (ring->keys != NULL)
    OPENSSL_cleanse(ring->keys, ring->n * sizeof(*ring->keys));
  free(ring->keys);
  ring->keys = NULL;
  ring->n = 0;
}

const struct consent__key *
consent__keyring_signing(const struct consent_keyring *ring)
{
  const struct consent__key *best = NULL;
  size_t i;

  for (i = 0; i < ring->n; i++) {
    const struct consent__key *k = &ring->keys[i];
    if (best == NULL || k->created > best->created ||
        (k->created == best->created && k->id > best->id))
      best = k;
  }
  return best;
}

static const struct consent__key *
key_by_id(const struct consent_keyring *ring, unsigned id)
{
  size_t i;

  for (i = 0; i < ring->n; i++)
    if (ring->keys[i].id == id)
      return &ring->keys[i];
  return NULL;
}

/* "YYYY-MM-DDTHH:MM:SSZ" to seconds since the epoch. */
static int
parse_time(const char *s, int64_t *out)
{
  struct tm tm;
  char *end;
  time_t t;

  memset(&tm, 0, sizeof(tm));
  end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == NULL || *end != '\0')
    return -1;
  t = timegm(&tm);
  if (t == (time_t)-1)
    return -1;
  *out = (int64_t)t;
  return 0;
}

static int
key_error(char *errmsg, size_t cap, const char *name, unsigned line,
          const char *msg)
{
  consent__file_msg(errmsg, cap, name, line, msg);
  return CONSENT_E_PARSE;
}

int
consent__keyring_parse(struct consent_keyring *ring, const char *buf,
                       size_t len, const char *name, char *errmsg,
                       size_t cap)
{
  size_t pos = 0, start, n;
  unsigned line = 0;
  const char *l;
  char text[512];

  ring->keys = NULL;
  ring->n = 0;
  if (len > 65536)
    return key_error(errmsg, cap, name, 0, "larger than 64 KiB");
  if (memchr(buf, '\0', len) != NULL)
    return key_error(errmsg, cap, name, 0, "holds a NUL byte");
  while (consent__next_line(buf, len, &pos, &l, &n)) {
    char id_s[16], created_s[64], secret_s[128], extra[8];
    struct consent__key k, *nk;
    unsigned long id;
    size_t slen;
    char *end;

    line++;
    if (n >= sizeof(text)) {
      consent__keyring_free(ring);
      return key_error(errmsg, cap, name, line, "line too long");
    }
    memcpy(text, l, n);
    text[n] = '\0';
    start = strspn(text, " \t\r");
    if (text[start] == '\0' || text[start] == '#')
      continue;
    if (sscanf(text, "%15s %63s %127s %7s", id_s, created_s, secret_s,
               extra) != 3) {
      consent__keyring_free(ring);
      return key_error(errmsg, cap, name, line,
                       "expected 'ID CREATED SECRET'");
    }
    id = strtoul(id_s, &end, 10);
    if (*end != '\0' || id < 1 || id > 255 || id_s[0] == '-' ||
        id_s[0] == '+') {
      consent__keyring_free(ring);
      return key_error(errmsg, cap, name, line,
                       "the key id is not a number from 1 to 255");
    }
    if (key_by_id(ring, (unsigned)id) != NULL) {
      consent__keyring_free(ring);
      return key_error(errmsg, cap, name, line,
                       "this key id is used twice");
    }
    k.id = (unsigned)id;
    if (parse_time(created_s, &k.created) != 0) {
      consent__keyring_free(ring);
      return key_error(errmsg, cap, name, line,
                       "the time is not YYYY-MM-DDTHH:MM:SSZ");
    }
    if (b64_decode(secret_s, strlen(secret_s), k.secret, sizeof(k.secret),
                   &slen) != 0 || slen != sizeof(k.secret)) {
      OPENSSL_cleanse(&k, sizeof(k));
      consent__keyring_free(ring);
      return key_error(errmsg, cap, name, line,
                       "the secret is not 32 bytes in base64url");
    }
    nk = realloc(ring->keys, (ring->n + 1) * sizeof(*nk));
    if (nk == NULL) {
      OPENSSL_cleanse(&k, sizeof(k));
      consent__keyring_free(ring);
      return CONSENT_E_NOMEM;
    }
    ring->keys = nk;
    ring->keys[ring->n++] = k;
    OPENSSL_cleanse(&k, sizeof(k));
    OPENSSL_cleanse(secret_s, sizeof(secret_s));
  }
  OPENSSL_cleanse(text, sizeof(text));
  if (ring->n == 0)
    return key_error(errmsg, cap, name, 0, "holds no key (make one with "
                     "'consent-gate key new --key-file FILE')");
  return 0;
}

int
consent__keyring_format(const struct consent_keyring *ring,
                        struct consent__buf *out)
{
  static const char head[] =
    "# libconsent key ring: one key a line, \"ID CREATED SECRET\".\n"
    "# The newest key signs consent cookies; every key listed verifies "
    "them.\n"
    "# Keep this file secret (mode 0600) and the same on every server.\n";
  size_t i;

  if (consent__buf_append(out, head, sizeof(head) - 1) != 0)
    return CONSENT_E_NOMEM;
  for (i = 0; i < ring->n; i++) {
    char line[64];
    struct tm tm;
    time_t t = (time_t)ring->keys[i].created;

    gmtime_r(&t, &tm);
    snprintf(line, sizeof(line), "%u ", ring->keys[i].id);
    strftime(line + strlen(line), sizeof(line) - strlen(line),
             "%Y-%m-%dT%H:%M:%SZ ", &tm);
    if (consent__buf_append(out, line, strlen(line)) != 0 ||
        b64_encode(ring->keys[i].secret, CONSENT__KEY_BYTES, out) != 0 ||
        consent__buf_append(out, "\n", 1) != 0)
      return CONSENT_E_NOMEM;
  }
  return 0;
}

int
consent__keyring_add(struct consent_keyring *ring, int64_t now,
                     unsigned *id)
{
  struct consent__key k, *nk;
  unsigned max = 0, cand;
  size_t i;

  for (i = 0; i < ring->n; i++)
    if (ring->keys[i].id > max)
      max = ring->keys[i].id;
  cand = max + 1;
  if (cand > 255)
    for (cand = 1; cand <= 255 && key_by_id(ring, cand) != NULL; cand++)
      ;
  if (cand > 255)
    return CONSENT_E_LIMIT;
  k.id = cand;
  k.created = now;
  if (RAND_bytes(k.secret, sizeof(k.secret)) != 1)
    return CONSENT_E_CRYPTO;
  nk = realloc(ring->keys, (ring->n + 1) * sizeof(*nk));
  if (nk == NULL) {
    OPENSSL_cleanse(&k, sizeof(k));
    return CONSENT_E_NOMEM;
  }
  ring->keys = nk;
  ring->keys[ring->n++] = k;
  OPENSSL_cleanse(&k, sizeof(k));
  *id = cand;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Issue and verify                                                    */

static void
put_u32(unsigned char *b, uint32_t v)
{
  b[0] = (unsigned char)(v >> 24);
  b[1] = (unsigned char)(v >> 16);
  b[2] = (unsigned char)(v >> 8);
  b[3] = (unsigned char)v;
}

static int
age_of(int64_t issued, int64_t given)
{
  return given > issued ? 0 : (int)((issued - given) > 0x7FFFFFFF ?
                                    0x7FFFFFFF : issued - given);
}

int
consent__receipt_json(const struct consent_state *s, struct consent__buf *out)
{
  static const char *const kinds[2] = { "denied", "allowed" };
  char tmp[128];
  struct tm tm;
  time_t t = (time_t)s->issued;
  size_t i;
  int k, first, st = 0;

  gmtime_r(&t, &tm);
  st |= consent__buf_append(out, "{\"receipt\":\"", 12);
  for (i = 0; i < sizeof(s->receipt); i++) {
    snprintf(tmp, sizeof(tmp), "%02x", s->receipt[i]);
    st |= consent__buf_append(out, tmp, 2);
  }
  strftime(tmp, sizeof(tmp), "\",\"time\":\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
  st |= consent__buf_append(out, tmp, strlen(tmp));
  snprintf(tmp, sizeof(tmp), ",\"policy_version\":%u,\"key_id\":%u",
           s->policy, s->key_id);
  st |= consent__buf_append(out, tmp, strlen(tmp));
  for (k = 1; k >= 0; k--) {
    snprintf(tmp, sizeof(tmp), ",\"%s\":[", kinds[k]);
    st |= consent__buf_append(out, tmp, strlen(tmp));
    for (first = 1, i = 0; i < s->ndec; i++) {
      long p = consent__registry_by_code(s->reg, s->dec[i].code);
      if (p < 0 || s->dec[i].allow != k)
        continue;
      snprintf(tmp, sizeof(tmp), "%s\"%s\"", first ? "" : ",",
               s->reg->prov[p].id);
      st |= consent__buf_append(out, tmp, strlen(tmp));
      first = 0;
    }
    snprintf(tmp, sizeof(tmp), "],\"%s_categories\":[", kinds[k]);
    st |= consent__buf_append(out, tmp, strlen(tmp));
    for (first = 1, i = 0; i < CONSENT__CATEGORIES; i++) {
      if (s->cat[i] != k)
        continue;
      snprintf(tmp, sizeof(tmp), "%s\"%s\"", first ? "" : ",",
               consent__category_names[i]);
      st |= consent__buf_append(out, tmp, strlen(tmp));
      first = 0;
    }
    st |= consent__buf_append(out, "]", 1);
  }
  st |= consent__buf_append(out, "}", 1);
  return st ? CONSENT_E_NOMEM : 0;
}

int
consent__cookie_issue(struct consent_state *s,
                      const struct consent_keyring *ring, int64_t now,
                      struct consent__buf *value,
                      struct consent__buf *receipt)
{
  const struct consent__key *key = consent__keyring_signing(ring);
  unsigned char b[BODY_MAX + CONSENT__MAC_BYTES];
  unsigned allowed = 0, refused = 0, prev = 0;
  size_t o = 0, i;
  int st;

  if (key == NULL)
    return CONSENT_E_INVAL;
  if (now < 0 || now > 0xFFFFFFFFLL)
    return CONSENT_E_INVAL;
  if (RAND_bytes(s->receipt, sizeof(s->receipt)) != 1)
    return CONSENT_E_CRYPTO;
  s->issued = now;
  s->key_id = key->id;
  b[o++] = CONSENT__COOKIE_VERSION;
  b[o++] = (unsigned char)key->id;
  put_u32(b + o, (uint32_t)now);
  o += 4;
  if (put_var(b, &o, BODY_MAX, (uint64_t)s->max_age) != 0 ||
      put_var(b, &o, BODY_MAX, s->policy) != 0)
    return CONSENT_E_LIMIT;
  memcpy(b + o, s->receipt, sizeof(s->receipt));
  o += sizeof(s->receipt);
  for (i = 0; i < CONSENT__CATEGORIES; i++) {
    if (s->cat[i] == 1)
      allowed |= 1u << i;
    else if (s->cat[i] == 0)
      refused |= 1u << i;
  }
  b[o++] = (unsigned char)(allowed >> 8);
  b[o++] = (unsigned char)allowed;
  b[o++] = (unsigned char)(refused >> 8);
  b[o++] = (unsigned char)refused;
  for (i = 0; i < CONSENT__CATEGORIES; i++)
    if (s->cat[i] >= 0 &&
        put_var(b, &o, BODY_MAX, (uint64_t)age_of(now, s->cat_given[i])) != 0)
      return CONSENT_E_LIMIT;
  if (put_var(b, &o, BODY_MAX, s->ndec) != 0)
    return CONSENT_E_LIMIT;
  for (i = 0; i < s->ndec; i++) {
    uint64_t delta = s->dec[i].code - prev;
    prev = s->dec[i].code;
    if (put_var(b, &o, BODY_MAX, delta << 1 | (s->dec[i].allow ? 1 : 0))
        != 0 ||
        put_var(b, &o, BODY_MAX, (uint64_t)age_of(now, s->dec[i].given))
        != 0)
      return CONSENT_E_LIMIT;
  }
  st = mac(key, b, o, b + o);
  if (st != 0)
    return st;
  o += CONSENT__MAC_BYTES;
  if (b64_encode(b, o, value) != 0)
    return CONSENT_E_NOMEM;
  if (receipt != NULL)
    return consent__receipt_json(s, receipt);
  return 0;
}

int
consent__cookie_verify(struct consent_state *s,
                       const struct consent_keyring *ring,
                       const char *value, size_t len, unsigned policy,
                       int64_t now)
{
  unsigned char b[CONSENT__COOKIE_MAX], want[CONSENT__MAC_BYTES];
  const struct consent__key *key;
  unsigned allowed, refused, code = 0;
  uint64_t v, maxage, pol, count, age;
  size_t n, o, i, body;
  int64_t issued;
  int st;

  if (len > CONSENT__COOKIE_MAX)
    return CONSENT_E_COOKIE_SIZE;
  if (b64_decode(value, len, b, sizeof(b), &n) != 0 ||
      n < 6 + CONSENT__MAC_BYTES)
    return CONSENT_E_COOKIE_MALFORMED;
  if (b[0] != CONSENT__COOKIE_VERSION)
    return CONSENT_E_COOKIE_VERSION;
  key = key_by_id(ring, b[1]);
  if (key == NULL)
    return CONSENT_E_COOKIE_KEY;
  body = n - CONSENT__MAC_BYTES;
  st = mac(key, b, body, want);
  if (st != 0)
    return st;
  if (CRYPTO_memcmp(want, b + body, CONSENT__MAC_BYTES) != 0)
    return CONSENT_E_COOKIE_MAC;

  /* Authentic from here on; still read with care. */
  consent__state_clear(s);
  issued = (int64_t)b[2] << 24 | (int64_t)b[3] << 16 | (int64_t)b[4] << 8 |
           (int64_t)b[5];
  o = 6;
  if (get_var(b, body, &o, &maxage) != 0 || get_var(b, body, &o, &pol) != 0
      || maxage > 0x7FFFFFFF || pol > 0xFFFFFFFFu ||
      body - o < sizeof(s->receipt) + 4)
    return CONSENT_E_COOKIE_MALFORMED;
  memcpy(s->receipt, b + o, sizeof(s->receipt));
  o += sizeof(s->receipt);
  allowed = (unsigned)b[o] << 8 | b[o + 1];
  refused = (unsigned)b[o + 2] << 8 | b[o + 3];
  o += 4;
  if ((allowed & refused) != 0 || (allowed | refused) >> CONSENT__CATEGORIES)
    return CONSENT_E_COOKIE_MALFORMED;
  s->issued = issued;
  s->key_id = key->id;
  s->max_age = (int64_t)maxage;
  s->policy = (unsigned)pol;
  for (i = 0; i < CONSENT__CATEGORIES; i++) {
    if (!((allowed | refused) & (1u << i)))
      continue;
    if (get_var(b, body, &o, &age) != 0 || age > 0x7FFFFFFF)
      return CONSENT_E_COOKIE_MALFORMED;
    consent__state_set_category(s, (int)i, (allowed >> i) & 1,
                                issued - (int64_t)age);
  }
  if (get_var(b, body, &o, &count) != 0 || count > body)
    return CONSENT_E_COOKIE_MALFORMED;
  for (i = 0; i < count; i++) {
    if (get_var(b, body, &o, &v) != 0 || get_var(b, body, &o, &age) != 0 ||
        age > 0x7FFFFFFF || (v >> 1) == 0 || code + (v >> 1) > 65535)
      return CONSENT_E_COOKIE_MALFORMED;
    code += (unsigned)(v >> 1);
    /* Codes of providers this site does not have are kept: a cookie
     * issued again keeps them for the other sites of the fleet. */
    {
      struct consent__decision *d;
      if (s->ndec == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        d = realloc(s->dec, cap * sizeof(*d));
        if (d == NULL)
          return CONSENT_E_NOMEM;
        s->dec = d;
        s->cap = cap;
      }
      d = &s->dec[s->ndec++];
      d->code = code;
      d->allow = (int)(v & 1);
      d->given = issued - (int64_t)age;
    }
  }
  if (o != body)
    return CONSENT_E_COOKIE_MALFORMED;
  if (issued > now + CONSENT__CLOCK_SKEW)
    return CONSENT_E_COOKIE_FUTURE;
  if (now - issued > s->max_age)
    return CONSENT_E_COOKIE_EXPIRED;
  if (s->policy < policy)
    return CONSENT_E_COOKIE_OUTDATED;
  return 0;
}

/* ------------------------------------------------------------------ */
/* The Cookie request header                                           */

int
consent__cookie_find(const char *h, size_t len, const char *name, size_t nth,
                     const char **value, size_t *vlen)
{
  size_t nl = strlen(name), i = 0, ks, ke, vs, ve;

  while (i < len) {
    while (i < len && (h[i] == ' ' || h[i] == '\t' || h[i] == ';'))
      i++;
    ks = i;
    while (i < len && h[i] != '=' && h[i] != ';')
      i++;
    ke = i;
    while (ke > ks && (h[ke - 1] == ' ' || h[ke - 1] == '\t'))
      ke--;
    if (i == len || h[i] == ';')
      continue; /* a cookie without '=' */
    i++;
    while (i < len && (h[i] == ' ' || h[i] == '\t'))
      i++;
    vs = i;
    while (i < len && h[i] != ';')
      i++;
    ve = i;
    while (ve > vs && (h[ve - 1] == ' ' || h[ve - 1] == '\t'))
      ve--;
    if (ve - vs >= 2 && h[vs] == '"' && h[ve - 1] == '"') {
      vs++;
      ve--;
    }
    if (ke - ks == nl && memcmp(h + ks, name, nl) == 0) {
      if (nth-- == 0) {
        *value = h + vs;
        *vlen = ve - vs;
        return 1;
      }
    }
  }
  return 0;
}

/* RFC 6265 token and cookie-octet. */
static int
cookie_token(const char *s)
{
  if (*s == '\0')
    return 0;
  for (; *s; s++)
    if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7F ||
        strchr("()<>@,;:\\\"/[]?={}", *s) != NULL)
      return 0;
  return 1;
}

static int
cookie_octets(const char *s, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++) {
    unsigned c = (unsigned char)s[i];
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == ',' || c == ';' ||
        c == '\\')
      return 0;
  }
  return 1;
}

static int
attr_value_ok(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F || *s == ';')
      return 0;
  return 1;
}


/* Builds a Set-Cookie value into out (appending).  max_age -1 makes a
 * session cookie (no Max-Age).  Returns a consent_status. */
int
consent__set_cookie(struct consent__buf *out, const char *name,
                    const char *value, size_t value_len, int64_t max_age,
                    const char *domain, const char *path, unsigned flags)
{
  char num[48];
  int st = 0;

  if (name == NULL || !cookie_token(name) || (value == NULL && value_len) ||
      (value != NULL && !cookie_octets(value, value_len)) || max_age < -1 ||
      (domain != NULL && (!attr_value_ok(domain) || *domain == '\0')) ||
      (path != NULL && (!attr_value_ok(path) || path[0] != '/')) ||
      ((flags & CONSENT_COOKIE_SAMESITE_LAX) &&
       (flags & CONSENT_COOKIE_SAMESITE_STRICT)))
    return CONSENT_E_INVAL;
  st |= consent__buf_append(out, name, strlen(name));
  st |= consent__buf_append(out, "=", 1);
  if (value_len > 0)
    st |= consent__buf_append(out, value, value_len);
  if (max_age >= 0) {
    snprintf(num, sizeof(num), "; Max-Age=%lld", (long long)max_age);
    st |= consent__buf_append(out, num, strlen(num));
  }
  path = path != NULL ? path : "/";
  st |= consent__buf_append(out, "; Path=", 7);
  st |= consent__buf_append(out, path, strlen(path));
  if (domain != NULL) {
    st |= consent__buf_append(out, "; Domain=", 9);
    st |= consent__buf_append(out, domain, strlen(domain));
  }
  if (flags & CONSENT_COOKIE_SECURE)
    st |= consent__buf_append(out, "; Secure", 8);
  if (flags & CONSENT_COOKIE_HTTPONLY)
    st |= consent__buf_append(out, "; HttpOnly", 10);
  if (flags & CONSENT_COOKIE_SAMESITE_LAX)
    st |= consent__buf_append(out, "; SameSite=Lax", 14);
  if (flags & CONSENT_COOKIE_SAMESITE_STRICT)
    st |= consent__buf_append(out, "; SameSite=Strict", 17);
  return st ? CONSENT_E_NOMEM : CONSENT_OK;
}

/* ------------------------------------------------------------------ */
/* Key ring                                                            */

consent_status
consent_keyring_new_temporary(consent_keyring_t **ring)
{
  consent_keyring_t *k;
  unsigned id;
  int st;

  if (ring == NULL)
    return CONSENT_E_INVAL;
  *ring = NULL;
  k = calloc(1, sizeof(*k));
  if (k == NULL)
    return CONSENT_E_NOMEM;
  st = consent__keyring_add(k, (int64_t)time(NULL), &id);
  if (st != 0) {
    consent__keyring_free(k);
    free(k);
    return (consent_status)st;
  }
  *ring = k;
  return CONSENT_OK;
}

consent_status
consent_keyring_load_buffer(const char *buf, size_t len, const char *name,
                            consent_keyring_t **ring, char **errmsg)
{
  char msg[512];
  consent_keyring_t *k;
  int st;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (ring == NULL)
    return CONSENT_E_INVAL;
  *ring = NULL;
  if (buf == NULL && len > 0)
    return CONSENT_E_INVAL;
  k = malloc(sizeof(*k));
  if (k == NULL)
    return CONSENT_E_NOMEM;
  msg[0] = '\0';
  st = consent__keyring_parse(k, buf ? buf : "", len,
                              name ? name : "(key file)", msg, sizeof(msg));
  if (st != 0) {
    free(k);
    consent__give_message(errmsg, msg[0] ? msg : consent_strerror(st));
    return (consent_status)st;
  }
  *ring = k;
  return CONSENT_OK;
}

consent_status
consent_keyring_load_file(const char *path, consent_keyring_t **ring,
                          char **errmsg)
{
  struct consent__buf b = { NULL, 0, 0 };
  consent_status st;
  char msg[512];
  int rc;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (path == NULL || ring == NULL)
    return CONSENT_E_INVAL;
  *ring = NULL;
  rc = consent__read_file(path, MAX_KEY_FILE, &b);
  if (rc != 0) {
    snprintf(msg, sizeof(msg), "%s: %s", path,
             rc == -2 ? "larger than 64 KiB" : strerror(errno));
    consent__give_message(errmsg, msg);
    consent__buf_free(&b);
    return rc == -2 ? CONSENT_E_PARSE : CONSENT_E_IO;
  }
  st = consent_keyring_load_buffer(b.data, b.len, path, ring, errmsg);
  if (b.data != NULL)
    OPENSSL_cleanse_buf(b.data, b.len);
  consent__buf_free(&b);
  return st;
}

void
consent_keyring_free(consent_keyring_t *ring)
{
  if (ring == NULL)
    return;
  consent__keyring_free(ring);
  free(ring);
}

unsigned int
consent_keyring_signing_key(const consent_keyring_t *ring)
{
  const struct consent__key *k;

  if (ring == NULL)
    return 0;
  k = consent__keyring_signing(ring);
  return k != NULL ? k->id : 0;
}

/* Writes data to path through a temporary file and rename(), mode 0600. */
static int
write_atomically(const char *path, const char *data, size_t len)
{
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  ssize_t w;
  size_t off = 0;
  int fd;

  if (tmp == NULL)
    return -1;
  snprintf(tmp, n, "%s.tmpXXXXXX", path);
  fd = mkstemp(tmp);
  if (fd < 0) {
    free(tmp);
    return -1;
  }
  if (fchmod(fd, 0600) != 0)
    goto fail;
  while (off < len) {
    w = write(fd, data + off, len - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      goto fail;
    off += (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    fd = -1;
    goto fail;
  }
  fd = -1;
  if (rename(tmp, path) != 0)
    goto fail;
  free(tmp);
  return 0;
fail:
  {
    int e = errno;
    if (fd >= 0)
      close(fd);
    unlink(tmp);
    free(tmp);
    errno = e;
  }
  return -1;
}

consent_status
consent_keyring_add_key(const char *path, long long now,
                        unsigned int *key_id, char **errmsg)
{
  struct consent__buf b = { NULL, 0, 0 }, out = { NULL, 0, 0 };
  struct consent_keyring ring = { NULL, 0 };
  char msg[512];
  unsigned id = 0;
  int rc, st;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (path == NULL)
    return CONSENT_E_INVAL;
  rc = consent__read_file(path, MAX_KEY_FILE, &b);
  if (rc == -2 || (rc == -1 && errno != ENOENT)) {
    snprintf(msg, sizeof(msg), "%s: %s", path,
             rc == -2 ? "larger than 64 KiB" : strerror(errno));
    consent__give_message(errmsg, msg);
    consent__buf_free(&b);
    return rc == -2 ? CONSENT_E_PARSE : CONSENT_E_IO;
  }
  if (rc == 0) {
    msg[0] = '\0';
    st = consent__keyring_parse(&ring, b.data ? b.data : "", b.len, path,
                                msg, sizeof(msg));
    OPENSSL_cleanse_buf(b.data, b.len);
    consent__buf_free(&b);
    if (st != 0) {
      consent__give_message(errmsg, msg);
      return (consent_status)st;
    }
  }
  st = consent__keyring_add(&ring, consent__now_or(now), &id);
  if (st == 0)
    st = consent__keyring_format(&ring, &out);
  consent__keyring_free(&ring);
  if (st == 0 && write_atomically(path, out.data, out.len) != 0) {
    snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
    consent__give_message(errmsg, msg);
    st = CONSENT_E_IO;
  } else if (st != 0) {
    consent__give_message(errmsg, st == CONSENT_E_LIMIT
                 ? "the key ring already holds 255 keys: remove old ones"
                 : consent_strerror((consent_status)st));
  }
  OPENSSL_cleanse_buf(out.data, out.len);
  consent__buf_free(&out);
  if (st == 0 && key_id != NULL)
    *key_id = id;
  return (consent_status)st;
}

/* ------------------------------------------------------------------ */
/* Cookie                                                              */

consent_status
consent_cookie_issue(consent_state_t *state, const consent_keyring_t *ring,
                     long long now, consent_receipt_fn receipt,
                     void *user_data, char **value, size_t *len)
{
  struct consent__buf v = { NULL, 0, 0 }, r = { NULL, 0, 0 };
  int st;

  if (value == NULL)
    return CONSENT_E_INVAL;
  *value = NULL;
  if (len != NULL)
    *len = 0;
  if (state == NULL || ring == NULL)
    return CONSENT_E_INVAL;
  st = consent__cookie_issue(state, ring, consent__now_or(now), &v,
                             receipt != NULL ? &r : NULL);
  if (st == 0 && receipt != NULL)
    receipt(r.data, r.len, user_data);
  consent__buf_free(&r);
  if (st != 0) {
    consent__buf_free(&v);
    return (consent_status)st;
  }
  return (consent__give_buffer(&v, value, len) == 0 ? CONSENT_OK : CONSENT_E_NOMEM);
}

consent_status
consent_cookie_verify(const consent_registry_t *registry,
                      const consent_keyring_t *ring, const char *value,
                      size_t len, unsigned int policy_version,
                      long long now, consent_state_t **state)
{
  consent_state_t *s;
  consent_status st;

  if (state == NULL)
    return CONSENT_E_INVAL;
  *state = NULL;
  if (ring == NULL || (value == NULL && len > 0))
    return CONSENT_E_INVAL;
  st = consent_state_new(registry, &s);
  if (st != CONSENT_OK)
    return st;
  st = (consent_status)consent__cookie_verify(s, ring,
                                              value ? value : "", len,
                                              policy_version, consent__now_or(now));
  if (st != CONSENT_OK) {
    consent_state_free(s);
    return st;
  }
  *state = s;
  return CONSENT_OK;
}

consent_status
consent_cookie_from_header(const consent_registry_t *registry,
                           const consent_keyring_t *ring,
                           const char *header, size_t len,
                           const char *name, unsigned int policy_version,
                           long long now, consent_state_t **state)
{
  consent_status first = CONSENT_E_NOCOOKIE, st;
  const char *v;
  size_t vlen, i;

  if (state == NULL)
    return CONSENT_E_INVAL;
  *state = NULL;
  if (name == NULL || (header == NULL && len > 0))
    return CONSENT_E_INVAL;
  for (i = 0; i < 16 && consent__cookie_find(header ? header : "", len,
                                             name, i, &v, &vlen); i++) {
    st = consent_cookie_verify(registry, ring, v, vlen, policy_version, now,
                               state);
    if (st == CONSENT_OK)
      return st;
    if (first == CONSENT_E_NOCOOKIE)
      first = st;
  }
  return first;
}

consent_status
consent_set_cookie(const char *name, const char *value, size_t value_len,
                   long long max_age, const char *domain, const char *path,
                   unsigned int flags, char **out)
{
  struct consent__buf b = { NULL, 0, 0 };
  int st;

  if (out == NULL)
    return CONSENT_E_INVAL;
  *out = NULL;
  if (max_age < 0)
    return CONSENT_E_INVAL;
  st = consent__set_cookie(&b, name, value, value_len, max_age, domain, path,
                           flags);
  if (st != CONSENT_OK) {
    consent__buf_free(&b);
    return (consent_status)st;
  }
  return (consent__give_buffer(&b, out, NULL) == 0 ? CONSENT_OK : CONSENT_E_NOMEM);
}
