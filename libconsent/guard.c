/*
 * guard.c: the runtime guard's <script>, with the provider rules.
 */
#include <stdio.h>
#include <string.h>

#include "consent.h"
#include "guard.h"

/* A JSON string that is also safe inside <script>: no "<", ">", "&",
 * and no line separators. */
static int
json_str(struct consent__buf *b, const char *s, size_t n)
{
  int st = consent__buf_append(b, "\"", 1);
  size_t i;

  for (i = 0; i < n && st == 0; i++) {
    unsigned char c = (unsigned char)s[i];
    char tmp[8];
    if (c == '"' || c == '\\') {
      tmp[0] = '\\';
      tmp[1] = (char)c;
      st = consent__buf_append(b, tmp, 2);
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      snprintf(tmp, sizeof(tmp), "\\u%04x", c);
      st = consent__buf_append(b, tmp, 6);
    } else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
               ((unsigned char)s[i + 2] == 0xa8 ||
                (unsigned char)s[i + 2] == 0xa9)) {
      st = consent__buf_append(b, (unsigned char)s[i + 2] == 0xa8
                               ? "\\u2028" : "\\u2029", 6);
      i += 2;
    } else {
      st = consent__buf_append(b, s + i, 1);
    }
  }
  return st | consent__buf_append(b, "\"", 1);
}

static int
put(struct consent__buf *b, const char *s)
{
  return consent__buf_append(b, s, strlen(s));
}

static const char *
text(const struct consent__texts *t, size_t lang, enum consent__text k)
{
  long en;

  if (lang < t->n && t->lang[lang].text[k] != NULL)
    return t->lang[lang].text[k];
  en = consent__texts_find(t, "en", 2);
  return en >= 0 && t->lang[en].text[k] != NULL ? t->lang[en].text[k] : "";
}

/* The rules as JSON. */
static int
rules(const struct consent_registry *r, const struct consent__texts *texts,
      size_t lang, consent__guard_allowed_fn allowed, const void *ud,
      struct consent__buf *b)
{
  static const enum consent__text keys[] = {
    CONSENT__T_TITLE, CONSENT__T_INTRO, CONSENT__T_BUTTON
  };
  int st = 0;
  size_t i, k, n = 0;

  /* h: per provider, its host patterns separated by spaces. */
  st |= put(b, "{\"h\":{");
  for (i = 0; i < r->count; i++) {
    const struct consent__provider *pv = &r->prov[i];
    if (!pv->enabled || allowed(ud, (long)i) || pv->hosts.n == 0)
      continue;
    st |= put(b, n++ ? "," : "");
    st |= json_str(b, pv->id, strlen(pv->id));
    st |= put(b, ":\"");
    for (k = 0; k < pv->hosts.n; k++) {
      const char *h = pv->hosts.v[k];
      size_t j;
      st |= put(b, k ? " " : "");
      for (j = 0; h[j] != '\0'; j++) {
        char c = h[j] >= 'A' && h[j] <= 'Z' ? (char)(h[j] + 32) : h[j];
        if (c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' ||
            (unsigned char)c < 0x20)
          continue; /* (no host pattern has them) */
        st |= consent__buf_append(b, &c, 1);
      }
    }
    st |= put(b, "\"");
  }
  st |= put(b, "},\"a\":[");
  for (i = 0, n = 0; i < r->count; i++) {
    if (!r->prov[i].enabled || !allowed(ud, (long)i))
      continue;
    st |= put(b, n++ ? "," : "");
    st |= json_str(b, r->prov[i].id, strlen(r->prov[i].id));
  }
  st |= put(b, "],\"t\":[");
  for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
    const char *s = text(texts, lang, keys[k]);
    st |= put(b, k ? "," : "");
    st |= json_str(b, s, strlen(s));
  }
  st |= put(b, "],\"n\":{");
  for (i = 0, n = 0; i < r->count; i++) {
    const char *name = r->prov[i].name ? r->prov[i].name : r->prov[i].id;
    if (!r->prov[i].enabled)
      continue;
    st |= put(b, n++ ? "," : "");
    st |= json_str(b, r->prov[i].id, strlen(r->prov[i].id));
    st |= put(b, ":");
    st |= json_str(b, name, strlen(name));
  }
  st |= put(b, "}}");
  return st;
}

int
consent__guard_script(const struct consent_registry *r,
                      const struct consent__texts *texts, size_t lang,
                      const char *nonce, const char *url,
                      consent__guard_allowed_fn allowed, const void *ud,
                      struct consent__buf *b)
{
  struct consent__buf json = { NULL, 0, 0 };
  int st = rules(r, texts, lang, allowed, ud, &json);

  st |= put(b, "<script data-consent-guard=\"");
  st |= consent__escape(b, json.data ? json.data : "", json.len);
  st |= put(b, "\"");
  consent__buf_free(&json);
  if (url != NULL) {
    st |= put(b, " src=\"");
    st |= consent__escape(b, url, strlen(url));
    st |= put(b, "\"></script>");
    return st != 0 ? CONSENT_E_NOMEM : 0;
  }
  if (nonce != NULL) {
    st |= put(b, " nonce=\"");
    st |= consent__escape(b, nonce, strlen(nonce));
    st |= put(b, "\"");
  }
  st |= put(b, ">");
  st |= put(b, consent__asset_guard);
  st |= put(b, "</script>");
  return st != 0 ? CONSENT_E_NOMEM : 0;
}
