/* tap.h: a minimal TAP producer for the unit tests. */
#ifndef HEADER_CONSENT_TAP_H
#define HEADER_CONSENT_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_count, tap_failed;

static void
tap_ok(int ok, const char *fmt, ...)
{
  va_list ap;

  printf("%s %d - ", ok ? "ok" : "not ok", ++tap_count);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  if (!ok)
    tap_failed++;
}

static int
tap_done(void)
{
  printf("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}

#endif /* HEADER_CONSENT_TAP_H */
