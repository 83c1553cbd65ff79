/*
 * link.c: the smallest program that uses libconsent: reads a page on
 * standard input and writes it, gated, to standard output.
 *
 *   cc link.c $(pkg-config --cflags --libs libconsent) -o link
 *   ./link < page.html > gated.html
 */
#include <stdio.h>

#include <consent.h>

static int
to_stdout(const char *buf, size_t len, void *user_data)
{
  (void)user_data;
  return fwrite(buf, 1, len, stdout) == len ? 0 : 1;
}

int
main(void)
{
  consent_gate_t *gate = NULL;
  consent_rewriter_t *rw = NULL;
  consent_status st;
  char buf[65536];
  size_t n;

  st = consent_gate_new(NULL, &gate); /* built-in defaults */
  if (st == CONSENT_OK)
    st = consent_rewriter_new(gate, to_stdout, NULL, &rw);
  while (st == CONSENT_OK && (n = fread(buf, 1, sizeof(buf), stdin)) > 0)
    st = consent_rewriter_write(rw, buf, n);
  if (st == CONSENT_OK)
    st = consent_rewriter_end(rw);
  if (st != CONSENT_OK)
    fprintf(stderr, "link: %s\n", rw ? consent_rewriter_errmsg(rw)
                                     : consent_strerror(st));
  consent_rewriter_free(rw);
  consent_gate_free(gate);
  return st == CONSENT_OK ? 0 : 1;
}
