/*
 * notice.c: the consent notice and the settings page (notice.h).
 *
 * The notice is a real form: without JavaScript its buttons post to the
 * consent endpoint ("Allow all" grants the providers it lists, "Only
 * necessary" refuses them, both for the site's max age); with it, the
 * activation script (consent.js) acts in place.  The settings page lists
 * every enabled provider by category with the visitor's decision, and
 * posts back to the endpoint that served it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "notice.h"

static int
put(struct consent__buf *b, const char *s)
{
  return consent__buf_append(b, s, strlen(s)) ? CONSENT_E_NOMEM : 0;
}

static int
put_esc(struct consent__buf *b, const char *s)
{
  return consent__escape(b, s, strlen(s));
}

int
consent__query_escape(struct consent__buf *b, const char *s, size_t n)
{
  size_t i;
  int st = 0;

  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char hex[3];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~' || c == '/') {
      st |= consent__buf_append(b, s + i, 1);
      continue;
    }
    hex[0] = '%';
    hex[1] = "0123456789ABCDEF"[c >> 4];
    hex[2] = "0123456789ABCDEF"[c & 15];
    st |= consent__buf_append(b, hex, 3);
  }
  return st ? CONSENT_E_NOMEM : 0;
}

/* The provider's name, linked to its privacy policy when it has one. */
static int
put_provider(struct consent__buf *b, const struct consent__texts *t,
             size_t lang, const struct consent__provider *p)
{
  int st = 0;

  if (p->privacy == NULL)
    return put_esc(b, p->name);
  st |= put(b, "<a href=\"");
  st |= put_esc(b, p->privacy);
  st |= put(b, "\" rel=\"noopener noreferrer\" target=\"_blank\" title=\"");
  st |= consent__put_text(b, t, lang, CONSENT__T_PROVIDER_LINK, p->name);
  st |= put(b, "\">");
  st |= put_esc(b, p->name);
  return st | put(b, "</a>");
}

int
consent__settings_url(struct consent__buf *b, const char *endpoint,
                      const char *ret)
{
  struct consent__buf u = { NULL, 0, 0 };
  int st = 0;

  if (ret == NULL)
    ret = "/";
  st |= put(&u, endpoint);
  st |= put(&u, strchr(endpoint, '?') ? "&return=" : "?return=");
  st |= consent__query_escape(&u, ret, strlen(ret));
  if (st == 0)
    st = consent__escape(b, u.data, u.len);
  consent__buf_free(&u);
  return st;
}

/* The inside of the notice; the library writes the <aside> (with the
 * contract attributes) and, with an endpoint, the <form> around it. */
static const char default_notice[] =
  "<p class=\"consent-notice__title\" id=\"consent-notice-title\">"
  "{{title}}</p><p>{{intro}}</p>{{list}}{{controls}}";

/* What the blocked providers are, by category, in the order of
 * consent_category. */
static int
put_list(struct consent__buf *out, const struct consent__texts *t,
         size_t lang, const struct consent__notice *n)
{
  const struct consent_registry *reg = n->reg;
  int cat, st = 0;
  size_t i;

  st |= put(out, "<ul class=\"consent-notice__list\">");
  for (cat = 0; cat < CONSENT__CATEGORIES; cat++) {
    size_t shown = 0;
    for (i = 0; i < n->n; i++) {
      const struct consent__provider *p = &reg->prov[n->prov[i]];
      if ((int)p->category != cat)
        continue;
      if (shown++ == 0) {
        st |= put(out, "<li><strong>");
        st |= consent__put_text(out, t, lang,
                                (enum consent__text)(CONSENT__T_CATEGORY +
                                                     cat), "");
        st |= put(out, ":</strong> ");
      } else {
        st |= put(out, ", ");
      }
      st |= put_provider(out, t, lang, p);
    }
    if (shown > 0)
      st |= put(out, "</li>");
  }
  return st | put(out, "</ul>");
}

/* One of the notice's two buttons: a submit button of the form, or a
 * plain button for the script when there is no endpoint. */
