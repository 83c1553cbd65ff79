"""The middlewares as applications use them: the visitor's consent in
environ / scope for views, the ASGI middleware, and the README's Flask and
Django snippets run as printed (Debian's python3-flask, python3-django)."""
import asyncio
import io
import os
import re
import sys
import types
import wsgiref.util

import pytest

from consent import KeyRing, Registry, Site
from consent import asgi as casgi
from consent import wsgi as cwsgi

TOP = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
README = os.path.join(TOP, "bindings", "python", "README.md")
KEYS = "1 2025-01-01T00:00:00Z AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n"
YT = '<iframe src="https://www.youtube.com/embed/abc" width="560" height="315"></iframe>'
PAGE = "<!DOCTYPE html><html><body><p>Hello</p>" + YT + "</body></html>"


@pytest.fixture
def key_file(tmp_path):
    p = tmp_path / "consent.keys"
    p.write_text(KEYS)
    return str(p)


def cookie_for(key_file, *providers):
    """A signed consent cookie allowing providers, as the endpoint issues."""
    reg = Registry()
    site = Site(reg, KeyRing(key_file), secure=False)
    req = site.request({"Host": "example.org", "Origin": "http://example.org",
                        "Sec-Fetch-Site": "same-origin",
                        "Content-Type": "application/x-www-form-urlencoded"})
    resp = req.endpoint("POST", b"", "&".join("provider=" + p
                                               for p in providers).encode())
    for name, value in resp.headers:
        if name == "Set-Cookie" and value.startswith("consent="):
            return value.split(";", 1)[0]
    raise AssertionError("no cookie")


def wsgi_get(app, path, cookie=None, method="GET", body=b"", headers=None):
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME":
           "example.org", "HTTP_HOST": "example.org", "wsgi.input":
           io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    wsgiref.util.setup_testing_defaults(env)
    if cookie:
        env["HTTP_COOKIE"] = cookie
    for k, v in (headers or {}).items():
        env["HTTP_" + k.upper().replace("-", "_")] = v
    got = {}

    def start(status, hdrs, exc=None):
        got["status"], got["headers"] = status, hdrs
    out = app(env, start)
    try:
        data = b"".join(out)
    finally:
        if hasattr(out, "close"):
            out.close()
    return got["status"], dict(got["headers"]), data.decode()


# --------------------------------------------------------------- WSGI

def test_wsgi_state_for_views(key_file):
    seen = {}

    def app(environ, start_response):
        seen["allows"] = cwsgi.allows(environ, "youtube")
        seen["state"] = environ.get("consent.state") is not None
        start_response("200 OK", [("Content-Type", "text/html")])
        return [PAGE.encode()]
    mw = cwsgi.ConsentMiddleware(app, key_file=key_file, secure=False)
    _, _, body = wsgi_get(mw, "/")
    assert seen == {"allows": False, "state": True}
    assert 'data-consent-provider="youtube"' in body
    _, _, body = wsgi_get(mw, "/", cookie_for(key_file, "youtube"))
    assert seen["allows"] is True and YT in body


# --------------------------------------------------------------- ASGI

def asgi_get(app, path, cookie=None, method="GET", body=b"", chunks=None,
             ctype=b"text/html; charset=utf-8", headers=None):
    sent = []
    hdrs = [(b"host", b"example.org")]
    if cookie:
        hdrs.append((b"cookie", cookie.encode()))
    for k, v in (headers or {}).items():
        hdrs.append((k.lower().encode(), v.encode()))
    scope = {"type": "http", "method": method, "path": path,
             "root_path": "", "query_string": b"", "scheme": "http",
             "headers": hdrs, "client": ("127.0.0.1", 5000)}
    msgs = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return msgs.pop(0) if msgs else {"type": "http.disconnect"}

    async def send(msg):
        sent.append(msg)
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in sent
                    if m["type"] == "http.response.body")
    hd = {}
    for k, v in start["headers"]:
        hd[k.decode()] = hd[k.decode()] + "\n" + v.decode() \
            if k.decode() in hd else v.decode()
    return start["status"], hd, data.decode()


def asgi_app(seen, chunks, ctype=b"text/html; charset=utf-8", extra=()):
    async def app(scope, receive, send):
        seen["allows"] = casgi.allows(scope, "youtube")
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", ctype),
                                (b"content-length", b"12345")] + list(extra)})
        for i, c in enumerate(chunks):
            await send({"type": "http.response.body", "body": c,
                        "more_body": i + 1 < len(chunks)})
    return app


