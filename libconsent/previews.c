/*
 * previews.c: the preview fetcher and its cache (docs/previews.md).
 *
 * The cache is a folder of files named by the SHA-256 of the embed URL:
 * KEY.json (what the placeholder shows, or why there is nothing) and
 * KEY.jpg/.png/.webp/.gif (the thumbnail).  Files are written to a
 * temporary name and renamed, so readers never see half a file; the
 * folder is kept under a size cap by removing the entries fetched
 * longest ago.
 *
 * Fetching (libcurl multi, a bounded number at a time): the provider's
 * own oEmbed endpoint (from the registry), then the thumbnail.  HTTPS only
 * with verification, per-transfer timeouts, size limits, content-type
 * checks, at most 3 redirects and each to one of the provider's hosts, and
 * never a connection to a loopback, private, link-local or otherwise
 * internal address (checked on the address actually connected to, so DNS
 * cannot smuggle one in).
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "consent.h"
#include "previews.h"
#include "url.h"
#include "util.h"

#define KEY_HEX 64
#define MAX_QUEUE 4096
#define MAX_TRUSTED 16
#define MAX_REDIRECTS 3

struct job {
  char key[KEY_HEX + 1];
  char *url;                 /* the embed URL */
  long prov;
  /* In flight. */
  int stage;                 /* 0 oEmbed, 1 thumbnail */
  int redirects;
  char *fetching;            /* the URL of this transfer */
  struct consent__buf body;
  size_t limit;
  int too_big;
  CURL *easy;
  json_t *meta;              /* title, author, ... (stage 1) */
  char *lock;                /* KEY.lock while this process fetches it */
};

struct consent_previews {
  const struct consent_registry *reg;
  char *dir;
  char *prefix;              /* URL prefix the host serves dir under */
  char *ca_file;
  struct curl_slist *resolve;
  char trusted[MAX_TRUSTED][INET6_ADDRSTRLEN];
  size_t ntrusted;
  /* Limits. */
  long long cap_bytes, ttl, error_ttl;
  unsigned concurrency;
  long timeout_ms;
  size_t max_json, max_image;
  /* The queue (request threads add, the fetcher takes). */
  pthread_mutex_t lock;
  struct job **queue;
  size_t nqueue, qcap;
  /* Cache size, counted once then kept up to date. */
  long long size;
  int size_known;
  /* What consent_previews_run() reports. */
  unsigned long fetched, failed;
  /* CONSENT_PREVIEW_MEMORY: entries in memory, looked up instead of the
   * folder (under lock). */
  struct mem_entry *mem;
  size_t mem_cap;
  unsigned long mem_clock;
};

struct mem_entry {
  char key[KEY_HEX + 1];     /* "" when free */
  long long fetched;
  int has;                   /* 1: a preview, 0: a failure kept */
  unsigned long used;
  struct consent__preview p;
};

/* ------------------------------------------------------------------ */
/* Keys and files                                                      */

static void
key_of(const char *url, size_t len, char out[KEY_HEX + 1])
{
  unsigned char md[32];
  unsigned int n = 0;
  static const char hex[] = "0123456789abcdef";
  unsigned i;

  EVP_Digest(url, len, md, &n, EVP_sha256(), NULL);
  for (i = 0; i < 32; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[KEY_HEX] = '\0';
}

static char *
path_of(const struct consent_previews *pv, const char *key, const char *ext)
{
  size_t n = strlen(pv->dir) + strlen(key) + strlen(ext) + 3;
  char *p = malloc(n);

  if (p != NULL)
    snprintf(p, n, "%s/%s%s", pv->dir, key, ext);
  return p;
}

/* Writes a file atomically (temporary name, then rename). */
static int
write_atomic(const struct consent_previews *pv, const char *key,
             const char *ext, const void *data, size_t len)
{
  char *final = path_of(pv, key, ext), *tmp = path_of(pv, key, ".tmp");
  const char *p = data;
  int fd, rc = -1;

  if (final == NULL || tmp == NULL)
    goto out;
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    goto out;
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    p += w;
    len -= (size_t)w;
  }
  if (len == 0 && close(fd) == 0 && rename(tmp, final) == 0)
    rc = 0;
  else {
    if (len != 0)
      close(fd);
    unlink(tmp);
  }
out:
  free(final);
  free(tmp);
  return rc;
}

static long long
now_s(void)
{
  return (long long)time(NULL);
}

/* ------------------------------------------------------------------ */
/* Public handle                                                       */

