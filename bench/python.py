#!/usr/bin/python3
"""Python-side overhead of the `consent` package per call, against the C
command line on the same page (make bench-python; run from the build
folder).

- C: consent-gate over a file holding the page N times (one process, so
  the per-page figure is the library's own cost) and one consent-gate
  process per page (what shelling out costs);
- Python: consent.rewrite(page) N times (str and bytes), a streaming
  Rewriter with 4 KB writes, and Request.state() + rewrite as the WSGI
  middleware does it.
"""
import os
import subprocess
import sys
import tempfile
import time

top = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), "..")
sys.path.insert(0, os.path.join(top, "bindings", "python"))
os.environ.setdefault("CONSENT_LIBRARY", os.path.abspath(
    "libconsent/.libs/libconsent.so.0"))
import consent  # noqa: E402

N = int(os.environ.get("BENCH_CALLS", "2000"))
page_path = os.path.join(top, "examples", "article.html")
page_b = open(page_path, "rb").read()
page_s = page_b.decode()
gate_bin = "./tools/consent-gate"


def per_call(fn, n=N):
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


with tempfile.TemporaryDirectory() as d:
    many = os.path.join(d, "many.html")
    with open(many, "wb") as f:
        for _ in range(N):
            f.write(page_b)
    t0 = time.perf_counter()
    subprocess.run([gate_bin, "-o", os.devnull, many], check=True)
    c_lib = (time.perf_counter() - t0) / N * 1e6
    runs = 200
    t0 = time.perf_counter()
    for _ in range(runs):
        subprocess.run([gate_bin, "-o", os.devnull, page_path], check=True)
    c_proc = (time.perf_counter() - t0) / runs * 1e6

gate = consent.Gate()
reg = consent.Registry()
ring = consent.KeyRing(text="1 2025-01-01T00:00:00Z "
                       "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n")
site = consent.Site(reg, ring)
st = consent.ConsentState(reg)
st.grant("youtube")
cookie = "consent=" + st.issue(ring)[0]


def stream():
    with gate.rewriter() as rw:
        for i in range(0, len(page_b), 4096):
            rw.write(page_b[i:i + 4096])
        rw.close()


def wsgi_like():
    with site.request({"Cookie": cookie, "Host": "example.org"}) as rq:
        gate.rewrite(page_b, state=rq.state(), accept_language="de")


py_s = per_call(lambda: gate.rewrite(page_s))
py_b = per_call(lambda: gate.rewrite(page_b))
py_stream = per_call(stream)
py_wsgi = per_call(wsgi_like)
print("== Python binding overhead (%s, %d bytes, %d calls each)"
      % (os.path.basename(page_path), len(page_b), N))
print("%-52s %9.1f us" % ("C library, per page (consent-gate over N pages)", c_lib))
print("%-52s %9.1f us" % ("consent-gate process per page", c_proc))
print("%-52s %9.1f us  (+%.1f)" % ("Python consent.rewrite(str)", py_s, py_s - c_lib))
print("%-52s %9.1f us  (+%.1f)" % ("Python consent.rewrite(bytes)", py_b, py_b - c_lib))
print("%-52s %9.1f us  (+%.1f)" % ("Python Rewriter, 4 KB writes", py_stream, py_stream - c_lib))
print("%-52s %9.1f us  (+%.1f)" % ("Python request.state() + rewrite (as the WSGI middleware)", py_wsgi, py_wsgi - c_lib))
