/*
 * tcf.c: decoding the core segment of an IAB TCF v2.2 TC string.
 *
 * A TC string is segments joined by '.', each base64url (no padding) of a
 * bit string read most significant bit first.  The first segment is the
 * core: the fields below in this order, then the vendor consents, the
 * vendors' legitimate interests (each a bit field or ranges) and the
 * publisher restrictions.  Later segments (disclosed vendors, publisher
 * TC) are not needed to decide consent and are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "tcf.h"
#include "util.h"

struct bits {
  const uint8_t *b;
  size_t nbits, pos;
  int short_read;        /* set when a field ran past the end */
};

static uint64_t
take(struct bits *r, unsigned n)
{
  uint64_t v = 0;
  unsigned i;

  if (r->pos + n > r->nbits) {
    r->short_read = 1;
    r->pos = r->nbits;
    return 0;
  }
  for (i = 0; i < n; i++, r->pos++)
    v = (v << 1) | ((r->b[r->pos >> 3] >> (7 - (r->pos & 7))) & 1u);
  return v;
}

static int
b64url(int c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-' || c == '+')
    return 62;
  if (c == '_' || c == '/')
    return 63;
  return -1;
}

static int
fail(char *errmsg, size_t cap, int status, const char *msg)
{
  snprintf(errmsg, cap, "TC string: %s", msg);
  return status;
}

static void
set_bit(uint8_t *bits, unsigned id)
{
  bits[id >> 3] |= (uint8_t)(1u << (id & 7));
}

int
consent__tcf_vendor(const uint8_t *bits, unsigned id)
{
  return id <= CONSENT__TCF_MAX_VENDOR && (bits[id >> 3] >> (id & 7)) & 1;
}

/* A vendor section: MaxVendorId, then a bit field or ranges. */
static int
vendor_section(struct bits *r, uint8_t *bits, unsigned *max, char *errmsg,
               size_t cap)
{
  unsigned i, n;

  *max = (unsigned)take(r, 16);
  if (take(r, 1) == 0) {
    for (i = 1; i <= *max && !r->short_read; i++)
      if (take(r, 1))
        set_bit(bits, i);
  } else {
    n = (unsigned)take(r, 12);
    for (i = 0; i < n && !r->short_read; i++) {
      unsigned range = (unsigned)take(r, 1);
      unsigned a = (unsigned)take(r, 16), b = range ? (unsigned)take(r, 16)
                                                    : a;
      if (r->short_read)
        break;
      if (a == 0 || b < a || b > *max)
        return fail(errmsg, cap, CONSENT_E_PARSE,
                    "a vendor range outside 1..MaxVendorId");
      for (; a <= b; a++)
        set_bit(bits, a);
    }
  }
  return r->short_read ? fail(errmsg, cap, CONSENT_E_PARSE,
                              "truncated in a vendor section") : 0;
}

