"""libconsent for Python: keep third-party embeds out of HTML until the
visitor consents.

A thin layer over the C library (through ctypes, no compiler needed):

>>> import consent
>>> html = '<p>Hi</p><iframe src="https://www.youtube.com/embed/x"></iframe>'
>>> "data-consent-provider" in consent.rewrite(html)
True

Handles (Registry, KeyRing, ConsentState, Gate, Rewriter, Site, Request)
free their C objects on close(), at the end of a ``with`` block, or when
they are collected.  Calls into the library release the GIL; no Python
callback runs while a page is rewritten unless a report is asked for.
Errors are raised as ConsentError subclasses carrying the library's status
and message.  The library is found as described in consent._lib.
"""
from __future__ import annotations

import ctypes
import json
import os
import weakref
from ctypes import byref, c_char_p, c_int, c_size_t, c_uint, c_void_p
from typing import (Any, Callable, Dict, Iterable, List, Mapping, Optional,
                    Tuple, Union)

from . import _constants as C   # generated from include/consent.h
from ._lib import LIB, RECEIPT_FN, REPORT_FN

__all__ = [
    "ConsentError", "OutOfMemory", "InvalidArgument", "LimitExceeded",
    "ConsentIOError", "ParseError", "NotFound", "CryptoError", "CookieError",
    "EncodingError", "RewriterError", "Unsupported",
    "Registry", "KeyRing", "ConsentState", "Gate", "Rewriter", "Site",
    "Request", "Response", "rewrite", "version", "library_version",
    "CATEGORIES", "asset", "CONSENT_ENDPOINT_MAX_BODY", "tcf_decode",
    "sources", "SOURCES", "Previews", "http_classify", "http_accept_encoding",
    "http_drop_request_header", "HTTP_PASS", "HTTP_GATE", "HTTP_REFUSE",
]

__version__ = "0.2.0"

#: The largest request body the consent endpoint accepts.
CONSENT_ENDPOINT_MAX_BODY = C.CONSENT_ENDPOINT_MAX_BODY

Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]
Text = Union[str, bytes]

# ----------------------------------------------------------------------
# Errors


class ConsentError(Exception):
    """A failure the library reported: ``status`` is its status code,
    ``message`` its text (with detail such as FILE:LINE when there is)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class OutOfMemory(ConsentError, MemoryError):
    """CONSENT_E_NOMEM"""


class InvalidArgument(ConsentError, ValueError):
    """CONSENT_E_INVAL"""


class LimitExceeded(ConsentError):
    """CONSENT_E_LIMIT: a configured size limit"""


class ConsentIOError(ConsentError, OSError):
    """CONSENT_E_IO: a file could not be read or written"""


class ParseError(ConsentError, ValueError):
    """CONSENT_E_PARSE: a file or value could not be parsed"""


class NotFound(ConsentError, LookupError):
    """CONSENT_E_NOTFOUND: no such provider, category or language"""


class CryptoError(ConsentError):
    """CONSENT_E_CRYPTO"""


class CookieError(ConsentError):
    """A consent cookie was missing or rejected (CONSENT_E_NOCOOKIE and
    CONSENT_E_COOKIE_*); ``status`` says why."""


class EncodingError(ConsentError):
    """CONSENT_E_ENCODING: corrupt or truncated compressed input"""


class RewriterError(ConsentError):
    """The rewriter failed, already ended, or its output failed."""


class Unsupported(ConsentError, NotImplementedError):
    """CONSENT_E_UNSUPPORTED: this build of libconsent leaves the feature
    out (previews in a library configured with --disable-previews)."""


_ERRORS = {C.CONSENT_E_NOMEM: OutOfMemory, C.CONSENT_E_INVAL: InvalidArgument,
           C.CONSENT_E_SINK: RewriterError, C.CONSENT_E_FAILED: RewriterError,
           C.CONSENT_E_FINISHED: RewriterError,
           C.CONSENT_E_LIMIT: LimitExceeded, C.CONSENT_E_IO: ConsentIOError,
           C.CONSENT_E_PARSE: ParseError, C.CONSENT_E_NOTFOUND: NotFound,
           C.CONSENT_E_CRYPTO: CryptoError,
           C.CONSENT_E_ENCODING: EncodingError,
           C.CONSENT_E_UNSUPPORTED: Unsupported}


def _error(status: int, detail: Optional[Union[str, bytes]] = None) -> ConsentError:
    msg = LIB.consent_strerror(status).decode()
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    if detail:
        msg = "%s: %s" % (msg, detail)
    cls = CookieError if 11 <= status <= 19 else _ERRORS.get(status,
                                                             ConsentError)
    return cls(status, msg)


def _check(status: int, detail: Optional[Union[str, bytes]] = None) -> None:
    if status != 0:
        raise _error(status, detail)


def _bytes(s: Optional[Union[str, bytes, os.PathLike]]) -> Optional[bytes]:
    if s is None:
        return None
    if isinstance(s, bytes):
        return s
    if isinstance(s, os.PathLike):
        return os.fsencode(s)
    return s.encode("utf-8")


def _take_string(ptr: c_void_p, length: Optional[int] = None) -> str:
    """Copies and frees a string the library handed over."""
    try:
        if length is None:
            return ctypes.string_at(ptr).decode("utf-8")
        return ctypes.string_at(ptr, length).decode("utf-8")
    finally:
        LIB.consent_free(ptr)


def version() -> str:
    """This package's version."""
    return __version__


