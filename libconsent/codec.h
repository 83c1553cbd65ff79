/*
 * codec.h: what stands between a response body and the tokenizer.
 *
 * Content codings (RFC 9110 8.4): gzip, deflate (zlib or raw), br
 * (RFC 7932) and zstd (RFC 8878) are decoded before the tokenizer and the
 * same coding is applied to the output again.
 *
 * Character encodings: the tokenizer reads bytes as an ASCII-compatible
 * encoding.  A browser may not (WHATWG Encoding): a byte order mark
 * makes it read UTF-16, and ISO-2022-JP hides markup in its two-byte
 * runs.  So UTF-16 is decoded to UTF-8 (the output then starts with a
 * UTF-8 byte order mark, which browsers obey before any header), and,
 * unless the page is declared UTF-8, the ESC of each ISO-2022-JP switch
 * into a mode where markup bytes are letters (ESC $ @, ESC $ B, ESC ( I)
 * is removed: without them every decoder reads markup as the tokenizer
 * did.  Input with neither comes out byte for byte.
 */
#ifndef HEADER_CONSENT_CODEC_H
#define HEADER_CONSENT_CODEC_H

#include <stddef.h>
#include <zlib.h>

/* The public consent_encoding values. */
enum {
  CONSENT__CODING_IDENTITY = 0,
  CONSENT__CODING_GZIP = 1,
  CONSENT__CODING_DEFLATE = 2,
  CONSENT__CODING_BR = 3,
  CONSENT__CODING_ZSTD = 4,
  CONSENT__CODING_MAX = 4
};

/* Receives bytes; nonzero stops the caller. */
typedef int (*consent__bytes_fn)(const char *buf, size_t len, void *ud);

struct consent__decoder {
  int coding;
  int started, done;
  z_stream z;
  unsigned char head[2];     /* deflate: the first two bytes tell zlib
                                from raw deflate */
  unsigned head_len;
  void *br;                  /* BrotliDecoderState */
  void *zs;                  /* ZSTD_DStream */
};

/* 0, or CONSENT_E_NOMEM. */
int consent__decoder_init(struct consent__decoder *d, int coding);

/* Decodes buf and hands what comes out to fn.  0; CONSENT_E_ENCODING
 * with err filled (corrupt data, data after the end); or -1 when fn
 * stopped it. */
int consent__decoder_write(struct consent__decoder *d, const char *buf,
                           size_t len, consent__bytes_fn fn, void *ud,
                           char *err, size_t errlen);

/* 0 when the stream was complete, else CONSENT_E_ENCODING with err. */
int consent__decoder_end(const struct consent__decoder *d, char *err,
                         size_t errlen);

void consent__decoder_free(struct consent__decoder *d);

struct consent__encoder {
  int coding;
  z_stream z;
  void *br;                  /* BrotliEncoderState */
  void *zs;                  /* ZSTD_CCtx */
  consent__bytes_fn sink;
  void *ud;
};

/* 0, or CONSENT_E_NOMEM. */
int consent__encoder_init(struct consent__encoder *e, int coding,
                          consent__bytes_fn sink, void *ud);

/* 0, or 1 when the sink or the coder failed. */
int consent__encoder_write(struct consent__encoder *e, const char *buf,
                           size_t len);
int consent__encoder_end(struct consent__encoder *e);

void consent__encoder_free(struct consent__encoder *e);

/* Character encodings the tokenizer cannot read as they are. */
enum {
  CONSENT__CHARSET_UNKNOWN = 0,  /* not declared: switches removed */
  CONSENT__CHARSET_UTF8 = 1,     /* declared UTF-8: bytes as they are */
  CONSENT__CHARSET_UTF16LE = 2,
  CONSENT__CHARSET_UTF16BE = 3,
  CONSENT__CHARSET_ISO2022JP = 4, /* declared; as UNKNOWN */
  CONSENT__CHARSET_OTHER = 5     /* declared, ASCII-compatible: as
                                    UNKNOWN (ESC means nothing there) */
};

/* The charset parameter of a Content-Type value, classified as above
 * (UNKNOWN when there is none).  *essence_len gets the length of the
 * MIME type's essence (type/subtype, trimmed), 0 when it does not
 * parse; *essence its start. */
int consent__content_type(const char *value, size_t len,
                          const char **essence, size_t *essence_len);

#define CONSENT__COMPRESSED (-2)

struct consent__recoder {
  int charset;               /* CONSENT__CHARSET_* in effect */
  int sniffed;               /* byte order mark looked for */
  unsigned char head[4];     /* the first bytes, until they tell */
  unsigned head_len;
  unsigned char odd[1];      /* UTF-16: a byte waiting for its pair */
  unsigned odd_len;
  unsigned lead;             /* UTF-16: a high surrogate waiting */
  char esc[3];               /* an ESC at the end of the input so far,
                                and what follows it */
  unsigned esc_len;
};

void consent__recoder_init(struct consent__recoder *r, int charset);

/* Hands buf to fn as the tokenizer must read it.  0, -1 when fn stopped
 * it, or CONSENT__COMPRESSED when the body starts as a gzip or zstd
 * stream does: compressed, though nothing said so (a header added after
 * the gate, a pre-compressed file served as it is), it would reach the
 * browser unread. */
int consent__recoder_write(struct consent__recoder *r, const char *buf,
                           size_t len, consent__bytes_fn fn, void *ud);

/* Flushes what the end of input settles.  0, -1 or CONSENT__COMPRESSED. */
int consent__recoder_end(struct consent__recoder *r, consent__bytes_fn fn,
                         void *ud);

#endif /* HEADER_CONSENT_CODEC_H */
