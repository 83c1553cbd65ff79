/*
 * rewriter.h: streams a document through the tokenizer to a sink.
 *
 * This stage passes every byte through unchanged; the gate's matcher and
 * placeholders build on the same stream.
 */
#ifndef HEADER_CONSENT_REWRITER_H
#define HEADER_CONSENT_REWRITER_H

#include <stddef.h>

#include "tokenizer.h"

typedef int (*consent__sink_fn)(const char *buf, size_t len, void *ud);

struct consent__rewriter {
  struct consent__tokenizer tok;
  consent__sink_fn sink;
  void *sink_ud;
  int status;      /* first error; the rewriter stays failed */
  int ended;
  char errmsg[160];
};

void consent__rewriter_init(struct consent__rewriter *rw, size_t max_buffer,
                            consent__sink_fn sink, void *ud);
int consent__rewriter_write(struct consent__rewriter *rw, const char *buf,
                            size_t len);
int consent__rewriter_end(struct consent__rewriter *rw);
void consent__rewriter_free(struct consent__rewriter *rw);

#endif /* HEADER_CONSENT_REWRITER_H */
