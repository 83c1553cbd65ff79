/*
 * tool-http.c: consent-gate --http: a whole HTTP/1.x response in, the
 * response a server module sends out (passed, refused with a 502, or
 * gated with the headers the library says).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tool-gate.h"

#define HTTP_MAX_HEAD (64 * 1024)
#define HTTP_MAX_FIELDS 128

/* --http: the input is a whole HTTP/1.x response.  Its head, as read. */
struct http_head {
  char *buf;          /* the head's bytes, then the body's first ones */
  size_t len, head;   /* bytes read; bytes of the head (to the blank line) */
  int status;
  char *line;         /* the status line (NUL-terminated copy) */
  char *names[HTTP_MAX_FIELDS], *values[HTTP_MAX_FIELDS];
  size_t n;
};

/* Reads the head of the response: to the first empty line, at most
 * HTTP_MAX_HEAD bytes.  Interim (1xx) heads are written out unchanged.
 * Returns 0, or 1 with a message written. */
static int
http_read_head(int fd, const char *in_name, struct out *outp,
               struct http_head *h)
{
  char *p, *end, *eol;
  size_t cap = HTTP_MAX_HEAD + CHUNK;
  ssize_t n;

again:
  if (h->buf == NULL && (h->buf = malloc(cap)) == NULL) {
    fprintf(stderr, "%s: out of memory\n", progname);
    return 1;
  }
  for (;;) {
    p = NULL;
    for (size_t i = 0; i + 1 < h->len; i++) {
      if (h->buf[i] == '\n' && (h->buf[i + 1] == '\n' ||
          (h->buf[i + 1] == '\r' && i + 2 < h->len && h->buf[i + 2] == '\n'))) {
        p = h->buf + i + (h->buf[i + 1] == '\n' ? 2 : 3);
        break;
      }
    }
    if (p != NULL)
      break;
    if (h->len >= HTTP_MAX_HEAD) {
      fprintf(stderr, "%s: %s: the response's head is over %d bytes\n",
              progname, in_name, HTTP_MAX_HEAD);
      return 1;
    }
    n = read(fd, h->buf + h->len, cap - h->len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      fprintf(stderr, "%s: %s: %s\n", progname, in_name,
              n < 0 ? strerror(errno) : "not an HTTP response (no end of "
              "its head)");
      return 1;
    }
    h->len += (size_t)n;
  }
  h->head = (size_t)(p - h->buf);
  if (h->len < 12 || memcmp(h->buf, "HTTP/1.", 7) != 0 ||
      h->buf[8] != ' ' || !isdigit((unsigned char)h->buf[9]) ||
      !isdigit((unsigned char)h->buf[10]) ||
      !isdigit((unsigned char)h->buf[11])) {
    fprintf(stderr, "%s: %s: not an HTTP/1.x response\n", progname, in_name);
    return 1;
  }
  h->status = (h->buf[9] - '0') * 100 + (h->buf[10] - '0') * 10 +
              (h->buf[11] - '0');
  if (h->status < 200) {
    /* 100 Continue and the like: out as they are, then the real head. */
    if (fwrite(h->buf, 1, h->head, outp->f) != h->head)
      return 1;
    memmove(h->buf, h->buf + h->head, h->len - h->head);
    h->len -= h->head;
    goto again;
  }
  /* Split into the status line and fields, in a copy of the head. */
  if ((h->line = malloc(h->head + 1)) == NULL)
    return 1;
  memcpy(h->line, h->buf, h->head);
  h->line[h->head] = '\0';
  end = h->line + h->head;
  for (p = h->line; p < end; p = eol + 1) {
    char *colon, *v, *e;
    eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL)
      break;
    e = eol;
    if (e > p && e[-1] == '\r')
      e--;
    *e = '\0';
    if (p == h->line || e == p)
      continue;
    colon = strchr(p, ':');
    if (colon == NULL || colon == p || *p == ' ' || *p == '\t') {
      fprintf(stderr, "%s: %s: a header line without a name: '%s'\n",
              progname, in_name, p);
      return 1;
    }
    if (h->n == HTTP_MAX_FIELDS) {
      fprintf(stderr, "%s: %s: over %d header fields\n", progname, in_name,
              HTTP_MAX_FIELDS);
      return 1;
    }
    *colon = '\0';
    for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
      ;
    for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
      ;
    *e = '\0';
    h->names[h->n] = p;
    h->values[h->n++] = v;
  }
  return 0;
}

/* The value of a field (several joined with ", ", as HTTP allows), in
 * buf; NULL when absent. */
static const char *
http_field(const struct http_head *h, const char *name, char *buf,
           size_t size)
{
  size_t used = 0, i;
  int found = 0;

  for (i = 0; i < h->n; i++) {
    if (h->names[i] == NULL || strcasecmp(h->names[i], name) != 0)
      continue;
    used += (size_t)snprintf(buf + used, used < size ? size - used : 0,
                             "%s%s", found++ ? ", " : "", h->values[i]);
  }
  return found && used < size ? buf : NULL;
}

