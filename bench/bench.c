/*
 * bench.c: throughput of the tokenizer and the passthrough rewriter over
 * a corpus held in memory, next to memcpy and memchr('<') over the same
 * bytes as the ceiling.  Not a test: it prints figures.
 *
 *   bench [--passes N] [--big MB] FILE...
 *
 * Each measurement is the median of N passes (default 7) over all files;
 * MB/s are of input (1 MB = 10^6 bytes).  --big also builds one large
 * page by concatenating the corpus up to that size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "rewriter.h"
#include "tokenizer.h"

struct doc {
  char *data;
  size_t len;
};

static struct doc *docs;
static size_t ndocs, total;
static volatile size_t sink_bytes;
static char *copy_buf;
static struct consent__gate gate;

static double
now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

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

/* The rewriter with output to a sink, in 64 KiB chunks. */
static void
work_rewriter(const struct doc *d)
{
  struct consent__rewriter rw;
  size_t n = 0, off, step;

  consent__rewriter_init(&rw, &gate, count_sink, &n);
  for (off = 0; off < d->len; off += step) {
    step = d->len - off < 65536 ? d->len - off : 65536;
    consent__rewriter_write(&rw, d->data + off, step);
  }
  consent__rewriter_end(&rw);
  consent__rewriter_free(&rw);
  sink_bytes += n;
}

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

static void
table(const char *title, const struct doc *set, size_t n, size_t bytes,
      int passes)
{
  static const struct { const char *name; work_fn fn; } rows[] = {
    { "memcpy (ceiling)", work_memcpy },
    { "memchr '<' (ceiling)", work_memchr },
    { "tokenizer, gate mode", work_tokenizer },
    { "tokenizer, all recorded", work_tokenizer_full },
    { "gate (built-in providers)", work_rewriter },
  };
  double base = 0;
  size_t i;

  printf("\n%s: %zu document%s, %.1f MB, median of %d passes\n", title, n,
         n == 1 ? "" : "s", (double)bytes / 1e6, passes);
  printf("  %-26s %10s %10s\n", "", "MB/s", "x memcpy");
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    double mbs = measure(rows[i].fn, set, n, bytes, passes);
    if (i == 0)
      base = mbs;
    printf("  %-26s %10.0f %10.3f\n", rows[i].name, mbs, mbs / base);
  }
}

int
main(int argc, char **argv)
{
  int passes = 7, i;
  size_t big = 0, maxlen = 0;
  struct rusage ru;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc)
      passes = atoi(argv[++i]);
    else if (strcmp(argv[i], "--big") == 0 && i + 1 < argc)
      big = (size_t)atol(argv[++i]) * 1000000;
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
  if (ndocs == 0 || passes < 1) {
    fprintf(stderr, "usage: bench [--passes N] [--big MB] FILE...\n");
    return 2;
  }
  for (i = 0; (size_t)i < ndocs; i++)
    if (docs[i].len > maxlen)
      maxlen = docs[i].len;
  copy_buf = malloc(big > maxlen ? big : maxlen);
  table("Corpus", docs, ndocs, total, passes);
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
    table("One large page (the corpus concatenated)", &one, 1, one.len,
          passes < 3 ? passes : 3);
    free(one.data);
  }
  getrusage(RUSAGE_SELF, &ru);
  printf("\npeak RSS of this process (corpus held in memory): %ld KiB\n",
         ru.ru_maxrss);
  return 0;
}