int
consent__tcf_decode(struct consent__tcf *t, const char *s, size_t n,
                    char *errmsg, size_t cap)
{
  struct bits r;
  uint8_t *buf;
  size_t core = 0, i, nb = 0;
  size_t rcap = 0;
  unsigned acc = 0, accbits = 0, k, nres;

  memset(t, 0, sizeof(*t));
  if (n > CONSENT__TCF_MAX_STRING)
    return fail(errmsg, cap, CONSENT_E_LIMIT, "longer than 16384 bytes");
  while (core < n && s[core] != '.')
    core++;
  while (core > 0 && s[core - 1] == '=')
    core--;
  if (core == 0)
    return fail(errmsg, cap, CONSENT_E_PARSE, "empty");
  buf = calloc(core * 6 / 8 + 2, 1);
  if (buf == NULL)
    return CONSENT_E_NOMEM;
  for (i = 0; i < core; i++) {
    int v = b64url((unsigned char)s[i]);
    if (v < 0) {
      free(buf);
      return fail(errmsg, cap, CONSENT_E_PARSE,
                  "a character outside base64url");
    }
    acc = (acc << 6) | (unsigned)v;
    accbits += 6;
    if (accbits >= 8) {
      buf[nb++] = (uint8_t)(acc >> (accbits - 8));
      accbits -= 8;
      acc &= (1u << accbits) - 1;
    }
  }
  if (accbits > 0)
    buf[nb++] = (uint8_t)(acc << (8 - accbits));
  r.b = buf;
  r.nbits = core * 6;
  r.pos = 0;
  r.short_read = 0;

  t->version = (unsigned)take(&r, 6);
  if (t->version != 2) {
    free(buf);
    return fail(errmsg, cap, CONSENT_E_PARSE,
                t->version == 1 ? "version 1 (TCF v1) is not read"
                : "not version 2");
  }
  t->created = (int64_t)take(&r, 36);
  t->updated = (int64_t)take(&r, 36);
  t->cmp_id = (unsigned)take(&r, 12);
  t->cmp_version = (unsigned)take(&r, 12);
  t->consent_screen = (unsigned)take(&r, 6);
  t->language[0] = (char)('A' + take(&r, 6));
  t->language[1] = (char)('A' + take(&r, 6));
  t->vendor_list_version = (unsigned)take(&r, 12);
  t->policy_version = (unsigned)take(&r, 6);
  t->service_specific = (unsigned)take(&r, 1);
  t->non_standard_texts = (unsigned)take(&r, 1);
  for (k = 1; k <= 12; k++)
    if (take(&r, 1))
      t->special_features |= 1u << (k - 1);
  for (k = 1; k <= 24; k++)
    if (take(&r, 1))
      t->purposes |= 1u << (k - 1);
  for (k = 1; k <= 24; k++)
    if (take(&r, 1))
      t->purposes_li |= 1u << (k - 1);
  t->purpose_one_treatment = (unsigned)take(&r, 1);
  t->publisher_cc[0] = (char)('A' + take(&r, 6));
  t->publisher_cc[1] = (char)('A' + take(&r, 6));
  if (r.short_read) {
    free(buf);
    return fail(errmsg, cap, CONSENT_E_PARSE, "truncated in the header");
  }
  for (k = 0; k < 2; k++)
    if ((unsigned char)t->language[k] > 'Z' ||
        (unsigned char)t->publisher_cc[k] > 'Z') {
      free(buf);
      return fail(errmsg, cap, CONSENT_E_PARSE, "a language or country "
                  "code that is not two letters A-Z");
    }
  k = (unsigned)vendor_section(&r, t->vendors, &t->max_vendor, errmsg, cap);
  if (k == 0)
    k = (unsigned)vendor_section(&r, t->vendors_li, &t->max_vendor_li,
                                 errmsg, cap);
  if (k != 0) {
    free(buf);
    return (int)k;
  }
  nres = (unsigned)take(&r, 12);
  for (i = 0; i < nres && !r.short_read; i++) {
    unsigned purpose = (unsigned)take(&r, 6), type = (unsigned)take(&r, 2);
    unsigned ne = (unsigned)take(&r, 12), j;
    if (type == 3) {
      free(buf);
      return fail(errmsg, cap, CONSENT_E_PARSE,
                  "an undefined restriction type (3)");
    }
    for (j = 0; j < ne && !r.short_read; j++) {
      unsigned range = (unsigned)take(&r, 1);
      unsigned a = (unsigned)take(&r, 16), b = range ? (unsigned)take(&r, 16)
                                                     : a;
      struct consent__tcf_restriction *x;
      if (r.short_read)
        break;
      if (a == 0 || b < a) {
        free(buf);
        return fail(errmsg, cap, CONSENT_E_PARSE,
                    "a restriction's vendor range is empty");
      }
      if (t->nrestr == CONSENT__TCF_MAX_RESTRICTIONS) {
        free(buf);
        return fail(errmsg, cap, CONSENT_E_LIMIT,
                    "more than 4096 publisher restriction ranges");
      }
      if (t->nrestr == rcap) {
        rcap = rcap ? rcap * 2 : 8;
        x = realloc(t->restr, rcap * sizeof(*x));
        if (x == NULL) {
          free(buf);
          return CONSENT_E_NOMEM;
        }
        t->restr = x;
      }
      x = &t->restr[t->nrestr++];
      x->purpose = purpose;
      x->type = type;
      x->start = a;
      x->end = b;
    }
  }
  free(buf);
  if (r.short_read)
    return fail(errmsg, cap, CONSENT_E_PARSE,
                "truncated in the publisher restrictions");
  return 0;
}

void
consent__tcf_free(struct consent__tcf *t)
{
  free(t->restr);
  t->restr = NULL;
  t->nrestr = 0;
}

int
consent__tcf_restricted(const struct consent__tcf *t, unsigned purpose,
                        unsigned vendor)
{
  size_t i;

  for (i = 0; i < t->nrestr; i++)
    if (t->restr[i].purpose == purpose && t->restr[i].type == 0 &&
        vendor >= t->restr[i].start && vendor <= t->restr[i].end)
      return 0;
  return 1;
}

