#!/usr/bin/python3
"""The host suite: one set of HTTP checks for every host of libconsent
(httpd module, nginx module, WSGI middleware), run against a server
already listening on 127.0.0.1.  Prints TAP.

The host serves (see tests/hosts/site and the runners test-*.sh):
  /page.html, /plain.html, /data.txt   the files of tests/hosts/site, gated
  /own/page.html    the same page where youtube is the site's own
                    (allowed without consent)
  /off/page.html    the gate switched off
  /guard/page.html  the runtime guard on
  /proxy/...        proxied to tests/hosts/backend.py (gzip bodies,
                    /proxy/slow.html streams)          [--no-proxy: skipped]
  /consent          the consent endpoint; cookie "consent"
with tests/banners/providers.conf, consent sources "cookie tcf klaro gpc"
and GPC refusing the categories marketing and video.

Usage: host_suite.py --base http://127.0.0.1:PORT --site DIR --gate
consent-gate --key KEYFILE [--receipts FILE] [--no-proxy] [--name NAME]
"""
import argparse
import gzip
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse

import codings

ARGS = None
COUNT = 0
FAILED = 0


def ok(cond, what):
    global COUNT, FAILED
    COUNT += 1
    print("%s %d - %s%s" % ("ok" if cond else "not ok", COUNT,
                            ARGS.name + ": " if ARGS.name else "", what),
          flush=True)
    if not cond:
        FAILED += 1
    return cond


def diag(text):
    for line in str(text).splitlines():
        print("# " + line)


class Resp:
    def __init__(self, r, body):
        self.status = r.status
        self.headers = r.getheaders()
        self.body = body

    def header(self, name):
        vals = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(vals) if vals else None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def text(self):
        return self.body.decode("utf-8", "replace")


def request(method, path, headers=None, body=None, source=None):
    u = urllib.parse.urlsplit(ARGS.base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=20,
                                   source_address=(source, 0) if source
                                   else None)
    h = {"Host": u.netloc}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return Resp(r, data)


def same_origin():
    return {"Origin": ARGS.base.rstrip("/"), "Sec-Fetch-Site": "same-origin",
            "Content-Type": "application/x-www-form-urlencoded"}


YT_RAW = '<iframe width="560" height="315" src="https://www.youtube.com/embed/'
VIMEO_RAW = '<iframe src="https://player.vimeo.com/video/76979871"'
TWEET_SCRIPT = '<script async src="https://platform.twitter.com/widgets.js"'


def gated(text, provider):
    return 'data-consent-provider="%s"' % provider in text


