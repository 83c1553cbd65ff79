/*
 * bench.c: throughput of the tokenizer and the passthrough rewriter over
 * a corpus held in memory, next to memcpy and memchr('<') over the same
 * bytes as the ceiling.  Not a test: it prints figures.
 *
 *   bench [--passes N] [--big MB] [--embeds N] [--dump-embeds DIR]
 *         [--plain N] [--peer-a NAME=MBS] [--peer-b NAME=MBS] [--only ROW]
 *         FILE...
 *
 * Each measurement is the median of N passes (default 7) over all files;
 * MB/s are of input (1 MB = 10^6 bytes).  --big also builds one large
 * page by concatenating the corpus up to that size; --embeds makes the
 * embed-heavy corpus (N articles of about 100 KB with 3-8 embeds each,
 * deterministic) and --dump-embeds writes it out (for peers that run in
 * another process, whose figures --peer-a/--peer-b add to the tables).
 * --plain makes N articles like those with no embed at all (corpus D: the
 * gate passes them through unchanged).  --only runs one row (gate,
 * tokenizer, memcpy, ...) over the files (or, with --embeds or --plain,
 * over that corpus) N times and prints only the bytes it read: for
 * callgrind and perf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../tests/tools/gen.h"
#include "timing.h"
#include "rewriter.h"
#include "tokenizer.h"

#ifdef HAVE_LIBXML2
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#endif

struct doc {
  char *data;
  size_t len;
};

static struct doc *docs;
static size_t ndocs, total;
static volatile size_t sink_bytes;
static char *copy_buf;
static struct consent_gate gate;

typedef void (*work_fn)(const struct doc *d);

static void
work_memcpy(const struct doc *d)
{
  memcpy(copy_buf, d->data, d->len);
  sink_bytes += (size_t)copy_buf[d->len / 2];
}

static void
work_memchr(const struct doc *d)
{
  const char *p = d->data, *e = d->data + d->len;
  size_t n = 0;

  while ((p = memchr(p, '<', (size_t)(e - p))) != NULL) {
    n++;
    p++;
  }
  sink_bytes += n;
}

static int
count_token(void *ud, const struct consent__token *t)
{
  (void)t;
  ++*(size_t *)ud;
  return 0;
}

static void
tokenize(const struct doc *d, unsigned flags)
{
  struct consent__tokenizer t;
  size_t n = 0;

  consent__tok_init(&t, flags, 1 << 20);
  t.on_token = count_token;
  t.ud = &n;
  consent__tok_feed(&t, d->data, d->len);
  consent__tok_finish(&t);
  consent__tok_free(&t);
  sink_bytes += n;
}

/* The tokenizer as the gate runs it: tree emulation, tags only. */
static void
work_tokenizer(const struct doc *d)
{
  tokenize(d, CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING);
}

/* Everything recorded: text, comments, every attribute. */
static void
work_tokenizer_full(const struct doc *d)
{
  tokenize(d, CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING |
           CONSENT__TOKF_TEXT | CONSENT__TOKF_COMMENTS | CONSENT__TOKF_ATTRS);
}

static int
count_sink(const char *buf, size_t len, void *ud)
{
  (void)buf;
  *(size_t *)ud += len;
  return 0;
}

static int
append_sink(const char *buf, size_t len, void *ud)
{
  return consent__buf_append(ud, buf, len);
}

/* The charset the gate is told (a server's Content-Type charset);
 * CONSENT__CHARSET_UNKNOWN: none. */
static int gate_charset = CONSENT__CHARSET_UNKNOWN;

/* The rewriter with output to a sink, in 64 KiB chunks. */
static void
work_rewriter(const struct doc *d)
{
  struct consent_rewriter rw;
  size_t n = 0, off, step;

  consent__rewriter_init(&rw, &gate, count_sink, &n);
  if (gate_charset != CONSENT__CHARSET_UNKNOWN)
    consent__rewriter_set_charset(&rw, gate_charset);
  for (off = 0; off < d->len; off += step) {
    step = d->len - off < 65536 ? d->len - off : 65536;
    consent__rewriter_write(&rw, d->data + off, step);
  }
  consent__rewriter_end(&rw);
  consent__rewriter_free(&rw);
  sink_bytes += n;
}

/* The gate told the page is UTF-8, as servers mostly say in the
 * Content-Type (and as lol-html reads every page): without a charset,
 * ESC bytes are looked for in a pass of their own (a page that may be
 * ISO-2022-JP; codec.c). */
