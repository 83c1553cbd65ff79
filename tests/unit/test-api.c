/*
 * test-api.c: the public interface, through the shared library: versions,
 * status messages, handles, the streaming contract and its errors.
 */
#define _GNU_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <consent.h>

#include "../tools/gen.h"
#include "tap.h"
#include "buf.h"

static void
test_version(void)
{
  char want[32];

  snprintf(want, sizeof(want), "%d.%d.%d", CONSENT_VERSION_MAJOR,
           CONSENT_VERSION_MINOR, CONSENT_VERSION_PATCH);
  tap_ok(strcmp(consent_version(), CONSENT_VERSION_STRING) == 0 &&
         strcmp(want, CONSENT_VERSION_STRING) == 0,
         "consent_version() is %s", consent_version());
  tap_ok(consent_version_num() == CONSENT_VERSION_NUM &&
         CONSENT_VERSION_NUMBER == CONSENT_VERSION_NUM,
         "consent_version_num() is 0x%06x", consent_version_num());
  tap_ok(CONSENT_AT_LEAST_VERSION(0, 1, 0) &&
         !CONSENT_AT_LEAST_VERSION(CONSENT_VERSION_MAJOR + 1, 0, 0),
         "CONSENT_AT_LEAST_VERSION");
}

static void
test_strerror(void)
{
  int i, distinct = 1;

  for (i = 0; i < CONSENT__STATUS_END; i++) {
    const char *m = consent_strerror((consent_status)i);
    int j;
    for (j = 0; j < i; j++)
      if (strcmp(m, consent_strerror((consent_status)j)) == 0)
        distinct = 0;
  }
  tap_ok(distinct, "every status has its own message");
  tap_ok(strcmp(consent_strerror(CONSENT_OK), "success") == 0,
         "CONSENT_OK is \"success\"");
  tap_ok(strcmp(consent_strerror((consent_status)9999), "unknown status")
         == 0 && strcmp(consent_strerror((consent_status)-1),
                        "unknown status") == 0,
         "unknown codes give \"unknown status\"");
}

static void
test_handles(void)
{
  consent_config_t *c = NULL;
  consent_gate_t *g = NULL;
  consent_rewriter_t *rw = NULL;
  struct buf s = { 0 };

  consent_config_free(NULL);
  consent_gate_free(NULL);
  consent_rewriter_free(NULL);
  consent_free(NULL);
  tap_ok(1, "_free(NULL) is a no-op for every handle");
  tap_ok(consent_config_new(NULL) == CONSENT_E_INVAL,
         "config_new(NULL) is E_INVAL");
  tap_ok(consent_config_new(&c) == CONSENT_OK, "config_new");
  tap_ok(consent_config_set_max_buffer(c, 100) == CONSENT_E_INVAL &&
         consent_config_set_max_buffer(NULL, 1 << 20) == CONSENT_E_INVAL &&
         consent_config_set_max_buffer(c, 8192) == CONSENT_OK,
         "set_max_buffer checks its arguments");
  tap_ok(consent_gate_new(c, NULL) == CONSENT_E_INVAL, "gate_new(c, NULL)");
  tap_ok(consent_gate_new(c, &g) == CONSENT_OK, "gate_new");
  consent_config_free(c); /* the gate does not depend on it */
  tap_ok(consent_rewriter_new(g, NULL, NULL, &rw) == CONSENT_E_INVAL &&
         rw == NULL, "rewriter_new without a sink is E_INVAL");
  tap_ok(consent_rewriter_new(NULL, sink, &s, &rw) == CONSENT_E_INVAL,
         "rewriter_new without a gate is E_INVAL");
  tap_ok(consent_rewriter_new(g, sink, &s, &rw) == CONSENT_OK,
         "rewriter_new");
  tap_ok(consent_rewriter_write(rw, NULL, 1) == CONSENT_E_INVAL &&
         consent_rewriter_write(rw, NULL, 0) == CONSENT_OK,
         "write(NULL, 1) is E_INVAL, write(NULL, 0) is fine");
  tap_ok(consent_rewriter_write(rw, "<p>hi", 5) == CONSENT_OK &&
         consent_rewriter_end(rw) == CONSENT_OK &&
         s.len == 5 && memcmp(s.data, "<p>hi", 5) == 0,
         "a small page passes through");
  tap_ok(consent_rewriter_write(rw, "x", 1) == CONSENT_E_FINISHED &&
         consent_rewriter_end(rw) == CONSENT_E_FINISHED &&
         strlen(consent_rewriter_errmsg(rw)) > 0,
         "after end: E_FINISHED with a message");
  consent_rewriter_free(rw);
  consent_gate_free(g);
  free(s.data);
}

