/*
 * timing.h: the clock and the order of pass times that the benchmarks
 * (bench.c, multipattern.c) take their medians with.
 */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double
now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* qsort()'s order of doubles. */
static inline int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#endif /* BENCH_TIMING_H */
