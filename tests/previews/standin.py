#!/usr/bin/python3
"""A stand-in for video providers' oEmbed endpoints and image hosts, over
HTTPS on 127.0.0.1 (certificate from the test's own CA).  The embed URL's
last path segment picks the behaviour:

  ok-N        oEmbed JSON with a thumbnail on img.video.test
  delay-N     the same after 0.5 s (counts transfers at once)
  slow        answers after 5 s
  big         an oEmbed answer of 200 KB
  badjson     a broken JSON body
  wrongtype   JSON sent as text/html
  thumbtype   a thumbnail sent as text/plain
  thumbbig    a 3 MB thumbnail
  foreign     a thumbnail on evil.test (not the provider's)
  to-private  a redirect to internal.video.test (resolves to 127.0.0.2)
  to-other    a redirect to evil.test
  to-ok       a redirect to the provider's own endpoint for ok-redirected

GET /stats gives {"hits": {segment: n}, "max_concurrent": n}.
Usage: standin.py PORT CERT KEY  (prints "ready")
"""
import http.server
import json
import ssl
import sys
import threading
import time
import urllib.parse

PORT = int(sys.argv[1])
lock = threading.Lock()
hits = {}
active = [0, 0]          # now, max
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\x00" * 2000 + b"\xff\xd9")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, ctype, body, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path == "/stats":
            with lock:
                body = json.dumps({"hits": hits, "max_concurrent": active[1]})
            return self.send(200, "application/json", body.encode())
        if u.path.startswith("/thumb/"):
            name = u.path[7:]
            if name.startswith("thumbtype"):
                return self.send(200, "text/plain", b"not an image")
            if name.startswith("thumbbig"):
                return self.send(200, "image/jpeg", JPEG + b"\x00" * 3000000)
            return self.send(200, "image/jpeg", JPEG)
        if u.path != "/oembed":
            return self.send(404, "text/plain", b"no")
        embed = q.get("url", [""])[0]
        seg = embed.rstrip("/").rsplit("/", 1)[-1]
        with lock:
            hits[seg] = hits.get(seg, 0) + 1
            active[0] += 1
            active[1] = max(active[1], active[0])
        try:
            self.oembed(seg, embed)
        finally:
            with lock:
                active[0] -= 1

    def oembed(self, seg, embed):
        base = "https://img.video.test:%d/thumb/" % PORT
        meta = {"type": "video", "version": "1.0", "title": "Video " + seg,
                "author_name": "Author <" + seg + ">",
                "thumbnail_url": base + seg + ".jpg",
                "thumbnail_width": 480, "thumbnail_height": 360}
        if seg.startswith("delay"):
            time.sleep(0.5)
        if seg == "slow":
            time.sleep(5)
        if seg == "big":
            meta["html"] = "x" * 200000
        if seg == "badjson":
            return self.send(200, "application/json", b'{"title": "broken')
        if seg == "wrongtype":
            return self.send(200, "text/html", json.dumps(meta).encode())
        if seg == "foreign":
            meta["thumbnail_url"] = "https://evil.test:%d/thumb/x.jpg" % PORT
        if seg in ("thumbtype", "thumbbig"):
            meta["thumbnail_url"] = base + seg + ".jpg"
        if seg == "to-private":
            return self.send(302, "text/plain", b"",
                             [("Location", "https://internal.video.test:%d/oembed?url=x" % PORT)])
        if seg == "to-other":
            return self.send(302, "text/plain", b"",
                             [("Location", "https://evil.test:%d/oembed?url=x" % PORT)])
        if seg == "to-ok":
            target = embed.replace("to-ok", "ok-redirected")
            return self.send(302, "text/plain", b"", [(
                "Location", "https://oembed.video.test:%d/oembed?url=%s" %
                (PORT, urllib.parse.quote(target, safe="")))])
        self.send(200, "application/json; charset=utf-8",
                  json.dumps(meta).encode())


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    srv = Server(("127.0.0.1", PORT), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
