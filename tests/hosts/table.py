#!/usr/bin/python3
"""One table of HTTP cases, run through every host of libconsent: the
httpd and nginx modules, the WSGI middleware, PHP (Consent\\Page under
php -S) and the command line (consent-gate --http).  Each row is a
response of the stand-in backend (tests/hosts/backend.py, /case?...)
asked for in a certain way, and the answer every host must give: the
status, what happened to the page (gated, allowed, passed untouched,
refused), the Vary the library says, whether validators and the coding
survive, the placeholder language, the Link header.  All hosts are
configured alike (the host suite's settings: tests/banners/providers.conf,
sources "cookie tcf klaro gpc", GPC refusing marketing and video), with
/proxy/ per visitor and /safe/proxy/ cache-safe.  Prints TAP.

  table.py --name NAME --base http://127.0.0.1:PORT --gate GATE --key KEYS
  table.py --name cli --cli GATE --backend PORT --key KEYS --providers FILE
"""
import argparse
import http.client
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codings  # noqa: E402

YT = b'src="https://www.youtube.com/embed/hostile"'
GERMAN = "Inhalt laden".encode()
PER_VISITOR = {"cookie", "sec-gpc", "accept-language"}

# (name, method, prefix, query, request headers, expected)
# expected: status, action (gate allow pass refuse none), vary (the set of
# names; None: no Vary), etag (kept?), coding (Content-Encoding kept),
# lang, link (the Link value left, "" when none).
ALLOW = "@allow"       # request header value: a cookie allowing youtube
CASES = [
    ("a page", "GET", "/proxy/", "etag=1&lm=1", {},
     dict(status=200, action="gate", vary=PER_VISITOR, etag=False)),
    ("a page in gzip", "GET", "/proxy/", "enc=gzip&etag=1", {},
     dict(status=200, action="gate", vary=PER_VISITOR, etag=False,
          coding="gzip")),
    ("a page in deflate", "GET", "/proxy/", "enc=deflate", {},
     dict(status=200, action="gate", vary=PER_VISITOR, coding="deflate")),
    ("a page in br", "GET", "/proxy/", "enc=br", {},
     dict(status=200, action="gate", vary=PER_VISITOR, coding="br")),
    ("a page in zstd", "GET", "/proxy/", "enc=zstd", {},
     dict(status=200, action="gate", vary=PER_VISITOR, coding="zstd")),
    ("a page in compress (unreadable)", "GET", "/proxy/", "enc=compress", {},
     dict(status=502, action="refuse")),
    ("a page gzipped twice", "GET", "/proxy/", "enc=gzip,gzip", {},
     dict(status=502, action="refuse")),
    ("a page in ISO-2022-JP", "GET", "/proxy/",
     "type=text/html;%20charset=iso-2022-jp", {},
     dict(status=502, action="refuse")),
    ("a part of a page (206)", "GET", "/proxy/", "status=206", {},
     dict(status=502, action="refuse")),
    ("text/plain", "GET", "/proxy/", "type=text/plain&etag=1", {},
     dict(status=200, action="pass", vary=None, etag=True)),
    ("an image type", "GET", "/proxy/", "type=image/png&etag=1", {},
     dict(status=200, action="pass", vary=None, etag=True)),
    ("no Content-Type (sniffed: gated)", "GET", "/proxy/", "type=-", {},
     dict(status=200, action="gate", vary=PER_VISITOR)),
    ("XHTML", "GET", "/proxy/", "type=application/xhtml%2Bxml", {},
     dict(status=200, action="gate", vary=PER_VISITOR)),
    ("a 404 page", "GET", "/proxy/", "status=404", {},
     dict(status=404, action="gate", vary=PER_VISITOR)),
    ("a 500 page", "GET", "/proxy/", "status=500", {},
     dict(status=500, action="gate", vary=PER_VISITOR)),
    ("304 Not Modified", "GET", "/proxy/", "status=304&etag=1", {},
     dict(status=304, action="none")),
    ("HEAD of a page", "HEAD", "/proxy/", "etag=1", {},
     dict(status=200, action="none", vary=PER_VISITOR, etag=False)),
    ("POST answered with a page", "POST", "/proxy/", "", {},
     dict(status=200, action="gate", vary=PER_VISITOR)),
    ("a page without a length", "GET", "/proxy/", "len=0", {},
     dict(status=200, action="gate", vary=PER_VISITOR)),
    ("cache-safe: one answer for all", "GET", "/safe/proxy/", "etag=1", {},
     dict(status=200, action="gate", vary={"accept-language"}, etag=False)),
    ("cache-safe with a cookie allowing YouTube", "GET", "/safe/proxy/", "",
     {"Cookie": ALLOW}, dict(status=200, action="gate",
                             vary={"accept-language"})),
    ("a cookie allowing YouTube", "GET", "/proxy/", "", {"Cookie": ALLOW},
     dict(status=200, action="allow", vary=PER_VISITOR)),
    ("the cookie and Sec-GPC: 1 (GPC refuses video)", "GET", "/proxy/", "",
     {"Cookie": ALLOW, "Sec-GPC": "1"},
     dict(status=200, action="gate", vary=PER_VISITOR)),
    ("Accept-Language: de", "GET", "/proxy/", "",
     {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"},
     dict(status=200, action="gate", vary=PER_VISITOR, lang="de")),
    ("Accept-Language: fr;q=0.8 (a q-value)", "GET", "/proxy/", "",
     {"Accept-Language": "xx, fr;q=0.8"},
     dict(status=200, action="gate", vary=PER_VISITOR, lang="fr")),
    ("a Link header preloading YouTube", "GET", "/proxy/", "link=1", {},
     dict(status=200, action="gate", vary=PER_VISITOR,
          link="</local.css>; rel=preload; as=style")),
]
FRENCH = "Charger le contenu".encode()

# The endpoint, through the HTTP hosts: (name, method, target, headers,
# body, expected status, expects a consent cookie).
SAME = {"Origin": "@origin", "Sec-Fetch-Site": "same-origin",
        "Content-Type": "application/x-www-form-urlencoded"}
ENDPOINT = [
    ("endpoint: a click allows", "POST", "/consent", SAME,
     "provider=youtube&return=%2Fpage.html", 303, True),
    ("endpoint: a cross-site POST", "POST", "/consent",
     dict(SAME, Origin="https://evil.test", **{"Sec-Fetch-Site": "cross-site"}),
     "provider=youtube", 403, False),
    ("endpoint: an unknown provider", "POST", "/consent", SAME,
     "provider=nosuch", 400, False),
    ("endpoint: an absolute return address", "POST", "/consent", SAME,
     "provider=youtube&return=https://evil.test/", 400, False),
    ("endpoint: PUT", "PUT", "/consent", SAME, "provider=youtube", 405, False),
    ("endpoint: a body over 4 KB", "POST", "/consent", SAME,
     "provider=youtube&x=" + "a" * 5000, 413, False),
    ("endpoint: a query over 4 KB", "GET", "/consent?revoke&x=" + "a" * 5000,
     {"Sec-Fetch-Site": "same-origin"}, None, 414, False),
    ("endpoint: GET ?state", "GET", "/consent?state",
     {"Sec-Fetch-Site": "same-origin"}, None, 200, False),
    ("endpoint: GET, the settings page", "GET", "/consent", {}, None, 200,
     False),
]

COUNT = FAILED = 0


def ok(cond, what, diag=""):
    global COUNT, FAILED
    COUNT += 1
    print("%s %d - %s: %s" % ("ok" if cond else "not ok", COUNT, ARGS.name,
                               what), flush=True)
    if not cond:
        FAILED += 1
        for line in str(diag).splitlines()[:12]:
            print("# " + line)


def parse_raw(raw):
    """(status, [(name, value)], body) of a response written out whole."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    while lines and lines[0].split(b" ")[1:2] and \
            lines[0].split(b" ")[1].startswith(b"1"):
        head, _, body = body.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    fields = []
    for line in lines[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        fields.append((k.strip(), v.strip()))
    return status, fields, body


def fetch_http(method, target, headers, body):
    u = urllib.parse.urlsplit(ARGS.base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    h = {"Host": u.netloc}
    h.update(headers)
    if body is not None:
        h["Content-Length"] = str(len(body))
    for k, v in h.items():
        c.putheader(k, v)
    c.endheaders(body.encode() if body is not None else None)
    r = c.getresponse()
    data = r.read() if method != "HEAD" else b""
    c.close()
    return r.status, r.getheaders(), data


def fetch_cli(method, target, headers, body):
    """The backend's answer, written out whole and given to
    consent-gate --http with the visitor's side as options."""
    path = target.split("/proxy", 1)[1]
    c = http.client.HTTPConnection("127.0.0.1", ARGS.backend, timeout=30)
    c.request(method, path, body=body, headers={"Accept-Encoding": "identity"})
    r = c.getresponse()
    data = r.read() if method != "HEAD" else b""
    raw = b"HTTP/1.1 %d %s\r\n" % (r.status, r.reason.encode())
    for k, v in r.getheaders():
        raw += ("%s: %s\r\n" % (k, v)).encode("latin-1")
    raw += b"\r\n" + data
    c.close()
    cmd = [ARGS.cli, "--http", "--method", method, "--key-file", ARGS.key,
           "--providers", ARGS.providers, "--sources", "cookie tcf klaro gpc",
           "--gpc-categories", "marketing video", "--privacy-url",
           "/privacy.html", "--endpoint", "/consent", "--return-path", target]
    if target.startswith("/safe/"):
        cmd.append("--cache-safe")
    for k, v in headers.items():
        if k == "Cookie":
            cmd += ["--cookie-header", v]
        elif k == "Sec-GPC":
            cmd.append("--gpc")
        elif k == "Accept-Language":
            cmd += ["--accept-language", v]
    p = subprocess.run(cmd, input=raw, capture_output=True, timeout=30)
    if p.returncode != 0:
        return 0, [], p.stderr
    return parse_raw(p.stdout)


def values(fields, name):
    return [v for k, v in fields if k.lower() == name.lower()]


def check(case, status, fields, body):
    name, method, prefix, query, headers, want = case
    problems = []
    if status != want["status"]:
        problems.append("status %s, not %s" % (status, want["status"]))
    coding = ", ".join(values(fields, "Content-Encoding")) or None
    if want.get("coding") and coding != want["coding"]:
        problems.append("Content-Encoding %r, not %r" % (coding, want["coding"]))
    try:
        text = codings.decode(body, coding) if body and coding else body
    except Exception as e:          # noqa: BLE001 (any failure is a finding)
        problems.append("the body does not decode as %s: %s" % (coding, e))
        text = body
    act = want["action"]
    if act == "gate" and (YT in text or b'data-consent-provider="youtube"' not in text):
        problems.append("not gated")
    if act == "allow" and YT not in text:
        problems.append("the allowed embed is missing")
    if act == "pass" and text != body_of(query):
        problems.append("not passed untouched")
    if act == "refuse" and (YT in text or b"consent-embed" in text):
        problems.append("something of the refused page was sent")
    if act == "none" and text:
        problems.append("a body (%d bytes)" % len(text))
    if "vary" in want:
        vary = {v.strip().lower() for line in values(fields, "Vary")
                for v in line.split(",") if v.strip()}
        vary.discard("accept-encoding")     # (a host's own, for its coding)
        if (want["vary"] or set()) != vary:
            problems.append("Vary %s, not %s" % (sorted(vary),
                                                 sorted(want["vary"] or [])))
    if "etag" in want and bool(values(fields, "ETag")) != want["etag"]:
        problems.append("ETag %s" % ("kept" if values(fields, "ETag") else "gone"))
    if not want.get("etag", True) and values(fields, "Last-Modified"):
        problems.append("Last-Modified kept")
    length = values(fields, "Content-Length")
    if length and method != "HEAD" and want["status"] not in (304, 502) and \
            int(length[0]) != len(body):
        problems.append("Content-Length %s for %d bytes" % (length[0], len(body)))
    if method == "HEAD" and length and int(length[0]) == len(PAGE_BYTES):
        problems.append("HEAD with the ungated page's Content-Length")
    if want.get("lang") == "de" and GERMAN not in text:
        problems.append("not in German")
    if want.get("lang") == "fr" and FRENCH not in text:
        problems.append("not in French")
    if "link" in want:
        link = ", ".join(values(fields, "Link"))
        if link != want["link"]:
            problems.append("Link %r" % link)
    ok(not problems, "%s %s%s%s -> %s %s" % (
        method, prefix, "case?" if query is not None else "", query,
        want["status"], act) + (" [%s]" % name),
       "; ".join(problems) + "\n" + repr(fields) + "\n" + text[:300].decode(
           "utf-8", "replace"))


def body_of(query):
    q = dict(urllib.parse.parse_qsl(query))
    return (b"just text\n" if q.get("body", "page") != "page" else
            PAGE_BYTES)


def main():
    global ARGS, PAGE_BYTES
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--base")
    ap.add_argument("--cli")
    ap.add_argument("--gate")
    ap.add_argument("--backend", type=int)
    ap.add_argument("--key", required=True)
    ap.add_argument("--providers")
    ARGS = ap.parse_args()
    import backend
    PAGE_BYTES = backend.PAGE
    gate = ARGS.cli or ARGS.gate
    allow = subprocess.run([gate, "cookie", "issue", "--key-file", ARGS.key,
                            "--allow", "youtube"], capture_output=True,
                           text=True).stdout.strip()
    fetch = fetch_cli if ARGS.cli else fetch_http
    for case in CASES:
        name, method, prefix, query, headers, want = case
        headers = {k: ("consent=" + allow if v == ALLOW else v)
                   for k, v in headers.items()}
        target = prefix + "case?" + query
        try:
            status, fields, body = fetch(method, target, headers,
                                         "" if method == "POST" else None)
        except Exception as e:      # noqa: BLE001
            ok(False, "%s %s [%s]" % (method, target, name), repr(e))
            continue
        check(case, status, fields, body)
    if ARGS.base:
        origin = ARGS.base.rstrip("/")
        for name, method, target, headers, body, want, cookie in ENDPOINT:
            headers = {k: (origin if v == "@origin" else v)
                       for k, v in headers.items()}
            status, fields, _ = fetch_http(method, target, headers, body)
            got = any(v.startswith("consent=") for v in
                      values(fields, "Set-Cookie"))
            ok(status == want and got == cookie,
               "%s %s -> %d%s [%s]" % (method, target[:60], want,
                                       " + cookie" if cookie else "", name),
               "status %d, cookie %s" % (status, got))
    print("1..%d" % COUNT)
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
