/*
 * fuzz-providers.c: libFuzzer target for the provider file parser and the
 * URL reader.  A failed load must leave the registry as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "registry.h"

static const char base[] =
  "[youtube]\ncode = 1\nname = YouTube\ncategory = video\n"
  "hosts = youtube.com youtu.be\n"
  "[maps]\ncode = 2\nhosts = google.com/maps\nwidgets = div.map\n"
  "[google]\ncode = 3\nhosts = google.com\ninline = gtag(\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct consent_registry r;
  struct consent__url u;
  size_t before;
  long id;

  /* The input as a URL. */
  if (consent__url_parse((const char *)data, size, &u) ==
      CONSENT__URL_HOST && (u.host_len == 0 || u.host_len > 253 ||
                            strlen(u.host) != u.host_len))
    abort();

  /* The input as a provider file on top of a few providers. */
  consent__registry_init(&r);
  if (consent__registry_load(&r, base, sizeof(base) - 1, "base") != 0)
    abort();
  before = r.nenabled;
  if (consent__registry_load(&r, (const char *)data, size, "fuzz") != 0) {
    if (r.nenabled != before || r.errmsg[0] == '\0')
      abort(); /* a failed load changed the registry */
  }
  id = consent__registry_match_url(&r, (const char *)data, size);
  if (id >= (long)r.count)
    abort();
  consent__registry_match_url(&r, "https://www.google.com/maps/x", 29);
  consent__registry_free(&r);
  return 0;
}