static void
work_rewriter_utf8(const struct doc *d)
{
  gate_charset = CONSENT__CHARSET_UTF8;
  work_rewriter(d);
  gate_charset = CONSENT__CHARSET_UNKNOWN;
}

/* The gate without the consent notice: what the notice costs. */
static void
work_rewriter_nonotice(const struct doc *d)
{
  gate.notice = 0;
  work_rewriter(d);
  gate.notice = 1;
}

#ifdef HAVE_LIBXML2
/* libxml2 doing the gate's job: parse, replace provider frames and
 * images with a placeholder, drop provider scripts and links,
 * serialize. */
static void
xml_gate(xmlNodePtr node)
{
  xmlNodePtr next;

  for (; node != NULL; node = next) {
    next = node->next;
    if (node->type == XML_ELEMENT_NODE) {
      const char *name = (const char *)node->name;
      const char *attr = strcmp(name, "link") == 0 ? "href" : "src";
      xmlChar *url = xmlGetProp(node, (const xmlChar *)attr);
      long prov = url ? consent__registry_match_url(gate.reg,
          (const char *)url, strlen((const char *)url)) : -1;
      xmlFree(url);
      if (prov >= 0 && (strcmp(name, "iframe") == 0 ||
                        strcmp(name, "img") == 0)) {
        xmlNodePtr box = xmlNewNode(NULL, (const xmlChar *)"div");
        xmlNewProp(box, (const xmlChar *)"class",
                   (const xmlChar *)"consent-embed");
        xmlNewProp(box, (const xmlChar *)"data-consent-provider",
                   (const xmlChar *)gate.reg->prov[prov].id);
        xmlNewTextChild(box, NULL, (const xmlChar *)"button",
                        (const xmlChar *)"Load content");
        xmlReplaceNode(node, box);
        xmlFreeNode(node);
        continue;
      }
      if (prov >= 0 && (strcmp(name, "script") == 0 ||
                        strcmp(name, "link") == 0)) {
        xmlUnlinkNode(node);
        xmlFreeNode(node);
        continue;
      }
      xml_gate(node->children);
    }
  }
}

static void
work_libxml2(const struct doc *d)
{
  htmlDocPtr doc = htmlReadMemory(d->data, (int)d->len, NULL, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                  HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
  xmlChar *out = NULL;
  int len = 0;

  if (doc == NULL)
    return;
  xml_gate(xmlDocGetRootElement(doc));
  htmlDocDumpMemory(doc, &out, &len);
  sink_bytes += (size_t)len;
  xmlFree(out);
  xmlFreeDoc(doc);
}
#endif

static double
measure(work_fn fn, const struct doc *set, size_t n, size_t bytes,
        int passes)
{
  double *t = malloc(sizeof(double) * (size_t)passes), med;
  int p;
  size_t i;

  for (i = 0; i < n; i++) /* warm up: caches, allocations */
    fn(&set[i]);
  for (p = 0; p < passes; p++) {
    double t0 = now();
    for (i = 0; i < n; i++)
      fn(&set[i]);
    t[p] = now() - t0;
  }
  qsort(t, (size_t)passes, sizeof(double), cmp_double);
  med = t[passes / 2];
  free(t);
  return (double)bytes / med / 1e6;
}

static void
load(const char *path)
{
  FILE *f = fopen(path, "rb");
  struct doc d;
  long len;

  if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
    fprintf(stderr, "bench: cannot read %s\n", path);
    exit(1);
  }
  rewind(f);
  d.len = (size_t)len;
  d.data = malloc(d.len + 1);
  if (d.data == NULL || fread(d.data, 1, d.len, f) != d.len) {
    fprintf(stderr, "bench: cannot read %s\n", path);
    exit(1);
  }
  fclose(f);
  docs = realloc(docs, (ndocs + 1) * sizeof(*docs));
  docs[ndocs++] = d;
  total += d.len;
}

struct peer {
  char name[40];
  double mbs;     /* median pass */
  double best;    /* best pass, or 0 */
};

static const struct {
  const char *name;
  const char *key;      /* for --only */
  work_fn fn;
} rows[] = {
  { "memcpy (ceiling)", "memcpy", work_memcpy },
  { "memchr '<' (ceiling)", "memchr", work_memchr },
  { "libconsent tokenizer", "tokenizer", work_tokenizer },
  { "libconsent tokenizer, all", "tokenizer-all", work_tokenizer_full },
  { "libconsent gate", "gate", work_rewriter },
  { "libconsent gate, no notice", "gate-nonotice", work_rewriter_nonotice },
  { "libconsent gate, UTF-8 said", "gate-utf8", work_rewriter_utf8 },
#ifdef HAVE_LIBXML2
  { "libxml2 (parse+gate+dump)", "libxml2", work_libxml2 },
#endif
};