static int
put_decision(struct consent__buf *out, const struct consent__texts *t,
             size_t lang, const struct consent__notice *n, const char *cls,
             const char *value, const char *attr, enum consent__text text)
{
  int st = 0;

  st |= put(out, "<button class=\"");
  st |= put(out, cls);
  st |= put(out, n->endpoint ? "\" type=\"submit\"" : "\" type=\"button\"");
  st |= put(out, " name=\"decision\" value=\"");
  st |= put(out, value);
  st |= put(out, "\" data-consent-notice-");
  st |= put(out, attr);
  st |= put(out, ">");
  st |= consent__put_text(out, t, lang, text, "");
  return st | put(out, "</button>");
}

/* The form fields and the buttons. */
static int
put_controls(struct consent__buf *out, const struct consent__texts *t,
             size_t lang, const struct consent__notice *n, const char *ret)
{
  int st = 0;
  size_t i;

  if (n->endpoint != NULL) {
    for (i = 0; i < n->n; i++) {
      st |= put(out, "<input type=\"hidden\" name=\"provider\" value=\"");
      st |= put_esc(out, n->reg->prov[n->prov[i]].id);
      st |= put(out, "\">");
    }
    st |= put(out, "<input type=\"hidden\" name=\"return\" value=\"");
    st |= put_esc(out, ret);
    st |= put(out, "\"><input type=\"hidden\" name=\"always\" "
              "value=\"1\">");
  }
  st |= put(out, "<div class=\"consent-notice__controls\">");
  st |= put_decision(out, t, lang, n, "consent-embed__button", "allow",
                     "allow", CONSENT__T_ALLOW_ALL);
  st |= put_decision(out, t, lang, n, "consent-notice__button", "necessary",
                     "deny", CONSENT__T_NECESSARY);
  if (n->endpoint != NULL) {
    st |= put(out, "<a class=\"consent-notice__settings\" href=\"");
    st |= consent__settings_url(out, n->endpoint, ret);
    st |= put(out, "\">");
    st |= consent__put_text(out, t, lang, CONSENT__T_SETTINGS, "");
    st |= put(out, "</a>");
  }
  return st | put(out, "</div>");
}

int
consent__render_notice(const struct consent__texts *t, size_t lang,
                       const struct consent__notice *n,
                       struct consent__buf *out)
{
  const char *ret = n->return_path ? n->return_path : "/";
  const char *tpl = t->notice_html ? t->notice_html : default_notice;
  const char *p, *mark;
  int st = 0;
  size_t i;

  st |= put(out, "<aside class=\"consent-notice\" role=\"region\" "
            "aria-labelledby=\"consent-notice-title\" "
            "data-consent-notice=\"");
  for (i = 0; i < n->n; i++) {
    if (i > 0)
      st |= put(out, " ");
    st |= put_esc(out, n->reg->prov[n->prov[i]].id);
  }
  st |= put(out, "\">");
  if (n->endpoint != NULL) {
    st |= put(out, "<form class=\"consent-notice__box\" method=\"post\" "
              "action=\"");
    st |= put_esc(out, n->endpoint);
    st |= put(out, "\">");
  } else {
    st |= put(out, "<div class=\"consent-notice__box\">");
  }
  for (p = tpl; (mark = strstr(p, "{{")) != NULL;) {
    const char *close = strstr(mark + 2, "}}");
    size_t len;
    if (close == NULL)
      break;
    st |= consent__buf_append(out, p, (size_t)(mark - p));
    len = (size_t)(close - mark - 2);
    if (len == 5 && memcmp(mark + 2, "title", 5) == 0)
      st |= consent__put_text(out, t, lang, CONSENT__T_NOTICE_TITLE, "");
    else if (len == 5 && memcmp(mark + 2, "intro", 5) == 0)
      st |= consent__put_text(out, t, lang, CONSENT__T_NOTICE_INTRO, "");
    else if (len == 4 && memcmp(mark + 2, "list", 4) == 0)
      st |= put_list(out, t, lang, n);
    else if (len == 8 && memcmp(mark + 2, "controls", 8) == 0)
      st |= put_controls(out, t, lang, n, ret);
    p = close + 2;
  }
  st |= put(out, p);
  st |= put(out, n->endpoint ? "</form></aside>" : "</div></aside>");
  return st;
}

/* ------------------------------------------------------------------ */
/* The settings page                                                   */

