#!/usr/bin/python3
"""The page cache of a server module (nginx consent_page_cache, httpd
ConsentPageCache), seen from outside: on one keep-alive connection (one
worker or child, whose cache it is), for DIR in pc (cache on) and
nocache (off): a page with an embed is fetched, rewritten with the same
size and time (the same ETag), fetched again, fetched by a visitor who
allowed YouTube and by one who reads German, then touched (a new ETag)
and fetched.  Prints one line of facts per step for the shell test.

    page_cache.py PORT SITE_DIR CONSENT_COOKIE_VALUE
"""
import http.client, os, sys
port, site, cookie = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
def get(path, **h):
    c.request("GET", path, headers=h)
    r = c.getresponse()
    return r.read().decode("utf-8", "replace"), dict((k.lower(), v) for k, v in r.getheaders())
def rewrite(d, text):
    p = os.path.join(site, d, "page.html")
    st = os.stat(p)
    with open(p, "w") as f:
        f.write(text)
    os.utime(p, (st.st_atime, st.st_mtime))      # same size, same time: same ETag
for d in ("pc", "nocache"):
    a, ha = get("/%s/page.html" % d)
    rewrite(d, a and open(os.path.join(site, d, "page.html")).read().replace("version-1", "version-2"))
    b, hb = get("/%s/page.html" % d)
    yt, _ = get("/%s/page.html" % d, Cookie="consent=" + cookie)
    de, _ = get("/%s/page.html" % d, **{"Accept-Language": "de"})
    print(d, "first-gated", 'data-consent-provider="youtube"' in a and "version-1" in a)
    print(d, "second-same-etag", "version-1" in b and a == b, "version-2" in b)
    print(d, "length", hb.get("content-length") == str(len(b.encode())) if "content-length" in hb else "none")
    print(d, "cookie-allowed", '<iframe src="https://www.youtube.com/embed/pc">' in yt)
    print(d, "german", "Inhalt laden" in de)
    os.utime(os.path.join(site, d, "page.html"), None)  # a new Last-Modified: a new ETag
    n, _ = get("/%s/page.html" % d)
    print(d, "after-touch", "version-2" in n and 'data-consent-provider="youtube"' in n)