struct consent_previews *
consent__previews_new(const struct consent_registry *reg, const char *dir)
{
  struct consent_previews *pv = calloc(1, sizeof(*pv));
  struct stat st;

  if (pv == NULL)
    return NULL;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
      access(dir, W_OK | X_OK) != 0) {
    free(pv);
    errno = errno ? errno : ENOTDIR;
    return NULL;
  }
  pv->reg = reg;
  pv->dir = consent__strndup(dir, strlen(dir));
  pv->prefix = consent__strndup("/consent-previews/", 18);
  pv->cap_bytes = 256LL << 20;
  pv->ttl = 7 * 86400;
  pv->error_ttl = 3600;
  pv->concurrency = 4;
  pv->timeout_ms = 10000;
  pv->max_json = 64 * 1024;
  pv->max_image = 2 * 1024 * 1024;
  pthread_mutex_init(&pv->lock, NULL);
  if (pv->dir == NULL || pv->prefix == NULL) {
    free(pv->dir);
    free(pv->prefix);
    free(pv);
    return NULL;
  }
  /* No curl_global_init() here: it is the program's (libcurl >= 7.84
   * initializes itself, thread-safely, on the first handle). */
  return pv;
}

static void
job_free(struct job *j)
{
  if (j == NULL)
    return;
  if (j->easy != NULL)
    curl_easy_cleanup(j->easy);
  if (j->lock != NULL) {
    unlink(j->lock);
    free(j->lock);
  }
  free(j->url);
  free(j->fetching);
  consent__buf_free(&j->body);
  json_decref(j->meta);
  free(j);
}

void
consent__previews_free(struct consent_previews *pv)
{
  size_t i;

  if (pv == NULL)
    return;
  for (i = 0; i < pv->nqueue; i++)
    job_free(pv->queue[i]);
  free(pv->queue);
  curl_slist_free_all(pv->resolve);
  pthread_mutex_destroy(&pv->lock);
  free(pv->mem);
  free(pv->dir);
  free(pv->prefix);
  free(pv->ca_file);
  free(pv);
}

int
consent__previews_set(struct consent_previews *pv, int opt, long long v)
{
  /* The range of each CONSENT_PREVIEW_* option. */
  static const struct {
    long long lo, hi;
  } range[] = {
    { 65536, LLONG_MAX }, { 1, LLONG_MAX }, { 1, LLONG_MAX }, { 1, 64 },
    { 100, 600000 }, { 1024, 1LL << 24 }, { 1024, 1LL << 28 }, { 0, 65536 }
  };

  if (opt < 0 || opt >= (int)(sizeof(range) / sizeof(range[0])) ||
      v < range[opt].lo || v > range[opt].hi)
    return CONSENT_E_INVAL;
  if (pv == NULL)
    return 0;                           /* only checked */
  switch (opt) {
  case CONSENT_PREVIEW_CACHE_BYTES: pv->cap_bytes = v; break;
  case CONSENT_PREVIEW_TTL: pv->ttl = v; break;
  case CONSENT_PREVIEW_ERROR_TTL: pv->error_ttl = v; break;
  case CONSENT_PREVIEW_CONCURRENCY: pv->concurrency = (unsigned)v; break;
  case CONSENT_PREVIEW_TIMEOUT_MS: pv->timeout_ms = (long)v; break;
  case CONSENT_PREVIEW_MAX_JSON: pv->max_json = (size_t)v; break;
  case CONSENT_PREVIEW_MAX_IMAGE: pv->max_image = (size_t)v; break;
  default: {
    struct mem_entry *m = v > 0 ? calloc((size_t)v, sizeof(*m)) : NULL;
    if (v > 0 && m == NULL)
      return CONSENT_E_NOMEM;
    pthread_mutex_lock(&pv->lock);
    free(pv->mem);
    pv->mem = m;
    pv->mem_cap = (size_t)v;
    pthread_mutex_unlock(&pv->lock);
    break;
  }
  }
  return 0;
}

static int
set_str(char **dst, const char *s)
{
  char *d = s ? consent__strndup(s, strlen(s)) : NULL;

  if (s != NULL && d == NULL)
    return CONSENT_E_NOMEM;
  free(*dst);
  *dst = d;
  return 0;
}

int
consent__previews_set_prefix(struct consent_previews *pv, const char *p)
{
  size_t i;

  if (p == NULL || p[0] != '/' || p[strlen(p) - 1] != '/')
    return CONSENT_E_INVAL;
  for (i = 0; p[i]; i++)
    if ((unsigned char)p[i] <= 0x20 || p[i] == '"' || p[i] == '<' ||
        p[i] == '>' || p[i] == '\\' || (unsigned char)p[i] >= 0x7F)
      return CONSENT_E_INVAL;
  return set_str(&pv->prefix, p);
}

