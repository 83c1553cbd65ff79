/*
 * placeholder.c: the box that stands in for an embed.
 *
 * The DOM contract (docs/placeholder.md): the element that replaces an
 * embed carries data-consent-provider="ID" and, HTML-escaped in
 * data-consent-original, the embed's markup (an attribute value: no
 * browser fetches from it and no content can leave it); its button
 * carries data-consent-allow and its "always" checkbox
 * data-consent-always.  Embeds that show nothing (scripts, styles,
 * pixels) become an empty <template> with the same attributes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "placeholder.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char *const keys[CONSENT__T_COUNT] = {
  "title", "intro", "privacy", "provider_link", "site_link", "button",
  "always", "open", "manage", "notice_title", "notice_intro", "allow_all",
  "only_necessary", "settings", "settings_title", "settings_intro", "save",
  "withdraw_all", "allowed", "refused", "undecided", "saved", "back",
  "category_video", "category_audio", "category_social", "category_maps",
  "category_charts", "category_documents", "category_fonts",
  "category_analytics", "category_marketing", "category_comments",
  "category_other"
};

/* The built-in texts, {provider} standing for the provider's name. */
static const char *const builtin[][1 + CONSENT__T_COUNT] = {
  { "en", "Recommended external content",
    "We would like to show you content from {provider} here. You decide "
    "whether to load it.",
    "Loading it may send personal data to {provider}.",
    "Privacy policy of {provider}", "Our privacy policy", "Load content",
    "Always allow {provider}",
    "Open on {provider}",
    "Manage consent",
    "Your privacy choices",
    "This page would like to use services that may send personal data to third parties. They stay off until you allow them.",
    "Allow all",
    "Only necessary",
    "Settings",
    "Privacy settings",
    "Choose which external services this site may load for you. You can change your choice here at any time.",
    "Save",
    "Withdraw all consent",
    "allowed",
    "refused",
    "not decided",
    "Your choice is saved.",
    "Back to the page",
    "Video",
    "Audio",
    "Social media",
    "Maps",
    "Charts",
    "Documents",
    "Fonts",
    "Analytics",
    "Marketing",
    "Comments",
    "Other" },
  { "de", "Empfohlener externer Inhalt",
    "An dieser Stelle finden Sie einen externen Inhalt von {provider}. Sie "
    "entscheiden, ob Sie ihn laden m\xC3\xB6" "chten.",
    "Dabei k\xC3\xB6nnen personenbezogene Daten an {provider} "
    "\xC3\xBC" "bermittelt werden.",
    "Datenschutzerkl\xC3\xA4rung von {provider}",
    "Unsere Datenschutzerkl\xC3\xA4rung", "Inhalt laden",
    "{provider} immer erlauben",
    "Auf {provider} \xC3\xB6" "ffnen",
    "Einwilligungen verwalten",
    "Ihre Datenschutz-Auswahl",
    "Diese Seite m\xC3\xB6" "chte Dienste nutzen, die personenbezogene Daten an Dritte \xC3\xBC" "bermitteln k\xC3\xB6nnen. Sie bleiben aus, bis Sie sie erlauben.",
    "Alle erlauben",
    "Nur notwendige",
    "Einstellungen",
    "Datenschutz-Einstellungen",
    "W\xC3\xA4hlen Sie, welche externen Dienste diese Website f\xC3\xBCr Sie laden darf. Sie k\xC3\xB6nnen Ihre Auswahl hier jederzeit \xC3\xA4ndern.",
    "Speichern",
    "Alle Einwilligungen widerrufen",
    "erlaubt",
    "abgelehnt",
    "nicht entschieden",
    "Ihre Auswahl ist gespeichert.",
    "Zur\xC3\xBC" "ck zur Seite",
    "Video",
    "Audio",
    "Soziale Medien",
    "Karten",
    "Diagramme",
    "Dokumente",
    "Schriften",
    "Statistik",
    "Marketing",
    "Kommentare",
    "Sonstiges" },
  { "fr", "Contenu externe recommand\xC3\xA9",
    "Nous aimerions vous montrer ici un contenu de {provider}. \xC3\x80 vous "
    "de d\xC3\xA9" "cider s'il doit \xC3\xAAtre charg\xC3\xA9.",
    "Son chargement peut transmettre des donn\xC3\xA9" "es personnelles "
    "\xC3\xA0 {provider}.",
    "Politique de confidentialit\xC3\xA9 de {provider}",
    "Notre politique de confidentialit\xC3\xA9", "Charger le contenu",
    "Toujours autoriser {provider}",
    "Ouvrir sur {provider}",
    "G\xC3\xA9rer le consentement",
    "Vos choix de confidentialit\xC3\xA9",
    "Cette page souhaite utiliser des services susceptibles de transmettre des donn\xC3\xA9" "es personnelles \xC3\xA0 des tiers. Ils restent d\xC3\xA9sactiv\xC3\xA9s tant que vous ne les autorisez pas.",
    "Tout autoriser",
    "Uniquement le n\xC3\xA9" "cessaire",
    "Param\xC3\xA8tres",
    "Param\xC3\xA8tres de confidentialit\xC3\xA9",
    "Choisissez les services externes que ce site peut charger pour vous. Vous pouvez modifier votre choix ici \xC3\xA0 tout moment.",
    "Enregistrer",
    "Retirer tous les consentements",
    "autoris\xC3\xA9",
    "refus\xC3\xA9",
    "non d\xC3\xA9" "cid\xC3\xA9",
    "Votre choix est enregistr\xC3\xA9.",
    "Retour \xC3\xA0 la page",
    "Vid\xC3\xA9o",
    "Audio",
    "R\xC3\xA9seaux sociaux",
    "Cartes",
    "Graphiques",
    "Documents",
    "Polices",
    "Statistiques",
    "Marketing",
    "Commentaires",
    "Autres" },
  { "es", "Contenido externo recomendado",
    "Nos gustar\xC3\xAD" "a mostrarle aqu\xC3\xAD contenido de {provider}. "
    "Usted decide si desea cargarlo.",
    "Al cargarlo, pueden transmitirse datos personales a {provider}.",
    "Pol\xC3\xADtica de privacidad de {provider}",
    "Nuestra pol\xC3\xADtica de privacidad", "Cargar contenido",
    "Permitir siempre {provider}",
    "Abrir en {provider}",
    "Gestionar el consentimiento",
    "Sus opciones de privacidad",
    "Esta p\xC3\xA1gina desea usar servicios que pueden enviar datos personales a terceros. Permanecen desactivados hasta que usted los permita.",
    "Permitir todo",
    "Solo necesarias",
    "Ajustes",
    "Ajustes de privacidad",
    "Elija qu\xC3\xA9 servicios externos puede cargar este sitio para usted. Puede cambiar su elecci\xC3\xB3n aqu\xC3\xAD en cualquier momento.",
    "Guardar",
    "Retirar todo el consentimiento",
    "permitido",
    "rechazado",
    "sin decidir",
    "Su elecci\xC3\xB3n se ha guardado.",
    "Volver a la p\xC3\xA1gina",
    "V\xC3\xAD" "deo",
    "Audio",
    "Redes sociales",
    "Mapas",
    "Gr\xC3\xA1" "ficos",
    "Documentos",
    "Fuentes",
    "Estad\xC3\xAD" "sticas",
    "Marketing",
    "Comentarios",
    "Otros" },
  { "it", "Contenuto esterno consigliato",
    "Qui vorremmo mostrarti un contenuto di {provider}. Sei tu a decidere "
    "se caricarlo.",
    "Caricandolo, alcuni dati personali potrebbero essere trasmessi a "
    "{provider}.",
    "Informativa sulla privacy di {provider}",
    "La nostra informativa sulla privacy", "Carica contenuto",
    "Consenti sempre {provider}",
    "Apri su {provider}",
    "Gestisci il consenso",
    "Le tue scelte sulla privacy",
    "Questa pagina vorrebbe usare servizi che possono trasmettere dati personali a terzi. Restano disattivati finch\xC3\xA9 non li consenti.",
    "Consenti tutto",
    "Solo necessari",
    "Impostazioni",
    "Impostazioni della privacy",
    "Scegli quali servizi esterni questo sito pu\xC3\xB2 caricare per te. Puoi cambiare la tua scelta qui in qualsiasi momento.",
    "Salva",
    "Revoca tutti i consensi",
    "consentito",
    "rifiutato",
    "non deciso",
    "La tua scelta \xC3\xA8 stata salvata.",
    "Torna alla pagina",
    "Video",
    "Audio",
    "Social media",
    "Mappe",
    "Grafici",
    "Documenti",
    "Caratteri",
    "Statistiche",
    "Marketing",
    "Commenti",
    "Altro" },
  { "nl", "Aanbevolen externe inhoud",
    "We willen u hier inhoud van {provider} tonen. U beslist of deze wordt "
    "geladen.",
    "Bij het laden kunnen persoonsgegevens naar {provider} worden "
    "verzonden.",
    "Privacybeleid van {provider}", "Ons privacybeleid", "Inhoud laden",
    "{provider} altijd toestaan",
    "Openen op {provider}",
    "Toestemming beheren",
    "Uw privacykeuzes",
    "Deze pagina wil diensten gebruiken die persoonsgegevens naar derden kunnen sturen. Ze blijven uit totdat u ze toestaat.",
    "Alles toestaan",
    "Alleen noodzakelijke",
    "Instellingen",
    "Privacy-instellingen",
    "Kies welke externe diensten deze site voor u mag laden. U kunt uw keuze hier altijd wijzigen.",
    "Opslaan",
    "Alle toestemming intrekken",
    "toegestaan",
    "geweigerd",
    "niet gekozen",
    "Uw keuze is opgeslagen.",
    "Terug naar de pagina",
    "Video",
    "Audio",
    "Sociale media",
    "Kaarten",
    "Grafieken",
    "Documenten",
    "Lettertypen",
    "Statistieken",
    "Marketing",
    "Reacties",
    "Overig" },
  { "pl", "Polecana tre\xC5\x9B\xC4\x87 zewn\xC4\x99trzna",
    "Chcieliby\xC5\x9Bmy pokaza\xC4\x87 Ci tutaj tre\xC5\x9B\xC4\x87 z "
    "serwisu {provider}. To Ty decydujesz, czy j\xC4\x85 za\xC5\x82" "adowa"
    "\xC4\x87.",
    "Podczas \xC5\x82" "adowania dane osobowe mog\xC4\x85 zosta\xC4\x87 "
    "przekazane do {provider}.",
    "Polityka prywatno\xC5\x9B" "ci {provider}",
    "Nasza polityka prywatno\xC5\x9B" "ci", "Za\xC5\x82" "aduj tre\xC5\x9B"
    "\xC4\x87",
    "Zawsze zezwalaj na {provider}",
    "Otw\xC3\xB3rz w serwisie {provider}",
    "Zarz\xC4\x85" "dzaj zgodami",
    "Twoje wybory dotycz\xC4\x85" "ce prywatno\xC5\x9B" "ci",
    "Ta strona chcia\xC5\x82" "aby korzysta\xC4\x87 z us\xC5\x82ug, kt\xC3\xB3re mog\xC4\x85 przekazywa\xC4\x87 dane osobowe osobom trzecim. Pozostaj\xC4\x85 wy\xC5\x82\xC4\x85" "czone, dop\xC3\xB3ki ich nie zaakceptujesz.",
    "Zezw\xC3\xB3l na wszystkie",
    "Tylko niezb\xC4\x99" "dne",
    "Ustawienia",
    "Ustawienia prywatno\xC5\x9B" "ci",
    "Wybierz, kt\xC3\xB3re us\xC5\x82ugi zewn\xC4\x99trzne ta strona mo\xC5\xBC" "e dla Ciebie wczyta\xC4\x87. Sw\xC3\xB3j wyb\xC3\xB3r mo\xC5\xBC" "esz tu zmieni\xC4\x87 w ka\xC5\xBC" "dej chwili.",
    "Zapisz",
    "Wycofaj wszystkie zgody",
    "dozwolone",
    "odrzucone",
    "bez decyzji",
    "Tw\xC3\xB3j wyb\xC3\xB3r zosta\xC5\x82 zapisany.",
    "Wr\xC3\xB3\xC4\x87 do strony",
    "Wideo",
    "Audio",
    "Media spo\xC5\x82" "eczno\xC5\x9B" "ciowe",
    "Mapy",
    "Wykresy",
    "Dokumenty",
    "Czcionki",
    "Statystyka",
    "Marketing",
    "Komentarze",
    "Inne" },
};

