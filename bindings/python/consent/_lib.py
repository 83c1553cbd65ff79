"""Loading libconsent and declaring its C functions for ctypes.

The library is found, in this order, at the path in the environment
variable CONSENT_LIBRARY, through the system's loader (ctypes.util), and in
a libconsent build tree this package sits in (for running from a source
checkout after ./build.sh).  Every function used is declared with argtypes
and restype, so a wrong call raises in Python instead of crashing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, c_char_p, c_int, c_longlong, c_size_t,
                    c_uint, c_ulong, c_void_p)

#: The oldest library version this package works with (0xMMmmpp).
REQUIRED_VERSION = 0x000100

c_status = c_int
c_char_pp = POINTER(c_char_p)
c_void_pp = POINTER(c_void_p)

SINK_FN = CFUNCTYPE(c_int, c_void_p, c_size_t, c_void_p)
RECEIPT_FN = CFUNCTYPE(None, c_void_p, c_size_t, c_void_p)
REPORT_FN = CFUNCTYPE(None, c_char_p, c_char_p, c_ulong, c_int, c_void_p)

# name: (restype, argtypes)
PROTOTYPES = {
    "consent_version": (c_char_p, []),
    "consent_version_num": (c_uint, []),
    "consent_strerror": (c_char_p, [c_status]),
    "consent_status_name": (c_char_p, [c_status]),
    "consent_rewriter_set_time": (c_status, [c_void_p, c_longlong]),
    "consent_free": (None, [c_void_p]),
    "consent_category_name": (c_char_p, [c_int]),
    "consent_category_from_name": (c_status, [c_char_p, c_size_t,
                                              POINTER(c_int)]),
    "consent_registry_new": (c_status, [c_void_pp]),
    "consent_registry_new_empty": (c_status, [c_void_pp]),
    "consent_registry_load_file": (c_status, [c_void_p, c_char_p]),
    "consent_registry_load_buffer": (c_status, [c_void_p, c_char_p, c_size_t,
                                                c_char_p]),
    "consent_registry_errmsg": (c_char_p, [c_void_p]),
    "consent_registry_free": (None, [c_void_p]),
    "consent_registry_count": (c_size_t, [c_void_p]),
    "consent_registry_id": (c_char_p, [c_void_p, c_size_t]),
    "consent_registry_get": (c_char_p, [c_void_p, c_char_p, c_int]),
    "consent_registry_match_url": (c_status, [c_void_p, c_char_p, c_size_t,
                                              c_char_pp]),
    "consent_keyring_load_file": (c_status, [c_char_p, c_void_pp, c_void_pp]),
    "consent_keyring_load_buffer": (c_status, [c_char_p, c_size_t, c_char_p,
                                               c_void_pp, c_void_pp]),
    "consent_keyring_free": (None, [c_void_p]),
    "consent_keyring_signing_key": (c_uint, [c_void_p]),
    "consent_keyring_add_key": (c_status, [c_char_p, c_longlong,
                                           POINTER(c_uint), c_void_pp]),
    "consent_state_new": (c_status, [c_void_p, c_void_pp]),
    "consent_state_free": (None, [c_void_p]),
    "consent_state_set_provider": (c_status, [c_void_p, c_char_p, c_int,
                                              c_longlong]),
    "consent_state_set_category": (c_status, [c_void_p, c_int, c_int,
                                              c_longlong]),
    "consent_state_clear": (None, [c_void_p]),
    "consent_state_set_policy_version": (None, [c_void_p, c_uint]),
    "consent_state_set_max_age": (c_status, [c_void_p, c_longlong]),
    "consent_state_allows": (c_int, [c_void_p, c_char_p, c_longlong]),
    "consent_state_to_json": (c_status, [c_void_p, c_longlong, c_void_pp]),
    "consent_cookie_issue": (c_status, [c_void_p, c_void_p, c_longlong,
                                        RECEIPT_FN, c_void_p, c_void_pp,
                                        POINTER(c_size_t)]),
    "consent_cookie_verify": (c_status, [c_void_p, c_void_p, c_char_p,
                                         c_size_t, c_uint, c_longlong,
                                         c_void_pp]),
    "consent_cookie_from_header": (c_status, [c_void_p, c_void_p, c_char_p,
                                              c_size_t, c_char_p, c_uint,
                                              c_longlong, c_void_pp]),
    "consent_set_cookie": (c_status, [c_char_p, c_char_p, c_size_t,
                                      c_longlong, c_char_p, c_char_p, c_uint,
                                      c_void_pp]),
    "consent_config_new": (c_status, [c_void_pp]),
    "consent_config_free": (None, [c_void_p]),
    "consent_config_set_max_buffer": (c_status, [c_void_p, c_size_t]),
    "consent_config_set_registry": (c_status, [c_void_p, c_void_p]),
    "consent_config_set_language": (c_status, [c_void_p, c_char_p]),
    "consent_config_load_texts": (c_status, [c_void_p, c_char_p]),
    "consent_config_load_notice_template": (c_status, [c_void_p, c_char_p]),
    "consent_config_load_template": (c_status, [c_void_p, c_char_p]),
    "consent_config_errmsg": (c_char_p, [c_void_p]),
    "consent_config_set_privacy_url": (c_status, [c_void_p, c_char_p]),
    "consent_config_set_endpoint": (c_status, [c_void_p, c_char_p]),
    "consent_config_set_script": (c_status, [c_void_p, c_int, c_char_p,
                                             c_char_p]),
    "consent_config_set_cache_safe": (c_status, [c_void_p, c_int]),
    "consent_config_set_guard": (c_status, [c_void_p, c_int]),
    "consent_config_set_notice": (c_status, [c_void_p, c_int]),
    "consent_config_set_google_consent_mode": (c_status, [c_void_p, c_int]),
    "consent_config_allow_provider": (c_status, [c_void_p, c_char_p]),
    "consent_gate_new": (c_status, [c_void_p, c_void_pp]),
    "consent_gate_free": (None, [c_void_p]),
    "consent_gate_negotiate_language": (c_char_p, [c_void_p, c_char_p,
                                                   c_size_t]),
    "consent_rewriter_new_buffered": (c_status, [c_void_p, c_void_pp]),
    "consent_rewriter_take": (c_void_p, [c_void_p, POINTER(c_size_t)]),
    "consent_rewriter_set_state": (c_status, [c_void_p, c_void_p]),
    "consent_rewriter_set_language": (c_status, [c_void_p, c_char_p]),
    "consent_rewriter_set_nonce": (c_status, [c_void_p, c_char_p]),
    "consent_rewriter_set_return_path": (c_status, [c_void_p, c_char_p]),
    "consent_rewriter_set_encoding": (c_status, [c_void_p, c_int, c_int]),
    "consent_rewriter_set_content_type": (c_status, [c_void_p, c_char_p,
                                                     c_size_t]),
    "consent_rewriter_filter_link": (c_status, [c_void_p, c_char_p, c_size_t,
                                                c_void_pp]),
    "consent_site_trust_proxies": (c_status, [c_void_p, c_char_p]),
    "consent_request_set_peer": (c_status, [c_void_p, c_char_p]),
    "consent_request_set_gate": (c_status, [c_void_p, c_void_p]),
    "consent_previews_file_type": (c_char_p, [c_char_p, c_size_t]),
    "consent_previews_set_option": (c_status, [c_void_p, c_char_p]),
    "consent_http_classify": (c_int, [c_int, c_char_p, c_size_t, c_char_p,
                                      c_size_t, POINTER(c_int), c_char_pp]),
    "consent_http_accept_encoding": (c_status, [c_char_p, c_size_t,
                                                c_void_pp]),
    "consent_http_drop_request_header": (c_int, [c_char_p, c_size_t,
                                                 c_char_p, c_size_t]),
    "consent_gate_header_edit": (c_int, [c_void_p, c_void_p, c_size_t,
                                         POINTER(c_int), c_char_pp,
                                         c_char_pp]),
    "consent_rewriter_set_report": (c_status, [c_void_p, REPORT_FN,
                                               c_void_p]),
    "consent_rewriter_write": (c_status, [c_void_p, c_char_p, c_size_t]),
    "consent_rewriter_end": (c_status, [c_void_p]),
    "consent_rewriter_errmsg": (c_char_p, [c_void_p]),
    "consent_rewriter_free": (None, [c_void_p]),
    "consent_site_new": (c_status, [c_void_p, c_void_p, c_void_pp]),
    "consent_site_free": (None, [c_void_p]),
    "consent_site_set_cookie": (c_status, [c_void_p, c_char_p, c_char_p,
                                           c_char_p, c_uint]),
    "consent_site_set_policy_version": (None, [c_void_p, c_uint]),
    "consent_site_set_max_age": (c_status, [c_void_p, c_longlong]),
    "consent_request_new": (c_status, [c_void_p, c_int, c_void_pp]),
    "consent_request_free": (None, [c_void_p]),
    "consent_request_set_header": (c_status, [c_void_p, c_char_p, c_char_p,
                                              c_size_t]),
    "consent_request_state": (c_void_p, [c_void_p, c_longlong,
                                         POINTER(c_status)]),
    "consent_request_endpoint": (c_status, [c_void_p, c_char_p, c_char_p,
                                            c_size_t, c_char_p, c_size_t,
                                            c_longlong]),
    "consent_request_response_status": (c_int, [c_void_p]),
    "consent_request_response_header": (c_int, [c_void_p, c_size_t, c_char_pp,
                                        c_char_pp]),
    "consent_request_response_body": (c_void_p, [c_void_p, POINTER(c_size_t)]),
    "consent_request_response_receipt": (c_void_p, [c_void_p, POINTER(c_size_t)]),
    "consent_request_response_reason": (c_char_p, [c_void_p]),
    "consent_asset": (c_void_p, [c_int, POINTER(c_size_t)]),
    "consent_site_set_sources": (c_status, [c_void_p, c_uint]),
    "consent_sources_from_names": (c_status, [c_char_p, POINTER(c_uint),
                                            POINTER(c_void_p)]),
    "consent_site_set_gpc_categories": (c_status, [c_void_p, c_char_p]),
    "consent_banner_read": (c_status, [c_void_p, c_uint, c_char_p, c_size_t,
                                       c_void_p, c_longlong, c_void_pp]),
    "consent_tcf_decode": (c_status, [c_char_p, c_size_t, c_void_pp,
                                      c_void_pp]),
    "consent_previews_new": (c_status, [c_void_p, c_char_p, c_void_pp]),
    "consent_previews_free": (None, [c_void_p]),
    "consent_previews_set_limit": (c_status, [c_void_p, c_int, c_longlong]),
    "consent_previews_set_url_prefix": (c_status, [c_void_p, c_char_p]),
    "consent_previews_set_ca_file": (c_status, [c_void_p, c_char_p]),
    "consent_previews_add_resolve": (c_status, [c_void_p, c_char_p]),
    "consent_previews_trust_address": (c_status, [c_void_p, c_char_p]),
    "consent_previews_queue": (c_status, [c_void_p, c_char_p, c_size_t]),
    "consent_previews_pending": (c_size_t, [c_void_p]),
    "consent_previews_run": (c_status, [c_void_p, c_longlong,
                                        POINTER(c_uint), POINTER(c_uint)]),
    "consent_config_set_previews": (c_status, [c_void_p, c_void_p]),
}


def _candidates():
    env = os.environ.get("CONSENT_LIBRARY")
    if env:
        yield env
        return
    found = ctypes.util.find_library("consent")
    if found:
        yield found
    yield "libconsent.so.0"
    # A source checkout: bindings/python/consent -> _build/libconsent/.libs
    here = os.path.dirname(os.path.realpath(__file__))
    top = os.path.normpath(os.path.join(here, "..", "..", ".."))
    yield os.path.join(top, "_build", "libconsent", ".libs", "libconsent.so.0")


def load() -> ctypes.CDLL:
    """Loads the library and declares its functions; raises OSError with
    every place tried when there is none, ImportError when it is too old."""
    errors = []
    lib = None
    for name in _candidates():
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError as e:
            errors.append("%s: %s" % (name, e))
    if lib is None:
        raise OSError("libconsent not found (set CONSENT_LIBRARY to its "
                      "path): " + "; ".join(errors))
    for fname, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(lib, fname)
        except AttributeError:
            raise ImportError("libconsent at %s lacks %s: too old for this "
                              "package" % (lib._name, fname)) from None
        fn.restype = restype
        fn.argtypes = argtypes
    if lib.consent_version_num() < REQUIRED_VERSION:
        raise ImportError("libconsent %s is older than this package needs "
                          "(0x%06x)" % (lib.consent_version().decode(),
                                        REQUIRED_VERSION))
    return lib


LIB = load()