static const char settings_css[] =
  "body{margin:0;background:#fff;color:#1f1f1f;font:1rem/1.5 system-ui,"
  "-apple-system,\"Segoe UI\",Roboto,sans-serif}"
  "main{max-width:44rem;margin:0 auto;padding:1.5rem 1rem 3rem}"
  "h1{font-size:1.6rem;margin:0 0 .75rem}"
  "fieldset{margin:1rem 0;padding:.75rem 1rem;border:1px solid #c4c4c4;"
  "border-radius:.5rem}"
  "legend{font-weight:700;padding:0 .35rem}"
  "ul{list-style:none;margin:0;padding:0}"
  "li{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;"
  "padding:.35rem 0;border-top:1px solid #eee}"
  "li:first-child{border-top:0}"
  "label{display:inline-flex;gap:.5rem;align-items:center;min-width:12rem}"
  "input[type=checkbox]{width:1.15rem;height:1.15rem}"
  ".consent-settings__state{font-size:.9rem;color:#555}"
  ".consent-settings__saved{padding:.6rem .9rem;border-radius:.35rem;"
  "background:#e6f4ea;color:#0d652d;font-weight:600}"
  ".consent-settings__controls{display:flex;flex-wrap:wrap;gap:.75rem;"
  "margin:1.25rem 0}"
  "button{padding:.55rem 1.1rem;border:0;border-radius:.35rem;"
  "background:#1f1f1f;color:#fff;font:inherit;font-weight:600;"
  "cursor:pointer}"
  "button.consent-settings__withdraw{background:#fff;color:#a50e0e;"
  "border:1px solid #a50e0e}"
  "a{color:#0b57d0}"
  "a:focus-visible,button:focus-visible,input:focus-visible{outline:3px "
  "solid #0b57d0;outline-offset:2px}"
  "@media (prefers-color-scheme:dark){body{background:#161616;"
  "color:#eee}fieldset{border-color:#555}li{border-color:#333}"
  ".consent-settings__state{color:#bbb}button{background:#eee;"
  "color:#161616}button.consent-settings__withdraw{background:#161616;"
  "color:#ff8a80;border-color:#ff8a80}a{color:#8ab4f8}"
  ".consent-settings__saved{background:#0d652d;color:#fff}}";

/* Category switches (the page works without them: they tick or clear
 * the providers of their category) and the script's own storage brought
 * in step with the verified state. */
static const char settings_js[] =
  "(function(){var d=document;"
  "[].forEach.call(d.querySelectorAll('[data-consent-category]'),"
  "function(c){var f=c.closest('fieldset'),"
  "b=[].slice.call(f.querySelectorAll('input[name=provider]'));"
  "function sync(){c.checked=b.every(function(x){return x.checked});"
  "c.indeterminate=!c.checked&&b.some(function(x){return x.checked})}"
  "c.hidden=false;sync();"
  "c.addEventListener('change',function(){b.forEach(function(x){"
  "x.checked=c.checked})});"
  "b.forEach(function(x){x.addEventListener('change',sync)})});"
  "var m=d.querySelector('[data-consent-allowed]');"
  "try{if(m){localStorage.setItem('consent_allowed',"
  "m.getAttribute('data-consent-allowed'));"
  "}}catch(e){}})();";

int
consent__render_settings(const struct consent__texts *t, size_t lang,
                         const struct consent__settings *s,
                         struct consent__buf *out)
{
  const struct consent_registry *reg = s->reg;
  const char *ret = s->return_path ? s->return_path : "/";
  struct consent__buf allowed = { NULL, 0, 0 };
  int cat, st = 0;
  size_t i;