/* The default inside of a box; the library writes the outer element and
 * the {{controls}} (the form with the contract attributes). */
static const char default_template[] =
  "<div class=\"consent-embed__box\">"
  "{{mark}}"
  "<p class=\"consent-embed__title\" id=\"{{id}}\">{{title}}</p>"
  "{{preview}}"
  "<p>{{intro}}</p>"
  "<p class=\"consent-embed__small\">{{privacy}} {{provider_privacy_link}}"
  "{{site_privacy_link}}{{manage_link}}</p>"
  "{{controls}}"
  "{{open_link}}"
  "</div>";

static const char *const slots[] = {
  "id", "title", "intro", "privacy", "provider_privacy_link",
  "site_privacy_link", "controls", "provider", "provider_id", "preview",
  "manage_link", "mark", "open_link", NULL
};

/* The slots by their index in slots[]. */
enum slot {
  S_ID, S_TITLE, S_INTRO, S_PRIVACY, S_PROVIDER_PRIVACY_LINK,
  S_SITE_PRIVACY_LINK, S_CONTROLS, S_PROVIDER, S_PROVIDER_ID, S_PREVIEW,
  S_MANAGE_LINK, S_MARK, S_OPEN_LINK
};

/* Parses a template (already checked: every slot is known) into t->parts,
 * so that a box is rendered without looking at the slots' names again.
 * Returns 0 or CONSENT_E_NOMEM (t unchanged). */
