/*
 * fuzz-cookie.c: libFuzzer target for the consent cookie parser, the
 * Cookie header reader and the key file parser.  A verified state keeps
 * its invariants; a state made from the input must round-trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "cookie.h"

static struct consent_registry reg;
static struct consent_keyring ring;

static void
init(void)
{
  static const char keys[] =
    "1 2025-01-01T00:00:00Z AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n";
  char msg[256];

  consent__registry_init(&reg);
  if (consent__registry_builtin(&reg) != 0 ||
      consent__keyring_parse(&ring, keys, sizeof(keys) - 1, "k", msg,
                             sizeof(msg)) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  struct consent_state s, back;
  struct consent_keyring other;
  struct consent__buf v = { NULL, 0, 0 };
  const char *val;
  size_t vlen, i;
  char msg[256];
  int st;

  if (!ready) {
    init();
    ready = 1;
  }
  /* 1. The input as a cookie value and as a Cookie header. */
  consent__state_init(&s, &reg);
  st = consent__cookie_verify(&s, &ring, (const char *)data, size, 0,
                              1764374400);
  if (st == CONSENT_OK)
    for (i = 1; i < s.ndec; i++)
      if (s.dec[i].code <= s.dec[i - 1].code)
        abort(); /* decisions must stay sorted and unique */
  consent__state_free(&s);
  for (i = 0; i < 4 && consent__cookie_find((const char *)data, size,
                                            "consent", i, &val, &vlen); i++)
    if (val < (const char *)data || val + vlen > (const char *)data + size)
      abort();

  /* 2. The input as a key file. */
  if (consent__keyring_parse(&other, (const char *)data, size, "fuzz", msg,
                             sizeof(msg)) == 0)
    consent__keyring_free(&other);

  /* 3. A state made of the input's bytes round-trips. */
  consent__state_init(&s, &reg);
  for (i = 0; i + 1 < size && i < 120; i += 2)
    consent__state_set(&s, data[i] % reg.count, data[i + 1] & 1,
                       1764374400 - (data[i + 1] >> 1) * 1000);
  if (size > 0)
    consent__state_set_category(&s, data[0] % CONSENT__CATEGORIES,
                                data[0] & 0x80, 1764374400);
  if (consent__cookie_issue(&s, &ring, 1764374400, &v, NULL) != 0)
    abort();
  consent__state_init(&back, &reg);
  if (consent__cookie_verify(&back, &ring, v.data, v.len, 0, 1764374400)
      != 0 || back.ndec != s.ndec)
    abort();
  for (i = 0; i < s.ndec; i++)
    if (back.dec[i].code != s.dec[i].code ||
        back.dec[i].allow != s.dec[i].allow ||
        back.dec[i].given != s.dec[i].given)
      abort();
  consent__buf_free(&v);
  consent__state_free(&back);
  consent__state_free(&s);
  return 0;
}
