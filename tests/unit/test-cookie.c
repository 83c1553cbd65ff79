/*
 * test-cookie.c: consent state, the signed cookie and the key ring,
 * through the public API: round trips, every rejection, every one-bit
 * flip, key rotation, the Cookie header, Set-Cookie, receipts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <consent.h>

#include "tap.h"

#define T0 1764374400LL /* 2025-11-29T00:00:00Z */

static const char ring1_text[] =
  "# test ring\n"
  "1 2025-01-01T00:00:00Z AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n";
static const char ring12_text[] =
  "1 2025-01-01T00:00:00Z AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n"
  "2 2025-06-01T00:00:00Z ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8\n";
static const char ring2_text[] =
  "2 2025-06-01T00:00:00Z ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8\n";

static consent_registry_t *reg;

static consent_keyring_t *
ring(const char *text)
{
  consent_keyring_t *k = NULL;
  char *msg = NULL;

  if (consent_keyring_load_buffer(text, strlen(text), "ring", &k, &msg) !=
      CONSENT_OK) {
    printf("# ring: %s\n", msg ? msg : "?");
    consent_free(msg);
  }
  return k;
}

static char *
issue(consent_state_t *s, consent_keyring_t *k, long long now)
{
  char *v = NULL;

  if (consent_cookie_issue(s, k, now, NULL, NULL, &v, NULL) != CONSENT_OK)
    return NULL;
  return v;
}

static consent_status
verify(consent_keyring_t *k, const char *v, size_t n, unsigned policy,
       long long now)
{
  consent_state_t *s = NULL;
  consent_status st = consent_cookie_verify(reg, k, v, n, policy, now, &s);

  consent_state_free(s);
  return st;
}

static void
test_round_trip(void)
{
  consent_keyring_t *k = ring(ring1_text);
  consent_state_t *s, *back = NULL;
  char *v;
  size_t i, n;
  int same = 1;

  consent_state_new(reg, &s);
  consent_state_set_policy_version(s, 7);
  consent_state_set_provider(s, "youtube", 1, T0 - 3600);
  consent_state_set_provider(s, "x", 0, T0 - 60);
  consent_state_set_provider(s, "vimeo", 1, T0);
  consent_state_set_category(s, CONSENT_CATEGORY_MAPS, 1, T0 - 86400);
  consent_state_set_category(s, CONSENT_CATEGORY_ANALYTICS, 0, T0);
  v = issue(s, k, T0);
  tap_ok(v != NULL && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno"
                             "pqrstuvwxyz0123456789-_") == strlen(v),
         "a cookie is URL-safe base64 (%zu bytes)", v ? strlen(v) : 0);
  tap_ok(consent_cookie_verify(reg, k, v, strlen(v), 7, T0 + 10, &back) ==
         CONSENT_OK, "it verifies");
  n = consent_registry_count(reg);
  for (i = 0; back != NULL && i < n; i++) {
    const char *id = consent_registry_id(reg, i);
    if (consent_state_allows(s, id, T0 + 10) !=
        consent_state_allows(back, id, T0 + 10))
      same = 0;
  }
  tap_ok(back != NULL && same, "every provider is allowed or not as "
         "before");
  tap_ok(back != NULL && consent_state_allows(back, "youtube", T0) &&
         !consent_state_allows(back, "x", T0) &&
         consent_state_allows(back, "google-maps", T0) &&
         consent_state_allows(back, "openstreetmap", T0) &&
         !consent_state_allows(back, "google-analytics", T0) &&
         !consent_state_allows(back, "spotify", T0),
         "providers and categories decide as given");
  consent_state_free(back);
  consent_free(v);
  consent_state_free(s);
  consent_keyring_free(k);
}