static int
parse_template(struct consent__texts *t, const char *tpl)
{
  struct consent__tpl_part *parts;
  const char *lit = tpl, *p = tpl, *mark, *close;
  size_t n = 1, i;

  for (mark = tpl; (mark = strstr(mark, "{{")) != NULL; mark += 2)
    n++;
  parts = calloc(n, sizeof(*parts));
  if (parts == NULL)
    return CONSENT_E_NOMEM;
  n = 0;
  while ((mark = strstr(p, "{{")) != NULL &&
         (close = strstr(mark + 2, "}}")) != NULL) {
    for (i = 0; slots[i] != NULL; i++)
      if (strlen(slots[i]) == (size_t)(close - mark - 2) &&
          memcmp(slots[i], mark + 2, (size_t)(close - mark - 2)) == 0)
        break;
    p = close + 2;
    if (slots[i] == NULL)
      continue;                 /* not a slot: left as text */
    parts[n].off = (size_t)(lit - tpl);
    parts[n].len = (size_t)(mark - lit);
    parts[n++].slot = (int)i;
    lit = p;
  }
  parts[n].off = (size_t)(lit - tpl);
  parts[n].len = strlen(lit);
  parts[n].slot = -1;
  free(t->parts);
  t->parts = parts;
  t->nparts = n + 1;
  return 0;
}

