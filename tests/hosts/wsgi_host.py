#!/usr/bin/python3
"""The WSGI middleware as a host for the host suite: a static-file and
proxy application behind consent.wsgi.ConsentMiddleware, served by
wsgiref on 127.0.0.1 (threaded).  Prints "ready" when listening.

    wsgi_host.py PORT SITE_DIR KEY_FILE RECEIPTS_FILE BACKEND_PORT
"""
import email.utils
import http.client
import mimetypes
import os
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from consent.wsgi import ConsentMiddleware


def site_app(root, backend_port):
    def app(environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/proxy/"):
            return proxy(environ, start_response, path[6:])
        if path.startswith("/safe/proxy/"):
            return proxy(environ, start_response, path[11:])
        full = os.path.normpath(os.path.join(root, path.lstrip("/")))
        if not full.startswith(root) or not os.path.isfile(full):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        st = os.stat(full)
        ctype = mimetypes.guess_type(full)[0] or "application/octet-stream"
        if ctype.startswith("text/"):
            ctype += "; charset=utf-8"
        with open(full, "rb") as f:
            body = f.read()
        start_response("200 OK", [
            ("Content-Type", ctype), ("Content-Length", str(len(body))),
            ("ETag", '"%x-%x"' % (st.st_ino, int(st.st_mtime))),
            ("Last-Modified", email.utils.formatdate(st.st_mtime,
                                                     usegmt=True))])
        return [body]

    def proxy(environ, start_response, path):
        c = http.client.HTTPConnection("127.0.0.1", backend_port, timeout=20)
        headers = {}
        for name in ("Accept-Encoding", "Range", "If-Range",
                     "If-None-Match", "If-Modified-Since"):
            key = "HTTP_" + name.upper().replace("-", "_")
            if environ.get(key):
                headers[name] = environ[key]
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        method = environ.get("REQUEST_METHOD", "GET")
        body = None
        if method == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        hop = {"connection", "transfer-encoding", "keep-alive"}
        start_response("%d %s" % (r.status, r.reason),
                       [(k, v) for k, v in r.getheaders()
                        if k.lower() not in hop])

        def body():
            try:
                while True:
                    chunk = r.read1(65536) if method != "HEAD" else b""
                    if not chunk:
                        break
                    yield chunk
            finally:
                c.close()
        return body()
    return app


class Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    port, root, key, receipts, backend = sys.argv[1:6]
    app = ConsentMiddleware(
        site_app(os.path.abspath(root), int(backend)), key_file=key,
        endpoint="/consent", secure=False, receipt_log=receipts,
        privacy_url="/privacy.html",
        providers=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "banners", "providers.conf"),
        sources="cookie tcf klaro gpc", gpc_categories="marketing video",
        trusted_proxies="127.0.0.1 ::1/128",
        paths={"/own/": {"allow": ["youtube"]}, "/off/": None,
               "/guard/": {"guard": True}, "/safe/": {"cache_safe": True}})
    server = make_server("127.0.0.1", int(port), app, server_class=Server,
                         handler_class=Quiet)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