int
consent__previews_set_ca(struct consent_previews *pv, const char *file)
{
  return set_str(&pv->ca_file, file);
}

int
consent__previews_resolve(struct consent_previews *pv, const char *entry)
{
  struct curl_slist *l = curl_slist_append(pv->resolve, entry);

  if (l == NULL)
    return CONSENT_E_NOMEM;
  pv->resolve = l;
  return 0;
}

int
consent__previews_trust(struct consent_previews *pv, const char *addr)
{
  unsigned char buf[16];

  if (pv != NULL && pv->ntrusted == MAX_TRUSTED)
    return CONSENT_E_LIMIT;
  if (inet_pton(AF_INET, addr, buf) != 1 && inet_pton(AF_INET6, addr, buf) != 1)
    return CONSENT_E_INVAL;
  if (pv == NULL)
    return 0;                           /* only checked */
  snprintf(pv->trusted[pv->ntrusted++], INET6_ADDRSTRLEN, "%s", addr);
  return 0;
}

/* ------------------------------------------------------------------ */
/* The queue                                                           */

static int
queued(const struct consent_previews *pv, const char *key)
{
  size_t i;

  for (i = 0; i < pv->nqueue; i++)
    if (strcmp(pv->queue[i]->key, key) == 0)
      return 1;
  return 0;
}

int
consent__previews_queue(struct consent_previews *pv, long prov,
                        const char *url, size_t len)
{
  struct job *j;
  char key[KEY_HEX + 1];
  int st = 0;

  if (prov < 0 || (size_t)prov >= pv->reg->count ||
      pv->reg->prov[prov].oembed == NULL || len == 0 || len > 2048)
    return CONSENT_E_NOTFOUND;
  key_of(url, len, key);
  pthread_mutex_lock(&pv->lock);
  if (queued(pv, key))
    goto out;
  if (pv->nqueue == MAX_QUEUE) {
    st = CONSENT_E_LIMIT;
    goto out;
  }
  if (pv->nqueue == pv->qcap) {
    size_t cap = pv->qcap ? pv->qcap * 2 : 64;
    struct job **q = realloc(pv->queue, cap * sizeof(*q));
    if (q == NULL) {
      st = CONSENT_E_NOMEM;
      goto out;
    }
    pv->queue = q;
    pv->qcap = cap;
  }
  j = calloc(1, sizeof(*j));
  if (j == NULL || (j->url = consent__strndup(url, len)) == NULL) {
    free(j);
    st = CONSENT_E_NOMEM;
    goto out;
  }
  memcpy(j->key, key, sizeof(key));
  j->prov = prov;
  pv->queue[pv->nqueue++] = j;
out:
  pthread_mutex_unlock(&pv->lock);
  return st;
}

size_t
consent__previews_pending(struct consent_previews *pv)
{
  size_t n;

  pthread_mutex_lock(&pv->lock);
  n = pv->nqueue;
  pthread_mutex_unlock(&pv->lock);
  return n;
}

static struct job *
take_job(struct consent_previews *pv)
{
  struct job *j = NULL;

  pthread_mutex_lock(&pv->lock);
  if (pv->nqueue > 0) {
    j = pv->queue[0];
    memmove(pv->queue, pv->queue + 1, (pv->nqueue - 1) * sizeof(*pv->queue));
    pv->nqueue--;
  }
  pthread_mutex_unlock(&pv->lock);
  return j;
}

/* ------------------------------------------------------------------ */
/* Lookup (the request path)                                           */