int
consent__texts_init(struct consent__texts *t)
{
  size_t i, k, n = sizeof(builtin) / sizeof(builtin[0]);

  memset(t, 0, sizeof(*t));
  t->lang = calloc(CONSENT__LANG_MAX, sizeof(*t->lang));
  if (t->lang == NULL)
    return CONSENT_E_NOMEM;
  for (i = 0; i < n; i++) {
    snprintf(t->lang[i].tag, sizeof(t->lang[i].tag), "%s", builtin[i][0]);
    for (k = 0; k < CONSENT__T_COUNT; k++) {
      t->lang[i].text[k] = consent__strndup(builtin[i][1 + k], strlen(builtin[i][1 + k]));
      if (t->lang[i].text[k] == NULL) {
        t->n = i + 1;
        consent__texts_free(t);
        return CONSENT_E_NOMEM;
      }
    }
  }
  t->n = n;
  if (parse_template(t, default_template) != 0) {
    consent__texts_free(t);
    return CONSENT_E_NOMEM;
  }
  return 0;
}

void
consent__texts_free(struct consent__texts *t)
{
  size_t i, k;

  for (i = 0; t->lang != NULL && i < t->n; i++)
    for (k = 0; k < CONSENT__T_COUNT; k++)
      free(t->lang[i].text[k]);
  free(t->lang);
  free(t->template_html);
  free(t->parts);
  free(t->notice_html);
  memset(t, 0, sizeof(*t));
}

int
consent__texts_copy(struct consent__texts *dst,
                    const struct consent__texts *src)
{
  size_t i, k;

  memset(dst, 0, sizeof(*dst));
  dst->lang = calloc(CONSENT__LANG_MAX, sizeof(*dst->lang));
  if (dst->lang == NULL)
    return CONSENT_E_NOMEM;
  dst->n = src->n;
  for (i = 0; i < src->n; i++) {
    memcpy(dst->lang[i].tag, src->lang[i].tag, sizeof(dst->lang[i].tag));
    for (k = 0; k < CONSENT__T_COUNT; k++)
      if (src->lang[i].text[k] != NULL &&
          (dst->lang[i].text[k] = consent__strndup(src->lang[i].text[k],
                                       strlen(src->lang[i].text[k]))) == NULL)
        goto fail;
  }
  if (src->template_html != NULL &&
      (dst->template_html = consent__strndup(src->template_html,
                                 strlen(src->template_html))) == NULL)
    goto fail;
  if (src->notice_html != NULL &&
      (dst->notice_html = consent__strndup(src->notice_html,
                                 strlen(src->notice_html))) == NULL)
    goto fail;
  if (src->parts != NULL) {
    dst->parts = malloc(src->nparts * sizeof(*dst->parts));
    if (dst->parts == NULL)
      goto fail;
    memcpy(dst->parts, src->parts, src->nparts * sizeof(*dst->parts));
    dst->nparts = src->nparts;
  }
  return 0;
fail:
  consent__texts_free(dst);
  return CONSENT_E_NOMEM;
}

static int
lower_tag(const char *s, size_t n, char *out, size_t cap)
{
  size_t i;

  if (n == 0 || n >= cap)
    return -1;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z')
      c = (char)(c + 32);
    if (c == '_')
      c = '-';
    if (!((c >= 'a' && c <= 'z') || c == '-' || (c >= '0' && c <= '9')))
      return -1;
    out[i] = c;
  }
  out[n] = '\0';
  return 0;
}

long
consent__texts_find(const struct consent__texts *t, const char *tag,
                    size_t len)
{
  char want[9];
  size_t i, primary;

  if (lower_tag(tag, len, want, sizeof(want)) != 0)
    return -1;
  for (i = 0; i < t->n; i++)
    if (strcmp(t->lang[i].tag, want) == 0)
      return (long)i;
  primary = strcspn(want, "-");
  for (i = 0; i < t->n; i++)
    if (strlen(t->lang[i].tag) == primary &&
        memcmp(t->lang[i].tag, want, primary) == 0)
      return (long)i;
  return -1;
}

