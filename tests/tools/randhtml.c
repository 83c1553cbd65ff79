/*
 * randhtml: writes deterministic random HTML to standard output.
 *   randhtml [--garbage] [--seed N] SIZE
 * SIZE in bytes (suffixes k, M, G).  Streams; memory stays small.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

int
main(int argc, char **argv)
{
  static char buf[1 << 16];
  unsigned long long size = 0, done = 0, seed = 1;
  int garbage = 0, i;
  char *end;
  struct gen g;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--garbage") == 0) {
      garbage = 1;
    } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      seed = strtoull(argv[++i], NULL, 10);
    } else {
      size = strtoull(argv[i], &end, 10);
      if (*end == 'k')
        size <<= 10;
      else if (*end == 'M')
        size <<= 20;
      else if (*end == 'G')
        size <<= 30;
    }
  }
  if (size == 0) {
    fprintf(stderr, "usage: randhtml [--garbage] [--seed N] SIZE\n");
    return 2;
  }
  gen_seed(&g, seed);
  while (done < size) {
    size_t want = sizeof(buf), n;
    if (size - done < want)
      want = (size_t)(size - done);
    n = garbage ? gen_garbage(&g, buf, want) : gen_page(&g, buf, want);
    if (n == 0) {
      /* Too little room for a page: pad with text. */
      memset(buf, 'x', want);
      n = want;
    }
    if (fwrite(buf, 1, n, stdout) != n)
      return 1;
    done += n;
  }
  return 0;
}
