/*
 * consent.h: the public interface of libconsent.
 *
 * libconsent streams HTML through a standard-conformant tokenizer and
 * replaces every third-party embed the visitor has not consented to with
 * a placeholder.  This is the only header users include.
 *
 * Conventions (they hold for every call below):
 *  - Handles are opaque.  Each has a _new/_free pair; _free(NULL) is a
 *    no-op.
 *  - Fallible calls return a consent_status; CONSENT_OK is 0.
 *    consent_strerror() turns any status into a static message, and a
 *    handle that failed keeps a more specific message of its own.
 *  - Inputs are (pointer, length) pairs and need not be NUL-terminated.
 *  - Memory the library returns through an out-parameter belongs to the
 *    caller, who releases it with consent_free().  Pointers handed to a
 *    callback are valid only during that call.
 *  - A gate is immutable once built and may be shared by any number of
 *    threads.  A rewriter belongs to one response and must not be used by
 *    two threads at once.
 */
#ifndef CONSENT_H
#define CONSENT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Versions                                                            */

#define CONSENT_VERSION_MAJOR 0
#define CONSENT_VERSION_MINOR 1
#define CONSENT_VERSION_PATCH 0
#define CONSENT_VERSION_STRING "0.1.0"

/* 0xXXYYZZ: major, minor and patch, one byte each. */
#define CONSENT_VERSION_NUM \
  ((CONSENT_VERSION_MAJOR << 16) | (CONSENT_VERSION_MINOR << 8) | \
   CONSENT_VERSION_PATCH)
#define CONSENT_VERSION_NUMBER CONSENT_VERSION_NUM

/* True when the header is at least version x.y.z. */
#define CONSENT_AT_LEAST_VERSION(x, y, z) \
  (CONSENT_VERSION_NUM >= (((x) << 16) | ((y) << 8) | (z)))

/* ------------------------------------------------------------------ */
/* Export and deprecation                                              */

#if defined(_WIN32)
#  define CONSENT_EXTERN __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CONSENT_EXTERN __attribute__((visibility("default")))
#else
#  define CONSENT_EXTERN
#endif

/* CONSENT_DEPRECATED(ver, msg): marks a call deprecated since version
 * "ver" with a hint.  Define CONSENT_NO_DEPRECATION to silence it. */