size_t
consent__texts_negotiate(const struct consent__texts *t, const char *h,
                         size_t len)
{
  size_t i = 0, best = 0;
  int best_q = -1;

  while (i < len) {
    size_t s, e;
    int q = 1000; /* the quality in thousandths (RFC 9110 12.4.2) */
    long idx;

    while (i < len && (h[i] == ' ' || h[i] == ',' || h[i] == '\t'))
      i++;
    s = i;
    while (i < len && h[i] != ',' && h[i] != ';' && h[i] != ' ')
      i++;
    e = i;
    while (i < len && h[i] != ',') {
      if (h[i] == 'q' && i + 1 < len && h[i + 1] == '=') {
        /* qvalue = "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3"0" ], read
         * without the C locale (atof would read "0.8" as 0 where the
         * decimal point is a comma). */
        int scale = 1000, digits = 0;
        i += 2;
        q = 0;
        if (i < len && (h[i] == '0' || h[i] == '1'))
          q = (h[i++] - '0') * 1000;
        else
          q = -1; /* not a qvalue: ignored, as a q of 0 */
        if (q >= 0 && i < len && h[i] == '.') {
          for (i++; i < len && h[i] >= '0' && h[i] <= '9'; i++)
            if (++digits <= 3)
              q += (h[i] - '0') * (scale /= 10);
        }
        if (q > 1000)
          q = 1000;
        continue;
      }
      i++;
    }
    if (e == s || q <= 0)
      continue;
    idx = consent__texts_find(t, h + s, e - s);
    if (idx >= 0 && q > best_q) {
      best_q = q;
      best = (size_t)idx;
    }
  }
  if (best_q < 0) {
    long en = consent__texts_find(t, "en", 2);
    return en >= 0 ? (size_t)en : 0;
  }
  return best;
}

/* ------------------------------------------------------------------ */
/* Texts and template files                                            */

static int
file_error(char *errmsg, size_t cap, const char *name, unsigned line,
           const char *msg, const char *arg)
{
  char m[300];

  snprintf(m, sizeof(m), "%s%s%s", msg, arg ? ": " : "", arg ? arg : "");
  consent__file_msg(errmsg, cap, name, line, m);
  return CONSENT_E_PARSE;
}

int
consent__texts_load(struct consent__texts *t, const char *buf, size_t len,
                    const char *name, char *errmsg, size_t cap)
{
  struct consent__texts work;
  size_t pos = 0, n;
  const char *l;
  unsigned line = 0;
  long cur = -1;
  char text[2048];
  int st;

  if (len > (1u << 20))
    return file_error(errmsg, cap, name, 0, "larger than 1 MiB", NULL);
  if (memchr(buf, '\0', len) != NULL)
    return file_error(errmsg, cap, name, 0, "holds a NUL byte", NULL);
  if ((st = consent__texts_copy(&work, t)) != 0)
    return st;
  while (consent__next_line(buf, len, &pos, &l, &n)) {
    char *eq, *key, *val;
    size_t k;

    line++;
    if (n >= sizeof(text)) {
      st = file_error(errmsg, cap, name, line, "line longer than 2047 bytes",
                      NULL);
      goto fail;
    }
    memcpy(text, l, n);
    while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == ' ' ||
                     text[n - 1] == '\t'))
      n--;
    text[n] = '\0';
    key = text + strspn(text, " \t");
    if (*key == '\0' || *key == '#')
      continue;
    if (*key == '[') {
      size_t kl = strlen(key);
      char tag[9];
      if (key[kl - 1] != ']' ||
          lower_tag(key + 1, kl - 2, tag, sizeof(tag)) != 0) {
        st = file_error(errmsg, cap, name, line,
                        "a section is [language], e.g. [de] or [pt-br]",
                        NULL);
        goto fail;
      }
      for (k = 0; k < work.n; k++)
        if (strcmp(work.lang[k].tag, tag) == 0)
          break;
      if (k == work.n) {
        if (work.n == CONSENT__LANG_MAX) {
          st = file_error(errmsg, cap, name, line, "more than 16 languages",
                          NULL);
          goto fail;
        }
        memcpy(work.lang[k].tag, tag, sizeof(tag));
        work.n++;
      }
      cur = (long)k;
      continue;
    }
    eq = strchr(key, '=');
    if (eq == NULL) {
      st = file_error(errmsg, cap, name, line, "expected 'key = text'",
                      NULL);
      goto fail;
    }
    if (cur < 0) {
      st = file_error(errmsg, cap, name, line,
                      "'key = text' before the first [language]", NULL);
      goto fail;
    }
    val = eq + 1 + strspn(eq + 1, " \t");
    while (eq > key && (eq[-1] == ' ' || eq[-1] == '\t'))
      eq--;
    *eq = '\0';
    for (k = 0; k < CONSENT__T_COUNT; k++)
      if (strcmp(key, keys[k]) == 0)
        break;
    if (k == CONSENT__T_COUNT) {
      st = file_error(errmsg, cap, name, line, "unknown key (title, intro, "
                      "privacy, provider_link, site_link, button, always)",
                      key);
      goto fail;
    }
    free(work.lang[cur].text[k]);
    work.lang[cur].text[k] = consent__strndup(val, strlen(val));
    if (work.lang[cur].text[k] == NULL) {
      st = CONSENT_E_NOMEM;
      goto fail;
    }
  }
  consent__texts_free(t);
  *t = work;
  return 0;
fail:
  consent__texts_free(&work);
  return st;
}

/* Checks a template's {{slots}} against the known ones and that it
 * holds {{required}}. */