static void
table(const char *title, const struct doc *set, size_t n, size_t bytes,
      int passes, const struct peer *peer)
{
  double base = 0, gate_mbs = 0, r[16];
  size_t i, nrows = sizeof(rows) / sizeof(rows[0]);

  printf("\n%s: %zu document%s, %.1f MB, median of %d passes\n", title, n,
         n == 1 ? "" : "s", (double)bytes / 1e6, passes);
  for (i = 0; i < nrows; i++) {
    r[i] = measure(rows[i].fn, set, n, bytes, passes);
    if (i == 0)
      base = r[i];
    if (rows[i].fn == work_rewriter)
      gate_mbs = r[i];
  }
  printf("  %-28s %10s %10s %12s\n", "", "MB/s", "x memcpy",
         "gate x this");
  for (i = 0; i < nrows; i++)
    printf("  %-28s %10.0f %10.3f %12.2f\n", rows[i].name, r[i],
           r[i] / base, gate_mbs / r[i]);
  if (peer != NULL && peer->mbs > 0)
    printf("  %-28s %10.0f %10.3f %12.2f\n", peer->name, peer->mbs,
           peer->mbs / base, gate_mbs / peer->mbs);
  if (peer != NULL && peer->best > 0)
    printf("  %-28s %10.0f %10.3f %12.2f\n", "  (its best pass)", peer->best,
           peer->best / base, gate_mbs / peer->best);
}

/* --only ROW: that row's work, passes times, nothing printed. */
/* n generated articles (seed 2026), with embeds or plain. */
static struct doc *
articles(int n, int plain, size_t *bytes)
{
  struct doc *set = calloc((size_t)n, sizeof(*set));
  struct gen g;
  int i;

  gen_seed(&g, 2026);
  *bytes = 0;
  for (i = 0; i < n; i++) {
    set[i].data = malloc(120000);
    set[i].len = gen_article_as(&g, set[i].data, 100000, plain);
    *bytes += set[i].len;
  }
  return set;
}

static int
run_only(const char *key, int passes, int nembeds, int nplain)
{
  struct doc *set = docs;
  size_t n = ndocs, i, r, bytes;
  int p;

  for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
    if (strcmp(rows[r].key, key) == 0)
      break;
  if (r == sizeof(rows) / sizeof(rows[0])) {
    fprintf(stderr, "bench: no row '%s'\n", key);
    return 2;
  }
  if (nembeds > 0 || nplain > 0) {
    set = articles(nembeds > 0 ? nembeds : nplain, nembeds == 0, &bytes);
    n = (size_t)(nembeds > 0 ? nembeds : nplain);
  }
  for (p = 0; p < passes; p++)
    for (i = 0; i < n; i++)
      rows[r].fn(&set[i]);
  for (i = 0, bytes = 0; i < n; i++)
    bytes += set[i].len;
  printf("bytes %zu\n", bytes * (size_t)passes);
  return 0;
}

static int
parse_peer(const char *arg, struct peer *p)
{
  const char *eq = strchr(arg, '=');

  if (eq == NULL || (size_t)(eq - arg) >= sizeof(p->name))
    return -1;
  memcpy(p->name, arg, (size_t)(eq - arg));
  p->name[eq - arg] = '\0';
  /* "NAME=MEDIAN" or "NAME=MEDIAN/BEST" */
  p->mbs = atof(eq + 1);
  p->best = strchr(eq, '/') != NULL ? atof(strchr(eq, '/') + 1) : 0;
  return 0;
}