  for (i = 0; i < reg->count; i++)
    if (reg->prov[i].enabled && s->state != NULL &&
        consent__state_allows(s->state, i, s->now)) {
      if (allowed.len > 0)
        st |= consent__buf_append(&allowed, ".", 1);
      st |= put(&allowed, reg->prov[i].id);
    }
  st |= put(out, "<!DOCTYPE html>\n<html lang=\"");
  st |= put_esc(out, t->lang[lang].tag);
  st |= put(out, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            "content=\"width=device-width,initial-scale=1\">"
            "<meta name=\"robots\" content=\"noindex\"><title>");
  st |= consent__put_text(out, t, lang, CONSENT__T_SETTINGS_TITLE, "");
  st |= put(out, "</title><style>");
  st |= put(out, settings_css);
  st |= put(out, "</style></head><body class=\"consent-settings\">"
            "<main data-consent-allowed=\"");
  st |= consent__escape(out, allowed.data ? allowed.data : "", allowed.len);
  st |= put(out, "\"><h1>");
  st |= consent__put_text(out, t, lang, CONSENT__T_SETTINGS_TITLE, "");
  st |= put(out, "</h1>");
  if (s->saved) {
    st |= put(out, "<p class=\"consent-settings__saved\" role=\"status\">");
    st |= consent__put_text(out, t, lang, CONSENT__T_SAVED, "");
    st |= put(out, "</p>");
  }
  st |= put(out, "<p>");
  st |= consent__put_text(out, t, lang, CONSENT__T_SETTINGS_INTRO, "");
  if (s->site_privacy != NULL) {
    st |= put(out, " <a href=\"");
    st |= put_esc(out, s->site_privacy);
    st |= put(out, "\">");
    st |= consent__put_text(out, t, lang, CONSENT__T_SITE_LINK, "");
    st |= put(out, "</a>");
  }
  st |= put(out, "</p><form method=\"post\" action=\"\">"
            "<input type=\"hidden\" name=\"settings\" value=\"1\">"
            "<input type=\"hidden\" name=\"return\" value=\"");
  st |= put_esc(out, ret);
  st |= put(out, "\">");
  for (cat = 0; cat < CONSENT__CATEGORIES; cat++) {
    size_t shown = 0;
    for (i = 0; i < reg->count; i++) {
      const struct consent__provider *p = &reg->prov[i];
      int allows, refuses;
      char id[64];
      if (!p->enabled || (int)p->category != cat)
        continue;
      allows = s->state && consent__state_allows(s->state, i, s->now);
      refuses = s->state && consent__state_refuses(s->state, i, s->now);
      if (shown++ == 0) {
        st |= put(out, "<fieldset><legend><label><input type=\"checkbox\" "
                  "hidden data-consent-category> ");
        st |= consent__put_text(out, t, lang,
                                (enum consent__text)(CONSENT__T_CATEGORY +
                                                     cat), "");
        st |= put(out, "</label></legend><ul>");
      }
      snprintf(id, sizeof(id), "consent-p-%u", p->code);
      st |= put(out, "<li><label><input type=\"checkbox\" name=\"provider\" "
                "value=\"");
      st |= put_esc(out, p->id);
      st |= put(out, "\" aria-describedby=\"");
      st |= put(out, id);
      st |= put(out, allows ? "\" checked> " : "\"> ");
      st |= put_esc(out, p->name);
      st |= put(out, "</label><span class=\"consent-settings__state\" id=\"");
      st |= put(out, id);
      st |= put(out, "\">");
      st |= consent__put_text(out, t, lang,
                              allows ? CONSENT__T_ALLOWED
                              : refuses ? CONSENT__T_REFUSED
                              : CONSENT__T_UNDECIDED, p->name);
      st |= put(out, "</span>");
      if (p->privacy != NULL) {
        st |= put(out, "<a href=\"");
        st |= put_esc(out, p->privacy);
        st |= put(out, "\" rel=\"noopener noreferrer\" target=\"_blank\">");
        st |= consent__put_text(out, t, lang, CONSENT__T_PROVIDER_LINK,
                                p->name);
        st |= put(out, "</a>");
      }
      st |= put(out, "</li>");
    }
    if (shown > 0)
      st |= put(out, "</ul></fieldset>");
  }
  st |= put(out, "<div class=\"consent-settings__controls\">"
            "<button type=\"submit\">");
  st |= consent__put_text(out, t, lang, CONSENT__T_SAVE, "");
  st |= put(out, "</button><button class=\"consent-settings__withdraw\" "
            "type=\"submit\" name=\"revoke\" value=\"1\">");
  st |= consent__put_text(out, t, lang, CONSENT__T_WITHDRAW_ALL, "");
  st |= put(out, "</button></div></form><p><a href=\"");
  st |= put_esc(out, ret);
  st |= put(out, "\">");
  st |= consent__put_text(out, t, lang, CONSENT__T_BACK, "");
  st |= put(out, "</a></p></main><script>");
  st |= put(out, settings_js);
  st |= put(out, "</script></body></html>\n");
  consent__buf_free(&allowed);
  return st ? CONSENT_E_NOMEM : 0;
}
