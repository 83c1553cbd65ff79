/*
 * api.c: the public interface (include/consent.h).  The only module that
 * touches public types.
 */
#include <stdlib.h>
#include <string.h>

#include "consent.h"
#include "rewriter.h"

#define DEFAULT_MAX_BUFFER ((size_t)1 << 20)
#define MIN_MAX_BUFFER ((size_t)4096)

struct consent_config {
  size_t max_buffer;
};

struct consent_gate {
  size_t max_buffer;
};

struct consent_rewriter {
  struct consent__rewriter rw;
};

const char *
consent_version(void)
{
  return CONSENT_VERSION_STRING;
}

unsigned int
consent_version_num(void)
{
  return CONSENT_VERSION_NUM;
}

void
consent_free(void *ptr)
{
  free(ptr);
}

consent_status
consent_config_new(consent_config_t **config)
{
  consent_config_t *c;

  if (config == NULL)
    return CONSENT_E_INVAL;
  *config = NULL;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return CONSENT_E_NOMEM;
  c->max_buffer = DEFAULT_MAX_BUFFER;
  *config = c;
  return CONSENT_OK;
}

void
consent_config_free(consent_config_t *config)
{
  free(config);
}

consent_status
consent_config_set_max_buffer(consent_config_t *config, size_t bytes)
{
  if (config == NULL || bytes < MIN_MAX_BUFFER)
    return CONSENT_E_INVAL;
  config->max_buffer = bytes;
  return CONSENT_OK;
}

consent_status
consent_gate_new(const consent_config_t *config, consent_gate_t **gate)
{
  consent_gate_t *g;

  if (gate == NULL)
    return CONSENT_E_INVAL;
  *gate = NULL;
  g = calloc(1, sizeof(*g));
  if (g == NULL)
    return CONSENT_E_NOMEM;
  g->max_buffer = config ? config->max_buffer : DEFAULT_MAX_BUFFER;
  *gate = g;
  return CONSENT_OK;
}

void
consent_gate_free(consent_gate_t *gate)
{
  free(gate);
}

consent_status
consent_rewriter_new(const consent_gate_t *gate, consent_sink_fn sink,
                     void *user_data, consent_rewriter_t **rw)
{
  consent_rewriter_t *r;

  if (rw == NULL)
    return CONSENT_E_INVAL;
  *rw = NULL;
  if (gate == NULL || sink == NULL)
    return CONSENT_E_INVAL;
  r = malloc(sizeof(*r));
  if (r == NULL)
    return CONSENT_E_NOMEM;
  consent__rewriter_init(&r->rw, gate->max_buffer, sink, user_data);
  *rw = r;
  return CONSENT_OK;
}

consent_status
consent_rewriter_write(consent_rewriter_t *rw, const char *buf, size_t len)
{
  if (rw == NULL || (buf == NULL && len > 0))
    return CONSENT_E_INVAL;
  return (consent_status)consent__rewriter_write(&rw->rw, buf, len);
}

consent_status
consent_rewriter_end(consent_rewriter_t *rw)
{
  if (rw == NULL)
    return CONSENT_E_INVAL;
  return (consent_status)consent__rewriter_end(&rw->rw);
}

const char *
consent_rewriter_errmsg(const consent_rewriter_t *rw)
{
  if (rw == NULL)
    return consent_strerror(CONSENT_E_INVAL);
  return rw->rw.errmsg;
}

void
consent_rewriter_free(consent_rewriter_t *rw)
{
  if (rw == NULL)
    return;
  consent__rewriter_free(&rw->rw);
  free(rw);
}

struct collect {
  char *data;
  size_t len, cap;
  int failed;
};

static int
collect_sink(const char *buf, size_t len, void *user_data)
{
  struct collect *c = user_data;

  if (c->cap - c->len <= len) {
    size_t cap = c->cap ? c->cap : 4096;
    char *data;
    while (cap - c->len <= len) {
      if (cap > (size_t)-1 / 2)
        return c->failed = 1;
      cap *= 2;
    }
    data = realloc(c->data, cap);
    if (data == NULL)
      return c->failed = 1;
    c->data = data;
    c->cap = cap;
  }
  memcpy(c->data + c->len, buf, len);
  c->len += len;
  return 0;
}

consent_status
consent_rewrite(const consent_gate_t *gate, const char *in, size_t len,
                char **out, size_t *out_len)
{
  struct collect c = { NULL, 0, 0, 0 };
  consent_rewriter_t *rw;
  consent_status st;

  if (out == NULL)
    return CONSENT_E_INVAL;
  *out = NULL;
  if (out_len != NULL)
    *out_len = 0;
  if (in == NULL && len > 0)
    return CONSENT_E_INVAL;
  st = consent_rewriter_new(gate, collect_sink, &c, &rw);
  if (st != CONSENT_OK)
    return st;
  st = consent_rewriter_write(rw, in, len);
  if (st == CONSENT_OK)
    st = consent_rewriter_end(rw);
  consent_rewriter_free(rw);
  if (st == CONSENT_OK && collect_sink("", 0, &c) == 0) {
    c.data[c.len] = '\0';
    *out = c.data;
    if (out_len != NULL)
      *out_len = c.len;
    return CONSENT_OK;
  }
  free(c.data);
  if (st == CONSENT_E_SINK && c.failed)
    st = CONSENT_E_NOMEM;
  return st == CONSENT_OK ? CONSENT_E_NOMEM : st;
}