static int
check_template(const char *buf, size_t len, const char *name, char *errmsg,
               size_t cap, const char *const *known, const char *list,
               const char *required, const char *why)
{
  const char *p = buf, *e = buf + len;
  char slot[32];
  int found = 0;
  size_t i;

  if (len > 65536)
    return file_error(errmsg, cap, name, 0, "larger than 64 KiB", NULL);
  if (memchr(buf, '\0', len) != NULL)
    return file_error(errmsg, cap, name, 0, "holds a NUL byte", NULL);
  while ((p = memchr(p, '{', (size_t)(e - p))) != NULL) {
    const char *close;
    if (p + 1 >= e || p[1] != '{') {
      p++;
      continue;
    }
    close = p + 2;
    while (close + 1 < e && !(close[0] == '}' && close[1] == '}'))
      close++;
    if (close + 1 >= e || (size_t)(close - p - 2) >= sizeof(slot))
      return file_error(errmsg, cap, name, 0, "a '{{' without '}}'", NULL);
    memcpy(slot, p + 2, (size_t)(close - p - 2));
    slot[close - p - 2] = '\0';
    for (i = 0; known[i] != NULL; i++)
      if (strcmp(slot, known[i]) == 0)
        break;
    if (known[i] == NULL)
      return file_error(errmsg, cap, name, 0, list, slot);
    if (strcmp(slot, required) == 0)
      found = 1;
    p = close + 2;
  }
  if (!found)
    return file_error(errmsg, cap, name, 0, why, NULL);
  return 0;
}

int
consent__texts_set_template(struct consent__texts *t, const char *buf,
                            size_t len, const char *name, char *errmsg,
                            size_t cap)
{
  int st = check_template(buf, len, name, errmsg, cap, slots,
                          "unknown slot (id, title, intro, privacy, "
                          "provider_privacy_link, site_privacy_link, "
                          "manage_link, controls, provider, provider_id, "
                          "preview, mark, open_link)", "controls",
                          "the template must hold {{controls}} (the button "
                          "and the checkbox)");
  char *html;

  if (st != 0)
    return st;
  html = consent__strndup(buf, len);
  if (html == NULL || parse_template(t, html) != 0) {
    free(html);
    return CONSENT_E_NOMEM;
  }
  free(t->template_html);
  t->template_html = html;
  return 0;
}

int
consent__texts_set_notice_template(struct consent__texts *t, const char *buf,
                                   size_t len, const char *name,
                                   char *errmsg, size_t cap)
{
  static const char *const notice_slots[] = { "title", "intro", "list",
                                              "controls", NULL };
  int st = check_template(buf, len, name, errmsg, cap, notice_slots,
                          "unknown slot (title, intro, list, controls)",
                          "controls", "the notice's template must hold "
                          "{{controls}} (its buttons and form fields)");
  if (st != 0)
    return st;
  free(t->notice_html);
  t->notice_html = consent__strndup(buf, len);
  return t->notice_html ? 0 : CONSENT_E_NOMEM;
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */

int
consent__escape(struct consent__buf *b, const char *s, size_t n)
{
  /* The replacements, eight bytes each (written with one store), and
   * their lengths; 0: the byte is copied. */
  static const char rep[6][8] = {
    "", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;"
  };
  static const unsigned char len[6] = { 0, 5, 4, 4, 6, 5 };
  static const unsigned char which[256] = {
    ['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5
  };
  size_t i = 0;
  unsigned k;
  char *d;

  /* Into room reserved for the longest result (6 bytes each: "&quot;")
   * and the slack of a last 16-byte or 8-byte store. */
  if (n == 0)
    return 0;
  if (n > ((size_t)-1 / 2 - b->len) / 6 ||
      consent__buf_reserve(b, n * 6 + 16))
    return CONSENT_E_NOMEM;
  d = b->data + b->len;
#ifdef __SSE2__
  /* (Most of a captured embed needs no escape: 16 bytes are stored at
   * once, and the output moves on to the first that needs one.) */
  while (n - i >= 16) {
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))),
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')))));
    _mm_storeu_si128((__m128i *)(void *)d, v);
    if (m == 0) {
      d += 16;
      i += 16;
      continue;
    }
    k = (unsigned)__builtin_ctz(m);
    d += k;
    i += k;
    k = which[(unsigned char)s[i++]];
    memcpy(d, rep[k], 8);
    d += len[k];
  }
#endif
  for (; i < n; i++) {
    k = which[(unsigned char)s[i]];
    if (k == 0) {
      *d++ = s[i];
    } else {
      memcpy(d, rep[k], 8);
      d += len[k];
    }
  }
  b->len = (size_t)(d - b->data);
  return 0;
}

static int
put(struct consent__buf *b, const char *s)
{
  return consent__buf_append(b, s, strlen(s)) ? CONSENT_E_NOMEM : 0;
}

