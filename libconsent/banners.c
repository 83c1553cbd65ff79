/*
 * banners.c: the consent signals of the common consent banners (CMPs),
 * turned into per-provider decisions through the provider file's mapping
 * rules (docs/banners.md).
 *
 * Each reader takes one cookie value as the banner writes it (URL-encoded
 * or quoted forms too) and sets, for every enabled provider it has a
 * signal for, allowed (1) or refused (0); providers it says nothing about
 * keep -1.  A malformed value is an error: the caller treats that banner
 * as silent.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banners.h"
#include "consent.h"
#include "tcf.h"
#include "util.h"
#include "registry.h"
#include "state.h"

#define MAX_VALUE 16384

static const char *const source_names[] = {
  "cookie", "tcf", "klaro", "cookiebot", "onetrust", "cc_cookie", "borlabs",
  "gpc", NULL
};

const char *
consent__source_name(unsigned bit)
{
  unsigned i;

  for (i = 0; source_names[i]; i++)
    if (bit == 1u << i)
      return source_names[i];
  return NULL;
}

int
consent__sources_parse(const char *list, unsigned *out, char *errmsg,
                       size_t cap)
{
  const char *p = list;
  unsigned set = 0, i;

  while (*p) {
    size_t n = consent__next_word(&p);
    if (n == 0)
      break;
    for (i = 0; source_names[i]; i++)
      if (strlen(source_names[i]) == n && strncmp(p, source_names[i], n) == 0)
        break;
    if (source_names[i] == NULL) {
      snprintf(errmsg, cap, "unknown consent source '%.*s' (cookie, tcf, "
               "klaro, cookiebot, onetrust, cc_cookie, borlabs, gpc)",
               (int)(n > 40 ? 40 : n), p);
      return CONSENT_E_PARSE;
    }
    set |= 1u << i;
    p += n;
  }
  *out = set;
  return 0;
}

/* The cookie each banner writes. */
const char *
consent__source_cookie(unsigned bit)
{
  switch (bit) {
  case CONSENT_SOURCE_TCF:
    return "euconsent-v2";
  case CONSENT_SOURCE_KLARO:
    return "klaro";
  case CONSENT_SOURCE_COOKIEBOT:
    return "CookieConsent";
  case CONSENT_SOURCE_ONETRUST:
    return "OptanonConsent";
  case CONSENT_SOURCE_CC_COOKIE:
    return "cc_cookie";
  case CONSENT_SOURCE_BORLABS:
    return "borlabs-cookie";
  default:
    return NULL;
  }
}

/* ------------------------------------------------------------------ */
/* Mapping rules                                                       */

/* The name a provider has in a banner: "source:name" from its banner
 * list, else NULL (*explicit 0). */
static const char *
mapped(const struct consent__provider *p, const char *source, int *explicit_)
{
  size_t i, n = strlen(source);

  *explicit_ = 0;
  for (i = 0; i < p->banners.n; i++)
    if (strncmp(p->banners.v[i], source, n) == 0 &&
        p->banners.v[i][n] == ':') {
      *explicit_ = 1;
      return p->banners.v[i] + n + 1;
    }
  return NULL;
}

enum { CAT_ANALYTICS = 7, CAT_MARKETING = 8, CAT_FONTS = 6, CAT_SOCIAL = 2 };

/* Defaults by category when the provider file names none
 * (docs/banners.md). */
static const char *
default_name(const struct consent__provider *p, unsigned source)
{
  switch (source) {
  case CONSENT_SOURCE_KLARO:
  case CONSENT_SOURCE_BORLABS:
    return p->id;
  case CONSENT_SOURCE_COOKIEBOT:
    return p->category == CAT_ANALYTICS ? "statistics"
           : p->category == CAT_FONTS ? "preferences" : "marketing";
  case CONSENT_SOURCE_ONETRUST:
    return p->category == CAT_ANALYTICS ? "C0002"
           : p->category == CAT_FONTS ? "C0003"
           : p->category == CAT_SOCIAL ? "C0005" : "C0004";
  case CONSENT_SOURCE_CC_COOKIE:
    return p->category == CAT_ANALYTICS ? "analytics" : "marketing";
  default:
    return NULL;
  }
}

