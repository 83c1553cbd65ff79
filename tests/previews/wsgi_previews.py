#!/usr/bin/python3
"""The WSGI middleware with previews, for tests/previews/test-previews.sh:
serves SITE_DIR's files (the host suite's site app) behind
consent.wsgi.ConsentMiddleware with a Previews cache whose fetcher runs in
a thread.

    wsgi_previews.py PORT SITE_DIR CACHE_DIR PROVIDERS CA_FILE RESOLVE...
"""
import os
import sys
from wsgiref.simple_server import make_server

import consent
from consent.wsgi import ConsentMiddleware

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hosts"))
from wsgi_host import Quiet, Server, site_app  # noqa: E402


def main():
    port, root, cache, providers, ca = sys.argv[1:6]
    registry = consent.Registry(providers)
    previews = consent.Previews(registry, cache, ca_file=ca,
                                resolve=sys.argv[6:], trust=["127.0.0.1"])
    app = ConsentMiddleware(site_app(os.path.abspath(root), 0),
                            registry=registry, endpoint=None,
                            previews=previews)
    server = make_server("127.0.0.1", int(port), app, server_class=Server,
                         handler_class=Quiet)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