/* A text of the language with {provider} filled in, escaped. */
int
consent__put_text(struct consent__buf *b, const struct consent__texts *t,
         size_t lang, enum consent__text which, const char *provider)
{
  const char *s = t->lang[lang].text[which];
  const char *mark;
  int st = 0;

  if (s == NULL) {
    long en = consent__texts_find(t, "en", 2);
    s = en >= 0 && t->lang[en].text[which] ? t->lang[en].text[which] : "";
  }
  while ((mark = strstr(s, "{provider}")) != NULL) {
    st |= consent__escape(b, s, (size_t)(mark - s));
    st |= consent__escape(b, provider, strlen(provider));
    s = mark + 10;
  }
  st |= consent__escape(b, s, strlen(s));
  return st;
}

/* A positive integer attribute ("560", "315px"): its digits, or 0. */
static size_t
dimension(const char *v, size_t n, char *out, size_t cap)
{
  size_t i = 0;

  while (i < n && i + 1 < cap && v[i] >= '0' && v[i] <= '9') {
    out[i] = v[i];
    i++;
  }
  out[i] = '\0';
  if (i == 0 || (i < n && !(v[i] == 'p' && i + 2 == n && v[i + 1] == 'x')))
    return 0;
  return i;
}

static int
put_slot(struct consent__buf *b, int slot,
         const struct consent__texts *t, size_t lang,
         const struct consent__box *box, const char *id)
{
  const char *name = box->prov ? box->prov->name : "?";
  const char *pid = box->prov ? box->prov->id : "unknown";
  int st = 0;

  if (slot == S_ID)
    return put(b, id);
  if (slot == S_TITLE)
    return consent__put_text(b, t, lang, CONSENT__T_TITLE, name);
  if (slot == S_INTRO)
    return consent__put_text(b, t, lang, CONSENT__T_INTRO, name);
  if (slot == S_PRIVACY)
    return consent__put_text(b, t, lang, CONSENT__T_PRIVACY, name);
  if (slot == S_PROVIDER)
    return consent__escape(b, name, strlen(name));
  if (slot == S_PROVIDER_ID)
    return consent__escape(b, pid, strlen(pid));
  if (slot == S_PROVIDER_PRIVACY_LINK) {
    if (box->prov == NULL || box->prov->privacy == NULL)
      return 0;
    st |= put(b, "<a href=\"");
    st |= consent__escape(b, box->prov->privacy,
                          strlen(box->prov->privacy));
    st |= put(b, "\" rel=\"noopener noreferrer\" target=\"_blank\">");
    st |= consent__put_text(b, t, lang, CONSENT__T_PROVIDER_LINK, name);
    return st | put(b, "</a>");
  }
  if (slot == S_PREVIEW) {
    /* The embed's title and thumbnail, from the site's own cache. */
    const struct consent__preview *pv = box->preview;
    char num[16];
    if (pv == NULL)
      return 0;
    st |= put(b, "<figure class=\"consent-embed__preview\">");
    if (pv->image[0] != '\0') {
      st |= put(b, "<img src=\"");
      st |= consent__escape(b, pv->image, strlen(pv->image));
      st |= put(b, "\" alt=\"");
      st |= consent__escape(b, pv->title, strlen(pv->title));
      st |= put(b, "\" loading=\"lazy\"");
      if (pv->width > 0 && pv->width < 10000 && pv->height > 0 &&
          pv->height < 10000) {
        snprintf(num, sizeof(num), "%u", pv->width);
        st |= put(b, " width=\"");
        st |= put(b, num);
        snprintf(num, sizeof(num), "%u", pv->height);
        st |= put(b, "\" height=\"");
        st |= put(b, num);
        st |= put(b, "\"");
      }
      st |= put(b, ">");
    }
    st |= put(b, "<figcaption>");
    st |= consent__escape(b, pv->title, strlen(pv->title));
    if (pv->author[0] != '\0') {
      st |= put(b, " &middot; ");
      st |= consent__escape(b, pv->author, strlen(pv->author));
    }
    return st | put(b, "</figcaption></figure>");
  }
  if (slot == S_MARK)
    /* The provider's name as a badge: what the box stands for at a
     * glance, drawn from text (no request). */
    return put(b, "<span class=\"consent-embed__mark\" aria-hidden=\"true\">") |
           consent__escape(b, name, strlen(name)) | put(b, "</span>");
  if (slot == S_OPEN_LINK) {
    /* For visitors who would rather go to the provider: a plain link
     * (navigation, not an embed: nothing loads until it is followed). */
    if (box->open_url == NULL || box->prov == NULL)
      return 0;
    st |= put(b, "<a class=\"consent-embed__open\" href=\"");
    st |= consent__escape(b, box->open_url, box->open_url_len);
    st |= put(b, "\" rel=\"noopener noreferrer\" target=\"_blank\">");
    st |= consent__put_text(b, t, lang, CONSENT__T_OPEN, name);
    return st | put(b, "</a>");
  }
  if (slot == S_MANAGE_LINK) {
    /* The endpoint's settings page, to withdraw or change a decision. */
    if (box->endpoint == NULL)
      return 0;
    st |= put(b, " &middot; <a class=\"consent-embed__manage\" href=\"");
    st |= consent__settings_url(b, box->endpoint, box->return_path);
    st |= put(b, "\">");
    st |= consent__put_text(b, t, lang, CONSENT__T_MANAGE, name);
    return st | put(b, "</a>");
  }
  if (slot == S_SITE_PRIVACY_LINK) {
    if (box->site_privacy == NULL)
      return 0;
    st |= put(b, " &middot; <a href=\"");
    st |= consent__escape(b, box->site_privacy, strlen(box->site_privacy));
    st |= put(b, "\">");
    st |= consent__put_text(b, t, lang, CONSENT__T_SITE_LINK, name);
    return st | put(b, "</a>");
  }
  /* controls: a form for visitors without JavaScript when there is an
   * endpoint, the button and the "always" checkbox. */
  if (box->endpoint != NULL) {
    st |= put(b, "<form class=\"consent-embed__controls\" method=\"post\" "
              "action=\"");
    st |= consent__escape(b, box->endpoint, strlen(box->endpoint));
    st |= put(b, "\"><input type=\"hidden\" name=\"provider\" value=\"");
    st |= consent__escape(b, pid, strlen(pid));
    st |= put(b, "\"><input type=\"hidden\" name=\"return\" value=\"");
    if (box->return_path != NULL)
      st |= consent__escape(b, box->return_path, strlen(box->return_path));
    st |= put(b, "\">");
  } else {
    st |= put(b, "<div class=\"consent-embed__controls\">");
  }
  st |= put(b, "<button class=\"consent-embed__button\" type=\"");
  st |= put(b, box->endpoint ? "submit" : "button");
  st |= put(b, "\" data-consent-allow>");
  st |= consent__put_text(b, t, lang, CONSENT__T_BUTTON, name);
  st |= put(b, "</button>");
  if (!box->no_always) {
    st |= put(b, "<label class=\"consent-embed__always\">"
              "<input type=\"checkbox\" name=\"always\" value=\"1\" "
              "data-consent-always> ");
    st |= consent__put_text(b, t, lang, CONSENT__T_ALWAYS, name);
    st |= put(b, "</label>");
  }
  return st | put(b, box->endpoint ? "</form>" : "</div>");
}

