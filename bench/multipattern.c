/*
 * multipattern.c: the gate's one pass over inline scripts and styles
 * (provider signatures and URLs of provider hosts) against vectorscan,
 * the multi-pattern engine Debian packages (libvectorscan-dev, Intel
 * Hyperscan's portable fork), given the same literals.  Not a test: it
 * prints figures, for the choice between the two.
 *
 *   multipattern [--passes N] FILE...
 *
 * The texts are the contents of every <script> and <style> of the files
 * (the real pages: bench --embeds's articles have no inline script),
 * found by a plain search for the tags.  Each row reads every text once per pass
 * and says which provider it loads:
 *
 *   - libconsent: consent__match_text_at, as the gate calls it (the
 *     nibble filter 32, 16 or 1 position at a time, then the signature
 *     compare and the URL's host in the registry);
 *   - vectorscan: one block-mode database of the same literals, every
 *     signature as written and every pattern host in any case; a host's
 *     match counts where it is a whole host ('/' or '.' before it, no
 *     host byte after it).  It does less than the row above (no paths,
 *     no escapes, no hosts that only a URL parser finds), so it bounds
 *     what vectorscan would cost from below.
 *
 * MB/s are of text bytes (median of the passes); the database's compile
 * time and size are printed first, and under each table how many texts
 * the two answer alike (a provider found or not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hs.h>

#include "matcher.h"
#include "registry.h"
#include "timing.h"

struct text {
  const char *p;
  size_t n;
};

static struct text *texts;
static size_t ntexts, ntexts_cap, text_bytes;
static volatile long sink;

static void
add_text(const char *p, size_t n)
{
  if (ntexts == ntexts_cap) {
    ntexts_cap = ntexts_cap ? 2 * ntexts_cap : 1024;
    texts = realloc(texts, ntexts_cap * sizeof(*texts));
    if (texts == NULL) {
      fprintf(stderr, "multipattern: out of memory\n");
      exit(1);
    }
  }
  texts[ntexts].p = p;
  texts[ntexts++].n = n;
  text_bytes += n;
}

/* The first s (case-insensitive) in [p, e), or NULL. */
static const char *
find_ci(const char *p, const char *e, const char *s)
{
  size_t n = strlen(s);

  for (; (size_t)(e - p) >= n; p++)
    if ((*p | 0x20) == s[0] && strncasecmp(p, s, n) == 0)
      return p;
  return NULL;
}

/* Every <script> and <style> text of the page in [p, p + n). */
static void
add_page(const char *p, size_t n)
{
  static const char *const tags[2][2] = { { "<script", "</script" },
                                          { "<style", "</style" } };
  const char *e = p + n;
  size_t k;

  for (k = 0; k < 2; k++) {
    const char *q = p, *open, *close;
    while ((open = find_ci(q, e, tags[k][0])) != NULL &&
           (open = memchr(open, '>', (size_t)(e - open))) != NULL &&
           (close = find_ci(open + 1, e, tags[k][1])) != NULL) {
      if (close > open + 1)
        add_text(open + 1, (size_t)(close - open - 1));
      q = close;
    }
  }
}

static void
load(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;

  if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
      fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "multipattern: cannot read %s\n", path);
    exit(1);
  }
  fclose(f);
  add_page(buf, (size_t)n);
}

/* ------------------------------------------------------------------ */

static const struct consent_registry *reg;
static hs_database_t *db;
static hs_scratch_t *scratch;
static size_t nsig;          /* ids below: signatures; from it: hosts */
static size_t nlit;
static size_t *lit_len;      /* each literal's length, by id */
static unsigned *lit_prov;   /* and its provider */
static int level;

struct found {
  const char *text;
  size_t len;
  long sig, url;
};