static int
put(struct consent__buf *b, const char *s)
{
  return consent__buf_append(b, s, strlen(s));
}

static int
id_list(struct consent__buf *b, const char *name, uint32_t mask)
{
  char tmp[64];
  unsigned i;
  int st = 0, first = 1;

  snprintf(tmp, sizeof(tmp), ",\"%s\":[", name);
  st |= put(b, tmp);
  for (i = 0; i < 32; i++)
    if (mask & (1u << i)) {
      snprintf(tmp, sizeof(tmp), "%s%u", first ? "" : ",", i + 1);
      st |= put(b, tmp);
      first = 0;
    }
  return st | put(b, "]");
}

static int
vendor_list(struct consent__buf *b, const char *name, const uint8_t *bits)
{
  char tmp[64];
  unsigned i;
  int st = 0, first = 1;

  snprintf(tmp, sizeof(tmp), ",\"%s\":[", name);
  st |= put(b, tmp);
  for (i = 1; i <= CONSENT__TCF_MAX_VENDOR; i++)
    if (consent__tcf_vendor(bits, i)) {
      snprintf(tmp, sizeof(tmp), "%s%u", first ? "" : ",", i);
      st |= put(b, tmp);
      first = 0;
    }
  return st | put(b, "]");
}

int
consent__tcf_json(const struct consent__tcf *t, struct consent__buf *out)
{
  char tmp[512];
  size_t i;
  int st = 0;

  snprintf(tmp, sizeof(tmp),
           "{\"version\":%u,\"created\":%lld,\"last_updated\":%lld,"
           "\"cmp_id\":%u,\"cmp_version\":%u,\"consent_screen\":%u,"
           "\"consent_language\":\"%.2s\",\"vendor_list_version\":%u,"
           "\"policy_version\":%u,\"is_service_specific\":%s,"
           "\"use_non_standard_texts\":%s,\"purpose_one_treatment\":%s,"
           "\"publisher_cc\":\"%.2s\",\"max_vendor_id\":%u,"
           "\"max_vendor_id_li\":%u",
           t->version, (long long)t->created, (long long)t->updated,
           t->cmp_id, t->cmp_version, t->consent_screen, t->language,
           t->vendor_list_version, t->policy_version,
           t->service_specific ? "true" : "false",
           t->non_standard_texts ? "true" : "false",
           t->purpose_one_treatment ? "true" : "false", t->publisher_cc,
           t->max_vendor, t->max_vendor_li);
  st |= put(out, tmp);
  st |= id_list(out, "special_feature_optins", t->special_features);
  st |= id_list(out, "purpose_consents", t->purposes);
  st |= id_list(out, "purpose_legitimate_interests", t->purposes_li);
  st |= vendor_list(out, "vendor_consents", t->vendors);
  st |= vendor_list(out, "vendor_legitimate_interests", t->vendors_li);
  st |= put(out, ",\"publisher_restrictions\":[");
  for (i = 0; i < t->nrestr; i++) {
    snprintf(tmp, sizeof(tmp), "%s{\"purpose\":%u,\"type\":%u,"
             "\"start\":%u,\"end\":%u}", i ? "," : "", t->restr[i].purpose,
             t->restr[i].type, t->restr[i].start, t->restr[i].end);
    st |= put(out, tmp);
  }
  st |= put(out, "]}");
  return st ? CONSENT_E_NOMEM : 0;
}

consent_status
consent_tcf_decode(const char *tc, size_t len, char **json, char **errmsg)
{
  struct consent__tcf *t;
  struct consent__buf b = { NULL, 0, 0 };
  char msg[200] = "";
  int st;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (json == NULL)
    return CONSENT_E_INVAL;
  *json = NULL;
  if (tc == NULL && len > 0)
    return CONSENT_E_INVAL;
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return CONSENT_E_NOMEM;
  st = consent__tcf_decode(t, tc ? tc : "", len, msg, sizeof(msg));
  if (st == 0)
    st = consent__tcf_json(t, &b);
  consent__tcf_free(t);
  free(t);
  if (st != 0) {
    consent__buf_free(&b);
    if (msg[0] != '\0')
      consent__give_message(errmsg, msg);
    return (consent_status)st;
  }
  return (consent__give_buffer(&b, json, NULL) == 0 ? CONSENT_OK : CONSENT_E_NOMEM);
}