def library_version() -> str:
    """The loaded libconsent's version ("major.minor.patch")."""
    return LIB.consent_version().decode()


#: The provider categories, in the library's order.
CATEGORIES: Tuple[str, ...] = tuple(
    LIB.consent_category_name(i).decode() for i in range(11))


def _category(name: str) -> int:
    out = c_int()
    b = name.encode()
    _check(LIB.consent_category_from_name(b, len(b), byref(out)), name)
    return out.value


#: Consent sources (docs/banners.md), as bits of the library.
SOURCES: Dict[str, int] = {"cookie": 0x01, "tcf": 0x02, "klaro": 0x04,
                           "cookiebot": 0x08, "onetrust": 0x10,
                           "cc_cookie": 0x20, "borlabs": 0x40, "gpc": 0x80}


def sources(names: Union[str, Iterable[str]]) -> int:
    """The bits of a list of source names ("cookie tcf gpc" or a list)."""
    text = names if isinstance(names, str) else " ".join(names)
    out, msg = c_uint(), c_void_p()
    st = LIB.consent_sources_from_names(text.encode(), byref(out), byref(msg))
    if st != 0:
        raise _error(st, _take_string(msg) if msg.value else text)
    return out.value


def tcf_decode(tc: str) -> Dict[str, Any]:
    """The core segment of an IAB TCF v2.2 TC string as a dict; raises
    ParseError (malformed, truncated) or LimitExceeded (oversize)."""
    out, msg = c_void_p(), c_void_p()
    b = tc.encode()
    st = LIB.consent_tcf_decode(b, len(b), byref(out), byref(msg))
    if st != 0:
        raise _error(st, _take_string(msg) if msg.value else None)
    return json.loads(_take_string(out))


def asset(which: str) -> str:
    """The activation script ("script") or the placeholders' style
    ("style"), for serving them by URL."""
    n = c_size_t()
    ptr = LIB.consent_asset({"script": 0, "style": 1}[which], byref(n))
    return ctypes.string_at(ptr, n.value).decode("utf-8")

# ----------------------------------------------------------------------
# Handles


class _Handle:
    """Owns one C object; frees it on close(), at the end of a with block
    or when collected."""

    _free: Callable[[int], None]

    def __init__(self, ptr: Optional[int], keep: Tuple[Any, ...] = ()):
        if not ptr:
            raise OutOfMemory(1, "out of memory")
        self._ptr: Optional[int] = ptr
        # Objects the C object reads from must outlive it.
        self._keep = keep
        self._finalizer = weakref.finalize(self, type(self)._free, ptr)

    @property
    def _p(self) -> int:
        if self._ptr is None:
            raise ValueError("%s is closed" % type(self).__name__)
        return self._ptr

    def close(self) -> None:
        """Frees the C object now (idempotent)."""
        self._finalizer()
        self._ptr = None

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Registry(_Handle):
    """The providers a site gates: the built-in ones (builtin=False: none)
    extended, overridden or disabled by provider files
    (docs/providers.md).  Load files before sharing it; then it is
    read-only and safe to share between threads."""

    _free = LIB.consent_registry_free

    def __init__(self, path: Optional[Union[str, os.PathLike]] = None, *,
                 builtin: bool = True):
        out = c_void_p()
        _check((LIB.consent_registry_new if builtin
                else LIB.consent_registry_new_empty)(byref(out)))
        super().__init__(out.value)
        if path is not None:
            self.load_file(path)

    def load_file(self, path: Union[str, os.PathLike]) -> None:
        """Reads a provider file; on an error nothing changes and the
        exception says FILE:LINE: problem."""
        st = LIB.consent_registry_load_file(self._p, _bytes(path))
        _check(st, LIB.consent_registry_errmsg(self._p))

    def load(self, text: Text, name: Optional[str] = None) -> None:
        """Reads a provider file held in a string."""
        b = _bytes(text)
        st = LIB.consent_registry_load_buffer(self._p, b, len(b), _bytes(name))
        _check(st, LIB.consent_registry_errmsg(self._p))

    def __len__(self) -> int:
        return LIB.consent_registry_count(self._p)

    def ids(self) -> List[str]:
        """The ids of the enabled providers."""
        return [LIB.consent_registry_id(self._p, i).decode()
                for i in range(len(self))]

    def __iter__(self):
        return iter(self.ids())

    def __contains__(self, provider: object) -> bool:
        return isinstance(provider, str) and self.provider(provider) is not None

    def provider(self, provider: str) -> Optional[Dict[str, Optional[str]]]:
        """What the registry knows of an enabled provider: name, category,
        privacy (URL), oembed (URL), hosts; None for an unknown id."""
        fields = ("name", "category", "privacy", "oembed", "hosts")
        b = provider.encode()
        vals = [LIB.consent_registry_get(self._p, b, i) for i in range(5)]
        if vals[0] is None:
            return None
        return {f: (v.decode() if v is not None else None)
                for f, v in zip(fields, vals)}

    def match_url(self, url: str) -> Optional[str]:
        """The provider a URL would make the browser contact, or None."""
        out = c_char_p()
        b = url.encode("utf-8")
        _check(LIB.consent_registry_match_url(self._p, b, len(b), byref(out)))
        return out.value.decode() if out.value else None