static const char *
str_of(json_t *o, const char *k)
{
  json_t *v = json_object_get(o, k);

  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Copies a string, cut (if it must be) at a UTF-8 character boundary. */
static void
copy_text(char *dst, size_t cap, const char *src)
{
  size_t n = strlen(src);

  if (n >= cap) {
    n = cap - 1;
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
      n--;
  }
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* What an entry of the folder says (meta: its KEY.json): 1 and *out
 * filled when it holds a preview, 0 for a failure kept; *fetched its
 * time. */
static int
meta_preview(const struct consent_previews *pv, json_t *meta,
             struct consent__preview *out, long long *fetched)
{
  const char *title = str_of(meta, "title"), *author, *image;

  memset(out, 0, sizeof(*out));
  *fetched = (long long)json_integer_value(json_object_get(meta, "fetched"));
  if (title == NULL)
    return 0;
  author = str_of(meta, "author");
  image = str_of(meta, "image");
  copy_text(out->title, sizeof(out->title), title);
  copy_text(out->author, sizeof(out->author), author ? author : "");
  if (image != NULL && strlen(image) <= KEY_HEX + 5 &&
      strspn(image, "0123456789abcdef") == KEY_HEX && image[KEY_HEX] == '.')
    snprintf(out->image, sizeof(out->image), "%s%s", pv->prefix, image);
  out->width = (unsigned)json_integer_value(json_object_get(meta, "width"));
  out->height = (unsigned)json_integer_value(json_object_get(meta, "height"));
  return 1;
}

/* The memory slot of key: its own, a free one, or the least used of the
 * few it may take (called under lock). */
static struct mem_entry *
mem_slot(struct consent_previews *pv, const char *key)
{
  size_t h = consent__fnv1a(key, KEY_HEX) % pv->mem_cap, i;
  struct mem_entry *best = NULL;

  for (i = 0; i < 8 && i < pv->mem_cap; i++) {
    struct mem_entry *m = &pv->mem[(h + i) % pv->mem_cap];
    if (m->key[0] == '\0' || strcmp(m->key, key) == 0)
      return m;
    if (best == NULL || m->used < best->used)
      best = m;
  }
  return best;
}

/* Keeps an entry of the folder in memory (CONSENT_PREVIEW_MEMORY). */
static void
remember(struct consent_previews *pv, const char *key, json_t *meta)
{
  struct consent__preview p;
  long long fetched;
  int has;
  struct mem_entry *m;

  if (pv->mem_cap == 0 || !json_is_object(meta))
    return;
  has = meta_preview(pv, meta, &p, &fetched);
  pthread_mutex_lock(&pv->lock);
  m = mem_slot(pv, key);
  memcpy(m->key, key, KEY_HEX + 1);
  m->fetched = fetched;
  m->has = has;
  m->p = p;
  m->used = ++pv->mem_clock;
  pthread_mutex_unlock(&pv->lock);
}

int
consent__previews_lookup(struct consent_previews *pv, const char *id,
                         const char *url, size_t len,
                         struct consent__preview *out)
{
  long prov = consent__registry_find(pv->reg, id, strlen(id));
  char key[KEY_HEX + 1], *path;
  json_t *meta;
  json_error_t e;
  long long fetched = 0;
  int ok = 0, stale = 1, found = 0;

  memset(out, 0, sizeof(*out));
  if (prov < 0 || pv->reg->prov[prov].oembed == NULL || len == 0 ||
      len > 2048)
    return 0;
  key_of(url, len, key);
  if (pv->mem_cap > 0) {
    /* From memory only: no file I/O on the request path. */
    struct mem_entry *m;
    pthread_mutex_lock(&pv->lock);
    m = mem_slot(pv, key);
    if (m != NULL && strcmp(m->key, key) == 0) {
      found = 1;
      ok = m->has;
      fetched = m->fetched;
      *out = m->p;
      m->used = ++pv->mem_clock;
    }
    pthread_mutex_unlock(&pv->lock);
  } else {
    path = path_of(pv, key, ".json");
    if (path == NULL)
      return 0;
    meta = json_load_file(path, JSON_DECODE_ANY, &e);
    free(path);
    if (json_is_object(meta)) {
      found = 1;
      ok = meta_preview(pv, meta, out, &fetched);
    }
    json_decref(meta);
  }
  if (found)
    stale = now_s() - fetched > (ok ? pv->ttl : pv->error_ttl);
  if (stale)
    consent__previews_queue(pv, prov, url, len);
  return ok;
}

/* ------------------------------------------------------------------ */
/* Fetching                                                            */

/* An IPv4 address (host order) a fetch may never connect to. */
static int
internal_ipv4(uint32_t a)
{
  return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
         (a >> 16) == 0xA9FE || (a >> 20) == 0xAC1 || (a >> 16) == 0xC0A8 ||
         (a >> 22) == (100u << 2 | 1) || (a >> 28) >= 0xE ||
         (a >> 8) == 0xC00000 || (a >> 17) == (0xC612u >> 1);
}

/* The same, of four bytes in network order (no sockaddr made up for it:
 * reading one through another struct type is undefined, and GCC's -O2
 * took the address for internal then). */
static int
internal_v4(const unsigned char *b)
{
  return internal_ipv4((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                       (uint32_t)b[2] << 8 | b[3]);
}

/* Addresses a fetch may never connect to. */
int
consent__internal_address(const struct sockaddr *sa)
{
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    return internal_v4((const unsigned char *)&s4->sin_addr);
  }
  if (sa->sa_family == AF_INET6) {
    const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                0, 0xFF, 0xFF };
    static const unsigned char nat64[12] = { 0, 0x64, 0xFF, 0x9B, 0, 0, 0,
                                             0, 0, 0, 0, 0 };
    static const unsigned char zero[15] = { 0 };
    /* IPv4 inside IPv6: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d,
     * NAT64 64:ff9b::a.b.c.d and 6to4 2002:aabb:ccdd::/48 reach the
     * IPv4 address they carry. */
    if (memcmp(b, v4mapped, 12) == 0 || memcmp(b, nat64, 12) == 0 ||
        (memcmp(b, zero, 12) == 0 && (b[12] | b[13] | b[14]) != 0))
      return internal_v4(b + 12);
    if (b[0] == 0x20 && b[1] == 0x02)
      return internal_v4(b + 2);
    return (memcmp(b, zero, 15) == 0 && b[15] <= 1) ||   /* :: and ::1 */
           (b[0] & 0xFE) == 0xFC ||                      /* fc00::/7 */
           (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) ||    /* fe80::/10 */
           (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) ||    /* fec0::/10 */
           b[0] == 0xFF ||                               /* multicast */
           (b[0] == 0 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B &&
            b[4] == 0 && b[5] == 1) ||                   /* 64:ff9b:1::/48 */
           (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 &&
            b[3] == 0) ||                                /* Teredo */
           (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D &&
            b[3] == 0xB8);                               /* 2001:db8::/32 */
  }
  return 1;
}

static int
trusted(const struct consent_previews *pv, const struct sockaddr *sa)
{
  char s[INET6_ADDRSTRLEN] = "";
  size_t i;

  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, s,
              sizeof(s));
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, s,
              sizeof(s));
  for (i = 0; i < pv->ntrusted; i++)
    if (strcmp(s, pv->trusted[i]) == 0)
      return 1;
  return 0;
}

