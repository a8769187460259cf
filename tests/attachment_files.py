"""Files of every kind an attachment may be, and of kinds it may not, built from scratch.

The Office files are real: .xlsx from openpyxl, .docx/.pptx with the parts Word and
PowerPoint require, .doc/.xls/.ppt as OLE compound files (MS-CFB, 512-byte sectors) holding
the stream each program looks for.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n"
            b"%%EOF\n")


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def gif() -> bytes:
    return b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


def webp() -> bytes:
    body = b"WEBPVP8 " + struct.pack("<I", 10) + b"\x00" * 10
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _content_types(main: str, part: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            f'.org/package/2006/content-types"><Default Extension="rels" ContentType="'
            f'application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="'
            f'/{part}" ContentType="application/vnd.openxmlformats-officedocument.{main}"/>'
            f'</Types>').encode()


def docx() -> bytes:
    return _zip({"[Content_Types].xml": _content_types(
        "wordprocessingml.document.main+xml", "word/document.xml"),
        "_rels/.rels": b"<Relationships/>", "word/document.xml": b"<w:document/>"})


def pptx() -> bytes:
    return _zip({"[Content_Types].xml": _content_types(
        "presentationml.presentation.main+xml", "ppt/presentation.xml"),
        "_rels/.rels": b"<Relationships/>", "ppt/presentation.xml": b"<p:presentation/>"})


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["报价", 6000])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_without_word_folder() -> bytes:
    """Claims to be a Word document, holds no word/ part."""
    return _zip({"[Content_Types].xml": _content_types(
        "wordprocessingml.document.main+xml", "word/document.xml"), "evil.exe": b"MZ"})


def jar() -> bytes:
    return _zip({"META-INF/MANIFEST.MF": b"Manifest-Version: 1.0\n", "a/B.class": b"\xca\xfe"})


def ole(stream: str) -> bytes:
    """A compound file whose root holds one 4096-byte stream named `stream`."""
    size = 512
    header = bytearray(size)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, END, 0, END, 0)
    difat = [0] + [FREE] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat = [FATSECT, END] + [n + 1 for n in range(2, 9)] + [END]
    fat += [FREE] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\x00").encode("utf-16-le")
        raw[0:len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, NOSTREAM, NOSTREAM, child)
        struct.pack_into("<IQ", raw, 116, start, length)
        return bytes(raw)

    directory = (entry("Root Entry", 5, 1, END, 0) + entry(stream, 2, NOSTREAM, 2, 4096)
                 + bytes(256))
    return bytes(header) + struct.pack("<128I", *fat) + directory + b"\x00" * 4096


def doc() -> bytes:
    return ole("WordDocument")


def xls() -> bytes:
    return ole("Workbook")


def ppt() -> bytes:
    return ole("PowerPoint Document")


def msi() -> bytes:
    """An installer is a compound file too, without any Office stream."""
    return ole("\u4840\u3b3f\u43f2\u4438\u45b1")


def exe() -> bytes:
    """The start of a Windows program (DOS header, PE signature, NULs)."""
    return (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44
            + struct.pack("<I", 64) + b"PE\x00\x00\x4c\x01" + b"\x00" * 200)


def text_utf8() -> bytes:
    return "拜访纪要\n客户：华建路桥\t需求 6000 方\r\n".encode()


def text_gb18030() -> bytes:
    return "拜访纪要：华建路桥，需求 6000 方。\n".encode("gb18030")
