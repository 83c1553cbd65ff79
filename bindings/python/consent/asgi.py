"""An ASGI middleware (standard library only): the WSGI middleware's rules
for ASGI applications (Starlette, FastAPI, Django's ASGI handler, ...).
It gates the HTML an application sends while it streams, answers the
consent endpoint (docs/endpoint.md) and serves preview thumbnails; the
visitor's consent is in ``scope["consent.state"]`` for the views
(``consent.asgi.allows(scope, "youtube")``).

    from consent.asgi import ConsentMiddleware

    app = ConsentMiddleware(app, key_file="/etc/consent.keys",
                            endpoint="/consent", privacy_url="/privacy/")

It takes the same options as consent.wsgi.ConsentMiddleware.
"""
from __future__ import annotations

import sys
import urllib.parse
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from . import (CONSENT_ENDPOINT_MAX_BODY, HTTP_GATE, HTTP_PASS, ConsentError,
               http_accept_encoding, http_classify, http_drop_request_header)
from . import wsgi

Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]

_REFUSED = wsgi._REFUSED


def _str_headers(raw: List[Tuple[bytes, bytes]]) -> List[Tuple[str, str]]:
    # Header bytes as Latin-1, as WSGI has them (the bytes the browser sent).
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw]


def _raw_headers(headers: List[Tuple[str, str]]) -> List[Tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in headers]


class _Errors:
    """Where the middleware's log lines go (stderr, as uvicorn shows it)."""

    @staticmethod
    def write(text: str) -> None:
        sys.stderr.write(text)


class ConsentMiddleware(wsgi.ConsentMiddleware):
    """Wraps an ASGI application; the options are the WSGI middleware's."""

    async def __call__(self, scope: Scope, receive: Receive,
                       send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("root_path", "") + scope.get("path", "")
        if self.endpoint is not None and path == self.endpoint:
            await self._endpoint(scope, receive, send)
            return
        if (self.previews is not None and
                path.startswith(self.previews.url_prefix)):
            status, headers, body = self.preview_file(
                path[len(self.previews.url_prefix):])
            await send({"type": "http.response.start",
                        "status": int(status.split()[0]),
                        "headers": _raw_headers(headers)})
            await send({"type": "http.response.body", "body": body})
            return
        gate = self._gate_for(path)
        if gate is None:
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        raw = []
        for k, v in scope.get("headers", []):
            name = k.decode("latin-1")
            if http_drop_request_header(path, name):
                continue            # a part of a page, a 304: not gateable
            if name.lower() == "accept-encoding":
                ae = http_accept_encoding(v.decode("latin-1"))
                if ae is None:
                    continue
                v = ae.encode("latin-1")
            raw.append((k, v))
        scope["headers"] = raw
        headers = _str_headers(raw)
        peer = (scope.get("client") or (None,))[0]
        https = scope.get("scheme") == "https"
        request = state = None
        if self.site is not None:
            request = self.site.request(headers, peer=peer, https=https)
            state = request.state()
            scope["consent.state"] = state
        try:
            await self.app(scope, receive,
                           _Gated(self, gate, scope, headers, state, send).send)
        finally:
            if request is not None:
                request.close()

    async def _endpoint(self, scope: Scope, receive: Receive,
                        send: Send) -> None:
        method = scope.get("method", "GET")
        if self.site is None:
            body = b"consent endpoint: no key ring configured\n"
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": body})
            return
        data = b""
        body: Optional[bytes] = b""
        length: Optional[int] = None
        if method == "POST":
            # At most one byte more than the library takes: past it the
            # library answers 413 from the length alone.
            more = True
            while more and len(data) <= CONSENT_ENDPOINT_MAX_BODY:
                msg = await receive()
                data += msg.get("body", b"")
                more = msg.get("more_body", False)
            if len(data) > CONSENT_ENDPOINT_MAX_BODY:
                body, length = None, len(data)
            else:
                body = data
        resp = self.endpoint_answer(method, scope.get("query_string", b""),
                                    body, length, _str_headers(
                                        scope.get("headers", [])),
                                    scope.get("scheme") == "https",
                                    (scope.get("client") or (None,))[0],
                                    _Errors())
        headers = list(resp.headers)
        headers.append(("Content-Length", str(len(resp.body))))
        await send({"type": "http.response.start", "status": resp.status,
                    "headers": _raw_headers(headers)})
        await send({"type": "http.response.body",
                    "body": b"" if method == "HEAD" else resp.body})


class _Gated:
    """The application's response, gated while it streams when it is
    HTML: the ASGI send() the application gets."""

    def __init__(self, mw: ConsentMiddleware, gate: Any, scope: Scope,
                 headers: List[Tuple[str, str]], state: Any, send: Send):
        self.mw, self.gate, self.scope = mw, gate, scope
        self.headers, self.state, self.out = headers, state, send
        self.rewriter: Any = None
        self.refused = False
        self.head = scope.get("method") == "HEAD"

    async def send(self, msg: Dict[str, Any]) -> None:
        if msg["type"] == "http.response.start":
            await self._start(msg)
        elif msg["type"] == "http.response.body":
            await self._body(msg)
        else:
            await self.out(msg)

    async def _start(self, msg: Dict[str, Any]) -> None:
        status = msg["status"]
        headers = _str_headers(msg.get("headers", []))
        act, coding, reason = http_classify(
            status, wsgi._joined([(k.lower(), v) for k, v in headers],
                                 "content-type"),
            wsgi._joined([(k.lower(), v) for k, v in headers],
                         "content-encoding"))
        if act != HTTP_PASS and act != HTTP_GATE:
            # A page the gate cannot read: never sent.
            sys.stderr.write("consent: refused (502): %s\n" % reason)
            self.refused = True
            await self.out({"type": "http.response.start", "status": 502,
                            "headers": [
                                (b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(_REFUSED)).encode()),
                                (b"cache-control", b"no-store")]})
            await self.out({"type": "http.response.body", "body": _REFUSED})
            return
        if act == HTTP_GATE:
            headers = wsgi.edit_headers(self.gate, self.mw.site, headers)
            if status not in (204, 304) and not self.head:
                path = urllib.parse.quote(
                    (self.scope.get("root_path", "") +
                     self.scope.get("path", "")).encode("utf-8"),
                    safe="/;=:@!$&'()*+,~") or "/"
                qs = self.scope.get("query_string", b"")
                if qs:
                    path += "?" + qs.decode("latin-1")
                self.rewriter = self.mw.rewriter_for(
                    self.gate, self.state, self.headers, path, coding,
                    wsgi._joined([(k.lower(), v) for k, v in headers],
                                 "content-type"))
                headers = wsgi.filter_links(self.rewriter, headers)
        await self.out(dict(msg, headers=_raw_headers(headers)))

    async def _body(self, msg: Dict[str, Any]) -> None:
        if self.refused:
            return
        more = msg.get("more_body", False)
        if self.head or self.rewriter is None:
            await self.out(msg)
            return
        try:
            data = self.rewriter.write(msg.get("body", b""))
            if not more:
                data += self.rewriter.close()
        except ConsentError as e:
            # Nothing more of this response goes out: an embed is never
            # let through.
            sys.stderr.write("consent: cannot gate the page: %s\n" % e)
            raise
        await self.out({"type": "http.response.body", "body": data,
                        "more_body": more})


def allows(scope: Scope, provider: str) -> bool:
    """Whether the visitor of this request allows the provider (an id of
    the registry): False when the middleware gave no consent state."""
    state = scope.get("consent.state")
    return bool(state is not None and state.allows(provider))
