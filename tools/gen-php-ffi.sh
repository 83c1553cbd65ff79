#!/bin/sh
# gen-php-ffi.sh [CPP]: writes bindings/php/src/libconsent-ffi.h, the
# declarations PHP's FFI reads, from include/consent.h: the header without
# its #includes, through the C preprocessor (the status enum is an
# X-macro), without the export attribute.  Calls that hand out bytes that
# may hold NUL (a gated page, a gzip body, the endpoint's answer) are
# declared to return const void * there, so that PHP does not turn them
# into a string that stops at the first NUL.  tests/abi/test-man.sh checks
# that the committed file is in step; `make update-bindings` rewrites it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cpp=${1:-cpp}
cat <<'HDR'
#define FFI_SCOPE "libconsent"
#define FFI_LIB "libconsent.so.0"
/*
 * libconsent-ffi.h: the declarations PHP's FFI needs of libconsent,
 * generated from include/consent.h by tools/gen-php-ffi.sh (do not edit),
 * read by Consent.php (FFI::cdef) or preloaded by PHP with
 * ffi.preload=PATH/libconsent-ffi.h (then found as the scope
 * "libconsent").  FFI_LIB is the library as the loader finds it after
 * make install and ldconfig; put a full path there for a library
 * elsewhere.
 */
HDR
grep -v '^#include' "$top/include/consent.h" | "$cpp" -P - |
  sed -e 's/__attribute__((visibility("default"))) //' -e '/^[[:space:]]*$/d' |
  awk '
    /^const char \*$/ { held = $0; next }
    held != "" {
      if ($0 ~ /^consent_(rewriter_take|request_response_body|request_response_receipt)\(/)
        print "const void *"
      else
        print held
      held = ""
    }
    { print }'
