"""The encodings a text export arrives in: UTF-8 (with or without a BOM) and UTF-16.

Spreadsheet programs save "Unicode text" as UTF-16, usually with a byte-order mark; without
one, ASCII-heavy UTF-16 shows itself by a NUL in every other byte. Anything else is read as
UTF-8, and the records whose bytes are not UTF-8 are rejected one by one.
"""

from __future__ import annotations

import codecs

__all__ = ["as_utf8", "sniff_encoding"]


def sniff_encoding(head: bytes) -> str:
    """``utf-8``, ``utf-16-le`` or ``utf-16-be``, from the first bytes of a file."""
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    sample = head[:512]
    if len(sample) >= 8:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        # ASCII in UTF-16: NUL as the high byte of (nearly) every character, never the low.
        if odd >= 0.9 * half and even == 0:
            return "utf-16-le"
        if even >= 0.9 * half and odd == 0:
            return "utf-16-be"
    return "utf-8"


def as_utf8(data: bytes) -> bytes:
    """The bytes as UTF-8 without a byte-order mark. UTF-16 is transcoded; its unpaired
    surrogates stay invalid UTF-8, so the records holding them are rejected as such."""
    encoding = sniff_encoding(data)
    if encoding == "utf-8":
        return data.removeprefix(codecs.BOM_UTF8)
    bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF16_BE
    data = data.removeprefix(bom)
    data = data[: len(data) // 2 * 2]  # an odd last byte is half a character: a cut file
    return data.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
