#!/usr/bin/python3
"""A stand-in application server for the host suite, on 127.0.0.1.

Serves the files of a folder; HTML goes out gzip-encoded
(Content-Encoding: gzip) when the request accepts it, as many CMS and
application servers behind a proxy do.  /slow.html sends the first half of
a page, waits, then sends the rest, so the suite can see that the gate
streams.  /hostile/NAME answers as a hostile or careless backend would
(see HOSTILE).  /case?... answers what its query says (the cases of
tests/hosts/table.py): status, type (Content-Type, "-" for none), enc
(Content-Encoding; the body is encoded in it when the gate reads it),
body (page or text), etag, lm (Last-Modified), link (a Link header
preloading a provider) and len (a Content-Length; default 1).  Usage: backend.py PORT FOLDER (prints "ready" when listening).
"""
import gzip
import http.server
import os
import sys
import time
import urllib.parse
import zlib

import codings

# A page with an embed, as each /hostile/NAME sends it: (headers, body).
PAGE = (b'<!DOCTYPE html><html><head><title>hostile</title></head><body>'
        b'<p>hostile page</p><iframe src="https://www.youtube.com/embed/'
        b'hostile"></iframe><p>end</p></body></html>')
HTML = [("Content-Type", "text/html; charset=utf-8")]
JP = (b'<!DOCTYPE html><html><head><meta charset="iso-2022-jp"><title>jp'
      b'</title></head><body><p>\x1b$B<!--\x1b(B<iframe src="https://'
      b'www.youtube.com/embed/hostile"></iframe>\x1b$B-->\x1b(B</p></body>'
      b'</html>')
CODERS = {"gzip": gzip.compress, "x-gzip": gzip.compress,
          "deflate": zlib.compress, "br": codings.br, "zstd": codings.zstd}
HOSTILE = {
    "br": (HTML + [("Content-Encoding", "br")], codings.br(PAGE)),
    "zstd": (HTML + [("Content-Encoding", "zstd")], codings.zstd(PAGE)),
    "gzip-twice": (HTML + [("Content-Encoding", "gzip"),
                           ("Content-Encoding", "gzip")],
                   gzip.compress(gzip.compress(PAGE))),
    "compress": (HTML + [("Content-Encoding", "compress")], PAGE),
    "utf16": ([("Content-Type", "text/html; charset=utf-16")],
              PAGE.decode().encode("utf-16")),
    "utf16be": ([("Content-Type", "text/html; charset=utf-16be")],
                PAGE.decode().encode("utf-16-be")),
    "utf16-bom": (HTML, b"\xff\xfe" + PAGE.decode().encode("utf-16-le")),
    "notype": ([], PAGE),
    "tab": ([("Content-Type", "text/html\t;charset=utf-8")], PAGE),
    "iso2022jp": ([("Content-Type", "text/html; charset=iso-2022-jp")],
                  PAGE),
    "iso2022jp-meta": ([("Content-Type", "text/html")], JP),
    "link": (HTML + [("Link", "<https://www.youtube.com/embed/hostile>; "
                      "rel=preload; as=document, </local.css>; rel=preload;"
                      " as=style"),
                     ("Link", "<https://fonts.googleapis.com>; "
                      "rel=preconnect")], PAGE),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    folder = "."

    def log_message(self, fmt, *args):
        pass

    def do_HEAD(self):
        if self.path.split("?")[0] == "/case":
            return self.case(head=True)
        self.send_error(404)

    def do_POST(self):
        if self.path.split("?")[0] == "/case":
            n = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(n)
            return self.case()
        self.send_error(404)

    def case(self, head=False):
        q = dict(urllib.parse.parse_qsl(self.path.partition("?")[2]))
        body = PAGE if q.get("body", "page") == "page" else b"just text\n"
        enc = q.get("enc", "")
        for coding in [c.strip() for c in enc.split(",") if c.strip()]:
            body = CODERS.get(coding, lambda b: b)(body)
        status = int(q.get("status", "200"))
        self.send_response(status)
        if q.get("type", "text/html; charset=utf-8") != "-":
            self.send_header("Content-Type", q.get("type", "text/html; charset=utf-8"))
        if enc:
            self.send_header("Content-Encoding", enc)
        if q.get("etag"):
            self.send_header("ETag", '"case-etag"')
        if q.get("lm"):
            self.send_header("Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT")
        if q.get("link"):
            self.send_header("Link", "<https://www.youtube.com/embed/hostile>; rel=preload; "
                             "as=document, </local.css>; rel=preload; as=style")
        if status == 304:
            self.end_headers()
            return
        if q.get("len", "1") == "1":
            self.send_header("Content-Length", str(len(body)))
        else:
            # (the end of the body is the end of the connection)
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def do_GET(self):
        if self.path.split("?")[0] == "/case":
            return self.case()
        if self.path == "/slow.html":
            return self.slow()
        if self.path.startswith("/hostile/"):
            return self.hostile(self.path[9:])
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

    def hostile(self, name):
        if name == "range":
            return self.ranges()
        if name == "accept-encoding":
            body = (b"<!DOCTYPE html><p>asked: %s</p>" %
                    self.headers.get("Accept-Encoding", "(none)").encode())
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if name not in HOSTILE:
            self.send_error(404)
            return
        headers, body = HOSTILE[name]
        self.send_response(200)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def ranges(self):
        """Honours Range and If-None-Match as a careless backend does."""
        etag = '"backend-etag"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        rng = self.headers.get("Range", "")
        self.send_response(206 if rng.startswith("bytes=") else 200)
        body = PAGE
        if rng.startswith("bytes="):
            a, b = rng[6:].split("-")
            body = PAGE[int(a):int(b) + 1]
            self.send_header("Content-Range", "bytes %s-%s/%d" %
                             (a, b, len(PAGE)))
        self.send_header("Content-Type", "text/html")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
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
