/*
 * state.h: what one visitor has allowed or refused, per provider and per
 * category, with when and under which policy version; and its signed
 * cookie (cookie.c).
 */
#ifndef HEADER_CONSENT_STATE_H
#define HEADER_CONSENT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h"
#include "util.h"

#define CONSENT__DEFAULT_MAX_AGE (365LL * 24 * 3600)

struct consent__decision {
  unsigned code;      /* the provider's cookie code */
  int allow;
  int64_t given;      /* seconds since the epoch */
};

struct consent_state {
  const struct consent_registry *reg;
  struct consent__decision *dec;     /* sorted by code, one per code */
  size_t ndec, cap;
  int8_t cat[CONSENT__CATEGORIES];   /* -1 none, 0 refused, 1 allowed */
  int64_t cat_given[CONSENT__CATEGORIES];
  unsigned policy;                   /* policy version */
  int64_t max_age;                   /* how long a decision holds */
  /* Set when the state came from a cookie. */
  int64_t issued;
  unsigned key_id;
  uint8_t receipt[8];
  /* Set when Global Privacy Control applies: categories (bit per
   * consent_category) whose providers, like those marked sale_sharing,
   * are not offered "always". */
  int gpc;
  uint32_t gpc_categories;
  /* Set when a consent banner of the site answered (its cookie was
   * read): the site asks there, so the gate's notice does not. */
  int answered;
};

void consent__state_init(struct consent_state *s,
                         const struct consent_registry *reg);
void consent__state_free(struct consent_state *s);
void consent__state_clear(struct consent_state *s);

/* Records a decision for a provider (by index in the registry). */
int consent__state_set(struct consent_state *s, size_t prov, int allow,
                       int64_t when);
void consent__state_set_category(struct consent_state *s, int cat,
                                 int allow, int64_t when);

/* Whether the provider (index in the registry) may load at time now: its
 * own decision if it has one that has not expired, else its category's,
 * else no. */
int consent__state_allows(const struct consent_state *s, size_t prov,
                          int64_t now);

/* Whether the visitor refused the provider: its own current decision,
 * else its category's, is a refusal. */
int consent__state_refuses(const struct consent_state *s, size_t prov,
                           int64_t now);

/* The state as JSON (docs/cookie.md). */
int consent__state_json(const struct consent_state *s, int64_t now,
                        struct consent__buf *out);

#endif /* HEADER_CONSENT_STATE_H */
