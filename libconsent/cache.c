/*
 * cache.c: a bounded in-memory cache of gated pages (include/consent.h,
 * "A cache of gated pages").  Entries are found by a key that holds all
 * the gated bytes depend on (consent_cache_key), kept least recently used
 * last, and counted while a host sends one (consent_cache_release), so
 * pushing an entry out never frees bytes still being sent.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "consent.h"
#include "registry.h"
#include "rewriter.h"
#include "state.h"
#include "util.h"

struct consent_cache_entry {
  unsigned char key[CONSENT_CACHE_KEY_SIZE];
  char *data;
  size_t len;
  int64_t expires;                 /* 0: never */
  unsigned refs;                   /* the cache's own (while listed) + holders */
  int listed;
  struct consent_cache_entry *prev, *next;   /* LRU list: head most recent */
  struct consent_cache_entry *hnext;         /* hash chain */
};

struct consent_cache {
  pthread_mutex_t lock;
  size_t max_bytes, bytes, count;
  struct consent_cache_entry **slots;
  size_t nslots;
  struct consent_cache_entry *head, *tail;
  unsigned long hits, misses;
};

/* Gates get a number each, so that a key names its gate and never a later
 * one made at the same address. */
static atomic_ullong gate_serial;

uint64_t
consent__gate_serial(void)
{
  return (uint64_t)atomic_fetch_add(&gate_serial, 1) + 1;
}

size_t
consent__cache_max_entry(const consent_cache_t *cache)
{
  return cache->max_bytes / 8;
}

consent_status
consent_cache_new(size_t max_bytes, consent_cache_t **cache)
{
  consent_cache_t *c;

  if (cache == NULL)
    return CONSENT_E_INVAL;
  *cache = NULL;
  if (max_bytes < 65536)
    return CONSENT_E_INVAL;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return CONSENT_E_NOMEM;
  c->nslots = 1024;
  c->slots = calloc(c->nslots, sizeof(*c->slots));
  if (c->slots == NULL) {
    free(c);
    return CONSENT_E_NOMEM;
  }
  c->max_bytes = max_bytes;
  pthread_mutex_init(&c->lock, NULL);
  *cache = c;
  return CONSENT_OK;
}

static void
entry_unref(struct consent_cache_entry *e)
{
  if (--e->refs == 0) {
    free(e->data);
    free(e);
  }
}

static size_t
slot_of(const consent_cache_t *c, const unsigned char *key)
{
  size_t h;

  memcpy(&h, key, sizeof(h));
  return h % c->nslots;
}

/* Takes e off the list and the table (under lock). */
static void
unlist(consent_cache_t *c, struct consent_cache_entry *e)
{
  struct consent_cache_entry **p = &c->slots[slot_of(c, e->key)];

  while (*p != NULL && *p != e)
    p = &(*p)->hnext;
  if (*p == e)
    *p = e->hnext;
  if (e->prev != NULL)
    e->prev->next = e->next;
  else
    c->head = e->next;
  if (e->next != NULL)
    e->next->prev = e->prev;
  else
    c->tail = e->prev;
  e->prev = e->next = e->hnext = NULL;
  e->listed = 0;
  c->bytes -= e->len;
  c->count--;
  entry_unref(e);
}

void
consent_cache_free(consent_cache_t *cache)
{
  if (cache == NULL)
    return;
  while (cache->head != NULL)
    unlist(cache, cache->head);
  pthread_mutex_destroy(&cache->lock);
  free(cache->slots);
  free(cache);
}

consent_status
consent_cache_key(const consent_gate_t *gate, const consent_state_t *state,
                  long long now, const char *validator, size_t vlen,
                  consent_encoding coding, const char *path, size_t plen,
                  const char *lang, unsigned char key[CONSENT_CACHE_KEY_SIZE])
{
  EVP_MD_CTX *md;
  unsigned char bits[2 * 4096 / 8 + 32];
  unsigned int n = 0;
  size_t i, nb = 0;
  int64_t t = consent__now_or(now);
  int ok;

  if (gate == NULL || validator == NULL || vlen == 0 || path == NULL ||
      key == NULL)
    return CONSENT_E_INVAL;
  /* What the visitor decided, now: per provider of the gate's registry
   * "allowed" and "refused" (neither: not decided), and the flags that
   * change a page (GPC, a banner that answered). */
  memset(bits, 0, sizeof(bits));
  if (state != NULL && state->reg != gate->reg)
    return CONSENT_E_INVAL;   /* a state of another registry: no key */
  nb = (2 * gate->reg->count + 7) / 8;
  if (nb > sizeof(bits) - 32)
    nb = sizeof(bits) - 32;
  if (state != NULL) {
    for (i = 0; i < gate->reg->count && 2 * i + 1 < 8 * nb; i++) {
      if (consent__state_allows(state, i, t))
        bits[(2 * i) / 8] |= (unsigned char)(1u << ((2 * i) % 8));
      if (consent__state_refuses(state, i, t))
        bits[(2 * i + 1) / 8] |= (unsigned char)(1u << ((2 * i + 1) % 8));
    }
    bits[nb] = (unsigned char)(state->gpc ? 1 : 0);
    memcpy(bits + nb + 1, &state->gpc_categories,
           sizeof(state->gpc_categories));
    bits[nb + 1 + sizeof(state->gpc_categories)] =
      (unsigned char)(state->answered ? 1 : 0);
  }
  /* (No state: nobody decided anything, no GPC, no banner.) */
  nb += 2 + sizeof(state->gpc_categories);
  md = EVP_MD_CTX_new();
  if (md == NULL)
    return CONSENT_E_NOMEM;
  ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
#define ADD(p, len)                                                     \
  do {                                                                  \
    uint64_t l_ = (uint64_t)(len);                                      \
    ok = ok && EVP_DigestUpdate(md, &l_, sizeof(l_)) == 1 &&            \
         EVP_DigestUpdate(md, (p), (size_t)(len)) == 1;                 \
  } while (0)
  ADD(&gate->serial, sizeof(gate->serial));
  ADD(validator, vlen);
  {
    int c = (int)coding;
    ADD(&c, sizeof(c));
  }
  ADD(path, plen);
  ADD(lang ? lang : "", lang ? strlen(lang) : 0);
  ADD(bits, nb);
#undef ADD
  ok = ok && EVP_DigestFinal_ex(md, key, &n) == 1 && n == 32;
  EVP_MD_CTX_free(md);
  return ok ? CONSENT_OK : CONSENT_E_CRYPTO;
}

