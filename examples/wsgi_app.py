#!/usr/bin/python3
"""A small WSGI application (standard library only) behind libconsent's
middleware: every page it serves has its embeds gated, and /consent is the
consent endpoint.

From the top of the source tree, after ./build.sh demo:

    python3 examples/wsgi_app.py            # http://127.0.0.1:8000/
    python3 examples/wsgi_app.py 8080 /path/to/key-file

Without a key file a temporary one is made (consent then ends when the app
restarts); make a lasting one with `consent-gate key new --key-file FILE`.
"""
import os
import sys
import tempfile
from wsgiref.simple_server import make_server

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "bindings", "python"))
from consent import KeyRing  # noqa: E402
from consent.wsgi import ConsentMiddleware  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def app(environ, start_response):
    """The site: the sample article at /, a page about consent at
    /privacy.html."""
    path = environ.get("PATH_INFO", "/")
    if path == "/":
        with open(os.path.join(HERE, "article.html"), "rb") as f:
            body = f.read()
    elif path == "/privacy.html":
        body = (b"<!doctype html><title>Privacy</title><h1>Privacy</h1>"
                b"<p><a href='/consent?revoke&amp;return=/'>Withdraw my "
                b"consent to external content</a></p>")
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    if len(sys.argv) > 2:
        key_file = sys.argv[2]
    else:
        key_file = os.path.join(tempfile.mkdtemp(), "keys")
        KeyRing.add_key(key_file)
    gated = ConsentMiddleware(app, key_file=key_file, endpoint="/consent",
                              privacy_url="/privacy.html",
                              # plain http on a laptop; keep True in production
                              secure=False)
    print("http://127.0.0.1:%d/" % port)
    make_server("127.0.0.1", port, gated).serve_forever()


if __name__ == "__main__":
    main()