static void
test_precedence_and_expiry(void)
{
  consent_state_t *s;

  consent_state_new(reg, &s);
  consent_state_set_category(s, CONSENT_CATEGORY_VIDEO, 1, T0);
  consent_state_set_provider(s, "vimeo", 0, T0);
  tap_ok(consent_state_allows(s, "youtube", T0) &&
         !consent_state_allows(s, "vimeo", T0),
         "a provider's refusal wins over its category's consent");
  consent_state_set_category(s, CONSENT_CATEGORY_SOCIAL, 0, T0);
  consent_state_set_provider(s, "x", 1, T0);
  tap_ok(consent_state_allows(s, "x", T0) &&
         !consent_state_allows(s, "instagram", T0),
         "a provider's consent wins over its category's refusal");
  consent_state_set_max_age(s, 3600);
  tap_ok(!consent_state_allows(s, "youtube", T0 + 7200),
         "decisions expire after the max age");
  tap_ok(consent_state_set_max_age(s, 10) == CONSENT_E_INVAL,
         "a max age under a minute is refused");
  consent_state_clear(s);
  tap_ok(!consent_state_allows(s, "x", T0), "clear withdraws everything");
  tap_ok(consent_state_set_provider(s, "no-such", 1, T0) ==
         CONSENT_E_NOTFOUND && !consent_state_allows(s, "no-such", T0),
         "unknown providers: E_NOTFOUND, never allowed");
  consent_state_free(s);
}

static void
test_size(void)
{
  consent_keyring_t *k = ring(ring1_text);
  consent_state_t *s;
  size_t i, n = consent_registry_count(reg);
  char *v;

  consent_state_new(reg, &s);
  for (i = 0; i < 40 && i < n; i++)
    consent_state_set_provider(s, consent_registry_id(reg, i), i % 3 != 0,
                               T0);
  v = issue(s, k, T0);
  tap_ok(v != NULL && strlen(v) < 200,
         "40 provider decisions fit in %zu bytes (under 200)",
         v ? strlen(v) : 0);
  tap_ok(verify(k, v, strlen(v), 0, T0) == CONSENT_OK, "and verify");
  consent_free(v);
  consent_state_free(s);
  consent_keyring_free(k);
}

/* base64url helpers to damage a cookie on purpose. */
static const char b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t
decode(const char *in, unsigned char *out)
{
  size_t i, o = 0;
  unsigned acc = 0;
  int bits = 0;

  for (i = 0; in[i]; i++) {
    acc = (acc << 6) | (unsigned)(strchr(b64, in[i]) - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
    }
  }
  return o;
}

static void
encode(const unsigned char *in, size_t n, char *out)
{
  size_t i, o = 0;
  unsigned acc = 0;
  int bits = 0;

  for (i = 0; i < n; i++) {
    acc = (acc << 8) | in[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out[o++] = b64[(acc >> bits) & 63];
    }
  }
  if (bits > 0)
    out[o++] = b64[(acc << (6 - bits)) & 63];
  out[o] = '\0';
}

