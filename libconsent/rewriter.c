/*
 * rewriter.c: streams a document through the tokenizer to a sink.
 */
#include <stdio.h>
#include <string.h>

#include "consent.h"
#include "rewriter.h"

void
consent__rewriter_init(struct consent__rewriter *rw, size_t max_buffer,
                       consent__sink_fn sink, void *ud)
{
  memset(rw, 0, sizeof(*rw));
  consent__tok_init(&rw->tok, CONSENT__TOKF_TREE | CONSENT__TOKF_SCRIPTING,
                    max_buffer);
  rw->sink = sink;
  rw->sink_ud = ud;
}

/* Records the first error; every later call reports E_FAILED. */
static int
fail(struct consent__rewriter *rw, int status)
{
  rw->status = status;
  snprintf(rw->errmsg, sizeof(rw->errmsg), "%s",
           consent_strerror((consent_status)status));
  return status;
}

static int
check(struct consent__rewriter *rw)
{
  if (rw->status != 0) {
    snprintf(rw->errmsg, sizeof(rw->errmsg),
             "%s (earlier: %s)", consent_strerror(CONSENT_E_FAILED),
             consent_strerror((consent_status)rw->status));
    return CONSENT_E_FAILED;
  }
  if (rw->ended) {
    snprintf(rw->errmsg, sizeof(rw->errmsg), "%s",
             consent_strerror(CONSENT_E_FINISHED));
    return CONSENT_E_FINISHED;
  }
  rw->errmsg[0] = '\0';
  return 0;
}

int
consent__rewriter_write(struct consent__rewriter *rw, const char *buf,
                        size_t len)
{
  int st = check(rw);

  if (st != 0)
    return st;
  if (len == 0)
    return 0;
  st = consent__tok_feed(&rw->tok, buf, len);
  if (st != 0)
    return fail(rw, st);
  if (rw->sink(buf, len, rw->sink_ud) != 0)
    return fail(rw, CONSENT_E_SINK);
  return 0;
}

int
consent__rewriter_end(struct consent__rewriter *rw)
{
  int st = check(rw);

  if (st != 0)
    return st;
  rw->ended = 1;
  st = consent__tok_finish(&rw->tok);
  if (st != 0)
    return fail(rw, st);
  return 0;
}

void
consent__rewriter_free(struct consent__rewriter *rw)
{
  consent__tok_free(&rw->tok);
}
