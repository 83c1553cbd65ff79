#!/usr/bin/python3
"""The WSGI middleware with previews, for tests/previews/test-previews.sh:
serves SITE_DIR's files behind consent.wsgi.ConsentMiddleware with a
Previews cache whose fetcher runs in a thread.

    wsgi_previews.py PORT SITE_DIR CACHE_DIR PROVIDERS CA_FILE RESOLVE...
"""
import mimetypes
import os
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import consent
from consent.wsgi import ConsentMiddleware


def static(root):
    def app(environ, start_response):
        path = os.path.normpath(os.path.join(root, environ["PATH_INFO"].lstrip("/")))
        if not path.startswith(root) or not os.path.isfile(path):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        with open(path, "rb") as f:
            body = f.read()
        start_response("200 OK", [("Content-Type", (mimetypes.guess_type(path)[0]
                                                    or "text/plain") + "; charset=utf-8"),
                                  ("Content-Length", str(len(body)))])
        return [body]
    return app


class Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    port, root, cache, providers, ca = sys.argv[1:6]
    registry = consent.Registry(providers)
    previews = consent.Previews(registry, cache, ca_file=ca,
                                resolve=sys.argv[6:], trust=["127.0.0.1"])
    app = ConsentMiddleware(static(os.path.abspath(root)), registry=registry,
                            endpoint=None, previews=previews)
    server = make_server("127.0.0.1", int(port), app, server_class=Server,
                         handler_class=Quiet)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
