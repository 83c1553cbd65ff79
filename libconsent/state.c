/*
 * state.c: one visitor's consent decisions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consent.h"
#include "state.h"
#include "util.h"
#include "registry.h"

void
consent__state_init(struct consent_state *s,
                    const struct consent_registry *reg)
{
  memset(s, 0, sizeof(*s));
  s->reg = reg;
  s->max_age = CONSENT__DEFAULT_MAX_AGE;
  memset(s->cat, -1, sizeof(s->cat));
}

void
consent__state_free(struct consent_state *s)
{
  free(s->dec);
  s->dec = NULL;
  s->ndec = s->cap = 0;
}

void
consent__state_clear(struct consent_state *s)
{
  s->ndec = 0;
  memset(s->cat, -1, sizeof(s->cat));
  memset(s->cat_given, 0, sizeof(s->cat_given));
}

static size_t
lower_bound(const struct consent_state *s, unsigned code)
{
  size_t lo = 0, hi = s->ndec, mid;

  while (lo < hi) {
    mid = (lo + hi) / 2;
    if (s->dec[mid].code < code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static int
set_code(struct consent_state *s, unsigned code, int allow, int64_t when)
{
  size_t i = lower_bound(s, code);

  if (i < s->ndec && s->dec[i].code == code) {
    s->dec[i].allow = allow;
    s->dec[i].given = when;
    return 0;
  }
  if (s->ndec == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    struct consent__decision *d = realloc(s->dec, cap * sizeof(*d));
    if (d == NULL)
      return CONSENT_E_NOMEM;
    s->dec = d;
    s->cap = cap;
  }
  memmove(s->dec + i + 1, s->dec + i, (s->ndec - i) * sizeof(*s->dec));
  s->dec[i].code = code;
  s->dec[i].allow = allow;
  s->dec[i].given = when;
  s->ndec++;
  return 0;
}

int
consent__state_set(struct consent_state *s, size_t prov, int allow,
                   int64_t when)
{
  return set_code(s, s->reg->prov[prov].code, allow ? 1 : 0, when);
}

void
consent__state_set_category(struct consent_state *s, int cat, int allow,
                            int64_t when)
{
  s->cat[cat] = allow ? 1 : 0;
  s->cat_given[cat] = when;
}

/* The decision for a code, or NULL. */
static const struct consent__decision *
find(const struct consent_state *s, unsigned code)
{
  size_t i = lower_bound(s, code);

  return i < s->ndec && s->dec[i].code == code ? &s->dec[i] : NULL;
}

static int
current(const struct consent_state *s, int64_t given, int64_t now)
{
  return given <= now + 300 && now - given <= s->max_age;
}

int
consent__state_allows(const struct consent_state *s, size_t prov,
                      int64_t now)
{
  const struct consent__provider *p = &s->reg->prov[prov];
  const struct consent__decision *d = find(s, p->code);

  if (!p->enabled)
    return 0;
  if (d != NULL && current(s, d->given, now))
    return d->allow;
  if (s->cat[p->category] >= 0 &&
      current(s, s->cat_given[p->category], now))
    return s->cat[p->category];
  return 0;
}

int
consent__state_refuses(const struct consent_state *s, size_t prov,
                       int64_t now)
{
  const struct consent__provider *p = &s->reg->prov[prov];
  const struct consent__decision *d = find(s, p->code);

  if (d != NULL && current(s, d->given, now))
    return !d->allow;
  return s->cat[p->category] == 0 &&
         current(s, s->cat_given[p->category], now);
}

static int
put(struct consent__buf *b, const char *s)
{
  return consent__buf_append(b, s, strlen(s)) == 0 ? 0 : CONSENT_E_NOMEM;
}