def check_static():
    r = request("GET", "/page.html")
    t = r.text()
    ok(r.status == 200 and gated(t, "youtube") and gated(t, "vimeo")
       and gated(t, "x") and YT_RAW not in t and VIMEO_RAW not in t
       and TWEET_SCRIPT not in t,
       "static page: youtube, vimeo and the tweet are placeholders")
    ok('href="https://www.youtube.com/watch?v=M7lc1UVf-VE"' in t,
       "a plain link to YouTube is left alone")
    vary = sorted(v.strip().lower() for v in
                  (r.header("Vary") or "").split(",") if v.strip())
    ok(vary == ["accept-language", "cookie", "sec-gpc"],
       "Vary: what the gated page depends on: Cookie, Sec-GPC (GPC is a "
       "source), Accept-Language (%s)" % r.header("Vary"))
    r2 = request("GET", "/safe/page.html")
    vary = sorted(v.strip().lower() for v in
                  (r2.header("Vary") or "").split(",") if v.strip())
    ok(gated(r2.text(), "youtube") and vary == ["accept-language"],
       "cache-safe: Vary: Accept-Language only, no Cookie (it would defeat "
       "shared caches) (%s)" % r2.header("Vary"))
    ok(r.header("Content-Length") is None or
       int(r.header("Content-Length")) == len(r.body),
       "no stale Content-Length")
    ok(r.header("ETag") is None and r.header("Last-Modified") is None,
       "no ETag/Last-Modified of the file on a gated page")
    ok((r.header("Content-Type") or "").startswith("text/html"),
       "Content-Type stays text/html")
    with open(os.path.join(ARGS.site, "page.html"), "rb") as f:
        original = f.read()
    ok(r.body.startswith(original[:original.index(b"<iframe")]),
       "bytes before the first embed are the file's")

    r = request("GET", "/plain.html")
    with open(os.path.join(ARGS.site, "plain.html"), "rb") as f:
        ok(r.status == 200 and r.body == f.read(),
           "a page without embeds is byte-identical")
    r = request("GET", "/data.txt")
    with open(os.path.join(ARGS.site, "data.txt"), "rb") as f:
        ok(r.status == 200 and r.body == f.read(),
           "text/plain is not touched")

    # A HEAD has no length, or (served from the page cache) exactly the
    # gated page's: never the file's.
    gated_len = str(len(request("GET", "/page.html").body))
    r = request("HEAD", "/page.html")
    ok(r.status == 200 and r.body == b"" and
       "cookie" in (r.header("Vary") or "").lower(),
       "HEAD: no body, Vary: Cookie")
    ok(r.header("Content-Length") in (None, "0", gated_len),
       "HEAD: no Content-Length of the ungated file (%s; gated %s)" %
       (r.header("Content-Length"), gated_len))

    r = request("GET", "/page.html", {"Range": "bytes=0-99"})
    ok(r.status == 200 and gated(r.text(), "youtube") and
       YT_RAW not in r.text(),
       "a Range request gets the whole gated page (status %d)" % r.status)

    r = request("GET", "/page.html", {"If-Modified-Since":
                                      "Sun, 01 Jan 2090 00:00:00 GMT",
                                      "If-None-Match": "*"})
    ok(r.status == 200 and gated(r.text(), "youtube"),
       "conditional request: the gated page, not a 304 of another "
       "visitor's version (status %d)" % r.status)

    r = request("GET", "/page.html", {"Accept-Language": "fr;q=0.5, de-AT"})
    ok("Empfohlener externer Inhalt" in r.text(),
       "Accept-Language de-AT: German placeholders")

    r = request("GET", "/own/page.html")
    t = r.text()
    ok(YT_RAW in t and gated(t, "vimeo"),
       "the site's own provider (youtube) passes without consent")
    r = request("GET", "/off/page.html")
    with open(os.path.join(ARGS.site, "off", "page.html"), "rb") as f:
        ok(r.body == f.read(), "gate off: the page as it is")
    r = request("GET", "/guard/page.html")
    t = r.text()
    ok(r.status == 200 and '<head><script data-consent-guard="' in t
       and gated(t, "youtube") and "&quot;youtube&quot;:&quot;" in t,
       "guard on: the runtime guard first in <head>, with the rules")
    ok("data-consent-guard" not in request("GET", "/page.html").text(),
       "guard off (the default): no guard")


