"""Zip bundles, read with every size checked while inflating: the library upload, the API and
the `keyflow deploy` command use the same limits.

A zip's headers are claims. This reader refuses, before inflating anything: a central
directory of more than MAX_ENTRIES entries, encrypted or oddly compressed members, nested
archives, names with `..` or absolute paths, and declared sizes over the per-file or bundle
limits. While inflating (64 KB at a time) it stops at the declared size, the per-file limit,
the bundle limit and MAX_RATIO times the compressed size, so a small upload never becomes a
large allocation; a bad CRC or a truncated member is a corrupt archive. Size problems raise
`BundleTooLarge` (HTTP 413), the others `DeploymentInvalid` (422); nothing is deployed.
The customer import reads .xlsx workbooks (zips) through the same reader and limits
(engine/customer_import/reading.py), with the per-file limit raised to the bundle's: a
worksheet is one file.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Collection, Iterable
from pathlib import PurePosixPath

from engine.deployment.bundle import MAX_BUNDLE_BYTES, MAX_FILE_BYTES, MAX_FILES, accepted
from engine.errors import BundleTooLarge, DeploymentInvalid, Problem
from engine.i18n import N_

MAX_ENTRIES = 4 * MAX_FILES  # every entry counts, also folders and files that are skipped
MAX_DIRECTORY_BYTES = MAX_ENTRIES * 512  # the central directory is parsed whole on opening
MAX_RATIO = 100  # real BPMN, DMN and JSON files compress about 5 to 10 times
RATIO_FLOOR = 64 * 1024  # below this a member may compress as well as it likes
CHUNK = 64 * 1024
ARCHIVES = (".zip", ".jar", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz")
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError, RuntimeError)


def expand_uploads(uploads: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The uploaded (name, content) pairs with every `.zip` replaced by its bundle files."""
    items: list[tuple[str, bytes]] = []
    for name, content in uploads:
        items.extend(read_zip(name, content) if name.lower().endswith(".zip")
                     else [(name, content)])
    return items


def read_zip(name: str, content: bytes, *, suffixes: Iterable[str] | None = None,
             file_limit: int = MAX_FILE_BYTES) -> list[tuple[str, bytes]]:
    """The .bpmn (.bpmn20.xml), .dmn and .json members of one zip upload (other files are
    skipped); another reader of zips (a workbook: .xml members of up to the bundle's size)
    names its own `suffixes`."""
    if _directory_bytes(content) > MAX_DIRECTORY_BYTES:
        raise BundleTooLarge([Problem.said(name, None, N_(
            "too many entries in the archive; the limit is {limit}"), limit=MAX_ENTRIES)])
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as err:
        raise DeploymentInvalid([Problem.said(name, None, N_("not a zip file"))]) from err
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise BundleTooLarge([Problem.said(name, None, N_(
                "too many entries in the archive ({count}); the limit is {limit}"),
                count=len(entries), limit=MAX_ENTRIES)])
        members = _bundle_members(entries, None if suffixes is None else frozenset(suffixes),
                                  file_limit)
        budget = MAX_BUNDLE_BYTES
        items: list[tuple[str, bytes]] = []
        for info in members:
            data = _inflate(archive, info, min(budget, file_limit))
            budget -= len(data)
            items.append((info.filename, data))
        return items


def _directory_bytes(content: bytes) -> int:
    """The central directory's size as the end record declares it (0 if there is none)."""
    tail = content[-(22 + 0xFFFF):]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return 0
    entries, size = struct.unpack("<HI", tail[at + 10:at + 16])
    return MAX_DIRECTORY_BYTES + 1 if entries == 0xFFFF or size == 0xFFFFFFFF else int(size)


def _bundle_members(entries: list[zipfile.ZipInfo], suffixes: Collection[str] | None = None,
                    file_limit: int = MAX_FILE_BYTES) -> list[zipfile.ZipInfo]:
    """Check every entry's header; the members a bundle is made of, in archive order."""
    problems: list[Problem] = []
    too_large: list[Problem] = []
    members: list[zipfile.ZipInfo] = []
    declared = 0
    for info in entries:
        path = info.filename.replace("\\", "/")
        if path.startswith("/") or (len(path) > 1 and path[1] == ":") or ".." in path.split("/"):
            problems.append(Problem.said(info.filename, None, N_("unsafe path in the archive")))
        elif info.is_dir():
            continue
        elif path.lower().endswith(ARCHIVES):
            problems.append(Problem.said(info.filename, None, N_(
                "archives inside the archive are not accepted")))
        elif not (accepted(PurePosixPath(path).name) if suffixes is None
                  else PurePosixPath(path).suffix in suffixes):
            continue  # a README or an editor's file: not part of the bundle
        elif info.flag_bits & 0x1:
            problems.append(Problem.said(info.filename, None, N_(
                "encrypted members are not accepted")))
        elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problems.append(Problem.said(info.filename, None, N_(
                "unsupported compression method")))
        elif info.file_size > file_limit:
            too_large.append(Problem.said(info.filename, None, N_(
                "file too large: {size} bytes, the limit is {limit}"),
                size=info.file_size, limit=file_limit))
        else:
            declared += info.file_size
            members.append(info)
    if declared > MAX_BUNDLE_BYTES:
        too_large.append(Problem.said(None, None, N_(
            "bundle too large: {size} bytes unpacked, the limit is {limit}"),
            size=declared, limit=MAX_BUNDLE_BYTES))
    if problems:
        raise DeploymentInvalid(problems + too_large)
    if too_large:
        raise BundleTooLarge(too_large)
    return members


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """One member's bytes, stopped as soon as it outgrows what it may be (`budget`: what is
    left of the bundle's limit, or less)."""
    limit = min(info.file_size, budget)
    ratio_limit = max(MAX_RATIO * info.compress_size, RATIO_FLOOR)
    out = bytearray()
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                out += chunk
                if len(out) > limit:
                    raise BundleTooLarge([Problem.said(
                        info.filename, None, N_("unpacks to more than it may (or declares)"))])
                if len(out) > ratio_limit:
                    raise BundleTooLarge([Problem.said(
                        info.filename, None, N_(
                            "compressed more than {ratio} times: refused as a zip bomb"),
                        ratio=MAX_RATIO)])
    except _READ_ERRORS as err:
        raise DeploymentInvalid([Problem.said(
            info.filename, None, N_("corrupt archive member ({why})"), why=_why(err))]) from err
    if len(out) != info.file_size:
        raise DeploymentInvalid([Problem.said(
            info.filename, None, N_("corrupt archive member (truncated)"))])
    return bytes(out)


def _why(err: Exception) -> str:
    text = str(err)
    if "CRC" in text:
        return "bad CRC"
    return text[:120] if text else type(err).__name__