static void
test_rejections(void)
{
  consent_keyring_t *k = ring(ring1_text), *k2 = ring(ring2_text);
  consent_state_t *s;
  unsigned char raw[512];
  char *v, text[1024], *big;
  size_t n, bit, flips = 0, rejected = 0;

  consent_state_new(reg, &s);
  consent_state_set_policy_version(s, 2);
  consent_state_set_provider(s, "youtube", 1, T0);
  consent_state_set_provider(s, "spotify", 0, T0);
  v = issue(s, k, T0);
  n = decode(v, raw);

  tap_ok(verify(k, v, strlen(v), 2, T0 + 400 * 86400LL) ==
         CONSENT_E_COOKIE_EXPIRED, "expired after its max age");
  tap_ok(verify(k, v, strlen(v), 2, T0 - 3600) == CONSENT_E_COOKIE_FUTURE,
         "issued an hour in the future: rejected");
  tap_ok(verify(k, v, strlen(v), 2, T0 - 200) == CONSENT_OK,
         "a few minutes of clock skew are fine");
  tap_ok(verify(k, v, strlen(v), 3, T0) == CONSENT_E_COOKIE_OUTDATED,
         "a higher policy version voids it");
  tap_ok(verify(k2, v, strlen(v), 2, T0) == CONSENT_E_COOKIE_KEY,
         "a key id the ring lacks: unknown key");
  raw[0] = 2;
  encode(raw, n, text);
  tap_ok(verify(k, text, strlen(text), 2, T0) == CONSENT_E_COOKIE_VERSION,
         "an unknown version");
  raw[0] = 1;
  raw[n - 1] ^= 1;
  encode(raw, n, text);
  tap_ok(verify(k, text, strlen(text), 2, T0) == CONSENT_E_COOKIE_MAC,
         "a damaged signature");
  raw[n - 1] ^= 1;
  raw[7] ^= 0x10;
  encode(raw, n, text);
  tap_ok(verify(k, text, strlen(text), 2, T0) == CONSENT_E_COOKIE_MAC,
         "a changed field");
  raw[7] ^= 0x10;
  tap_ok(verify(k, "AQ*x", 4, 2, T0) == CONSENT_E_COOKIE_MALFORMED &&
         verify(k, "AQ==", 4, 2, T0) == CONSENT_E_COOKIE_MALFORMED &&
         verify(k, "", 0, 2, T0) == CONSENT_E_COOKIE_MALFORMED &&
         verify(k, v, strlen(v) - 1, 2, T0) != CONSENT_OK &&
         verify(k, "A", 1, 2, T0) == CONSENT_E_COOKIE_MALFORMED,
         "bad characters, padding, empty and truncated values");
  big = malloc(5000);
  memset(big, 'A', 5000);
  tap_ok(verify(k, big, 4097, 2, T0) == CONSENT_E_COOKIE_SIZE,
         "over 4096 bytes");
  free(big);

  /* Every one-bit flip of the value, as text and as decoded bytes. */
  for (bit = 0; bit < strlen(v) * 8; bit++) {
    strcpy(text, v);
    text[bit / 8] ^= (char)(1 << (bit % 8));
    flips++;
    if (verify(k, text, strlen(text), 2, T0) != CONSENT_OK)
      rejected++;
  }
  for (bit = 0; bit < n * 8; bit++) {
    raw[bit / 8] ^= (unsigned char)(1 << (bit % 8));
    encode(raw, n, text);
    raw[bit / 8] ^= (unsigned char)(1 << (bit % 8));
    flips++;
    if (verify(k, text, strlen(text), 2, T0) != CONSENT_OK)
      rejected++;
  }
  tap_ok(flips == rejected, "every one-bit flip is rejected (%zu of %zu: "
         "each bit of the %zu-byte value and of its %zu decoded bytes)",
         rejected, flips, strlen(v), n);
  consent_free(v);
  consent_state_free(s);
  consent_keyring_free(k);
  consent_keyring_free(k2);
}

static void
test_rotation(void)
{
  consent_keyring_t *old = ring(ring1_text), *both = ring(ring12_text);
  consent_keyring_t *only2 = ring(ring2_text);
  consent_state_t *s, *back = NULL;
  char *v1, *v2;

  consent_state_new(reg, &s);
  consent_state_set_provider(s, "youtube", 1, T0);
  v1 = issue(s, old, T0);
  v2 = issue(s, both, T0);
  tap_ok(consent_keyring_signing_key(old) == 1 &&
         consent_keyring_signing_key(both) == 2,
         "the newest key signs");
  tap_ok(verify(both, v1, strlen(v1), 0, T0) == CONSENT_OK,
         "after rotation the old key still verifies");
  tap_ok(consent_cookie_verify(reg, only2, v2, strlen(v2), 0, T0, &back) ==
         CONSENT_OK && consent_state_allows(back, "youtube", T0),
         "new cookies are signed with the new key");
  tap_ok(verify(only2, v1, strlen(v1), 0, T0) == CONSENT_E_COOKIE_KEY,
         "once the old key is removed, its cookies are refused");
  consent_state_free(back);
  consent_free(v1);
  consent_free(v2);
  consent_state_free(s);
  consent_keyring_free(old);
  consent_keyring_free(both);
  consent_keyring_free(only2);
}