static int
host_byte(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int
on_match(unsigned id, unsigned long long from, unsigned long long to,
         unsigned flags, void *ctx)
{
  struct found *f = ctx;
  size_t start = (size_t)to - lit_len[id];

  (void)from;
  (void)flags;
  if (id < nsig) {
    f->sig = lit_prov[id];
    return 1; /* (the first signature wins: stop) */
  }
  if (f->url < 0 && start > 0 &&
      (f->text[start - 1] == '/' || f->text[start - 1] == '.') &&
      (to == f->len || !host_byte((unsigned char)f->text[to])))
    f->url = lit_prov[id];
  return 0;
}

static long
run_vectorscan(const struct text *t)
{
  struct found f = { t->p, t->n, -1, -1 };

  if (hs_scan(db, t->p, (unsigned)t->n, 0, scratch, on_match, &f) !=
          HS_SUCCESS &&
      f.sig < 0)
    return -2;
  return f.sig >= 0 ? f.sig : f.url;
}

static long
run_libconsent(const struct text *t)
{
  return consent__match_text_at(reg, t->p, t->n, level, NULL);
}

static double
measure(long (*fn)(const struct text *), int passes, long *answers)
{
  double *ts = malloc(sizeof(double) * (size_t)passes), med;
  size_t i;
  int p;

  for (p = 0; p < passes; p++) {
    double t0 = now();
    for (i = 0; i < ntexts; i++) {
      long a = fn(&texts[i]);
      sink += a;
      if (p == 0 && answers != NULL)
        answers[i] = a;
    }
    ts[p] = now() - t0;
  }
  qsort(ts, (size_t)passes, sizeof(double), cmp_double);
  med = ts[passes / 2];
  free(ts);
  return (double)text_bytes / 1e6 / med;
}

/* The database: every signature, then every distinct pattern host. */
static int
compile(double *ms)
{
  const struct consent_registry *r = reg;
  size_t n = 0, cap = r->nsigs + r->npat, i, j;
  const char **expr = malloc(cap * sizeof(*expr));
  unsigned *flags = malloc(cap * sizeof(*flags)), *ids = malloc(cap * sizeof(*ids));
  hs_compile_error_t *err = NULL;
  double t0;

  lit_len = malloc(cap * sizeof(*lit_len));
  lit_prov = malloc(cap * sizeof(*lit_prov));
  if (!expr || !flags || !ids || !lit_len || !lit_prov)
    return -1;
  for (i = 0; i < r->nsigs; i++, n++) {
    expr[n] = r->sigs[i].text;
    lit_len[n] = r->sigs[i].len;
    lit_prov[n] = r->sigs[i].prov;
    flags[n] = 0;
    ids[n] = (unsigned)n;
  }
  nsig = n;
  for (i = 0; i < r->npat; i++) {
    for (j = nsig; j < n; j++)
      if (lit_len[j] == r->pat[i].host_len &&
          memcmp(expr[j], r->pat[i].host, lit_len[j]) == 0)
        break;
    if (j < n)
      continue;
    expr[n] = r->pat[i].host;
    lit_len[n] = r->pat[i].host_len;
    lit_prov[n] = r->pat[i].prov;
    flags[n] = HS_FLAG_CASELESS;
    ids[n] = (unsigned)n;
    n++;
  }
  t0 = now();
  if (hs_compile_lit_multi(expr, flags, ids, lit_len, (unsigned)n,
                           HS_MODE_BLOCK, NULL, &db, &err) != HS_SUCCESS) {
    fprintf(stderr, "multipattern: vectorscan: %s\n",
            err != NULL ? err->message : "cannot compile");
    return -1;
  }
  *ms = (now() - t0) * 1e3;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
    return -1;
  nlit = n;
  free(expr);
  free(flags);
  free(ids);
  return 0;
}

/* One table: every row over the texts loaded now. */
static void
table(const char *title, int passes)
{
  static const int levels[3] = { 2, 1, 0 };
  static const char *const names[3] = { "libconsent (AVX2 filter)",
                                        "libconsent (SSSE3 filter)",
                                        "libconsent (no SIMD)" };
  long *ours = calloc(ntexts, sizeof(*ours));
  long *theirs = calloc(ntexts, sizeof(*theirs));
  size_t k, agree = 0, found_ours = 0, found_theirs = 0;
  char row[64];
  int i;

  if (ours == NULL || theirs == NULL) {
    fprintf(stderr, "multipattern: out of memory\n");
    exit(1);
  }
  printf("\n%s: %zu inline scripts and styles, %.1f MB, median of %d "
         "passes\n", title, ntexts, (double)text_bytes / 1e6, passes);
  printf("  %-36s %10s\n", "", "MB/s");
  for (i = 0; i < 3; i++) {
    level = levels[i];
    printf("  %-36s %10.0f\n", names[i],
           measure(run_libconsent, passes, i == 0 ? ours : NULL));
  }
  snprintf(row, sizeof(row), "vectorscan %.20s", hs_version());
  printf("  %-36s %10.0f\n", row, measure(run_vectorscan, passes, theirs));
  for (k = 0; k < ntexts; k++) {
    found_ours += ours[k] >= 0;
    found_theirs += theirs[k] >= 0;
    agree += (ours[k] >= 0) == (theirs[k] >= 0);
  }
  printf("  a provider found in %zu texts by libconsent, %zu by vectorscan; "
         "the two agree on %zu\n", found_ours, found_theirs, agree);
  free(ours);
  free(theirs);
}

int
main(int argc, char **argv)
{
  static struct consent_registry own;
  int passes = 7, i;
  double ms = 0;
  size_t dbsize = 0;

  consent__registry_init(&own);
  if (consent__registry_builtin(&own) != 0) {
    fprintf(stderr, "multipattern: the built-in providers do not load\n");
    return 1;
  }
  reg = &own;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc)
      passes = atoi(argv[++i]);
    else
      load(argv[i]);
  }
  if (ntexts == 0 || passes < 1) {
    fprintf(stderr, "usage: multipattern [--passes N] FILE...\n");
    return 2;
  }
  if (compile(&ms) != 0)
    return 1;
  hs_database_size(db, &dbsize);
  printf("vectorscan's database: %zu literals (%zu signatures, %zu hosts), "
         "compiled in %.1f ms, %zu KB\n", nlit, nsig, nlit - nsig, ms,
         dbsize / 1024);
  table("A. Real pages (htmlparser-benchmark)", passes);
  hs_free_scratch(scratch);
  hs_free_database(db);
  return 0;
}