int
main(int argc, char **argv)
{
  int passes = 7, i, nembeds = 0, nplain = 0;
  size_t big = 0, maxlen = 0;
  const char *dump = NULL, *only = NULL;
  struct peer peer_a = { "", 0, 0 }, peer_b = { "", 0, 0 };
  struct rusage ru;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc)
      passes = atoi(argv[++i]);
    else if (strcmp(argv[i], "--big") == 0 && i + 1 < argc)
      big = (size_t)atol(argv[++i]) * 1000000;
    else if (strcmp(argv[i], "--embeds") == 0 && i + 1 < argc)
      nembeds = atoi(argv[++i]);
    else if (strcmp(argv[i], "--dump-embeds") == 0 && i + 1 < argc)
      dump = argv[++i];
    else if (strcmp(argv[i], "--peer-a") == 0 && i + 1 < argc)
      parse_peer(argv[++i], &peer_a);
    else if (strcmp(argv[i], "--peer-b") == 0 && i + 1 < argc)
      parse_peer(argv[++i], &peer_b);
    else if (strcmp(argv[i], "--plain") == 0 && i + 1 < argc)
      nplain = atoi(argv[++i]);
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
      only = argv[++i];
    else
      load(argv[i]);
  }
  if (consent__gate_init(&gate) != 0) {
    fprintf(stderr, "bench: out of memory\n");
    return 1;
  }
  consent__registry_init(&gate.own_reg);
  gate.has_own_reg = 1;
  gate.reg = &gate.own_reg;
  if (consent__registry_builtin(&gate.own_reg) != 0) {
    fprintf(stderr, "bench: the built-in providers do not load\n");
    return 1;
  }
  if (dump != NULL) {
    /* Writes the embed-heavy corpus for peers in other processes. */
    struct gen g;
    char path[4096], *buf = malloc(120000);
    gen_seed(&g, 2026);
    for (i = 0; i < nembeds; i++) {
      size_t n = gen_article(&g, buf, 100000);
      FILE *f;
      snprintf(path, sizeof(path), "%s/article-%03d.html", dump, i);
      f = fopen(path, "wb");
      if (f == NULL || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        return 1;
      }
    }
    free(buf);
    return 0;
  }
  if ((ndocs == 0 && (only == NULL || nembeds + nplain == 0)) ||
      passes < 1) {
    fprintf(stderr, "usage: bench [--passes N] [--big MB] [--embeds N] "
            "FILE...\n");
    return 2;
  }
  for (i = 0; (size_t)i < ndocs; i++)
    if (docs[i].len > maxlen)
      maxlen = docs[i].len;
  copy_buf = malloc((big > maxlen ? big : maxlen) + 200000);
  if (only != NULL)
    return run_only(only, passes, nembeds, nplain);
  table("A. Real pages (htmlparser-benchmark)", docs, ndocs, total, passes,
        &peer_a);
  if (nembeds > 0) {
    struct doc *art = calloc((size_t)nembeds, sizeof(*art));
    size_t bytes = 0;
    struct gen g;
    gen_seed(&g, 2026);
    for (i = 0; i < nembeds; i++) {
      art[i].data = malloc(120000);
      art[i].len = gen_article(&g, art[i].data, 100000);
      bytes += art[i].len;
      if (art[i].len > maxlen)
        maxlen = art[i].len;
    }
    table("B. Embed-heavy articles (3-8 embeds each)", art, (size_t)nembeds,
          bytes, passes, &peer_b);
  }
  if (nplain > 0) {
    size_t bytes, k, same = 0;
    struct doc *set = articles(nplain, 1, &bytes);
    /* (Checked: the gate gives every one of them back unchanged.) */
    for (k = 0; k < (size_t)nplain; k++) {
      struct consent_rewriter rw;
      struct consent__buf out = { NULL, 0, 0 };
      consent__rewriter_init(&rw, &gate, append_sink, &out);
      gate.notice = 0;
      consent__rewriter_write(&rw, set[k].data, set[k].len);
      consent__rewriter_end(&rw);
      gate.notice = 1;
      consent__rewriter_free(&rw);
      same += out.len == set[k].len &&
              memcmp(out.data, set[k].data, out.len) == 0;
      free(out.data);
    }
    table("D. Pages without embeds (passed through unchanged)", set,
          (size_t)nplain, bytes, passes, NULL);
    if (same != (size_t)nplain)
      printf("  (!) %zu of %d came out changed\n", (size_t)nplain - same,
             nplain);
  }
  if (big > 0) {
    struct doc one;
    size_t k = 0;

    one.data = malloc(big);
    one.len = 0;
    while (one.len < big) {
      size_t n = docs[k % ndocs].len;
      if (n > big - one.len)
        n = big - one.len;
      memcpy(one.data + one.len, docs[k % ndocs].data, n);
      one.len += n;
      k++;
    }
    table("C. One large page (corpus A concatenated)", &one, 1, one.len,
          passes < 3 ? passes : 3, NULL);
    free(one.data);
  }
  getrusage(RUSAGE_SELF, &ru);
  printf("\npeak RSS of this process (corpus held in memory): %ld KiB\n",
         ru.ru_maxrss);
  return 0;
}