static void
test_header(void)
{
  consent_keyring_t *k = ring(ring1_text);
  consent_state_t *s, *back = NULL;
  char *v, header[2048];
  consent_status st;

  consent_state_new(reg, &s);
  consent_state_set_provider(s, "spotify", 1, T0);
  v = issue(s, k, T0);
  snprintf(header, sizeof(header), "a=b; consent=%s; _ga=GA1.2.3", v);
  st = consent_cookie_from_header(reg, k, header, strlen(header), "consent",
                                  0, T0, &back);
  tap_ok(st == CONSENT_OK && consent_state_allows(back, "spotify", T0),
         "found among other cookies");
  consent_state_free(back);
  snprintf(header, sizeof(header), "  consent = \"%s\" ;x=1", v);
  st = consent_cookie_from_header(reg, k, header, strlen(header), "consent",
                                  0, T0, &back);
  tap_ok(st == CONSENT_OK, "quoted, with spaces");
  consent_state_free(back);
  snprintf(header, sizeof(header), "consent=forged; consent=%s", v);
  st = consent_cookie_from_header(reg, k, header, strlen(header), "consent",
                                  0, T0, &back);
  tap_ok(st == CONSENT_OK, "the first of several that verifies wins");
  consent_state_free(back);
  st = consent_cookie_from_header(reg, k, "consent=forged", 14, "consent", 0,
                                  T0, &back);
  tap_ok(st == CONSENT_E_COOKIE_MALFORMED && back == NULL,
         "a forged one alone: its rejection");
  st = consent_cookie_from_header(reg, k, "xconsent=1; consentx=2", 22,
                                  "consent", 0, T0, &back);
  tap_ok(st == CONSENT_E_NOCOOKIE, "similar names do not count");
  st = consent_cookie_from_header(reg, k, "", 0, "consent", 0, T0, &back);
  tap_ok(st == CONSENT_E_NOCOOKIE, "no header: E_NOCOOKIE");
  consent_free(v);
  consent_state_free(s);
  consent_keyring_free(k);
}

static void
test_set_cookie(void)
{
  char *h = NULL;

  tap_ok(consent_set_cookie("consent", "abc", 3, 31536000, NULL, NULL,
                            CONSENT_COOKIE_DEFAULTS, &h) == CONSENT_OK &&
         strcmp(h, "consent=abc; Max-Age=31536000; Path=/; Secure; "
                "HttpOnly; SameSite=Lax") == 0, "Set-Cookie with the defaults");
  consent_free(h);
  tap_ok(consent_set_cookie("c", "v", 1, 60, "example.org", "/news",
                            CONSENT_COOKIE_SAMESITE_STRICT, &h) ==
         CONSENT_OK && strcmp(h, "c=v; Max-Age=60; Path=/news; "
                              "Domain=example.org; SameSite=Strict") == 0,
         "with Domain and Path");
  consent_free(h);
  tap_ok(consent_set_cookie("c", NULL, 0, 0, NULL, NULL, 0, &h) ==
         CONSENT_OK && strcmp(h, "c=; Max-Age=0; Path=/") == 0,
         "deleting");
  consent_free(h);
  tap_ok(consent_set_cookie("c;x", "v", 1, 60, NULL, NULL, 0, &h) ==
         CONSENT_E_INVAL &&
         consent_set_cookie("c", "v;x", 3, 60, NULL, NULL, 0, &h) ==
         CONSENT_E_INVAL &&
         consent_set_cookie("c", "v", 1, 60, "a;b", NULL, 0, &h) ==
         CONSENT_E_INVAL &&
         consent_set_cookie("c", "v", 1, 60, NULL, "x", 0, &h) ==
         CONSENT_E_INVAL &&
         consent_set_cookie("c", "v", 1, -1, NULL, NULL, 0, &h) ==
         CONSENT_E_INVAL && h == NULL,
         "names, values and attributes that would break the header are "
         "refused");
}

static char receipt[1024];

static void
on_receipt(const char *json, size_t len, void *ud)
{
  (void)ud;
  snprintf(receipt, sizeof(receipt), "%.*s", (int)len, json);
}