int
consent_cache_get(consent_cache_t *cache,
                  const unsigned char key[CONSENT_CACHE_KEY_SIZE],
                  long long now, const consent_cache_entry_t **entry,
                  const char **data, size_t *len)
{
  struct consent_cache_entry *e;
  int64_t t = consent__now_or(now);

  if (cache == NULL || key == NULL || entry == NULL || data == NULL ||
      len == NULL)
    return 0;
  *entry = NULL;
  pthread_mutex_lock(&cache->lock);
  for (e = cache->slots[slot_of(cache, key)]; e != NULL; e = e->hnext)
    if (memcmp(e->key, key, CONSENT_CACHE_KEY_SIZE) == 0)
      break;
  if (e != NULL && e->expires != 0 && t >= e->expires) {
    unlist(cache, e);
    e = NULL;
  }
  if (e == NULL) {
    cache->misses++;
    pthread_mutex_unlock(&cache->lock);
    return 0;
  }
  /* Most recently used first. */
  if (e != cache->head) {
    e->prev->next = e->next;
    if (e->next != NULL)
      e->next->prev = e->prev;
    else
      cache->tail = e->prev;
    e->prev = NULL;
    e->next = cache->head;
    cache->head->prev = e;
    cache->head = e;
  }
  e->refs++;
  cache->hits++;
  pthread_mutex_unlock(&cache->lock);
  *entry = e;
  *data = e->data;
  *len = e->len;
  return 1;
}

void
consent_cache_release(consent_cache_t *cache,
                      const consent_cache_entry_t *entry)
{
  if (cache == NULL || entry == NULL)
    return;
  pthread_mutex_lock(&cache->lock);
  entry_unref((struct consent_cache_entry *)(uintptr_t)entry);
  pthread_mutex_unlock(&cache->lock);
}

consent_status
consent_cache_put(consent_cache_t *cache,
                  const unsigned char key[CONSENT_CACHE_KEY_SIZE],
                  const char *data, size_t len, long long max_age,
                  long long now)
{
  struct consent_cache_entry *e, **p;

  if (cache == NULL || key == NULL || (data == NULL && len > 0) ||
      max_age < 0)
    return CONSENT_E_INVAL;
  if (len > consent__cache_max_entry(cache))
    return CONSENT_E_LIMIT;
  e = calloc(1, sizeof(*e));
  if (e == NULL || (e->data = malloc(len ? len : 1)) == NULL) {
    free(e);
    return CONSENT_E_NOMEM;
  }
  memcpy(e->key, key, CONSENT_CACHE_KEY_SIZE);
  if (len > 0)
    memcpy(e->data, data, len);
  e->len = len;
  e->expires = max_age ? consent__now_or(now) + max_age : 0;
  e->refs = 1;
  e->listed = 1;
  pthread_mutex_lock(&cache->lock);
  /* A page gated twice at once: the later one replaces the earlier. */
  for (p = &cache->slots[slot_of(cache, key)]; *p != NULL; p = &(*p)->hnext)
    if (memcmp((*p)->key, key, CONSENT_CACHE_KEY_SIZE) == 0) {
      unlist(cache, *p);
      break;
    }
  while (cache->tail != NULL && cache->bytes + len > cache->max_bytes)
    unlist(cache, cache->tail);
  p = &cache->slots[slot_of(cache, key)];
  e->hnext = *p;
  *p = e;
  e->next = cache->head;
  if (cache->head != NULL)
    cache->head->prev = e;
  cache->head = e;
  if (cache->tail == NULL)
    cache->tail = e;
  cache->bytes += len;
  cache->count++;
  pthread_mutex_unlock(&cache->lock);
  return CONSENT_OK;
}

void
consent_cache_stats(consent_cache_t *cache, size_t *entries, size_t *bytes,
                    unsigned long *hits, unsigned long *misses)
{
  if (cache == NULL)
    return;
  pthread_mutex_lock(&cache->lock);
  if (entries != NULL)
    *entries = cache->count;
  if (bytes != NULL)
    *bytes = cache->bytes;
  if (hits != NULL)
    *hits = cache->hits;
  if (misses != NULL)
    *misses = cache->misses;
  pthread_mutex_unlock(&cache->lock);
}