static void
test_sink_failure(void)
{
  consent_gate_t *g;
  consent_rewriter_t *rw;
  struct buf s = { 0 };

  s.fail_after = 3;
  consent_gate_new(NULL, &g);
  consent_rewriter_new(g, sink, &s, &rw);
  tap_ok(consent_rewriter_write(rw, "<p>hello", 8) == CONSENT_E_SINK,
         "a failing sink gives E_SINK");
  tap_ok(consent_rewriter_write(rw, "x", 1) == CONSENT_E_FAILED &&
         consent_rewriter_end(rw) == CONSENT_E_FAILED,
         "the rewriter stays failed afterwards");
  tap_ok(strstr(consent_rewriter_errmsg(rw), "output callback") != NULL,
         "its message names the first error: %s",
         consent_rewriter_errmsg(rw));
  consent_rewriter_free(rw);
  consent_gate_free(g);
  free(s.data);
}

/* Passthrough: for pages and garbage, in any chunking, output ==
 * input, and every byte is out before write() returns. */
/* With no providers to gate, pages and garbage pass through. */
static consent_gate_t *
passthrough_gate(consent_registry_t **reg)
{
  consent_config_t *c;
  consent_gate_t *g = NULL;

  consent_registry_new_empty(reg);
  consent_config_new(&c);
  consent_config_set_registry(c, *reg);
  consent_gate_new(c, &g);
  consent_config_free(c);
  return g;
}

static void
test_passthrough(void)
{
  static char in[200000];
  consent_registry_t *reg;
  consent_gate_t *g;
  struct gen gn;
  int seed, ok = 1, prompt = 1;
  size_t n;

  g = passthrough_gate(&reg);
  for (seed = 1; seed <= 6; seed++) {
    size_t off = 0, step;
    consent_rewriter_t *rw;
    struct buf s = { 0 };

    gen_seed(&gn, (uint64_t)seed);
    n = seed % 2 ? gen_page(&gn, in, sizeof(in))
                 : gen_garbage(&gn, in, sizeof(in));
    consent_rewriter_new(g, sink, &s, &rw);
    while (off < n) {
      step = 1 + gen_below(&gn, 5000);
      if (step > n - off)
        step = n - off;
      consent_rewriter_write(rw, in + off, step);
      off += step;
      {
        /* Everything before the last '<' (the current token) is out. */
        size_t lt = off;
        while (lt > 0 && in[lt - 1] != '<')
          lt--;
        if (s.len < (lt > 0 ? lt - 1 : 0))
          prompt = 0;
      }
    }
    consent_rewriter_end(rw);
    if (s.len != n || memcmp(s.data, in, n) != 0)
      ok = 0;
    consent_rewriter_free(rw);
    free(s.data);
  }
  tap_ok(ok, "with no providers, pages and garbage come out byte for "
         "byte");
  tap_ok(prompt, "every byte before the current token reaches the sink "
         "before write() returns");
  consent_gate_free(g);
  consent_registry_free(reg);
}

static void
test_one_shot(void)
{
  static const char page[] = "<!DOCTYPE html><p>a\0b</p><script>x";
  consent_gate_t *g;
  char *out = NULL;
  size_t len = 0;

  consent_gate_new(NULL, &g);
  tap_ok(consent_rewrite(g, page, sizeof(page) - 1, &out, &len) ==
         CONSENT_OK && len == sizeof(page) - 1 &&
         memcmp(out, page, len) == 0 && out[len] == '\0',
         "consent_rewrite: same bytes, NUL-terminated");
  consent_free(out);
  tap_ok(consent_rewrite(g, "", 0, &out, &len) == CONSENT_OK && len == 0 &&
         out != NULL && out[0] == '\0', "consent_rewrite of nothing");
  consent_free(out);
  tap_ok(consent_rewrite(g, NULL, 3, &out, &len) == CONSENT_E_INVAL &&
         out == NULL, "consent_rewrite(NULL, 3) is E_INVAL");
  tap_ok(consent_rewrite(NULL, "x", 1, &out, NULL) == CONSENT_E_INVAL,
         "consent_rewrite without a gate is E_INVAL");
  consent_gate_free(g);
}