static void
test_receipt(void)
{
  consent_keyring_t *k = ring(ring1_text);
  consent_state_t *s, *back = NULL;
  char *v = NULL, *json = NULL, id[40];
  const char *p;

  consent_state_new(reg, &s);
  consent_state_set_policy_version(s, 4);
  consent_state_set_provider(s, "youtube", 1, T0);
  consent_state_set_provider(s, "x", 0, T0);
  consent_cookie_issue(s, k, T0, on_receipt, NULL, &v, NULL);
  tap_ok(strstr(receipt, "\"time\":\"2025-11-29T00:00:00Z\"") &&
         strstr(receipt, "\"policy_version\":4") &&
         strstr(receipt, "\"key_id\":1") &&
         strstr(receipt, "\"allowed\":[\"youtube\"]") &&
         strstr(receipt, "\"denied\":[\"x\"]"),
         "the receipt: %s", receipt);
  p = strstr(receipt, "\"receipt\":\"");
  snprintf(id, sizeof(id), "%.16s", p ? p + 11 : "");
  consent_cookie_verify(reg, k, v, strlen(v), 4, T0, &back);
  consent_state_to_json(back, T0, &json);
  tap_ok(strlen(id) == 16 && json != NULL && strstr(json, id) != NULL,
         "the cookie carries the receipt id %s", id);
  consent_free(json);
  consent_state_free(back);
  consent_free(v);
  consent_state_free(s);
  consent_keyring_free(k);
}

static void
test_key_files(void)
{
  static const struct { const char *text, *message; } bad[] = {
    { "1 2025-01-01T00:00:00Z short\n", "k:1: the secret is not 32" },
    { "0 2025-01-01T00:00:00Z AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
      "k:1: the key id is not a number" },
    { "\n1 2025-13-01T00:00:00Z AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
      "\n", "k:2: the time is not" },
    { "1 2025-01-01T00:00:00Z AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n"
      "1 2025-01-02T00:00:00Z AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
      "k:2: this key id is used twice" },
    { "1 2025-01-01T00:00:00Z\n", "k:1: expected 'ID CREATED SECRET'" },
    { "# nothing\n", "k: holds no key" },
  };
  char path[] = "/tmp/consent-keys-XXXXXX", file[64], *msg = NULL;
  consent_keyring_t *k = NULL;
  unsigned id1 = 0, id2 = 0;
  struct stat sb;
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    consent_status st = consent_keyring_load_buffer(bad[i].text,
        strlen(bad[i].text), "k", &k, &msg);
    tap_ok(st == CONSENT_E_PARSE && k == NULL && msg != NULL &&
           strstr(msg, bad[i].message) != NULL, "key file: %s",
           bad[i].message);
    if (msg == NULL || strstr(msg, bad[i].message) == NULL)
      printf("#   got: %s\n", msg ? msg : "(none)");
    consent_free(msg);
    msg = NULL;
  }
  if (mkdtemp(path) == NULL)
    return;
  snprintf(file, sizeof(file), "%s/keys", path);
  tap_ok(consent_keyring_add_key(file, T0, &id1, &msg) == CONSENT_OK &&
         consent_keyring_add_key(file, T0 + 10, &id2, &msg) == CONSENT_OK &&
         id1 == 1 && id2 == 2, "add_key creates a ring and adds to it");
  tap_ok(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0600,
         "the key file is mode 0600");
  tap_ok(consent_keyring_load_file(file, &k, &msg) == CONSENT_OK &&
         consent_keyring_signing_key(k) == 2, "and loads, key 2 signing");
  consent_keyring_free(k);
  tap_ok(consent_keyring_load_file("/nonexistent/keys", &k, &msg) ==
         CONSENT_E_IO && msg != NULL &&
         strstr(msg, "/nonexistent/keys: No such") != NULL,
         "a missing key file: E_IO naming it");
  consent_free(msg);
  unlink(file);
  rmdir(path);
}

int
main(void)
{
  if (consent_registry_new(&reg) != CONSENT_OK) {
    printf("Bail out! no registry\n");
    return 1;
  }
  test_round_trip();
  test_precedence_and_expiry();
  test_size();
  test_rejections();
  test_rotation();
  test_header();
  test_set_cookie();
  test_receipt();
  test_key_files();
  consent_registry_free(reg);
  return tap_done();
}
