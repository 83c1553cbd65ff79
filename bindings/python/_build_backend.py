"""A PEP 517 build backend for the pure-Python package `consent`, with the
standard library only (no setuptools, nothing fetched): builds a wheel of
consent/ and an sdist of this folder."""
import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME = "consent"
VERSION = "0.1.0"
HERE = os.path.dirname(os.path.abspath(__file__))
SUMMARY = ("libconsent for Python: keep third-party embeds out of HTML "
           "until the visitor consents")


def _package_files():
    for dirpath, dirnames, filenames in os.walk(os.path.join(HERE, NAME)):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for f in sorted(filenames):
            if f.endswith((".py", ".typed")):
                full = os.path.join(dirpath, f)
                yield full, os.path.relpath(full, HERE).replace(os.sep, "/")


def _metadata():
    readme = ""
    if os.path.exists(os.path.join(HERE, "README.md")):
        with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
            readme = f.read()
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n"
            "Requires-Python: >=3.9\n"
            "Description-Content-Type: text/markdown\n\n%s"
            % (NAME, VERSION, SUMMARY, readme))


def _digest(data):
    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + h.decode()


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None,
                metadata_directory=None):
    name = "%s-%s-py3-none-any.whl" % (NAME, VERSION)
    info = "%s-%s.dist-info" % (NAME, VERSION)
    records = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w",
                         zipfile.ZIP_DEFLATED) as z:
        def add(arc, data):
            z.writestr(arc, data)
            records.append("%s,%s,%d" % (arc, _digest(data), len(data)))
        for full, arc in _package_files():
            with open(full, "rb") as f:
                add(arc, f.read())
        add(info + "/METADATA", _metadata().encode())
        add(info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: _build_backend"
            b"\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        records.append(info + "/RECORD,,")
        z.writestr(info + "/RECORD", "\n".join(records) + "\n")
    return name


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (NAME, VERSION)
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for f in ("pyproject.toml", "_build_backend.py", "README.md"):
            if os.path.exists(os.path.join(HERE, f)):
                t.add(os.path.join(HERE, f), base + "/" + f)
        for full, arc in _package_files():
            t.add(full, base + "/" + arc)
        data = _metadata().encode()
        ti = tarfile.TarInfo(base + "/PKG-INFO")
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    return name