/* The response a server module sends for the one on fd: passed, refused
 * (502, nothing of it sent) or gated with the headers the library says
 * (consent_http_classify, consent_gate_header_edit). */
int
http_stream(struct gate_opts *o, int fd, const char *in_name,
            struct out *outp)
{
  static const char refused[] =
    "502 Bad Gateway: the page cannot be checked for embeds\n";
  struct http_head h;
  consent_rewriter_t *rw = NULL;
  consent_encoding coding = CONSENT_ENCODING_IDENTITY;
  consent_http_action act;
  consent_header_op op;
  const char *type, *enc, *reason = "", *name, *value;
  const char *add[8][2];
  char tbuf[1024], ebuf[256], vary[512];
  size_t i, j, nadd = 0;
  int rc = 1, head_only;

  memset(&h, 0, sizeof(h));
  if (http_read_head(fd, in_name, outp, &h) != 0)
    goto done;
  type = http_field(&h, "Content-Type", tbuf, sizeof(tbuf));
  enc = http_field(&h, "Content-Encoding", ebuf, sizeof(ebuf));
  act = consent_http_classify(h.status, type, type ? strlen(type) : 0, enc,
                              enc ? strlen(enc) : 0, &coding, &reason);
  head_only = o->method != NULL && strcasecmp(o->method, "HEAD") == 0;
  if (act == CONSENT_HTTP_PASS) {
    if (fwrite(h.buf, 1, h.len, outp->f) != h.len)
      goto write_error;
    rc = 0;
    if (!head_only)
      rc = copy_fd(fd, in_name, outp);
    goto done;
  }
  if (act != CONSENT_HTTP_GATE) {
    fprintf(stderr, "%s: refused (502): %s\n", progname, reason);
    fprintf(outp->f, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nContent-Length: %zu\r\nCache-Control: "
            "no-store\r\n\r\n%s", sizeof(refused) - 1,
            head_only ? "" : refused);
    rc = fflush(outp->f) == 0 ? 0 : 1;
    goto done;
  }
  /* Gated: the body is decoded and encoded again in its coding. */
  o->decode = o->encode = (int)coding;
  o->content_type = type;
  if (h.status != 204 && h.status != 304 && !head_only &&
      open_rewriter(o, outp, &rw) != 0)
    goto done;
  /* The head: the library's edits (a Vary merged into the first one),
   * Link without the preloads of providers not allowed, no framing (the
   * body goes to its end). */
  for (i = 0; consent_gate_header_edit(o->gate, o->site, i, &op, &name,
                                       &value); i++) {
    if (nadd == sizeof(add) / sizeof(add[0]))
      break;
    for (j = 0; j < h.n; j++) {
      if (h.names[j] == NULL || strcasecmp(h.names[j], name) != 0)
        continue;
      if (op != CONSENT_HEADER_MERGE) {
        h.names[j] = NULL;
      } else if (value != NULL) {
        snprintf(vary, sizeof(vary), "%s, %s", h.values[j], value);
        h.values[j] = vary;
        value = NULL;
      }
    }
    if (op != CONSENT_HEADER_REMOVE && value != NULL) {
      add[nadd][0] = name;
      add[nadd++][1] = value;
    }
  }
  fprintf(outp->f, "%s\r\n", h.line);
  for (j = 0; j < h.n; j++) {
    if (h.names[j] == NULL || strcasecmp(h.names[j], "Transfer-Encoding") == 0)
      continue;
    if (rw != NULL && strcasecmp(h.names[j], "Link") == 0) {
      char *kept = NULL;
      if (consent_rewriter_filter_link(rw, h.values[j], strlen(h.values[j]),
                                       &kept) != CONSENT_OK)
        goto done;
      if (kept != NULL)
        fprintf(outp->f, "Link: %s\r\n", kept);
      consent_free(kept);
      continue;
    }
    fprintf(outp->f, "%s: %s\r\n", h.names[j], h.values[j]);
  }
  for (j = 0; j < nadd; j++)
    fprintf(outp->f, "%s: %s\r\n", add[j][0], add[j][1]);
  fputs("\r\n", outp->f);
  if (rw == NULL) {
    rc = fflush(outp->f) == 0 ? 0 : 1;
    goto done;
  }
  rc = feed(o, rw, fd, in_name, outp, h.buf + h.head, h.len - h.head);
  goto done;
done:
  consent_rewriter_free(rw);
  free(h.line);
  free(h.buf);
  return rc;
write_error:
  fprintf(stderr, "%s: cannot write %s: %s\n", progname, outp->name,
          strerror(errno));
  goto done;
}