def test_asgi_gates_a_streamed_page(key_file):
    seen = {}
    page = PAGE.encode()
    app = casgi.ConsentMiddleware(asgi_app(seen, [page[:30], page[30:70],
                                                  page[70:]]),
                                  key_file=key_file, secure=False)
    status, headers, body = asgi_get(app, "/")
    assert status == 200 and seen["allows"] is False
    assert 'data-consent-provider="youtube"' in body and YT not in body
    assert "content-length" not in headers and "Cookie" in headers["vary"]
    status, _, body = asgi_get(app, "/", cookie_for(key_file, "youtube"))
    assert seen["allows"] is True and YT in body


def test_asgi_passes_other_types_and_refuses_unreadable(key_file):
    seen = {}
    js = b"var u='https://www.youtube.com/embed/abc';"
    app = casgi.ConsentMiddleware(asgi_app(seen, [js], b"text/javascript"),
                                  key_file=key_file, secure=False)
    status, _, body = asgi_get(app, "/a.js")
    assert status == 200 and body == js.decode()
    app = casgi.ConsentMiddleware(
        asgi_app(seen, [b"\x1f\x9d..."], extra=[(b"content-encoding",
                                                 b"compress")]),
        key_file=key_file, secure=False)
    status, _, body = asgi_get(app, "/")
    assert status == 502 and "youtube" not in body


def test_asgi_endpoint(key_file):
    app = casgi.ConsentMiddleware(asgi_app({}, [b""]), key_file=key_file,
                                  secure=False)
    status, headers, _ = asgi_get(
        app, "/consent", method="POST",
        body=b"provider=youtube&return=%2Fpost", headers={
            "Origin": "http://example.org", "Sec-Fetch-Site": "same-origin",
            "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 303 and headers["location"] == "/post"
    assert any(c.startswith("consent=") for c in
               headers["set-cookie"].split("\n"))
    status, headers, body = asgi_get(app, "/consent",
                                     headers={"Accept-Language": "de"})
    assert status == 200 and "Datenschutz-Einstellungen" in body
    status, _, _ = asgi_get(app, "/consent", method="POST",
                            body=b"x" * 5000, headers={
                                "Origin": "http://example.org",
                                "Content-Type":
                                "application/x-www-form-urlencoded"})
    assert status == 413


def test_asgi_other_scopes_pass(key_file):
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["type"])
    mw = casgi.ConsentMiddleware(app, key_file=key_file)
    asyncio.run(mw({"type": "lifespan"}, None, None))
    assert calls == ["lifespan"]


# ------------------------------------------- README snippets, as printed

def snippet(name):
    """The README's code block after the line '<!-- snippet: NAME -->'."""
    text = open(README, encoding="utf-8").read()
    m = re.search(r"<!-- snippet: %s -->\s*```python\n(.*?)```" % name, text,
                  re.S)
    assert m, "README has no %s snippet" % name
    return m.group(1)


def test_readme_flask_snippet(key_file):
    flask = pytest.importorskip("flask")
    assert flask
    code = snippet("flask").replace("/etc/consent.keys", key_file)
    ns = {"__name__": "flask_snippet"}
    exec(compile(code, "README.md (flask)", "exec"), ns)
    app = ns["app"]
    client = app.test_client(use_cookies=False)
    r = client.get("/")
    body = r.get_data(as_text=True)
    assert 'data-consent-provider="youtube"' in body
    assert "The video needs your consent" in body
    body = client.get("/", headers={"Cookie": cookie_for(
        key_file, "youtube")}).get_data(as_text=True)
    assert "youtube.com/embed" in body and "needs your consent" not in body


def test_readme_django_snippet(key_file, tmp_path, monkeypatch):
    django = pytest.importorskip("django")
    assert django
    # A project as django-admin startproject lays it out, with one view.
    pkg = tmp_path / "mysite"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text(
        "SECRET_KEY = 'test'\nDEBUG = False\nALLOWED_HOSTS = ['*']\n"
        "ROOT_URLCONF = 'mysite.urls'\nINSTALLED_APPS = []\n"
        "MIDDLEWARE = []\nUSE_TZ = True\n")
    (pkg / "urls.py").write_text(snippet("django-view"))
    (pkg / "wsgi.py").write_text(snippet("django").replace(
        "/etc/consent.keys", key_file))
    monkeypatch.syspath_prepend(str(tmp_path))
    for m in [m for m in sys.modules if m.startswith("mysite")]:
        del sys.modules[m]
    import importlib
    application = importlib.import_module("mysite.wsgi").application
    status, _, body = wsgi_get(application, "/")
    assert status.startswith("200")
    assert 'data-consent-provider="youtube"' in body
    assert "The video needs your consent" in body
    status, _, body = wsgi_get(application, "/",
                               cookie_for(key_file, "youtube"))
    assert "youtube.com/embed" in body and "needs your consent" not in body