class KeyRing(_Handle):
    """The keys that sign and verify consent cookies (docs/cookie.md): read
    from a key file, or from text."""

    _free = LIB.consent_keyring_free

    def __init__(self, path: Optional[Union[str, os.PathLike]] = None, *,
                 text: Optional[Text] = None, name: Optional[str] = None):
        out, msg = c_void_p(), c_void_p()
        if (path is None) == (text is None):
            raise InvalidArgument(2, "give a key file path or its text")
        if path is not None:
            st = LIB.consent_keyring_load_file(_bytes(path), byref(out),
                                               byref(msg))
        else:
            b = _bytes(text)
            st = LIB.consent_keyring_load_buffer(b, len(b), _bytes(name),
                                                 byref(out), byref(msg))
        if st != 0:
            raise _error(st, _take_string(msg) if msg.value else None)
        super().__init__(out.value)

    @property
    def signing_key(self) -> int:
        """The id of the key that signs."""
        return LIB.consent_keyring_signing_key(self._p)

    @staticmethod
    def add_key(path: Union[str, os.PathLike], now: int = 0) -> int:
        """Adds a new random key to a key file (created with mode 0600 if
        missing); returns its id."""
        kid, msg = c_uint(), c_void_p()
        st = LIB.consent_keyring_add_key(_bytes(path), now, byref(kid),
                                         byref(msg))
        if st != 0:
            raise _error(st, _take_string(msg) if msg.value else None)
        return kid.value


class ConsentState(_Handle):
    """What one visitor allowed or refused, per provider and category."""

    _free = LIB.consent_state_free

    def __init__(self, registry: Registry, *, policy_version: int = 0,
                 max_age: Optional[int] = None):
        out = c_void_p()
        _check(LIB.consent_state_new(registry._p, byref(out)))
        super().__init__(out.value, (registry,))
        self.registry = registry
        self.policy_version = policy_version
        if max_age is not None:
            self.max_age = max_age

    @classmethod
    def _wrap(cls, ptr: int, registry: Registry) -> "ConsentState":
        self = cls.__new__(cls)
        _Handle.__init__(self, ptr, (registry,))
        self.registry = registry
        return self

    @classmethod
    def from_cookie(cls, registry: Registry, ring: KeyRing, value: Text, *,
                    policy_version: int = 0, now: int = 0) -> "ConsentState":
        """The state a cookie value carries; raises CookieError (status
        says why) when it does not verify."""
        out = c_void_p()
        b = _bytes(value)
        _check(LIB.consent_cookie_verify(registry._p, ring._p, b, len(b),
                                         policy_version, now, byref(out)))
        return cls._wrap(out.value, registry)

    @classmethod
    def from_cookie_header(cls, registry: Registry, ring: KeyRing,
                           header: Optional[Text], *, name: str = "consent",
                           policy_version: int = 0, now: int = 0,
                           strict: bool = False) -> "ConsentState":
        """The state of the consent cookie in a Cookie request header; an
        empty state when there is none or it does not verify (strict=True
        raises CookieError instead)."""
        out = c_void_p()
        b = _bytes(header or b"")
        st = LIB.consent_cookie_from_header(registry._p, ring._p, b, len(b),
                                            name.encode(), policy_version,
                                            now, byref(out))
        if st == 0:
            return cls._wrap(out.value, registry)
        if strict or not 11 <= st <= 19:
            raise _error(st)
        return cls(registry, policy_version=policy_version)

    def allows(self, provider: str, now: int = 0) -> bool:
        """Whether the provider may load now: its own decision, else its
        category's, else no."""
        return bool(LIB.consent_state_allows(self._p, provider.encode(), now))

    def grant(self, *providers: str, allow: bool = True, when: int = 0) -> None:
        """Records that the visitor allowed (or, allow=False, refused)
        these providers."""
        for p in providers:
            _check(LIB.consent_state_set_provider(self._p, p.encode(),
                                                  int(allow), when), p)

    def refuse(self, *providers: str, when: int = 0) -> None:
        self.grant(*providers, allow=False, when=when)

    def grant_category(self, category: str, allow: bool = True,
                       when: int = 0) -> None:
        """The same for a whole category ("video", "social", ...)."""
        _check(LIB.consent_state_set_category(self._p, _category(category),
                                              int(allow), when), category)

    def clear(self) -> None:
        """Forgets every decision (withdrawal)."""
        LIB.consent_state_clear(self._p)

    def read_banner(self, source: str, value: Text, now: int = 0) -> None:
        """Records what a consent banner's cookie value allows and refuses
        (source: "tcf", "klaro", "cookiebot", "onetrust", "cc_cookie",
        "borlabs"), under the registry's mapping rules."""
        if source not in SOURCES or source in ("cookie", "gpc"):
            raise InvalidArgument(2, "not a banner source: %s" % source)
        msg = c_void_p()
        b = _bytes(value)
        st = LIB.consent_banner_read(self.registry._p, SOURCES[source], b,
                                     len(b), self._p, now, byref(msg))
        if st != 0:
            raise _error(st, _take_string(msg) if msg.value else None)

    @property
    def policy_version(self) -> int:
        return getattr(self, "_policy", 0)

    @policy_version.setter
    def policy_version(self, v: int) -> None:
        LIB.consent_state_set_policy_version(self._p, v)
        self._policy = v

    @property
    def max_age(self) -> Optional[int]:
        return getattr(self, "_max_age", None)

    @max_age.setter
    def max_age(self, seconds: int) -> None:
        _check(LIB.consent_state_set_max_age(self._p, seconds))
        self._max_age = seconds

    def to_dict(self, now: int = 0) -> Dict[str, Any]:
        """The state as a dict (docs/cookie.md)."""
        out = c_void_p()
        _check(LIB.consent_state_to_json(self._p, now, byref(out)))
        return json.loads(_take_string(out))

    def issue(self, ring: KeyRing, now: int = 0) -> Tuple[str, Dict[str, Any]]:
        """Signs the state into a cookie value; returns (value, receipt)."""
        got: List[Dict[str, Any]] = []

        def on_receipt(ptr, n, _ud):
            got.append(json.loads(ctypes.string_at(ptr, n)))

        cb = RECEIPT_FN(on_receipt)
        out, n = c_void_p(), c_size_t()
        _check(LIB.consent_cookie_issue(self._p, ring._p, now, cb, None,
                                        byref(out), byref(n)))
        return _take_string(out, n.value), got[0]

    def to_set_cookie(self, ring: KeyRing, *, name: str = "consent",
                      max_age: Optional[int] = None,
                      domain: Optional[str] = None, path: str = "/",
                      secure: bool = True, httponly: bool = True,
                      samesite: Optional[str] = "lax",
                      now: int = 0) -> str:
        """A Set-Cookie header value with the signed state; the receipt of
        this issue is left in ``last_receipt``."""
        value, self.last_receipt = self.issue(ring, now)
        age = max_age if max_age is not None else (self.max_age or 365 * 86400)
        return _set_cookie(name, value, age, domain, path,
                           _flags(secure, httponly, samesite))