int
consent__render_box(const struct consent__texts *t, size_t lang,
                    const struct consent__box *box, struct consent__buf *out)
{
  const char *pid = box->prov ? box->prov->id : "unknown";
  const char *tpl;
  char id[32], w[16], h[16];
  size_t i;
  int st = 0;

  if (!box->visible) {
    st |= put(out, "<template data-consent-provider=\"");
    st |= consent__escape(out, pid, strlen(pid));
    st |= put(out, "\" data-consent-kind=\"");
    st |= put(out, box->kind);
    st |= put(out, "\"");
    if (box->original != NULL) {
      st |= put(out, " data-consent-original=\"");
      st |= consent__escape(out, box->original, box->original_len);
      st |= put(out, "\"");
    }
    return st | put(out, "></template>");
  }
  snprintf(id, sizeof(id), "consent-embed-%u", box->n);
  st |= put(out, "<div class=\"consent-embed consent-embed--");
  st |= put(out, box->kind);
  st |= put(out, "\" data-consent-provider=\"");
  st |= consent__escape(out, pid, strlen(pid));
  st |= put(out, "\" role=\"region\" aria-labelledby=\"");
  st |= put(out, id);
  st |= put(out, "\"");
  /* Keep the embed's size so that the page does not jump. */
  if (box->absolute) {
    /* (overflow:auto: in a narrow ratio box the text scrolls inside it
     * rather than spilling over what follows.) */
    st |= put(out, " style=\"position:absolute;top:0;left:0;width:100%;"
              "height:100%;margin:0;min-height:0;overflow:auto\"");
  } else if (dimension(box->width, box->width_len, w, sizeof(w)) &&
      dimension(box->height, box->height_len, h, sizeof(h))) {
    /* (min-height:auto: a narrow box grows with its text instead of
     * letting it spill over what follows.) */
    st |= put(out, " style=\"aspect-ratio:");
    st |= put(out, w);
    st |= put(out, "/");
    st |= put(out, h);
    st |= put(out, ";max-width:");
    st |= put(out, w);
    st |= put(out, "px;min-height:auto\"");
  } else if (dimension(box->height, box->height_len, h, sizeof(h))) {
    st |= put(out, " style=\"min-height:");
    st |= put(out, h);
    st |= put(out, "px\"");
  }
  if (box->original != NULL) {
    st |= put(out, " data-consent-original=\"");
    st |= consent__escape(out, box->original, box->original_len);
    st |= put(out, "\"");
  }
  st |= put(out, ">");
  tpl = t->template_html ? t->template_html : default_template;
  for (i = 0; i < t->nparts; i++) {
    st |= consent__buf_append(out, tpl + t->parts[i].off, t->parts[i].len);
    if (t->parts[i].slot >= 0)
      st |= put_slot(out, t->parts[i].slot, t, lang, box, id);
  }
  return st | put(out, "</div>");
}