def check_proxy():
    r = request("GET", "/proxy/page.html", {"Accept-Encoding": "gzip"})
    enc = r.header("Content-Encoding")
    try:
        t = gzip.decompress(r.body).decode() if enc == "gzip" else r.text()
        good = True
    except (OSError, EOFError) as e:
        diag("gzip: %s" % e)
        t, good = "", False
    ok(r.status == 200 and enc == "gzip" and good,
       "proxied gzip body: still gzip, and whole (%s, %d bytes)" %
       (enc, len(r.body)))
    ok(gated(t, "youtube") and YT_RAW not in t and gated(t, "vimeo"),
       "proxied gzip body: embeds are placeholders")
    ok("cookie" in (r.header("Vary") or "").lower() and
       r.header("ETag") is None,
       "proxied: Vary has Cookie (%s), backend ETag dropped" %
       r.header("Vary"))

    r = request("GET", "/proxy/page.html")
    ok(r.status == 200 and r.header("Content-Encoding") is None and
       gated(r.text(), "youtube"), "proxied identity body gated")

    # Streaming: the first part arrives while the backend still waits.
    u = urllib.parse.urlsplit(ARGS.base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
    t0 = time.time()
    c.request("GET", "/proxy/slow.html", headers={"Host": u.netloc})
    resp = c.getresponse()
    first = b""
    while b"first part" not in first:
        chunk = resp.read1(65536)
        if not chunk:
            break
        first += chunk
    t1 = time.time() - t0
    rest = resp.read()
    t2 = time.time() - t0
    c.close()
    whole = (first + rest).decode()
    ok(b"first part" in first and t1 < 1.2 and t2 >= 1.4,
       "streams: the first part after %.2f s, the end after %.2f s" %
       (t1, t2))
    ok(gated(whole, "youtube") and gated(whole, "vimeo") and
       "https://player.vimeo.com/video/1\"></iframe>" not in whole,
       "streamed page gated in both parts")


HOSTILE_YT = 'src="https://www.youtube.com/embed/hostile"'
ACCEPT_ALL = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def hostile(name, headers=None):
    """GET /proxy/hostile/NAME; the response and its decoded text."""
    h = dict(ACCEPT_ALL)
    h.update(headers or {})
    r = request("GET", "/proxy/hostile/" + name, h)
    try:
        body = codings.decode(r.body, r.header("Content-Encoding"))
    except (ValueError, OSError, EOFError) as e:
        diag("%s: %s" % (name, e))
        body = b""
    return r, body


def check_hostile():
    """A hostile or careless backend: every page it sends is gated, or
    refused with a 502, never passed unread."""
    for name, coding in (("br", "br"), ("zstd", "zstd")):
        r, body = hostile(name)
        t = body.decode("utf-8", "replace")
        ok(r.status == 200 and r.header("Content-Encoding") == coding and
           gated(t, "youtube") and HOSTILE_YT not in t and "<p>end</p>" in t
           and "cookie" in (r.header("Vary") or "").lower(),
           "backend sends %s: decoded, gated, sent in %s again, Vary: "
           "Cookie (%d, %s)" % (name, coding, r.status,
                                r.header("Content-Encoding")))
    r, body = hostile("br", {"Accept-Encoding": "identity"})
    ok(HOSTILE_YT.encode() not in body and
       (r.status == 502 or b'data-consent-provider="youtube"' in body),
       "unasked br: gated or refused, never passed (%d)" % r.status)
    for name in ("gzip-twice", "compress"):
        r, body = hostile(name)
        ok(r.status == 502 and HOSTILE_YT.encode() not in r.body and
           b"youtube" not in r.body,
           "Content-Encoding %s: refused with 502 (%d)" % (name, r.status))
    for name, what in (("utf16", "charset=utf-16 with a byte order mark"),
                       ("utf16be", "charset=utf-16be, no byte order mark"),
                       ("utf16-bom", "a UTF-16 byte order mark under "
                        "charset=utf-8")):
        r, body = hostile(name)
        t = body.decode("utf-8", "replace")
        ok(r.status == 200 and body.startswith(b"\xef\xbb\xbf<!DOCTYPE")
           and gated(t, "youtube") and HOSTILE_YT not in t,
           "%s: gated as UTF-8, sent with a UTF-8 byte order mark (%d)" %
           (what, r.status))
    for name, what in (("notype", "no Content-Type"),
                       ("tab", "text/html<TAB>;charset=utf-8")):
        r, body = hostile(name)
        t = body.decode("utf-8", "replace")
        ok(r.status == 200 and gated(t, "youtube") and HOSTILE_YT not in t,
           "%s: sniffed as a page by browsers, so gated (%d)" %
           (what, r.status))
    r, body = hostile("iso2022jp")
    ok(r.status == 502 and b"youtube" not in r.body,
       "charset=iso-2022-jp: refused with 502 (%d)" % r.status)
    r, body = hostile("iso2022jp-meta")
    ok(r.status == 200 and b"\x1b$B" not in body and b"<!--" in body,
       "ISO-2022-JP by <meta>: the switches that hide markup are gone, so "
       "the iframe stays in the comment the gate saw (%d)" % r.status)
    r, body = hostile("link")
    links = ", ".join(r.all("Link"))
    ok("youtube" not in links and "fonts.googleapis" not in links and
       "</local.css>; rel=preload; as=style" in links,
       "Link preload/preconnect of providers dropped, the site's own kept "
       "(%s)" % links)
    r = request("GET", "/proxy/hostile/accept-encoding",
                {"Accept-Encoding": "compress, gzip;q=0.8, exi, br, *"})
    m = re.search(r"asked: ([^<]*)", r.text())
    ok(m is not None and m.group(1) == "gzip;q=0.8, br",
       "the backend is asked only for codings the gate reads (%s)" %
       (m.group(1) if m else r.status))
    r = request("GET", "/proxy/hostile/range", {"Range": "bytes=0-99"})
    ok(r.status == 200 and r.header("Content-Range") is None and
       gated(r.text(), "youtube") and HOSTILE_YT not in r.text(),
       "Range is not passed to the backend: the whole gated page (%d)" %
       r.status)
    r = request("GET", "/proxy/hostile/range",
                {"If-None-Match": '"backend-etag"'})
    ok(r.status == 200 and gated(r.text(), "youtube"),
       "If-None-Match with the backend's ETag is not passed: the gated "
       "page, not a 304 (%d)" % r.status)


def cookie_of(resp, name="consent"):
    for v in resp.all("Set-Cookie"):
        if v.startswith(name + "="):
            return v.split(";", 1)[0]
    return None


def check_endpoint():
    h = same_origin()
    r = request("POST", "/consent", h,
                "provider=youtube&return=%2Fpage.html&always=1")
    c = cookie_of(r)
    ok(r.status == 303 and r.header("Location") == "/page.html" and c,
       "endpoint: POST -> 303 to the page with a cookie (%d %s)" %
       (r.status, r.header("Location")))
    sc = r.all("Set-Cookie")
    ok(any("HttpOnly" in v and "SameSite=Lax" in v and "Max-Age=" in v
           for v in sc if v.startswith("consent=")) and
       any(v.startswith("consent_allowed=youtube") for v in sc),
       "endpoint: signed cookie HttpOnly with Max-Age, companion cookie")
    ok("no-store" in (r.header("Cache-Control") or ""),
       "endpoint: Cache-Control no-store")
    if not c:
        return
    r = request("GET", "/page.html", {"Cookie": "other=1; " + c})
    t = r.text()
    ok(YT_RAW in t and gated(t, "vimeo") and VIMEO_RAW not in t,
       "with the cookie: youtube passes, vimeo stays gated")
    if not ARGS.no_proxy:
        r = request("GET", "/proxy/page.html", {"Cookie": c,
                                                 "Accept-Encoding": "gzip"})
        t = gzip.decompress(r.body).decode()
        ok(YT_RAW in t and gated(t, "vimeo"),
           "with the cookie, proxied gzip: youtube passes")

    # A second grant keeps the first.
    r = request("POST", "/consent", dict(h, Cookie=c),
                "provider=vimeo&return=/page.html")
    c2 = cookie_of(r)
    r = request("GET", "/page.html", {"Cookie": c2 or ""})
    ok(YT_RAW in r.text() and VIMEO_RAW in r.text(),
       "a second grant (vimeo, once) keeps youtube")

    # Forged and expired cookies are ignored.
    name, value = c.split("=", 1)
    mid = len(value) // 2
    forged = name + "=" + value[:mid] + ("A" if value[mid] != "A" else "B") \
        + value[mid + 1:]
    r = request("GET", "/page.html", {"Cookie": forged})
    ok(gated(r.text(), "youtube") and YT_RAW not in r.text(),
       "a forged cookie is ignored")
    old = subprocess.run([ARGS.gate, "cookie", "issue", "--key-file",
                          ARGS.key, "--allow", "youtube", "--now",
                          str(int(time.time()) - 400 * 86400)],
                         capture_output=True, text=True).stdout.strip()
    r = request("GET", "/page.html", {"Cookie": "consent=" + old})
    ok(old and gated(r.text(), "youtube") and YT_RAW not in r.text(),
       "an expired cookie is ignored")
    fresh = subprocess.run([ARGS.gate, "cookie", "issue", "--key-file",
                            ARGS.key, "--allow", "vimeo"],
                           capture_output=True, text=True).stdout.strip()
    r = request("GET", "/page.html", {"Cookie": "consent=" + fresh})
    ok(fresh and VIMEO_RAW in r.text() and YT_RAW not in r.text(),
       "a cookie signed with the site's key file (consent-gate) is honoured")

    # Two valid cookies (one planted from a sibling domain): a refusal is
    # never overridden.
    both = subprocess.run([ARGS.gate, "cookie", "issue", "--key-file",
                           ARGS.key, "--allow", "youtube,vimeo"],
                          capture_output=True, text=True).stdout.strip()
    for order in (("consent=" + both, "consent=" + fresh),
                  ("consent=" + fresh, "consent=" + both)):
        r = request("GET", "/page.html", {"Cookie": "; ".join(order)})
        ok(both and VIMEO_RAW in r.text() and YT_RAW not in r.text(),
           "two valid consent cookies (youtube+vimeo, vimeo): only what "
           "both allow passes, in either order")
    # The state the script of a cache-safe page asks for.
    st = {"Sec-Fetch-Site": "same-origin"}
    r = request("GET", "/consent?state", dict(st, Cookie="consent=" + fresh))
    try:
        allowed = json.loads(r.body).get("allowed")
    except ValueError:
        allowed = None
    ok(r.status == 200 and allowed == ["vimeo"] and
       "no-store" in (r.header("Cache-Control") or ""),
       "GET ?state: what the signed cookie allows, as JSON, not stored "
       "(%d %s)" % (r.status, allowed))
    r = request("GET", "/consent?state",
                dict(st, Cookie="consent_allowed=youtube.vimeo.x"))
    ok(r.status == 200 and json.loads(r.body or b"{}").get("allowed") == [],
       "GET ?state: a planted companion cookie alone allows nothing")
    # A return path in UTF-8 comes back percent-encoded (a header value
    # is Latin-1).
    r = request("POST", "/consent", h,
                "provider=vimeo&return=%2F%C3%BCber%2F%E6%97%A5.html")
    ok(r.status == 303 and
       r.header("Location") == "/%C3%BCber/%E6%97%A5.html",
       "a UTF-8 return path: 303 to it percent-encoded (%d %s)" %
       (r.status, r.header("Location")))

    # The same, unencoded in a GET ?revoke (raw UTF-8 bytes in the
    # request line): percent-encoded, or refused with 400; never a dropped
    # connection or a 500.
    u = urllib.parse.urlsplit(ARGS.base)
    raw = b""
    try:
        with socket.create_connection((u.hostname, u.port), timeout=20) as so:
            so.sendall(b"GET /consent?revoke&return=/\xc3\xbcber HTTP/1.1\r\n"
                       b"Host: " + u.netloc.encode() + b"\r\n"
                       b"Sec-Fetch-Site: same-origin\r\nConnection: close\r\n"
                       b"\r\n")
            while True:
                chunk = so.recv(65536)
                if not chunk:
                    break
                raw += chunk
    except OSError as e:
        diag(e)
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status = head.split(" ", 2)[1] if head.startswith("HTTP/") else "none"
    ok(status == "400" or (status == "303" and re.search(
        r"(?im)^Location: /%C3%BCber\r?$", head)),
       "a raw UTF-8 return path in the query: 303 to it percent-encoded, "
       "or 400 (%s)" % head.split("\r\n")[0])

    # Behind a reverse proxy that ends TLS and rewrites Host (the hosts
    # trust 127.0.0.1, not 127.0.0.2).
    site = "https://www.example.test"
    fwd = {"Origin": site, "Sec-Fetch-Site": "same-origin",
           "Content-Type": "application/x-www-form-urlencoded"}
    for how, extra in (("X-Forwarded-Proto/-Host",
                        {"X-Forwarded-Proto": "https",
                         "X-Forwarded-Host": "www.example.test"}),
                       ("Forwarded", {"Forwarded": 'for=192.0.2.1;proto=https;'
                                      'host="www.example.test"'})):
        r = request("POST", "/consent", dict(fwd, **extra),
                    "provider=vimeo&return=/page.html")
        ok(r.status == 303, "a trusted proxy's %s: the click from %s "
           "consents (%d)" % (how, site, r.status))
        r = request("POST", "/consent", dict(fwd, **extra),
                    "provider=vimeo&return=/page.html", source="127.0.0.2")
        ok(r.status == 403, "the same %s from an untrusted address: "
           "refused (%d)" % (how, r.status))
    r = request("POST", "/consent", fwd, "provider=vimeo&return=/page.html")
    ok(r.status == 403, "Origin %s without forwarding headers: refused (%d)"
       % (site, r.status))
    # A page whose URL is longer than the endpoint takes still consents.
    r = request("GET", "/page.html?" + "q" * 3000)
    m = re.search(r'name="return" value="([^"]*)"', r.text())
    ok(m is not None and m.group(1) == "/page.html",
       "a page URL over 2048 bytes: the return field is its path (%s)" %
       (m.group(1)[:40] if m else None))

    # Withdrawal.
    r = request("GET", "/consent?revoke&return=/page.html",
                {"Sec-Fetch-Site": "same-origin", "Cookie": c})
    ok(r.status == 303 and r.header("Location") == "/page.html" and
       any(v.startswith("consent=;") and "Max-Age=0" in v
           for v in r.all("Set-Cookie")),
       "GET ?revoke: 303 and the cookie deleted")
    r = request("POST", "/consent", h, "revoke=1")
    ok(r.status == 303 and r.header("Location") == "/",
       "POST revoke=1: 303 to /")

    if ARGS.receipts:
        time.sleep(0.2)
        try:
            with open(ARGS.receipts) as f:
                lines = [json.loads(x) for x in f if x.strip()]
        except (OSError, ValueError) as e:
            diag(e)
            lines = []
        acts = [x.get("action") for x in lines]
        ok("grant" in acts and "revoke" in acts and
           any(x.get("allowed") == ["youtube"] for x in lines),
           "receipts logged as JSON lines (%s)" % ", ".join(acts))


# Made by IAB's library (@iabtcf/core, tests/banners/tcf-vectors.cjs - make):
# purposes 1-4 and vendor 755; the same without purpose 1.
TC_PURPOSE_1 = "CQuci4AQuci4AAKACBENCWFgAPAAAAAAAAYgF5wAQF5gAAAA.YAAAAAAAAAAA"
TC_NO_PURPOSE_1 = "CQuci4AQuci4AAKACBENCWFgAHAAAAAAAAYgF5wAQF5gAAAA.YAAAAAAAAAAA"
KLARO_YT = "klaro=%7B%22yt%22%3Atrue%7D"


def check_banners():
    t = request("GET", "/page.html", {"Cookie": KLARO_YT}).text()
    ok(YT_RAW in t and gated(t, "vimeo"),
       "a Klaro cookie allowing 'yt' lets YouTube through")
    t = request("GET", "/page.html",
                {"Cookie": "euconsent-v2=" + TC_PURPOSE_1}).text()
    ok(YT_RAW in t and gated(t, "vimeo"),
       "a TCF string with purpose 1 lets YouTube through (tcf_purposes = 1)")
    t = request("GET", "/page.html",
                {"Cookie": "euconsent-v2=" + TC_NO_PURPOSE_1}).text()
    ok(gated(t, "youtube") and YT_RAW not in t,
       "a TCF string without purpose 1 keeps YouTube gated")
    t = request("GET", "/page.html", {"Cookie": KLARO_YT + "; euconsent-v2=" +
                                      TC_NO_PURPOSE_1}).text()
    ok(gated(t, "youtube"), "Klaro allows, TCF refuses: the refusal wins")
    r = request("POST", "/consent", same_origin(),
                "provider=youtube&return=/page.html&always=1")
    c = cookie_of(r)
    t = request("GET", "/page.html", {"Cookie": c or "", "Sec-GPC": "1"}).text()
    box = t[t.find('data-consent-provider="youtube"'):]
    box = box[:box.find("</form>")]
    ok(c and gated(t, "youtube") and YT_RAW not in t and
       "data-consent-always" not in box,
       "Sec-GPC: 1 refuses YouTube (GPC category video) despite the cookie, "
       "and offers no 'always'")
    t = request("GET", "/page.html", {"Cookie": c or ""}).text()
    ok(YT_RAW in t, "the same cookie without Sec-GPC lets YouTube through")
    r = request("POST", "/consent", dict(same_origin(), **{"Sec-GPC": "1"}),
                "provider=youtube&return=/page.html&always=1")
    sc = [v for v in r.all("Set-Cookie") if v.startswith("consent=")]
    ok(r.status == 303 and sc and "Max-Age" not in sc[0],
       "under GPC, 'always' for a GPC provider gives a session cookie only")


def check_refusals():
    good = same_origin()
    cases = [
        ("another Origin", dict(good, Origin="https://evil.example"),
         "provider=youtube", 403),
        ("Sec-Fetch-Site: cross-site", dict(good, **{
            "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}),
         "provider=youtube", 403),
        ("Origin: null", dict(good, Origin="null"), "provider=youtube", 403),
        ("absolute return URL", good,
         "provider=youtube&return=https%3A%2F%2Fevil.example%2F", 400),
        ("protocol-relative return", good,
         "provider=youtube&return=%2F%2Fevil.example%2F", 400),
        ("backslash return", good,
         "provider=youtube&return=%2F%5Cevil.example", 400),
        ("unknown provider", good, "provider=nosuch", 400),
        ("no provider", good, "return=/", 400),
        ("text/plain body", dict(good, **{"Content-Type": "text/plain"}),
         "provider=youtube", 415),
        ("body over 4 KB", good, "provider=youtube&pad=" + "a" * 5000, 413),
    ]
    for what, headers, body, status in cases:
        r = request("POST", "/consent", headers, body)
        ok(r.status == status and cookie_of(r) is None,
           "endpoint refuses %s: %d (want %d)" % (what, r.status, status))
    r = request("PUT", "/consent", good, "provider=youtube")
    ok(r.status == 405, "endpoint refuses PUT: %d" % r.status)
    r = request("GET", "/consent?provider=youtube")
    ok(r.status == 200 and cookie_of(r) is None,
       "a GET cannot grant (it shows the settings page): %d" % r.status)
    r = request("GET", "/consent?revoke", {"Sec-Fetch-Site": "cross-site"})
    ok(r.status == 403, "a cross-site GET ?revoke is refused: %d" % r.status)


NOTICE = 'data-consent-notice="google-fonts google-analytics matomo-cloud ' \
    'facebook-pixel"'


def check_notice():
    """Trackers and fonts get one notice; Only necessary is remembered;
    the settings page withdraws one provider."""
    r = request("GET", "/trackers.html")
    t = r.text()
    ok(r.status == 200 and t.count("<aside class=\"consent-notice\"") == 1
       and NOTICE in t and 'action="/consent"' in t,
       "a page with analytics, a pixel and fonts: one notice naming them, "
       "a form to the endpoint")
    ok(gated(t, "datawrapper") and 'style="min-height:444px"' in t and
       "consent-embed--widget" in t,
       "Datawrapper's script embed: one visible box of its size")
    rest = re.sub(r'data-consent-original="[^"]*"', "", t)
    leaks = [u for u in ("googletagmanager.com", "connect.facebook.net",
                         "fonts.googleapis.com", "fonts.gstatic.com",
                         "cdn.matomo.cloud", "datawrapper.dwcdn.net")
             if u in rest]
    ok(not leaks, "no tracker or chart URL outside the gated markup %s" %
       leaks)
    h = same_origin()
    r = request("POST", "/consent", h,
                "provider=google-fonts&provider=google-analytics&"
                "provider=matomo-cloud&provider=facebook-pixel&"
                "return=%2Ftrackers.html&always=1&decision=necessary")
    c = cookie_of(r)
    ok(r.status == 303 and r.header("Location") == "/trackers.html" and c,
       "Only necessary: 303 back to the page with a cookie (%d)" % r.status)
    r = request("GET", "/trackers.html", {"Cookie": c or ""})
    t = r.text()
    ok("data-consent-notice=" not in t and gated(t, "google-analytics"),
       "after Only necessary: no notice, the trackers stay gated")
    r = request("GET", "/consent?return=%2Ftrackers.html",
                {"Cookie": c or "", "Accept-Language": "de-DE,de;q=0.9",
                 "Sec-Fetch-Site": "cross-site"})
    t = r.text()
    ok(r.status == 200 and "Datenschutz-Einstellungen" in t and
       r.header("X-Frame-Options") == "DENY" and
       'value="google-analytics" aria-describedby' in t and
       ">abgelehnt</span>" in t and cookie_of(r) is None,
       "GET on the endpoint: the settings page in the visitor's language "
       "(%d)" % r.status)
    # Withdraw one provider of two on the settings page.
    r = request("POST", "/consent", h,
                "provider=youtube&provider=vimeo&return=%2Fpage.html&"
                "always=1")
    c = cookie_of(r)
    r = request("POST", "/consent?return=%2Fpage.html", dict(h, Cookie=c),
                "settings=1&return=%2Fpage.html&provider=vimeo")
    c2 = cookie_of(r)
    ok(r.status == 303 and (r.header("Location") or "").startswith(
        "?saved=1&return=/page.html") and c2,
       "the settings form: 303 back to the settings page (%d %s)" %
       (r.status, r.header("Location")))
    r = request("GET", "/page.html", {"Cookie": c2 or ""})
    t = r.text()
    ok(gated(t, "youtube") and YT_RAW not in t and VIMEO_RAW in t,
       "withdrawn on the settings page: the next page gates YouTube again, "
       "Vimeo still loads")
    r = request("GET", "/consent?saved=1&return=%2Fpage.html",
                {"Cookie": c2 or ""})
    ok(r.status == 200 and "Your choice is saved." in r.text(),
       "the settings page confirms the save")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--site", required=True)
    p.add_argument("--gate", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--receipts")
    p.add_argument("--no-proxy", action="store_true")
    p.add_argument("--name", default="")
    ARGS = p.parse_args()
    check_static()
    if not ARGS.no_proxy:
        check_proxy()
        check_hostile()
    check_endpoint()
    check_banners()
    check_refusals()
    check_notice()
    print("1..%d" % COUNT)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