static const char *
name_in(const struct consent__provider *p, unsigned source, int *explicit_)
{
  const char *m = mapped(p, consent__source_name(source), explicit_);

  return m != NULL ? m : default_name(p, source);
}

/* ------------------------------------------------------------------ */
/* Cookie values                                                       */

/* The value without surrounding quotes, %-decoded (a '%' that starts no
 * escape is kept), NUL-terminated in out.  Returns its length, or -1 when
 * it does not fit. */
static long
unescape(const char *v, size_t n, char *out, size_t cap)
{
  size_t i, o = 0;

  if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
    v++, n -= 2;
  for (i = 0; i < n; i++) {
    int c = (unsigned char)v[i];
    if (c == '%' && i + 2 < n && consent__hexval(v[i + 1]) >= 0 &&
        consent__hexval(v[i + 2]) >= 0) {
      c = consent__hexval(v[i + 1]) * 16 + consent__hexval(v[i + 2]);
      i += 2;
    }
    if (o + 1 >= cap)
      return -1;
    out[o++] = (char)c;
  }
  out[o] = '\0';
  return (long)o;
}

static int
bad(char *errmsg, size_t cap, const char *what, const char *why)
{
  snprintf(errmsg, cap, "%s: %s", what, why);
  return CONSENT_E_PARSE;
}

/* ------------------------------------------------------------------ */
/* Readers                                                             */

static int
read_tcf(const struct consent_registry *r, const char *v, size_t n,
         signed char *dec, char *errmsg, size_t cap)
{
  struct consent__tcf *t = calloc(1, sizeof(*t));
  size_t i;
  int st;

  if (t == NULL)
    return CONSENT_E_NOMEM;
  st = consent__tcf_decode(t, v, n, errmsg, cap);
  for (i = 0; st == 0 && i < r->count; i++) {
    const struct consent__provider *p = &r->prov[i];
    uint32_t need = p->tcf_purposes;
    unsigned k;
    int ok;
    if (!p->enabled || (p->tcf_vendor == 0 && need == 0))
      continue;
    if (need == 0)
      need = 1;                       /* purpose 1: store/access */
    ok = (t->purposes & need) == need;
    if (p->tcf_vendor != 0) {
      ok = ok && consent__tcf_vendor(t->vendors, p->tcf_vendor);
      for (k = 1; ok && k <= 24; k++)
        if ((need >> (k - 1)) & 1)
          ok = consent__tcf_restricted(t, k, p->tcf_vendor);
    }
    dec[i] = (signed char)ok;
  }
  consent__tcf_free(t);
  free(t);
  return st;
}

/* Klaro: {"service": true|false, ...} */
static int
read_klaro(const struct consent_registry *r, const char *s,
           signed char *dec, char *errmsg, size_t cap)
{
  json_error_t e;
  json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &e);
  size_t i;
  int ex;

  if (!json_is_object(j)) {
    json_decref(j);
    return bad(errmsg, cap, "klaro", "not a JSON object");
  }
  for (i = 0; i < r->count; i++) {
    json_t *x;
    if (!r->prov[i].enabled)
      continue;
    x = json_object_get(j, name_in(&r->prov[i], CONSENT_SOURCE_KLARO, &ex));
    if (json_is_boolean(x))
      dec[i] = (signed char)json_is_true(x);
  }
  json_decref(j);
  return 0;
}

/* Cookiebot: {stamp:'...',necessary:true,preferences:false,
 * statistics:true,marketing:false,method:'explicit',ver:1,...} (not JSON:
 * bare keys, single quotes); "-1" when consent is not required there. */