/* A buffered rewriter gives, in any chunking, what the one-shot call
 * gives; take() hands out each piece once. */
static void
test_buffered(void)
{
  static const char page[] =
    "<p>before</p><iframe src=\"https://www.youtube.com/embed/x\"></iframe>"
    "<p>after</p>";
  consent_gate_t *g = NULL;
  consent_rewriter_t *rw = NULL, *plain = NULL;
  char *want = NULL, got[32768];
  size_t wlen = 0, glen = 0, n, i, pieces = 0;
  const char *p;
  struct buf s = { NULL, 0, 0, 0, 0 };

  consent_gate_new(NULL, &g);
  consent_rewrite(g, page, sizeof(page) - 1, &want, &wlen);
  tap_ok(consent_rewriter_new_buffered(g, &rw) == CONSENT_OK,
         "buffered rewriter created");
  for (i = 0; i < sizeof(page) - 1; i += 7) {
    n = sizeof(page) - 1 - i < 7 ? sizeof(page) - 1 - i : 7;
    consent_rewriter_write(rw, page + i, n);
    p = consent_rewriter_take(rw, &n);
    if (n > 0 && glen + n < sizeof(got)) {
      memcpy(got + glen, p, n);
      glen += n;
      pieces++;
    }
  }
  consent_rewriter_end(rw);
  p = consent_rewriter_take(rw, &n);
  memcpy(got + glen, p, n);
  glen += n;
  tap_ok(want && glen == wlen && memcmp(got, want, wlen) == 0 && pieces > 1,
         "buffered rewriter in 7-byte writes equals the one-shot output "
         "(%zu bytes in %zu pieces)", glen, pieces + 1);
  p = consent_rewriter_take(rw, &n);
  tap_ok(p != NULL && n == 0, "a second take gives nothing");
  consent_rewriter_free(rw);
  consent_rewriter_new(g, sink, &s, &plain);
  tap_ok(consent_rewriter_take(plain, &n) == NULL && n == 0 &&
         consent_rewriter_take(NULL, NULL) == NULL &&
         consent_rewriter_new_buffered(NULL, &rw) == CONSENT_E_INVAL,
         "take() on a rewriter with a sink, NULL handles");
  consent_rewriter_free(plain);
  consent_free(want);
  free(s.data);
  consent_gate_free(g);
}

/* A gate whose previews use another registry than its own: the provider
 * is found by id there (a defect found in review: the gate's index was
 * used, out of bounds when that registry is shorter). */
static void
test_previews_registry(void)
{
  static const char conf[] =
    "[only]\ncode = 900\nname = Only\ncategory = video\n"
    "hosts = only.example\noembed = https://only.example/oembed\n";
  char dir[] = "/tmp/consent-test-previews.XXXXXX";
  consent_registry_t *small = NULL;
  consent_previews_t *pv = NULL;
  consent_config_t *c = NULL;
  consent_gate_t *g = NULL;
  char *out = NULL;
  size_t len = 0;
  int ok;
  const char *page =
    "<iframe src=\"https://player.vimeo.com/video/1\"></iframe>"
    "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>";

  ok = mkdtemp(dir) != NULL &&
       consent_registry_new_empty(&small) == CONSENT_OK &&
       consent_registry_load_buffer(small, conf, sizeof(conf) - 1, "t") ==
         CONSENT_OK &&
       consent_previews_new(small, dir, &pv) == CONSENT_OK &&
       consent_config_new(&c) == CONSENT_OK &&
       consent_config_set_previews(c, pv) == CONSENT_OK &&
       consent_gate_new(c, &g) == CONSENT_OK &&
       consent_rewrite(g, page, strlen(page), &out, &len) == CONSENT_OK;
  tap_ok(ok && strstr(out, "data-consent-provider=\"youtube\"") != NULL &&
         strstr(out, "data-consent-provider=\"vimeo\"") != NULL,
         "previews with a registry of their own: embeds gated, no preview "
         "looked up under another provider's index");
  consent_free(out);
  consent_gate_free(g);
  consent_config_free(c);
  consent_previews_free(pv);
  consent_registry_free(small);
  if (ok) {
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    (void)system(cmd);
  }
}