def _flags(secure: bool, httponly: bool, samesite: Optional[str]) -> int:
    f = (1 if secure else 0) | (2 if httponly else 0)
    s = (samesite or "none").lower()
    if s not in ("lax", "strict", "none"):
        raise InvalidArgument(2, "samesite must be lax, strict or none")
    return f | {"lax": 4, "strict": 8, "none": 0}[s]


def _set_cookie(name: str, value: str, max_age: int, domain: Optional[str],
                path: Optional[str], flags: int) -> str:
    out = c_void_p()
    v = value.encode()
    _check(LIB.consent_set_cookie(name.encode(), v, len(v), max_age,
                                  _bytes(domain), _bytes(path), flags,
                                  byref(out)))
    return _take_string(out)


_PREVIEW_LIMITS = {n[len("CONSENT_PREVIEW_"):].lower(): getattr(C, n)
                   for n in dir(C) if n.startswith("CONSENT_PREVIEW_")}


class Previews(_Handle):
    """A cache folder of oEmbed previews (docs/previews.md): the server
    fetches an embed's title and thumbnail once and serves them itself, so
    placeholders show them without the visitor contacting the provider.
    Give it to Gate(previews=...); run the fetcher with start() (a thread)
    or run().  limits: cache_bytes, ttl, error_ttl, concurrency,
    timeout_ms, max_json, max_image."""

    _free = LIB.consent_previews_free

    def __init__(self, registry: Registry, folder: Union[str, os.PathLike], *,
                 url_prefix: Optional[str] = None,
                 ca_file: Optional[str] = None, resolve: Iterable[str] = (),
                 trust: Iterable[str] = (), **limits: int):
        out = c_void_p()
        _check(LIB.consent_previews_new(registry._p, _bytes(folder),
                                        byref(out)), str(folder))
        super().__init__(out.value, (registry,))
        self.registry = registry
        self.url_prefix = url_prefix or "/consent-previews/"
        self.folder = os.fspath(folder)
        self._thread: Optional[Any] = None
        self._stop = None
        if url_prefix is not None:
            _check(LIB.consent_previews_set_url_prefix(self._p,
                                                       url_prefix.encode()),
                   url_prefix)
        if ca_file is not None:
            _check(LIB.consent_previews_set_ca_file(self._p, _bytes(ca_file)))
        for entry in resolve:
            _check(LIB.consent_previews_add_resolve(self._p, entry.encode()))
        for addr in trust:
            _check(LIB.consent_previews_trust_address(self._p, addr.encode()),
                   addr)
        for name, value in limits.items():
            if name not in _PREVIEW_LIMITS:
                raise InvalidArgument(2, "unknown preview limit: " + name)
            _check(LIB.consent_previews_set_limit(
                self._p, _PREVIEW_LIMITS[name], value), name)

    def queue(self, url: str) -> None:
        """Queues an embed URL for the fetcher."""
        b = url.encode()
        _check(LIB.consent_previews_queue(self._p, b, len(b)), url)

    @property
    def pending(self) -> int:
        return LIB.consent_previews_pending(self._p)

    def run(self, max_ms: int = 0) -> Tuple[int, int]:
        """Fetches what is queued; returns (fetched, failed)."""
        ok_, bad = c_uint(), c_uint()
        _check(LIB.consent_previews_run(self._p, max_ms, byref(ok_),
                                        byref(bad)))
        return ok_.value, bad.value

    def start(self, interval: float = 0.25) -> None:
        """Runs the fetcher in a daemon thread until stop() or close()."""
        import threading
        if self._thread is not None:
            return
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                if self.pending:
                    self.run(1000)
                else:
                    stop.wait(interval)
        self._stop = stop
        self._thread = threading.Thread(target=loop, name="consent-previews",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        self.stop()
        super().close()

    def file(self, name: str) -> Optional[Tuple[str, str]]:
        """(path, content type) of a thumbnail the cache holds, for serving
        it: KEY.jpg, .png, .webp or .gif only; None otherwise."""
        b = name.encode("utf-8", "surrogateescape")
        t = LIB.consent_previews_file_type(b, len(b))
        if t is None:
            return None
        path = os.path.join(self.folder, name)
        return (path, t.decode()) if os.path.isfile(path) else None


_SCRIPT_MODES = {"inline": C.CONSENT_SCRIPT_INLINE, "url": C.CONSENT_SCRIPT_URL,
                 "none": C.CONSENT_SCRIPT_NONE}


class Gate(_Handle):
    """What to gate and how placeholders look; immutable once built and
    safe to share between threads.  Build one per configuration and make a
    Rewriter (or call rewrite) per response."""

    _free = LIB.consent_gate_free

    def __init__(self, *, registry: Optional[Registry] = None,
                 language: Optional[str] = None,
                 texts: Optional[Union[str, os.PathLike]] = None,
                 template: Optional[Union[str, os.PathLike]] = None,
                 notice_template: Optional[Union[str, os.PathLike]] = None,
                 privacy_url: Optional[str] = None,
                 endpoint: Optional[str] = None, script: str = "inline",
                 script_url: Optional[str] = None,
                 style_url: Optional[str] = None, cache_safe: bool = False,
                 guard: bool = False, notice: bool = True,
                 google_consent_mode: bool = False,
                 allow: Iterable[str] = (),
                 max_buffer: Optional[int] = None,
                 previews: Optional["Previews"] = None):
        cfg = c_void_p()
        _check(LIB.consent_config_new(byref(cfg)))
        try:
            c = cfg.value

            def conf(st: int, what: str) -> None:
                if st != 0:
                    detail = LIB.consent_config_errmsg(c) or what.encode()
                    raise _error(st, detail)

            if registry is not None:
                conf(LIB.consent_config_set_registry(c, registry._p),
                     "registry")
            if texts is not None:
                conf(LIB.consent_config_load_texts(c, _bytes(texts)), "texts")
            if template is not None:
                conf(LIB.consent_config_load_template(c, _bytes(template)),
                     "template")
            if notice_template is not None:
                conf(LIB.consent_config_load_notice_template(
                    c, _bytes(notice_template)), "notice_template")
            if language is not None:
                conf(LIB.consent_config_set_language(c, language.encode()),
                     "language " + language)
            if max_buffer is not None:
                conf(LIB.consent_config_set_max_buffer(c, max_buffer),
                     "max_buffer")
            if privacy_url is not None:
                conf(LIB.consent_config_set_privacy_url(
                    c, privacy_url.encode()), "privacy_url")
            if endpoint is not None:
                conf(LIB.consent_config_set_endpoint(c, endpoint.encode()),
                     "endpoint")
            if script not in _SCRIPT_MODES:
                raise InvalidArgument(2, "script must be inline, url or none")
            conf(LIB.consent_config_set_script(c, _SCRIPT_MODES[script],
                                               _bytes(script_url),
                                               _bytes(style_url)), "script")
            conf(LIB.consent_config_set_cache_safe(c, int(cache_safe)),
                 "cache_safe")
            conf(LIB.consent_config_set_guard(c, int(guard)), "guard")
            conf(LIB.consent_config_set_notice(c, int(notice)), "notice")
            conf(LIB.consent_config_set_google_consent_mode(
                c, int(google_consent_mode)), "google_consent_mode")
            for p in allow:
                conf(LIB.consent_config_allow_provider(c, p.encode()), p)
            if previews is not None:
                conf(LIB.consent_config_set_previews(c, previews._p),
                     "previews")
            out = c_void_p()
            conf(LIB.consent_gate_new(c, byref(out)), "allow (unknown provider?)")
        finally:
            LIB.consent_config_free(cfg.value)
        super().__init__(out.value, (registry, previews))
        self.registry = registry

    def negotiate_language(self, accept_language: Optional[str]) -> str:
        """The best of the gate's languages for an Accept-Language value."""
        b = _bytes(accept_language or "")
        return LIB.consent_gate_negotiate_language(self._p, b, len(b)).decode()

    def header_edits(self, site: Optional["Site"] = None
                     ) -> List[Tuple[str, str, str]]:
        """The changes a gated response's headers need, as (op, name,
        value) with op "remove", "set" or "merge" (Vary); site: the
        Site whose cookie the visitor's state comes from (None: none)."""
        edits = []
        op, name, value = c_int(), c_char_p(), c_char_p()
        i = 0
        while LIB.consent_gate_header_edit(self._p, site._p if site else None,
                                           i, byref(op), byref(name),
                                           byref(value)):
            edits.append((("remove", "set", "merge")[op.value],
                          name.value.decode(), value.value.decode()))
            i += 1
        return edits

    def rewriter(self, **options: Any) -> "Rewriter":
        """A Rewriter for one response (options as Rewriter)."""
        return Rewriter(self, **options)

    def rewrite(self, html: Text, **options: Any) -> Text:
        """Gates a whole document: str in, str out; bytes in, bytes out."""
        with Rewriter(self, **options) as rw:
            out = rw.write(html) + rw.close()
        return out.decode("utf-8") if isinstance(html, str) else out


_ENCODINGS = {None: C.CONSENT_ENCODING_IDENTITY,
              "identity": C.CONSENT_ENCODING_IDENTITY,
              "gzip": C.CONSENT_ENCODING_GZIP, "x-gzip": C.CONSENT_ENCODING_GZIP,
              "deflate": C.CONSENT_ENCODING_DEFLATE, "br": C.CONSENT_ENCODING_BR,
              "zstd": C.CONSENT_ENCODING_ZSTD}
_ENCODING_NAMES = ("identity", "gzip", "deflate", "br", "zstd")

#: consent_http_classify(): what a host does with a response.
HTTP_PASS, HTTP_GATE, HTTP_REFUSE = (C.CONSENT_HTTP_PASS, C.CONSENT_HTTP_GATE,
                                     C.CONSENT_HTTP_REFUSE)


def http_classify(status: int, content_type: Optional[str],
                  content_encoding: Optional[str]) -> Tuple[int, str, str]:
    """Whether a response is gated (HTTP_GATE), passed untouched
    (HTTP_PASS) or refused with a 502 (HTTP_REFUSE: a page the gate cannot
    read), from its status and its Content-Type and Content-Encoding
    values (None: absent).  Returns (action, coding name, reason)."""
    t = content_type.encode("latin-1") if content_type is not None else None
    e = (content_encoding.encode("latin-1")
         if content_encoding is not None else None)
    coding = c_int(0)
    reason = c_char_p()
    act = LIB.consent_http_classify(status, t, len(t) if t else 0, e,
                                    len(e) if e else 0, byref(coding),
                                    byref(reason))
    return act, _ENCODING_NAMES[coding.value], (reason.value or b"").decode()


def _header_call(fn: Callable[..., int], *args: Any) -> Optional[str]:
    """Calls fn(*args, value, len, &out) for a header value: the library's
    answer (freed here), or None when it says to drop the header."""
    v = args[-1].encode("latin-1")
    out = c_void_p()
    _check(fn(*args[:-1], v, len(v), byref(out)))
    if not out.value:
        return None
    try:
        return ctypes.string_at(out.value).decode("latin-1")
    finally:
        LIB.consent_free(out)


def http_accept_encoding(value: str) -> Optional[str]:
    """The Accept-Encoding to pass to the application of a gated location:
    only the codings the gate reads; None: send none (identity)."""
    return _header_call(LIB.consent_http_accept_encoding, value)


def http_drop_request_header(path: str, name: str) -> bool:
    """True when a gated location must not pass this request header to
    its application (Range and the conditionals, for a path that may be
    answered with a page)."""
    p = path.encode("utf-8", "surrogateescape")
    n = name.encode("latin-1")
    return bool(LIB.consent_http_drop_request_header(p, len(p), n, len(n)))
_ACTIONS = ("gated", "allowed", "dropped")


class Rewriter(_Handle):
    """Gates one document as it streams: write() returns the output ready
    so far, close() the rest.  Any chunking gives the same output.

    state: the visitor's ConsentState (None: nothing allowed);
    language or accept_language: the placeholders' language;
    return_path: the page's path, for the endpoint to send the visitor back;
    nonce: CSP nonce for the inlined script;
    encoding: "gzip", "deflate", "br" or "zstd" for a compressed body
    (decoded and re-encoded); content_type: the response's Content-Type
    (its charset: UTF-16 is gated as UTF-8); report=True collects the
    embeds found in ``embeds``.
    """

    _free = LIB.consent_rewriter_free

    def __init__(self, gate: Optional[Gate] = None, *,
                 state: Optional[ConsentState] = None,
                 language: Optional[str] = None,
                 accept_language: Optional[str] = None,
                 return_path: Optional[str] = None,
                 nonce: Optional[str] = None,
                 encoding: Optional[str] = None,
                 content_type: Optional[str] = None, report: bool = False):
        gate = gate if gate is not None else _default_gate()
        out = c_void_p()
        _check(LIB.consent_rewriter_new_buffered(gate._p, byref(out)))
        super().__init__(out.value, (gate, state))
        p = self._p
        self.embeds: List[Dict[str, Any]] = []
        self._ended = False
        if state is not None:
            _check(LIB.consent_rewriter_set_state(p, state._p))
        if language is None and accept_language is not None:
            language = gate.negotiate_language(accept_language)
        if language is not None:
            _check(LIB.consent_rewriter_set_language(p, language.encode()),
                   language)
        if return_path is not None:
            _check(LIB.consent_rewriter_set_return_path(p,
                                                        return_path.encode()))
        if nonce is not None:
            _check(LIB.consent_rewriter_set_nonce(p, nonce.encode()))
        if content_type is not None:
            t = content_type.encode("latin-1")
            _check(LIB.consent_rewriter_set_content_type(p, t, len(t)))
        if encoding is not None:
            if encoding.lower() not in _ENCODINGS:
                raise InvalidArgument(2, "encoding must be gzip, deflate, br "
                                      "or zstd")
            e = _ENCODINGS[encoding.lower()]
            _check(LIB.consent_rewriter_set_encoding(p, e, e))
        if report:
            embeds = self.embeds

            def on_embed(provider, element, line, action, _ud):
                embeds.append({"provider": provider.decode(),
                               "element": element.decode(), "line": line,
                               "action": _ACTIONS[action]})

            self._report_cb = REPORT_FN(on_embed)
            _check(LIB.consent_rewriter_set_report(p, self._report_cb, None))

    def filter_link(self, value: str) -> Optional[str]:
        """A Link header value without the links to providers the state
        does not allow; None when none is left (drop the header)."""
        return _header_call(LIB.consent_rewriter_filter_link, self._p, value)

    def _take(self) -> bytes:
        n = c_size_t()
        ptr = LIB.consent_rewriter_take(self._p, byref(n))
        return ctypes.string_at(ptr, n.value) if n.value else b""

    def _fail(self, st: int) -> ConsentError:
        return _error(st, LIB.consent_rewriter_errmsg(self._p))

    def write(self, data: Text) -> bytes:
        """Feeds the next piece of the document (str is UTF-8 encoded);
        returns the output that is ready."""
        b = _bytes(data)
        st = LIB.consent_rewriter_write(self._p, b, len(b))
        if st != 0:
            raise self._fail(st)
        return self._take()

    def close(self) -> bytes:
        """Ends the document and returns the rest of the output; frees the
        rewriter.  Closing again returns b""."""
        if self._ptr is None:
            return b""
        rest = b""
        if not self._ended:
            self._ended = True
            st = LIB.consent_rewriter_end(self._p)
            if st != 0:
                err = self._fail(st)
                super().close()
                raise err
            rest = self._take()
        super().close()
        return rest

    def __exit__(self, *exc) -> None:
        # Leaving the block without close() discards the output.
        self._ended = True
        super().close()


_default: Optional[Gate] = None


def _default_gate() -> Gate:
    global _default
    if _default is None:
        _default = Gate()
    return _default


def rewrite(html: Text, *, gate: Optional[Gate] = None,
            **options: Any) -> Text:
    """Gates a whole document with a gate (default: built-in providers,
    English texts) and the Rewriter options (state=, language=, ...).
    str in, str out; bytes in, bytes out."""
    return (gate or _default_gate()).rewrite(html, **options)

# ----------------------------------------------------------------------
# Site, request and the consent endpoint


class Response:
    """The consent endpoint's answer."""

    def __init__(self, status: int, headers: List[Tuple[str, str]],
                 body: bytes, receipt: Optional[Dict[str, Any]], reason: str):
        self.status = status
        self.headers = headers
        self.body = body
        self.receipt = receipt
        self.reason = reason

    @property
    def status_line(self) -> str:
        """"303 See Other", ... for a WSGI start_response."""
        import http
        return "%d %s" % (self.status, http.HTTPStatus(self.status).phrase)

    def __repr__(self) -> str:
        return "<Response %d %s>" % (self.status, self.reason or "")


class Site(_Handle):
    """How a site keeps consent: providers, key ring, cookie name and
    attributes, policy version, max age, consent sources ("cookie tcf
    klaro gpc"; default cookie and gpc) and the categories Global Privacy
    Control refuses (default "marketing").  Share it between threads."""

    _free = LIB.consent_site_free

    def __init__(self, registry: Registry, ring: KeyRing, *,
                 cookie_name: str = "consent", domain: Optional[str] = None,
                 path: Optional[str] = None, secure: bool = True,
                 httponly: bool = True, samesite: Optional[str] = "lax",
                 policy_version: int = 0, max_age: Optional[int] = None,
                 sources: Optional[Union[str, Iterable[str]]] = None,
                 gpc_categories: Optional[str] = None,
                 trusted_proxies: Optional[str] = None):
        out = c_void_p()
        _check(LIB.consent_site_new(registry._p, ring._p, byref(out)))
        super().__init__(out.value, (registry, ring))
        self.registry = registry
        self.ring = ring
        self.cookie_name = cookie_name
        _check(LIB.consent_site_set_cookie(self._p, cookie_name.encode(),
                                           _bytes(domain), _bytes(path),
                                           _flags(secure, httponly,
                                                  samesite)),
               "cookie " + cookie_name)
        LIB.consent_site_set_policy_version(self._p, policy_version)
        if max_age is not None:
            _check(LIB.consent_site_set_max_age(self._p, max_age))
        if sources is not None:
            _check(LIB.consent_site_set_sources(self._p,
                                                globals()["sources"](sources)))
        if gpc_categories is not None:
            _check(LIB.consent_site_set_gpc_categories(
                self._p, gpc_categories.encode()), gpc_categories)
        if trusted_proxies is not None:
            _check(LIB.consent_site_trust_proxies(
                self._p, trusted_proxies.encode()),
                "trusted_proxies " + trusted_proxies)

    def request(self, headers: Headers = (), *, https: bool = False,
                peer: Optional[str] = None) -> "Request":
        """One request to the site, with its headers; peer: the address
        it came from (for trusted_proxies)."""
        return Request(self, headers, https=https, peer=peer)


class Request(_Handle):
    """One HTTP request: the visitor's consent for a page, or the consent
    endpoint's answer (docs/endpoint.md)."""

    _free = LIB.consent_request_free

    def __init__(self, site: Site, headers: Headers = (), *,
                 https: bool = False, peer: Optional[str] = None):
        out = c_void_p()
        _check(LIB.consent_request_new(site._p, int(https), byref(out)))
        super().__init__(out.value, (site,))
        self.site = site
        if peer:
            LIB.consent_request_set_peer(self._p, peer.encode())
        items = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in items:
            v = _bytes(value)
            _check(LIB.consent_request_set_header(self._p, name.encode(), v,
                                                  len(v)), name)
        self.cookie_status: Optional[int] = None

    def state(self, now: int = 0) -> ConsentState:
        """The visitor's consent: the site cookie's state, or an empty one
        (``cookie_status`` says why: 0 for a valid cookie, else the
        library's status).  Lives as long as this request."""
        why = c_int()
        ptr = LIB.consent_request_state(self._p, now, byref(why))
        if not ptr:
            raise OutOfMemory(1, "out of memory")
        self.cookie_status = why.value
        st = ConsentState.__new__(ConsentState)
        # Borrowed: the request owns it.
        st._ptr = ptr
        st._keep = (self,)
        st._finalizer = weakref.finalize(st, lambda: None)
        st.registry = self.site.registry
        return st

    def endpoint(self, method: str, query: Text = b"",
                 body: Optional[Text] = b"", now: int = 0,
                 body_length: Optional[int] = None,
                 gate: Optional["Gate"] = None) -> Response:
        """The consent endpoint's answer to this request.  A body over
        CONSENT_ENDPOINT_MAX_BODY need not be read: body=None and its
        body_length (the answer is 413).  gate: whose texts and language
        the settings page (a GET) uses; it must outlive the request."""
        q = _bytes(query)
        if gate is not None:
            _check(LIB.consent_request_set_gate(self._p, gate._p))
        b = _bytes(body) if body is not None else None
        n = len(b) if b is not None else (body_length or 0)
        _check(LIB.consent_request_endpoint(self._p, method.encode(), q,
                                            len(q), b, n, now))
        headers = []
        name, value = c_char_p(), c_char_p()
        i = 0
        while LIB.consent_request_response_header(self._p, i, byref(name),
                                          byref(value)):
            headers.append((name.value.decode(), value.value.decode()))
            i += 1
        n = c_size_t()
        ptr = LIB.consent_request_response_body(self._p, byref(n))
        body_out = ctypes.string_at(ptr, n.value) if n.value else b""
        ptr = LIB.consent_request_response_receipt(self._p, byref(n))
        receipt = json.loads(ctypes.string_at(ptr, n.value)) if ptr else None
        return Response(LIB.consent_request_response_status(self._p), headers,
                        body_out, receipt,
                        LIB.consent_request_response_reason(self._p).decode())