static int
put_time(struct consent__buf *b, int64_t t)
{
  char tmp[40];
  struct tm tm;
  time_t tt = (time_t)t;

  if (gmtime_r(&tt, &tm) == NULL)
    return put(b, "null");
  strftime(tmp, sizeof(tmp), "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
  return put(b, tmp);
}

int
consent__state_json(const struct consent_state *s, int64_t now,
                    struct consent__buf *out)
{
  char tmp[96];
  size_t i;
  int first = 1, st = 0;

  snprintf(tmp, sizeof(tmp), "{\"policy_version\":%u,\"max_age\":%lld",
           s->policy, (long long)s->max_age);
  st |= put(out, tmp);
  if (s->issued != 0) {
    snprintf(tmp, sizeof(tmp), ",\"key_id\":%u,\"receipt\":\"", s->key_id);
    st |= put(out, tmp);
    for (i = 0; i < sizeof(s->receipt); i++) {
      snprintf(tmp, sizeof(tmp), "%02x", s->receipt[i]);
      st |= put(out, tmp);
    }
    st |= put(out, "\",\"issued\":");
    st |= put_time(out, s->issued);
    st |= put(out, ",\"expires\":");
    st |= put_time(out, s->issued + s->max_age);
  }
  st |= put(out, ",\"providers\":{");
  for (i = 0; i < s->ndec; i++) {
    long p = consent__registry_by_code(s->reg, s->dec[i].code);
    if (p < 0)
      continue; /* a provider this site no longer has */
    snprintf(tmp, sizeof(tmp), "%s\"%s\":{\"allowed\":%s,\"given\":",
             first ? "" : ",", s->reg->prov[p].id,
             s->dec[i].allow ? "true" : "false");
    st |= put(out, tmp);
    st |= put_time(out, s->dec[i].given);
    st |= put(out, ",\"expires\":");
    st |= put_time(out, s->dec[i].given + s->max_age);
    st |= put(out, current(s, s->dec[i].given, now) ? "}" :
              ",\"expired\":true}");
    first = 0;
  }
  st |= put(out, "},\"categories\":{");
  for (first = 1, i = 0; i < CONSENT__CATEGORIES; i++) {
    if (s->cat[i] < 0)
      continue;
    snprintf(tmp, sizeof(tmp), "%s\"%s\":{\"allowed\":%s,\"given\":",
             first ? "" : ",", consent__category_names[i],
             s->cat[i] ? "true" : "false");
    st |= put(out, tmp);
    st |= put_time(out, s->cat_given[i]);
    st |= put(out, "}");
    first = 0;
  }
  st |= put(out, "},\"allowed\":[");
  for (first = 1, i = 0; i < s->reg->count; i++) {
    if (!consent__state_allows(s, i, now))
      continue;
    snprintf(tmp, sizeof(tmp), "%s\"%s\"", first ? "" : ",",
             s->reg->prov[i].id);
    st |= put(out, tmp);
    first = 0;
  }
  st |= put(out, "]}");
  return st ? CONSENT_E_NOMEM : 0;
}

/* ------------------------------------------------------------------ */
/* State                                                               */

consent_status
consent_state_new(const consent_registry_t *registry,
                  consent_state_t **state)
{
  consent_state_t *s;

  if (state == NULL)
    return CONSENT_E_INVAL;
  *state = NULL;
  if (registry == NULL)
    return CONSENT_E_INVAL;
  s = malloc(sizeof(*s));
  if (s == NULL)
    return CONSENT_E_NOMEM;
  consent__state_init(s, registry);
  *state = s;
  return CONSENT_OK;
}

void
consent_state_free(consent_state_t *state)
{
  if (state == NULL)
    return;
  consent__state_free(state);
  free(state);
}

consent_status
consent_state_set_provider(consent_state_t *state, const char *id,
                           int allow, long long when)
{
  long i;

  if (state == NULL || id == NULL)
    return CONSENT_E_INVAL;
  i = consent__registry_find(state->reg, id, strlen(id));
  if (i < 0 || !state->reg->prov[i].enabled)
    return CONSENT_E_NOTFOUND;
  return (consent_status)consent__state_set(state, (size_t)i, allow,
                                            consent__now_or(when));
}

consent_status
consent_state_set_category(consent_state_t *state,
                           consent_category category, int allow,
                           long long when)
{
  if (state == NULL)
    return CONSENT_E_INVAL;
  if ((unsigned)category >= CONSENT__CATEGORIES)
    return CONSENT_E_NOTFOUND;
  consent__state_set_category(state, (int)category, allow,
                              consent__now_or(when));
  return CONSENT_OK;
}

void
consent_state_clear(consent_state_t *state)
{
  if (state != NULL)
    consent__state_clear(state);
}

void
consent_state_set_policy_version(consent_state_t *state,
                                 unsigned int version)
{
  if (state != NULL)
    state->policy = version;
}

consent_status
consent_state_set_max_age(consent_state_t *state, long long seconds)
{
  if (state == NULL || seconds < 60 || seconds > 5LL * 366 * 24 * 3600)
    return CONSENT_E_INVAL;
  state->max_age = seconds;
  return CONSENT_OK;
}

int
consent_state_allows(const consent_state_t *state, const char *id,
                     long long now)
{
  long i;

  if (state == NULL || id == NULL)
    return 0;
  i = consent__registry_find(state->reg, id, strlen(id));
  if (i < 0)
    return 0;
  return consent__state_allows(state, (size_t)i, consent__now_or(now));
}

consent_status
consent_state_to_json(const consent_state_t *state, long long now,
                      char **json)
{
  struct consent__buf b = { NULL, 0, 0 };

  if (json == NULL)
    return CONSENT_E_INVAL;
  *json = NULL;
  if (state == NULL)
    return CONSENT_E_INVAL;
  if (consent__state_json(state, consent__now_or(now), &b) != 0) {
    consent__buf_free(&b);
    return CONSENT_E_NOMEM;
  }
  return (consent__give_buffer(&b, json, NULL) == 0 ? CONSENT_OK : CONSENT_E_NOMEM);
}
