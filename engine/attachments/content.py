"""What an uploaded file is, read from its bytes — never from its name.

- PDF, PNG, JPEG, GIF, WebP: their signatures at offset 0 (WebP: `RIFF....WEBP`).
- .docx/.xlsx/.pptx: a zip whose `[Content_Types].xml` names the main part of that kind
  (`…wordprocessingml.document.main+xml` and so on) and which holds the matching folder
  (`word/`, `xl/`, `ppt/`). A zip of anything else (a jar, an apk, an .odt) is refused.
  Only the content-types member is read, and only when it is small (no zip bomb reaches it).
- .doc/.xls/.ppt: an OLE compound file whose directory holds `WordDocument`, `Workbook` (or
  `Book`) or `PowerPoint Document`. Other compound files (an .msi installer) are refused.
  The directory is read by following the FAT with every sector number checked and a bound
  on the chain's length, so a crafted file cannot loop or read outside itself.
- Plain text: no NUL (nor other C0 control but tab, newline, carriage return, form feed) and
  decodes as UTF-8 (with or without a BOM) or GB18030 (what Chinese Windows saves).

Anything else (an .exe renamed .pdf, HTML, SVG, an archive) is None: the caller refuses it.
This says what the file claims to be by structure; it does not prove a PDF or a workbook is
well-formed inside, nor free of macros (.doc/.xls keep theirs; downloads are never opened
inline, see webui/api/attachments.py).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

from engine.models import MediaType

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OOXML_MAIN = {
    MediaType.DOCX: (b"wordprocessingml.document.main+xml", "word/"),
    MediaType.XLSX: (b"spreadsheetml.sheet.main+xml", "xl/"),
    MediaType.PPTX: (b"presentationml.presentation.main+xml", "ppt/"),
}
# Template and macro-enabled variants (.dotx, .xlsm, …) have other main types: refused.
OLE_STREAMS = {"worddocument": MediaType.DOC, "workbook": MediaType.XLS,
               "book": MediaType.XLS, "powerpoint document": MediaType.PPT}
CONTENT_TYPES_MAX = 256 * 1024
TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
FREE, END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE


def media_type_of(data: bytes) -> MediaType | None:
    """The kind of file `data` is, if it is one keyflow keeps; None otherwise."""
    if data.startswith(b"%PDF-"):
        return MediaType.PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return MediaType.GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return MediaType.WEBP
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    if data.startswith(OLE_MAGIC):
        return _ole(data)
    return MediaType.TEXT if is_text(data) else None


def is_text(data: bytes) -> bool:
    """Plain text: decodes as UTF-8 or GB18030 and holds no NUL or odd control character."""
    for encoding in TEXT_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not TEXT_CONTROLS.search(text)
    return False


def _ooxml(data: bytes) -> MediaType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_MAX or info.flag_bits & 0x1:
                return None
            types = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError, ValueError):
        return None
    for kind, (main, folder) in OOXML_MAIN.items():
        if main in types and any(name.startswith(folder) for name in names):
            return kind
    return None


def _ole(data: bytes) -> MediaType | None:
    try:
        names = _ole_directory_names(data)
    except (struct.error, ValueError):
        return None
    for name in names:
        kind = OLE_STREAMS.get(name.lower())
        if kind is not None:
            return kind
    return None


def _ole_directory_names(data: bytes) -> list[str]:
    """The names in a compound file's directory (MS-CFB), every sector number checked."""
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        raise ValueError("odd sector size")
    size = 1 << shift
    sectors = (len(data) - size) // size  # the header takes one sector's room
    per_sector = size // 4

    def sector(number: int) -> bytes:
        if not 0 <= number < sectors:
            raise ValueError("sector outside the file")
        start = (number + 1) * size
        return data[start:start + size]

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    difat, difat_count = struct.unpack_from("<II", data, 0x44)
    for _ in range(min(difat_count, sectors)):
        if difat in (FREE, END_OF_CHAIN):
            break
        entries = struct.unpack(f"<{per_sector}I", sector(difat))
        fat_sectors.extend(entries[:-1])
        difat = entries[-1]
    fat: list[int] = []
    for number in fat_sectors:
        if number in (FREE, END_OF_CHAIN):
            continue
        fat.extend(struct.unpack(f"<{per_sector}I", sector(number)))
    names: list[str] = []
    current, seen = struct.unpack_from("<I", data, 0x30)[0], 0
    while current != END_OF_CHAIN:
        seen += 1
        if seen > sectors or current >= len(fat):
            raise ValueError("directory chain loops or leaves the FAT")
        block = sector(current)
        for offset in range(0, size, 128):
            length = struct.unpack_from("<H", block, offset + 64)[0]
            if 2 <= length <= 64 and block[offset + 66] in (1, 2, 5):
                names.append(block[offset:offset + length - 2].decode("utf-16-le", "replace"))
        current = fat[current]
    return names