static int
read_cookiebot(const struct consent_registry *r, const char *s,
               signed char *dec, char *errmsg, size_t cap)
{
  static const char *const cats[] = { "preferences", "statistics",
                                      "marketing", NULL };
  int val[3] = { -1, -1, -1 }, k, ex;
  size_t i;

  if (strcmp(s, "-1") == 0)
    return 0;                        /* no consent asked for: no signal */
  if (s[0] != '{')
    return bad(errmsg, cap, "CookieConsent", "not {key:value,...}");
  for (k = 0; cats[k]; k++) {
    const char *p = s;
    size_t n = strlen(cats[k]);
    while ((p = strstr(p, cats[k])) != NULL) {
      if ((p[-1] == '{' || p[-1] == ',') && p[n] == ':') {
        if (strncmp(p + n + 1, "true", 4) == 0)
          val[k] = 1;
        else if (strncmp(p + n + 1, "false", 5) == 0)
          val[k] = 0;
        break;
      }
      p += n;
    }
    if (val[k] < 0)
      return bad(errmsg, cap, "CookieConsent", "a category without "
                 "true/false");
  }
  for (i = 0; i < r->count; i++) {
    const char *name;
    if (!r->prov[i].enabled)
      continue;
    name = name_in(&r->prov[i], CONSENT_SOURCE_COOKIEBOT, &ex);
    for (k = 0; cats[k]; k++)
      if (strcmp(name, cats[k]) == 0)
        dec[i] = (signed char)val[k];
  }
  return 0;
}

/* OneTrust: a query string whose "groups" is "C0001:1,C0002:0,...". */
static int
read_onetrust(const struct consent_registry *r, const char *s,
              signed char *dec, char *errmsg, size_t cap)
{
  const char *g = NULL, *p = s;
  size_t i;
  int ex;

  while (*p) {
    if (strncmp(p, "groups=", 7) == 0) {
      g = p + 7;
      break;
    }
    p = strchr(p, '&');
    if (p == NULL)
      break;
    p++;
  }
  if (g == NULL)
    return bad(errmsg, cap, "OptanonConsent", "no groups=");
  for (i = 0; i < r->count; i++) {
    const char *name, *q = g;
    size_t n;
    if (!r->prov[i].enabled)
      continue;
    name = name_in(&r->prov[i], CONSENT_SOURCE_ONETRUST, &ex);
    n = strlen(name);
    while (*q && *q != '&') {
      if (strncmp(q, name, n) == 0 && q[n] == ':' &&
          (q[n + 1] == '0' || q[n + 1] == '1')) {
        dec[i] = (signed char)(q[n + 1] - '0');
        break;
      }
      q += strcspn(q, ",&");
      if (*q == ',')
        q++;
    }
  }
  return 0;
}

static int
array_has(json_t *a, const char *name)
{
  size_t k;
  json_t *x;

  json_array_foreach(a, k, x)
    if (json_is_string(x) && strcmp(json_string_value(x), name) == 0)
      return 1;
  return 0;
}

/* orestbida cookieconsent: v3 {"categories":[...],"services":{...},...},
 * v2 {"level":[...],...}: a category listed is accepted, one that is not
 * was refused.  A provider mapped to "category:service" needs that
 * service accepted too (v3). */
static int
read_cc_cookie(const struct consent_registry *r, const char *s,
               signed char *dec, char *errmsg, size_t cap)
{
  json_error_t e;
  json_t *j = json_loads(s, 0, &e), *cats, *services;
  size_t i;
  int ex;

  cats = json_object_get(j, "categories");
  if (cats == NULL)
    cats = json_object_get(j, "level");
  if (!json_is_array(cats)) {
    json_decref(j);
    return bad(errmsg, cap, "cc_cookie", "no \"categories\" (v3) or "
               "\"level\" (v2) list");
  }
  services = json_object_get(j, "services");
  for (i = 0; i < r->count; i++) {
    char cat[128];
    const char *name, *colon;
    if (!r->prov[i].enabled)
      continue;
    name = name_in(&r->prov[i], CONSENT_SOURCE_CC_COOKIE, &ex);
    colon = strchr(name, ':');
    snprintf(cat, sizeof(cat), "%.*s",
             (int)(colon ? (size_t)(colon - name) : strlen(name)), name);
    dec[i] = (signed char)array_has(cats, cat);
    if (dec[i] && colon != NULL && json_is_object(services))
      dec[i] = (signed char)array_has(json_object_get(services, cat),
                                      colon + 1);
  }
  json_decref(j);
  return 0;
}

/* Borlabs Cookie 2: {"consents":{"group":["service",...],...},...}.  A
 * provider the provider file maps to a service is refused when the
 * service is not listed; one it does not map has no signal then. */
