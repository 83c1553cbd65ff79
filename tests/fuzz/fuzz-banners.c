/*
 * fuzz-banners.c: libFuzzer target for the consent banner readers (IAB
 * TCF TC strings, Klaro, Cookiebot, OneTrust, cc_cookie, Borlabs).  The
 * first byte picks the reader, the rest is the cookie value.  Decisions
 * are only ever allowed, refused or none; a TC string that decodes gives
 * JSON that parses.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "banners.h"
#include "consent.h"
#include "registry.h"
#include "tcf.h"

static struct consent_registry reg;

static void
init(void)
{
  static const char rules[] =
    "[youtube]\nbanners = klaro:yt cookiebot:marketing onetrust:C0005 "
    "cc_cookie:media:youtube borlabs:youtube\ntcf_purposes = 1\n"
    "[facebook-pixel]\ntcf_vendor = 89\ntcf_purposes = 1 3\n"
    "sale_sharing = yes\n";

  consent__registry_init(&reg);
  if (consent__registry_builtin(&reg) != 0 ||
      consent__registry_load(&reg, rules, sizeof(rules) - 1, "rules") != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const unsigned sources[] = {
    CONSENT_SOURCE_TCF, CONSENT_SOURCE_KLARO, CONSENT_SOURCE_COOKIEBOT,
    CONSENT_SOURCE_ONETRUST, CONSENT_SOURCE_CC_COOKIE, CONSENT_SOURCE_BORLABS
  };
  static int ready;
  signed char dec[8192];
  char msg[256];
  struct consent__tcf *t;
  size_t i;
  int st;

  if (!ready) {
    init();
    ready = 1;
  }
  if (size < 1 || reg.count > sizeof(dec))
    return 0;
  memset(dec, -1, sizeof(dec));
  st = consent__banner_read(&reg, sources[data[0] % 6],
                            (const char *)data + 1, size - 1, dec, msg,
                            sizeof(msg));
  for (i = 0; i < reg.count; i++)
    if (dec[i] < -1 || dec[i] > 1)
      abort();
  if (st != 0 && msg[0] == '\0' && st != CONSENT_E_NOMEM)
    abort();                       /* every refusal says why */

  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return 0;
  if (consent__tcf_decode(t, (const char *)data + 1, size - 1, msg,
                          sizeof(msg)) == 0) {
    struct consent__buf j = { NULL, 0, 0 };
    json_t *parsed;
    if (consent__tcf_json(t, &j) != 0 ||
        consent__buf_append(&j, "", 1) != 0)
      abort();
    parsed = json_loads(j.data, 0, NULL);
    if (parsed == NULL)
      abort();                     /* our JSON must be JSON */
    json_decref(parsed);
    consent__buf_free(&j);
  }
  consent__tcf_free(t);
  free(t);
  return 0;
}