static curl_socket_t
open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
  const struct consent_previews *pv = ud;

  (void)purpose;
  if (consent__internal_address(&a->addr) && !trusted(pv, &a->addr))
    return CURL_SOCKET_BAD;
  return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t
on_data(char *p, size_t size, size_t n, void *ud)
{
  struct job *j = ud;

  n *= size;
  if (j->body.len + n > j->limit) {
    j->too_big = 1;
    return 0;
  }
  return consent__buf_append(&j->body, p, n) == 0 ? n : 0;
}

/* Whether an https URL's host is one of the provider's (or the host of
 * its oEmbed endpoint). */
static int
provider_url(const struct consent_previews *pv, long prov, const char *u)
{
  struct consent__url pu;
  long m;

  if (strncasecmp(u, "https://", 8) != 0 ||
      consent__url_parse(u, strlen(u), &pu) != CONSENT__URL_HOST)
    return 0;
  m = consent__registry_match(pv->reg, &pu);
  if (m == prov)
    return 1;
  {
    struct consent__url eu;
    const char *ep = pv->reg->prov[prov].oembed;
    return consent__url_parse(ep, strlen(ep), &eu) == CONSENT__URL_HOST &&
           eu.host_len == pu.host_len &&
           strncasecmp(eu.host, pu.host, pu.host_len) == 0;
  }
}