static int
read_borlabs(const struct consent_registry *r, const char *s,
             signed char *dec, char *errmsg, size_t cap)
{
  json_error_t e;
  json_t *j = json_loads(s, 0, &e), *consents, *list;
  const char *group;
  size_t i;
  int ex;

  consents = json_object_get(j, "consents");
  if (!json_is_object(consents)) {
    json_decref(j);
    return bad(errmsg, cap, "borlabs-cookie", "no \"consents\" object");
  }
  for (i = 0; i < r->count; i++) {
    const char *name;
    int found = 0;
    if (!r->prov[i].enabled)
      continue;
    name = name_in(&r->prov[i], CONSENT_SOURCE_BORLABS, &ex);
    json_object_foreach(consents, group, list)
      if (json_is_array(list) && array_has(list, name))
        found = 1;
    if (found)
      dec[i] = 1;
    else if (ex)
      dec[i] = 0;
  }
  json_decref(j);
  return 0;
}

int
consent__banner_read(const struct consent_registry *r, unsigned source,
                     const char *v, size_t n, signed char *dec, char *errmsg,
                     size_t cap)
{
  char *s;
  long len;
  int st;

  errmsg[0] = '\0';
  if (n > MAX_VALUE) {
    snprintf(errmsg, cap, "%s: a value over %d bytes",
             consent__source_name(source) ? consent__source_name(source)
             : "banner", MAX_VALUE);
    return CONSENT_E_LIMIT;
  }
  s = malloc(n + 1);
  if (s == NULL)
    return CONSENT_E_NOMEM;
  len = unescape(v, n, s, n + 1);
  if (len < 0 || strlen(s) != (size_t)len) {
    free(s);
    return bad(errmsg, cap, consent__source_name(source) ?
               consent__source_name(source) : "banner", "a NUL byte");
  }
  switch (source) {
  case CONSENT_SOURCE_TCF:
    st = read_tcf(r, s, (size_t)len, dec, errmsg, cap);
    break;
  case CONSENT_SOURCE_KLARO:
    st = read_klaro(r, s, dec, errmsg, cap);
    break;
  case CONSENT_SOURCE_COOKIEBOT:
    st = read_cookiebot(r, s, dec, errmsg, cap);
    break;
  case CONSENT_SOURCE_ONETRUST:
    st = read_onetrust(r, s, dec, errmsg, cap);
    break;
  case CONSENT_SOURCE_CC_COOKIE:
    st = read_cc_cookie(r, s, dec, errmsg, cap);
    break;
  case CONSENT_SOURCE_BORLABS:
    st = read_borlabs(r, s, dec, errmsg, cap);
    break;
  default:
    st = CONSENT_E_INVAL;
  }
  free(s);
  return st;
}

void
consent__gpc_apply(const struct consent_registry *r, uint32_t categories,
                   signed char *dec)
{
  size_t i;

  for (i = 0; i < r->count; i++)
    if (r->prov[i].enabled &&
        (r->prov[i].sale_sharing ||
         ((categories >> r->prov[i].category) & 1u)))
      dec[i] = 0;
}

int
consent__gpc_locks(const struct consent__provider *p, uint32_t categories)
{
  return p->sale_sharing || ((categories >> p->category) & 1u);
}

/* ------------------------------------------------------------------ */
/* Consent banners                                                     */

consent_status
consent_banner_read(const consent_registry_t *registry, unsigned int source,
                    const char *value, size_t len, consent_state_t *state,
                    long long now, char **errmsg)
{
  const struct consent_registry *reg;
  signed char *dec;
  char msg[200] = "";
  size_t i;
  int st;

  if (errmsg != NULL)
    *errmsg = NULL;
  if (registry == NULL || state == NULL || (value == NULL && len > 0) ||
      consent__source_cookie(source) == NULL ||
      state->reg != registry)
    return CONSENT_E_INVAL;
  reg = registry;
  dec = malloc(reg->count + 1);
  if (dec == NULL)
    return CONSENT_E_NOMEM;
  memset(dec, -1, reg->count + 1);
  st = consent__banner_read(reg, source, value ? value : "", len, dec, msg,
                            sizeof(msg));
  for (i = 0; st == 0 && i < reg->count; i++)
    if (dec[i] >= 0)
      st = consent__state_set(state, i, dec[i], consent__now_or(now));
  free(dec);
  if (st != 0 && msg[0] != '\0')
    consent__give_message(errmsg, msg);
  return (consent_status)st;
}
