"""A WSGI middleware (standard library only) that gates the HTML an
application sends while it streams, and answers the consent endpoint with
the same rules as the server modules (docs/endpoint.md).

    from consent import Registry, KeyRing
    from consent.wsgi import ConsentMiddleware

    app = ConsentMiddleware(app, key_file="/etc/consent.keys",
                            endpoint="/consent", privacy_url="/privacy/")

Per path prefix, the gate can differ or be off:

    ConsentMiddleware(app, ..., paths={"/intranet/": None,
                                       "/shop/": {"allow": ["paypal"]}})
"""
from __future__ import annotations

import json
import os
import sys
import urllib.parse
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional,
                    Tuple)

from . import (CONSENT_ENDPOINT_MAX_BODY, HTTP_GATE, HTTP_PASS, ConsentError,
               Gate, KeyRing, Previews, Registry, Rewriter, Site,
               http_accept_encoding, http_classify, http_drop_request_header)

StartResponse = Callable[..., Any]

_REFUSED = b"502 Bad Gateway: the page cannot be checked for embeds\n"


def _joined(headers: List[Tuple[str, str]], name: str) -> Optional[str]:
    vals = [v for k, v in headers if k.lower() == name]
    return ", ".join(vals) if vals else None


class ConsentMiddleware:
    """Wraps a WSGI application.

    registry / providers: a Registry, or a provider file to read;
    ring / key_file: the KeyRing that signs cookies (one is required for
    the endpoint: consent cookies cannot be issued without a key);
    endpoint: the consent endpoint's path (placeholders post to it);
    cookie_name, secure, policy_version, max_age: the consent cookie;
    sources, gpc_categories: where consent comes from (docs/banners.md);
    trusted_proxies: reverse proxies ("10.0.0.1 192.168.0.0/16") whose
    Forwarded / X-Forwarded-Proto / X-Forwarded-Host headers the endpoint
    believes (REMOTE_ADDR is the peer);
    previews: a Previews cache: placeholders show titles and thumbnails,
    its fetcher runs in a thread, and its url_prefix serves the thumbnails;
    receipt_log: a file for receipts (one JSON line each) or a callable
    taking the receipt dict (default: wsgi.errors);
    paths: {prefix: None (gate off) or dict of Gate options};
    other keyword arguments are Gate options (language=, privacy_url=,
    allow=, script=, texts=, template=, max_buffer=, cache_safe=,
    guard=, notice=, google_consent_mode=).
    """

    def __init__(self, app: Callable, *, registry: Optional[Registry] = None,
                 providers: Optional[str] = None,
                 ring: Optional[KeyRing] = None,
                 key_file: Optional[str] = None,
                 endpoint: Optional[str] = "/consent",
                 cookie_name: str = "consent", secure: bool = True,
                 policy_version: int = 0, max_age: Optional[int] = None,
                 receipt_log: Any = None, sources: Any = None,
                 gpc_categories: Optional[str] = None,
                 trusted_proxies: Optional[str] = None,
                 previews: Optional[Previews] = None,
                 paths: Optional[Dict[str, Optional[Dict[str, Any]]]] = None,
                 **gate_options: Any):
        self.app = app
        self.registry = registry or Registry(providers)
        if ring is None and key_file is not None:
            ring = KeyRing(key_file)
        self.ring = ring
        self.endpoint = endpoint
        self.receipt_log = receipt_log
        self.site = (Site(self.registry, ring, cookie_name=cookie_name,
                          secure=secure, policy_version=policy_version,
                          max_age=max_age, sources=sources,
                          gpc_categories=gpc_categories,
                          trusted_proxies=trusted_proxies)
                     if ring is not None else None)
        base = dict(gate_options)
        base.setdefault("endpoint", endpoint if ring is not None else None)
        self.previews = previews
        if previews is not None:
            base["previews"] = previews
            previews.start()
        self.gate = Gate(registry=self.registry, **base)
        # Longest prefix first.
        self.paths: List[Tuple[str, Optional[Gate]]] = []
        for prefix, opts in sorted((paths or {}).items(),
                                   key=lambda kv: -len(kv[0])):
            self.paths.append((prefix, None if opts is None else
                               Gate(registry=self.registry,
                                    **dict(base, **opts))))

    # ------------------------------------------------------------------

    def _gate_for(self, path: str) -> Optional[Gate]:
        for prefix, gate in self.paths:
            if path.startswith(prefix):
                return gate
        return self.gate

    @staticmethod
    def _headers(environ: Dict[str, Any]) -> List[Tuple[str, str]]:
        out = []
        for k, v in environ.items():
            if k.startswith("HTTP_"):
                out.append((k[5:].replace("_", "-").title(), v))
        if environ.get("CONTENT_TYPE"):
            out.append(("Content-Type", environ["CONTENT_TYPE"]))
        return out

    def _log(self, errors: Any, receipt: Dict[str, Any]) -> None:
        line = json.dumps(receipt, separators=(",", ":"))
        if callable(self.receipt_log):
            self.receipt_log(receipt)
        elif self.receipt_log:
            # One write of the whole line (O_APPEND): lines never mix.
            fd = os.open(self.receipt_log,
                         os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)
        else:
            (errors or sys.stderr).write("consent receipt: %s\n" % line)

    def endpoint_answer(self, method: str, query: bytes,
                        body: Optional[bytes], body_length: Optional[int],
                        headers: List[Tuple[str, str]], https: bool,
                        peer: Optional[str], errors: Any = None) -> Any:
        """The consent endpoint's answer (a consent.Response), its receipt
        logged; for the WSGI and the ASGI middleware alike."""
        with self.site.request(headers, https=https, peer=peer) as req:
            resp = req.endpoint(method, query, body,
                                body_length=body_length, gate=self.gate)
        if resp.receipt is not None:
            self._log(errors, resp.receipt)
        elif resp.status >= 400:
            (errors or sys.stderr).write(
                "consent endpoint: %s\n" % resp.reason)
        return resp

    @staticmethod
    def rewriter_for(gate: Gate, state: Any, headers: List[Tuple[str, str]],
                     path: str, encoding: str,
                     content_type: Optional[str]) -> Rewriter:
        """A Rewriter for one gated response of this visitor."""
        lang = _joined([(k.lower(), v) for k, v in headers],
                       "accept-language")
        return Rewriter(gate, state=state, accept_language=lang,
                        return_path=path, encoding=encoding,
                        content_type=content_type)

    def _endpoint(self, environ: Dict[str, Any],
                  start_response: StartResponse) -> Iterable[bytes]:
        if self.site is None:
            start_response("500 Internal Server Error",
                           [("Content-Type", "text/plain")])
            return [b"consent endpoint: no key ring configured\n"]
        method = environ.get("REQUEST_METHOD", "GET")
        body: Optional[bytes] = b""
        body_length = None
        if method == "POST":
            try:
                n = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                n = 0
            if n > CONSENT_ENDPOINT_MAX_BODY:
                body = None                 # not read: the library says 413
                body_length = n
            elif n > 0:
                body = environ["wsgi.input"].read(n)
        # WSGI strings are bytes as Latin-1 (PEP 3333): the bytes the
        # browser sent.
        resp = self.endpoint_answer(
            method, environ.get("QUERY_STRING", "").encode("latin-1",
                                                           "replace"),
            body, body_length, self._headers(environ),
            environ.get("wsgi.url_scheme") == "https",
            environ.get("REMOTE_ADDR"), environ.get("wsgi.errors"))
        headers = list(resp.headers)
        headers.append(("Content-Length", str(len(resp.body))))
        start_response(resp.status_line, headers)
        return [] if method == "HEAD" else [resp.body]

    def preview_file(self, name: str) -> Tuple[str, List[Tuple[str, str]],
                                               bytes]:
        """A file of the preview cache by name: (status, headers, body)."""
        found = self.previews.file(name)
        if found is None:
            return "404 Not Found", [("Content-Type", "text/plain")], \
                b"not found\n"
        with open(found[0], "rb") as f:
            data = f.read()
        return "200 OK", [("Content-Type", found[1]),
                          ("Content-Length", str(len(data))),
                          ("Cache-Control", "public, max-age=604800"),
                          ("X-Content-Type-Options", "nosniff")], data

    def _preview(self, name: str,
                 start_response: StartResponse) -> Iterable[bytes]:
        status, headers, data = self.preview_file(name)
        start_response(status, headers)
        return [data]

    def __call__(self, environ: Dict[str, Any],
                 start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if self.endpoint is not None and path == self.endpoint:
            return self._endpoint(environ, start_response)
        if (self.previews is not None and
                path.startswith(self.previews.url_prefix)):
            return self._preview(path[len(self.previews.url_prefix):],
                                 start_response)
        gate = self._gate_for(path)
        if gate is None:
            return self.app(environ, start_response)
        # A part of a page, or a 304 against the application's own
        # validators, cannot be gated.
        for k in [k for k in environ if k.startswith("HTTP_")]:
            if http_drop_request_header(path, k[5:].replace("_", "-")):
                del environ[k]
        if self.site is not None:
            # The visitor's consent, for the application's views:
            # environ["consent.state"] (see allows()).
            req = self.site.request(self._headers(environ),
                                    peer=environ.get("REMOTE_ADDR"),
                                    https=environ.get("wsgi.url_scheme") ==
                                    "https")
            environ["consent.request"] = req
            environ["consent.state"] = req.state()
        if "HTTP_ACCEPT_ENCODING" in environ:
            # Only codings the gate reads come back.
            ae = http_accept_encoding(environ["HTTP_ACCEPT_ENCODING"])
            if ae is None:
                del environ["HTTP_ACCEPT_ENCODING"]
            else:
                environ["HTTP_ACCEPT_ENCODING"] = ae
        return _Gated(self, gate, environ, start_response)


class _Gated:
    """The application's response, gated while it streams when it is HTML."""

    def __init__(self, mw: ConsentMiddleware, gate: Gate,
                 environ: Dict[str, Any], start_response: StartResponse):
        self.mw, self.gate, self.environ = mw, gate, environ
        self.start_response = start_response
        self.rewriter: Optional[Rewriter] = None
        self.request = environ.get("consent.request")
        self.head = environ.get("REQUEST_METHOD") == "HEAD"
        self.refused = False
        self.result = mw.app(environ, self._start)

    def _start(self, status: str, headers: List[Tuple[str, str]],
               exc_info: Any = None) -> Callable[[bytes], Any]:
        code = int(status.split(None, 1)[0])
        act, coding, reason = http_classify(
            code, _joined(headers, "content-type"),
            _joined(headers, "content-encoding"))
        if act != HTTP_PASS and act != HTTP_GATE:
            # A page the gate cannot read: never sent.
            self.environ.get("wsgi.errors", sys.stderr).write(
                "consent: refused (502): %s\n" % reason)
            self.refused = True
            self.start_response("502 Bad Gateway", [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(_REFUSED))),
                ("Cache-Control", "no-store")], exc_info)
            return lambda data: None
        if act == HTTP_GATE:
            headers = edit_headers(self.gate, self.mw.site, headers)
            if code not in (204, 304) and not self.head:
                self._open(coding, _joined(headers, "content-type"))
                headers = filter_links(self.rewriter, headers)
        writer = self.start_response(status, headers, exc_info)

        def write(data: bytes) -> None:
            # The old write() API: gate what goes through it too.
            writer(self.rewriter.write(data) if self.rewriter else data)
        return write

    def _open(self, encoding: str, content_type: Optional[str]) -> None:
        env = self.environ
        # The path as the browser sent it: PATH_INFO is decoded, and WSGI
        # strings are bytes as Latin-1 (PEP 3333).
        path = urllib.parse.quote(
            (env.get("SCRIPT_NAME", "") + env.get("PATH_INFO", ""))
            .encode("latin-1", "replace"), safe="/;=:@!$&'()*+,~") or "/"
        if env.get("QUERY_STRING"):
            path += "?" + env["QUERY_STRING"].encode(
                "latin-1", "replace").decode("utf-8", "replace")
        self.rewriter = self.mw.rewriter_for(
            self.gate, env.get("consent.state"), self.mw._headers(env), path,
            encoding, content_type)

    def __iter__(self) -> Iterator[bytes]:
        try:
            if self.refused:
                yield _REFUSED
            for chunk in self.result:
                if self.head or self.refused:
                    continue
                if self.rewriter is None:
                    yield chunk
                    continue
                out = self.rewriter.write(chunk)
                if out:
                    yield out
            if self.rewriter is not None:
                out = self.rewriter.close()
                if out:
                    yield out
        except ConsentError as e:
            # Nothing more of this response goes out: an embed is never
            # let through.
            self.environ.get("wsgi.errors", sys.stderr).write(
                "consent: cannot gate the page: %s\n" % e)
            raise

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            if self.rewriter is not None and not self.rewriter.closed:
                self.rewriter.__exit__(None, None, None)   # discard
            if self.request is not None:
                self.request.close()


def edit_headers(gate: Gate, site: Optional[Site],
                 headers: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """A gated response's headers as the library says (length and
    validators gone, Vary), for the WSGI and the ASGI middleware."""
    for op, name, value in gate.header_edits(site):
        if op != "merge":
            headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
        if op != "remove":
            headers.append((name, value))
    return headers


def filter_links(rewriter: Rewriter,
                 headers: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """Link headers without the preloads of providers not allowed."""
    out = []
    for k, v in headers:
        if k.lower() == "link":
            v = rewriter.filter_link(v)
            if v is None:
                continue
        out.append((k, v))
    return out


def allows(environ: Dict[str, Any], provider: str) -> bool:
    """Whether the visitor of this request allows the provider (an id of
    the registry), for a view that loads something itself: False when the
    middleware gave no consent state (no key ring, or a path it does not
    gate)."""
    state = environ.get("consent.state")
    return bool(state is not None and state.allows(provider))