/* The cache of gated pages: keys hold all the bytes depend on; entries
 * in and out by size and age; an entry held while pushed out stays
 * readable until released. */
static void
test_cache(void)
{
  consent_gate_t *g = NULL, *g2 = NULL;
  consent_registry_t *reg = NULL, *other = NULL;
  consent_state_t *none = NULL, *yt = NULL, *alien = NULL;
  consent_cache_t *c = NULL;
  const consent_cache_entry_t *e = NULL, *held = NULL;
  unsigned char k[8][CONSENT_CACHE_KEY_SIZE];
  const char *data;
  size_t len, n = 0;
  char *big;
  unsigned long hits = 0, misses = 0;
  int i, distinct = 1;

  consent_registry_new(&reg);
  consent_registry_new(&other);
  {
    consent_config_t *cfg = NULL;
    consent_config_new(&cfg);
    consent_config_set_registry(cfg, reg);
    consent_gate_new(cfg, &g);
    consent_gate_new(cfg, &g2);
    consent_config_free(cfg);
  }
  consent_state_new(reg, &none);
  consent_state_new(reg, &yt);
  consent_state_new(other, &alien);
  consent_state_set_provider(yt, "youtube", 1, 1000);
  tap_ok(consent_cache_new(1000, &c) == CONSENT_E_INVAL && c == NULL &&
         consent_cache_new(1 << 20, &c) == CONSENT_OK,
         "cache: at least 64 KiB");
  consent_cache_key(g, none, 2000, "\"v1\"", 4, CONSENT_ENCODING_IDENTITY, "/a", 2, "en", k[0]);
  consent_cache_key(g, yt, 2000, "\"v1\"", 4, CONSENT_ENCODING_IDENTITY, "/a", 2, "en", k[1]);
  consent_cache_key(g, none, 2000, "\"v2\"", 4, CONSENT_ENCODING_IDENTITY, "/a", 2, "en", k[2]);
  consent_cache_key(g, none, 2000, "\"v1\"", 4, CONSENT_ENCODING_GZIP, "/a", 2, "en", k[3]);
  consent_cache_key(g, none, 2000, "\"v1\"", 4, CONSENT_ENCODING_IDENTITY, "/b", 2, "en", k[4]);
  consent_cache_key(g, none, 2000, "\"v1\"", 4, CONSENT_ENCODING_IDENTITY, "/a", 2, "de", k[5]);
  consent_cache_key(g2, none, 2000, "\"v1\"", 4, CONSENT_ENCODING_IDENTITY, "/a", 2, "en", k[6]);
  consent_cache_key(g, NULL, 2000, "\"v1\"", 4, CONSENT_ENCODING_IDENTITY, "/a", 2, "en", k[7]);
  for (i = 1; i < 7; i++)
    if (memcmp(k[0], k[i], CONSENT_CACHE_KEY_SIZE) == 0)
      distinct = 0;
  tap_ok(distinct, "cache keys differ by the visitor's decisions, validator, "
         "coding, path, language and gate");
  tap_ok(memcmp(k[0], k[7], CONSENT_CACHE_KEY_SIZE) == 0,
         "cache keys: no state and a state with no decision are the same "
         "visitor");
  {
    unsigned char kx[CONSENT_CACHE_KEY_SIZE];
    tap_ok(consent_cache_key(g, alien, 0, "v", 1, CONSENT_ENCODING_IDENTITY,
                             "/a", 2, NULL, kx) == CONSENT_E_INVAL &&
           consent_cache_key(g, none, 0, "", 0, CONSENT_ENCODING_IDENTITY,
                             "/a", 2, NULL, kx) == CONSENT_E_INVAL,
           "cache keys: none for a state of another registry or without a "
           "validator");
  }
  tap_ok(consent_cache_get(c, k[0], 2000, &e, &data, &len) == 0 &&
         consent_cache_put(c, k[0], "page-0", 6, 60, 2000) == CONSENT_OK &&
         consent_cache_get(c, k[0], 2001, &e, &data, &len) == 1 &&
         len == 6 && memcmp(data, "page-0", 6) == 0 &&
         consent_cache_get(c, k[1], 2001, &held, &data, &len) == 0,
         "cache: a miss, a put, a hit with the bytes; another visitor's key "
         "misses");
  consent_cache_release(c, e);
  tap_ok(consent_cache_get(c, k[0], 2061, &e, &data, &len) == 0,
         "cache: an entry past its age is gone");
  /* Held while pushed out: still readable until released. */
  big = malloc(100000);
  memset(big, 'x', 100000);
  consent_cache_put(c, k[2], "held", 4, 0, 2000);
  consent_cache_get(c, k[2], 2000, &held, &data, &len);
  for (i = 3; i < 7; i++)
    consent_cache_put(c, k[i], big, 100000, 0, 2000);
  for (i = 0; i < 12; i++) {
    unsigned char kk[CONSENT_CACHE_KEY_SIZE];
    char path[16];
    snprintf(path, sizeof(path), "/p%d", i);
    consent_cache_key(g, none, 2000, "v", 1, CONSENT_ENCODING_IDENTITY, path,
                      strlen(path), NULL, kk);
    consent_cache_put(c, kk, big, 100000, 0, 2000);
  }
  consent_cache_stats(c, &n, &len, &hits, &misses);
  tap_ok(len <= (1 << 20) && n <= 10 && memcmp(data, "held", 4) == 0 &&
         consent_cache_get(c, k[2], 2000, &e, &data, &len) == 0,
         "cache: the least recently used go past the size (%zu entries); a "
         "held entry pushed out stays readable", n);
  consent_cache_release(c, held);
  tap_ok(consent_cache_put(c, k[0], big, (1 << 20) / 8 + 1, 0, 0) ==
         CONSENT_E_LIMIT, "cache: a page over an eighth of the cache is not "
         "kept");
  tap_ok(hits >= 1 && misses >= 3, "cache: counts hits and misses (%lu, %lu)",
         hits, misses);
  /* A rewriter keeps its output in the cache when it ends. */
  {
    consent_rewriter_t *rw = NULL;
    struct buf out = { NULL, 0, 0, 0, 0 };
    static const char page[] =
      "<p>x</p><iframe src=\"https://www.youtube.com/embed/k\"></iframe>";
    unsigned char kk[CONSENT_CACHE_KEY_SIZE];
    int kept;

    consent_cache_key(g, none, 3000, "\"rw\"", 4, CONSENT_ENCODING_IDENTITY,
                      "/rw", 3, NULL, kk);
    consent_rewriter_new(g, sink, &out, &rw);
    tap_ok(consent_rewriter_set_cache(rw, c, kk, 0) == CONSENT_OK,
           "rewriter: set_cache before the first write");
    consent_rewriter_write(rw, page, sizeof(page) - 1);
    tap_ok(consent_rewriter_set_cache(rw, c, kk, 0) == CONSENT_E_INVAL,
           "rewriter: set_cache refused after the first write");
    kept = consent_cache_get(c, kk, 0, &e, &data, &len);
    tap_ok(kept == 0, "rewriter: nothing kept before the end");
    consent_rewriter_end(rw);
    kept = consent_cache_get(c, kk, 0, &e, &data, &len);
    tap_ok(kept == 1 && len == out.len && memcmp(data, out.data, len) == 0 &&
           strstr(out.data, "data-consent-provider=\"youtube\"") != NULL,
           "rewriter: at its end the gated output is in the cache, byte for "
           "byte (%zu bytes)", out.len);
    consent_cache_release(c, e);
    consent_rewriter_free(rw);
    free(out.data);
  }
  free(big);
  consent_cache_free(c);
  consent_state_free(none);
  consent_state_free(yt);
  consent_state_free(alien);
  consent_gate_free(g);
  consent_gate_free(g2);
  consent_registry_free(reg);
  consent_registry_free(other);
}

int
main(void)
{
  test_version();
  test_strerror();
  test_handles();
  test_sink_failure();
  test_passthrough();
  test_one_shot();
  test_buffered();
  test_previews_registry();
  test_cache();
  return tap_done();
}