static int
start_transfer(struct consent_previews *pv, CURLM *multi, struct job *j,
               const char *url, size_t limit)
{
  char *u = consent__strndup(url, strlen(url));

  if (u == NULL)
    return -1;
  free(j->fetching);
  j->fetching = u;
  j->body.len = 0;
  j->limit = limit;
  j->too_big = 0;
  if (j->easy == NULL && (j->easy = curl_easy_init()) == NULL)
    return -1;
  curl_easy_reset(j->easy);
  curl_easy_setopt(j->easy, CURLOPT_URL, u);
  curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
  curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(j->easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(j->easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(j->easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (pv->ca_file != NULL)
    curl_easy_setopt(j->easy, CURLOPT_CAINFO, pv->ca_file);
  if (pv->resolve != NULL)
    curl_easy_setopt(j->easy, CURLOPT_RESOLVE, pv->resolve);
  curl_easy_setopt(j->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(j->easy, CURLOPT_OPENSOCKETDATA, pv);
  curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, pv->timeout_ms);
  curl_easy_setopt(j->easy, CURLOPT_CONNECTTIMEOUT_MS, pv->timeout_ms);
  curl_easy_setopt(j->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)limit);
  curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(j->easy, CURLOPT_WRITEDATA, j);
  curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(j->easy, CURLOPT_USERAGENT,
                   "libconsent/" CONSENT_VERSION_STRING " (preview fetcher)");
  curl_easy_setopt(j->easy, CURLOPT_ACCEPT_ENCODING, "");
  return curl_multi_add_handle(multi, j->easy) == CURLM_OK ? 0 : -1;
}

/* Writes the entry of a failed fetch (kept for error_ttl) and counts. */
static void
give_up(struct consent_previews *pv, struct job *j, const char *why)
{
  json_t *m = json_pack("{s:s,s:s,s:I}", "url", j->url, "error", why,
                        "fetched", (json_int_t)now_s());
  char *s = m ? json_dumps(m, JSON_COMPACT) : NULL;

  if (s != NULL)
    write_atomic(pv, j->key, ".json", s, strlen(s));
  remember(pv, j->key, m);
  free(s);
  json_decref(m);
  pv->failed++;
}

static int
type_is(CURL *e, const char *const *types)
{
  char *ct = NULL;
  size_t i, n;

  curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
  if (ct == NULL)
    return -1;
  for (i = 0; types[i]; i++) {
    n = strlen(types[i]);
    if (strncasecmp(ct, types[i], n) == 0 &&
        (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
      return (int)i;
  }
  return -1;
}

static void evict(struct consent_previews *pv);

static long long
add_size(struct consent_previews *pv, long long delta)
{
  long long s;

  pthread_mutex_lock(&pv->lock);
  pv->size += delta;
  s = pv->size;
  pthread_mutex_unlock(&pv->lock);
  return s;
}

/* A transfer ended: goes on to the next step, or finishes the job.
 * Returns 1 when the job is done (to be freed). */
static int
transfer_done(struct consent_previews *pv, CURLM *multi, struct job *j,
              CURLcode rc)
{
  static const char *const json_types[] = { "application/json",
                                            "text/json", "text/javascript",
                                            NULL };
  static const char *const image_types[] = { "image/jpeg", "image/png",
                                             "image/webp", "image/gif",
                                             NULL };
  static const char *const exts[] = { ".jpg", ".png", ".webp", ".gif" };
  long status = 0;
  char *loc = NULL;
  int t;

  curl_multi_remove_handle(multi, j->easy);
  if (j->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    give_up(pv, j, j->stage ? "thumbnail too large" : "oEmbed answer too "
            "large");
    return 1;
  }
  if (rc != CURLE_OK) {
    give_up(pv, j, rc == CURLE_COULDNT_CONNECT ? "could not connect (or an "
            "internal address refused)" : curl_easy_strerror(rc));
    return 1;
  }
  curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300 && status < 400) {
    curl_easy_getinfo(j->easy, CURLINFO_REDIRECT_URL, &loc);
    if (loc == NULL || ++j->redirects > MAX_REDIRECTS) {
      give_up(pv, j, "too many redirects");
      return 1;
    }
    if (!provider_url(pv, j->prov, loc)) {
      give_up(pv, j, "a redirect away from the provider's hosts refused");
      return 1;
    }
    if (start_transfer(pv, multi, j, loc, j->limit) != 0) {
      give_up(pv, j, "out of memory");
      return 1;
    }
    return 0;
  }
  if (status != 200) {
    give_up(pv, j, "the provider answered with an error status");
    return 1;
  }
  if (j->stage == 0) {
    json_error_t e;
    json_t *o;
    const char *thumb, *title;
    if (type_is(j->easy, json_types) < 0) {
      give_up(pv, j, "the oEmbed answer is not JSON (Content-Type)");
      return 1;
    }
    o = json_loadb(j->body.data ? j->body.data : "", j->body.len, 0, &e);
    title = json_is_object(o) ? str_of(o, "title") : NULL;
    if (title == NULL || strlen(title) > 1000) {
      json_decref(o);
      give_up(pv, j, "the oEmbed answer is not JSON with a title");
      return 1;
    }
    j->meta = json_pack("{s:s,s:s,s:s,s:I}", "url", j->url, "title", title,
                        "author", str_of(o, "author_name") ?
                        str_of(o, "author_name") : "", "fetched",
                        (json_int_t)now_s());
    json_object_set_new(j->meta, "width",
                        json_integer(json_integer_value(json_object_get(
                          o, "thumbnail_width"))));
    json_object_set_new(j->meta, "height",
                        json_integer(json_integer_value(json_object_get(
                          o, "thumbnail_height"))));
    thumb = str_of(o, "thumbnail_url");
    if (thumb != NULL && provider_url(pv, j->prov, thumb)) {
      j->stage = 1;
      j->redirects = 0;
      if (start_transfer(pv, multi, j, thumb, pv->max_image) == 0) {
        json_decref(o);
        return 0;
      }
    }
    json_decref(o);
    /* No usable thumbnail: the title alone. */
  } else {
    t = type_is(j->easy, image_types);
    if (t < 0) {
      give_up(pv, j, "the thumbnail is not an image (Content-Type)");
      return 1;
    }
    {
      char name[KEY_HEX + 8];
      snprintf(name, sizeof(name), "%s%s", j->key, exts[t]);
      if (write_atomic(pv, j->key, exts[t], j->body.data, j->body.len) != 0) {
        give_up(pv, j, "cannot write the cache folder");
        return 1;
      }
      json_object_set_new(j->meta, "image", json_string(name));
      add_size(pv, (long long)j->body.len);
    }
  }
  {
    char *s = json_dumps(j->meta, JSON_COMPACT);
    if (s == NULL || write_atomic(pv, j->key, ".json", s, strlen(s)) != 0) {
      free(s);
      give_up(pv, j, "cannot write the cache folder");
      return 1;
    }
    if (add_size(pv, (long long)strlen(s)) > pv->cap_bytes)
      evict(pv);
    free(s);
  }
  remember(pv, j->key, j->meta);
  pv->fetched++;
  return 1;
}

/* Takes KEY.lock, so that the fetchers of several processes (httpd
 * children, nginx workers) do not fetch the same URL at once.  Returns 0
 * when taken, 1 when another process has it.  A lock is stale after
 * twice the longest a job can take (every transfer at its timeout). */
static int
take_lock(struct consent_previews *pv, struct job *j)
{
  struct stat st;
  int fd, tries;

  j->lock = path_of(pv, j->key, ".lock");
  if (j->lock == NULL)
    return -1;
  for (tries = 0; tries < 2; tries++) {
    fd = open(j->lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      close(fd);
      return 0;
    }
    if (errno != EEXIST || stat(j->lock, &st) != 0 ||
        (long long)time(NULL) - (long long)st.st_mtime <
        2 * (pv->timeout_ms / 1000 + 1) * (MAX_REDIRECTS + 2))
      break;
    unlink(j->lock);
  }
  free(j->lock);
  j->lock = NULL;
  return 1;
}

/* Memory mode: an entry the folder already has, fresh (fetched by an
 * earlier run or by another process sharing the folder), is loaded into
 * memory instead of being fetched again.  Returns 1 when it was. */
static int
load_known(struct consent_previews *pv, struct job *j)
{
  char *path = path_of(pv, j->key, ".json");
  struct consent__preview p;
  json_error_t e;
  json_t *meta;
  long long fetched;
  int fresh = 0;

  if (path == NULL)
    return 0;
  meta = json_load_file(path, JSON_DECODE_ANY, &e);
  free(path);
  if (json_is_object(meta)) {
    int has = meta_preview(pv, meta, &p, &fetched);
    fresh = now_s() - fetched <= (has ? pv->ttl : pv->error_ttl);
    if (fresh)
      remember(pv, j->key, meta);
  }
  json_decref(meta);
  return fresh;
}

static int
start_job(struct consent_previews *pv, CURLM *multi, struct job *j)
{
  const char *ep = pv->reg->prov[j->prov].oembed;
  char *q;
  size_t n;
  char *u;
  int rc;

  if (pv->mem_cap > 0 && load_known(pv, j))
    return 1;
  rc = take_lock(pv, j);
  if (rc != 0)
    return rc;
  q = curl_easy_escape(NULL, j->url, 0);
  if (q == NULL)
    return -1;
  n = strlen(ep) + strlen(q) + 32;
  u = malloc(n);
  if (u == NULL) {
    curl_free(q);
    return -1;
  }
  snprintf(u, n, "%s%curl=%s&format=json", ep, strchr(ep, '?') ? '&' : '?',
           q);
  curl_free(q);
  if (strncasecmp(ep, "https://", 8) != 0) {
    free(u);
    give_up(pv, j, "the oEmbed endpoint is not https");
    return 1;
  }
  rc = start_transfer(pv, multi, j, u, pv->max_json);
  free(u);
  return rc;
}

int
consent__previews_run(struct consent_previews *pv, long long max_ms,
                      unsigned *done, unsigned *failed)
{
  CURLM *multi = curl_multi_init();
  struct job **active;
  unsigned nactive = 0, i;
  unsigned long f0 = pv->fetched, e0 = pv->failed;
  struct timespec t0, t1;
  int running = 0;

  if (multi == NULL)
    return CONSENT_E_NOMEM;
  active = calloc(pv->concurrency, sizeof(*active));
  if (active == NULL) {
    curl_multi_cleanup(multi);
    return CONSENT_E_NOMEM;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    CURLMsg *msg;
    int left;
    long long el;
    /* Fill the free slots. */
    while (nactive < pv->concurrency) {
      struct job *j = take_job(pv);
      int rc;
      if (j == NULL)
        break;
      rc = start_job(pv, multi, j);
      if (rc != 0) {
        if (rc < 0)
          give_up(pv, j, "could not start the transfer");
        job_free(j);
        continue;
      }
      active[nactive++] = j;
    }
    if (nactive == 0)
      break;
    curl_multi_perform(multi, &running);
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
      struct job *j = NULL;
      if (msg->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
      if (j != NULL && transfer_done(pv, multi, j, msg->data.result)) {
        for (i = 0; i < nactive && active[i] != j; i++)
          ;
        if (i < nactive)
          active[i] = active[--nactive];
        job_free(j);
      }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    el = (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    if (max_ms > 0 && el > max_ms)
      break;
    curl_multi_poll(multi, NULL, 0, 100, NULL);
  }
  /* Unfinished transfers go back to the queue. */
  for (i = 0; i < nactive; i++) {
    curl_multi_remove_handle(multi, active[i]->easy);
    consent__previews_queue(pv, active[i]->prov, active[i]->url,
                            strlen(active[i]->url));
    job_free(active[i]);
  }
  free(active);
  curl_multi_cleanup(multi);
  if (done != NULL)
    *done = (unsigned)(pv->fetched - f0);
  if (failed != NULL)
    *failed = (unsigned)(pv->failed - e0);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Size cap                                                            */

struct entry {
  char key[KEY_HEX + 1];
  long long mtime, size;
};

static int
by_age(const void *a, const void *b)
{
  const struct entry *x = a, *y = b;

  return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

/* Removes the entries fetched longest ago until the folder is under 90%
 * of the cap (the fetcher's thread). */
static void
evict(struct consent_previews *pv)
{
  DIR *d = opendir(pv->dir);
  struct dirent *de;
  struct entry *e = NULL, *ne;
  size_t n = 0, cap = 0, i;
  long long total = 0, limit = pv->cap_bytes / 10 * 9;
  struct stat st;
  char path[4200];

  if (d == NULL)
    return;
  while ((de = readdir(d)) != NULL) {
    const char *dot = strchr(de->d_name, '.');
    if (dot == NULL || dot - de->d_name != KEY_HEX)
      continue;
    snprintf(path, sizeof(path), "%s/%s", pv->dir, de->d_name);
    if (stat(path, &st) != 0)
      continue;
    total += st.st_size;
    if (strcmp(dot, ".json") != 0)
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 256;
      ne = realloc(e, cap * sizeof(*e));
      if (ne == NULL)
        break;
      e = ne;
    }
    memcpy(e[n].key, de->d_name, KEY_HEX);
    e[n].key[KEY_HEX] = '\0';
    e[n].mtime = (long long)st.st_mtime;
    n++;
  }
  closedir(d);
  if (n > 1)
    qsort(e, n, sizeof(*e), by_age);
  for (i = 0; i < n && total > limit; i++) {
    static const char *const exts[] = { ".jpg", ".png", ".webp", ".gif",
                                         ".json" };
    size_t k;
    for (k = 0; k < 5; k++) {
      snprintf(path, sizeof(path), "%s/%s%s", pv->dir, e[i].key, exts[k]);
      if (stat(path, &st) == 0 && unlink(path) == 0)
        total -= st.st_size;
    }
  }
  free(e);
  pthread_mutex_lock(&pv->lock);
  pv->size = total;
  pv->size_known = 1;
  pthread_mutex_unlock(&pv->lock);
}

/* The first size check counts the folder. */
void
consent__previews_count(struct consent_previews *pv)
{
  int known;

  pthread_mutex_lock(&pv->lock);
  known = pv->size_known;
  pthread_mutex_unlock(&pv->lock);
  if (!known) {
    long long cap = pv->cap_bytes;
    pv->cap_bytes = 1LL << 62;       /* count only */
    evict(pv);
    pv->cap_bytes = cap;
    if (pv->size > cap)
      evict(pv);
  }
}

const struct consent_registry *
consent__previews_registry(const struct consent_previews *pv)
{
  return pv != NULL ? pv->reg : NULL;
}
