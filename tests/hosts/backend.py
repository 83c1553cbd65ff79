#!/usr/bin/python3
"""A stand-in application server for the host suite, on 127.0.0.1.

Serves the files of a folder; HTML goes out gzip-encoded
(Content-Encoding: gzip) when the request accepts it, as many CMS and
application servers behind a proxy do.  /slow.html sends the first half of
a page, waits, then sends the rest, so the suite can see that the gate
streams.  Usage: backend.py PORT FOLDER (prints "ready" when listening).
"""
import gzip
import http.server
import os
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    folder = "."

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        if self.path == "/slow.html":
            return self.slow()
        name = os.path.normpath(self.path.split("?", 1)[0]).lstrip("/")
        path = os.path.join(self.folder, name)
        if ".." in name.split("/") or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            body = f.read()
        html = path.endswith(".html")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8" if html
                         else "text/plain")
        if html and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"backend-etag"')
        self.end_headers()
        self.wfile.write(body)

    def slow(self):
        first = (b"<!DOCTYPE html><html><head><title>slow</title></head><body>"
                 b"<p>first part</p>"
                 b'<iframe src="https://www.youtube.com/embed/abc"></iframe>'
                 + b"<p>" + b"x" * 8192 + b"</p>")
        second = (b'<p>second part</p><iframe src="https://player.vimeo.com/'
                  b'video/1"></iframe></body></html>')
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part, pause in ((first, 1.5), (second, 0)):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.flush()
            time.sleep(pause)
        self.wfile.write(b"0\r\n\r\n")


def main():
    Handler.folder = sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                             Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
