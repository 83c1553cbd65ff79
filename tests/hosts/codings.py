"""brotli and zstd for the host suite and its backend, through ctypes on
the system's libbrotlienc/libbrotlidec and libzstd (the libraries
libconsent links; Debian has no Python module for zstd in bookworm)."""
import ctypes
import ctypes.util
import gzip
import zlib

_benc = ctypes.CDLL(ctypes.util.find_library("brotlienc") or
                    "libbrotlienc.so.1")
_bdec = ctypes.CDLL(ctypes.util.find_library("brotlidec") or
                    "libbrotlidec.so.1")
_zstd = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
_zstd.ZSTD_compress.restype = ctypes.c_size_t
_zstd.ZSTD_compress.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
_zstd.ZSTD_compressBound.restype = ctypes.c_size_t
_zstd.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
_zstd.ZSTD_isError.argtypes = [ctypes.c_size_t]
_zstd.ZSTD_createDStream.restype = ctypes.c_void_p
_zstd.ZSTD_freeDStream.argtypes = [ctypes.c_void_p]
_zstd.ZSTD_decompressStream.restype = ctypes.c_size_t


class _Buf(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("size", ctypes.c_size_t),
                ("pos", ctypes.c_size_t)]


_zstd.ZSTD_decompressStream.argtypes = [ctypes.c_void_p,
                                        ctypes.POINTER(_Buf),
                                        ctypes.POINTER(_Buf)]


def br(data: bytes) -> bytes:
    n = ctypes.c_size_t(len(data) + 1024)
    out = ctypes.create_string_buffer(n.value)
    if not _benc.BrotliEncoderCompress(5, 22, 0, ctypes.c_size_t(len(data)),
                                       data, ctypes.byref(n), out):
        raise ValueError("brotli failed")
    return out.raw[:n.value]


def unbr(data: bytes) -> bytes:
    cap = max(1 << 20, len(data) * 50)
    n = ctypes.c_size_t(cap)
    out = ctypes.create_string_buffer(cap)
    if _bdec.BrotliDecoderDecompress(ctypes.c_size_t(len(data)), data,
                                     ctypes.byref(n), out) != 1:
        raise ValueError("not a brotli stream")
    return out.raw[:n.value]


def zstd(data: bytes) -> bytes:
    cap = _zstd.ZSTD_compressBound(len(data))
    out = ctypes.create_string_buffer(cap)
    n = _zstd.ZSTD_compress(out, cap, data, len(data), 3)
    if _zstd.ZSTD_isError(n):
        raise ValueError("zstd failed")
    return out.raw[:n]


def unzstd(data: bytes) -> bytes:
    ds = _zstd.ZSTD_createDStream()
    src = ctypes.create_string_buffer(data, len(data))
    inb = _Buf(ctypes.cast(src, ctypes.c_void_p), len(data), 0)
    chunks = []
    last = 1
    try:
        while True:
            dst = ctypes.create_string_buffer(1 << 16)
            outb = _Buf(ctypes.cast(dst, ctypes.c_void_p), 1 << 16, 0)
            last = _zstd.ZSTD_decompressStream(ds, ctypes.byref(outb),
                                               ctypes.byref(inb))
            if _zstd.ZSTD_isError(last):
                raise ValueError("not a zstd stream")
            chunks.append(dst.raw[:outb.pos])
            if inb.pos == inb.size and outb.pos < outb.size:
                break
    finally:
        _zstd.ZSTD_freeDStream(ds)
    if last != 0:
        raise ValueError("truncated zstd stream")
    return b"".join(chunks)


def decode(data: bytes, coding) -> bytes:
    """The body of a response in coding (None: identity)."""
    coding = (coding or "").strip().lower()
    if coding in ("", "identity"):
        return data
    if coding in ("gzip", "x-gzip"):
        return gzip.decompress(data)
    if coding == "deflate":
        return zlib.decompress(data)
    if coding == "br":
        return unbr(data)
    if coding == "zstd":
        return unzstd(data)
    raise ValueError("coding %r" % coding)