#if defined(__GNUC__) && !defined(CONSENT_NO_DEPRECATION)
#  define CONSENT_DEPRECATED(ver, msg) \
     __attribute__((deprecated("since " #ver ": " msg)))
#else
#  define CONSENT_DEPRECATED(ver, msg)
#endif

/* ------------------------------------------------------------------ */
/* Status codes                                                        */

/* XX(name, value, message).  Append only: a value never changes
 * meaning, and a retired one becomes CONSENT_E_OBSOLETEnn. */
#define CONSENT_STATUS_MAP(XX)                                            \
  XX(OK,        0, "success")                                             \
  XX(E_NOMEM,   1, "out of memory")                                       \
  XX(E_INVAL,   2, "invalid argument")                                    \
  XX(E_SINK,    3, "the output callback reported a failure")              \
  XX(E_FAILED,  4, "the rewriter failed earlier and accepts no more input")\
  XX(E_FINISHED, 5, "the rewriter has already ended")                     \
  XX(E_LIMIT,   6, "a configured size limit was exceeded")                \
  XX(E_IO,      7, "input/output error")

typedef enum consent_status {
#define CONSENT__STATUS_ENUM(name, value, msg) CONSENT_##name = value,
  CONSENT_STATUS_MAP(CONSENT__STATUS_ENUM)
#undef CONSENT__STATUS_ENUM
  CONSENT__STATUS_END
} consent_status;

/* ------------------------------------------------------------------ */
/* Library                                                             */

/* The library's version as "major.minor.patch" (static string), for
 * comparing with CONSENT_VERSION_STRING at run time.
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_version(void);

/* The library's version as 0xXXYYZZ (see CONSENT_VERSION_NUM).
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN unsigned int
consent_version_num(void);

/* A static, English message for a status code; unknown codes give
 * "unknown status".  Never returns NULL.  Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_strerror(consent_status status);

/* Releases memory the library handed to the caller through an
 * out-parameter.  consent_free(NULL) does nothing.
 * Thread-safe.  Since: 0.1.0 */
CONSENT_EXTERN void
consent_free(void *ptr);

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

typedef struct consent_config consent_config_t;

/* Creates a configuration with the built-in defaults.  On success
 * *config is a new handle owned by the caller (consent_config_free).
 * Returns CONSENT_OK, CONSENT_E_INVAL (config is NULL) or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_new(consent_config_t **config);

/* Releases a configuration.  Gates built from it do not depend on it.
 * Since: 0.1.0 */
CONSENT_EXTERN void
consent_config_free(consent_config_t *config);

/* The most bytes one rewriter may hold at a time (the embed it is
 * capturing and the token it is inside).  Past it the rewriter fails
 * closed: nothing un-gated is let through.  Default 1 MiB; at least
 * 4096.  Returns CONSENT_OK or CONSENT_E_INVAL.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_config_set_max_buffer(consent_config_t *config, size_t bytes);

/* ------------------------------------------------------------------ */
/* Gate                                                                */

typedef struct consent_gate consent_gate_t;

/* Builds a gate from a configuration (NULL: the built-in defaults).
 * The gate copies what it needs; it is immutable and may be shared by
 * all threads.  On success *gate is owned by the caller
 * (consent_gate_free).  Returns CONSENT_OK, CONSENT_E_INVAL or
 * CONSENT_E_NOMEM.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_gate_new(const consent_config_t *config, consent_gate_t **gate);

/* Releases a gate.  Every rewriter made from it must be freed first.
 * Since: 0.1.0 */
CONSENT_EXTERN void
consent_gate_free(consent_gate_t *gate);

/* ------------------------------------------------------------------ */
/* Rewriter: one per response                                          */

typedef struct consent_rewriter consent_rewriter_t;

/* Receives output.  buf is valid only during the call.  Return 0 to go
 * on; any other value stops the rewriter with CONSENT_E_SINK. */
typedef int (*consent_sink_fn)(const char *buf, size_t len,
                               void *user_data);

/* Creates a rewriter for one document.  Output goes to sink with
 * user_data.  The gate must outlive the rewriter.  On success *rw is
 * owned by the caller (consent_rewriter_free).  Returns CONSENT_OK,
 * CONSENT_E_INVAL or CONSENT_E_NOMEM.  Thread-safe with respect to the
 * gate.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_new(const consent_gate_t *gate, consent_sink_fn sink,
                     void *user_data, consent_rewriter_t **rw);

/* Feeds the next len bytes of the document; any chunking gives the same
 * output.  Every byte that cannot belong to an embed is passed to the
 * sink before this returns.  Returns CONSENT_OK, CONSENT_E_SINK,
 * CONSENT_E_LIMIT, CONSENT_E_NOMEM, CONSENT_E_FINISHED (after
 * consent_rewriter_end) or CONSENT_E_FAILED (after an earlier error:
 * a rewriter that failed stays failed).  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_write(consent_rewriter_t *rw, const char *buf,
                       size_t len);

/* Ends the document and flushes all remaining output.  Returns as
 * consent_rewriter_write.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewriter_end(consent_rewriter_t *rw);

/* The message of the rewriter's last error ("" when there was none).
 * Owned by the rewriter, valid until its next call.  Since: 0.1.0 */
CONSENT_EXTERN const char *
consent_rewriter_errmsg(const consent_rewriter_t *rw);

/* Releases a rewriter; output not yet ended is discarded.
 * Since: 0.1.0 */
CONSENT_EXTERN void
consent_rewriter_free(consent_rewriter_t *rw);

/* One-shot rewrite of a whole document held in memory.  On success
 * *out (NUL-terminated, *out_len bytes before the NUL) belongs to the
 * caller, who releases it with consent_free().  out_len may be NULL.
 * Returns as consent_rewriter_write.  Since: 0.1.0 */
CONSENT_EXTERN consent_status
consent_rewrite(const consent_gate_t *gate, const char *in, size_t len,
                char **out, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* CONSENT_H */
