"""Hostile zip uploads (library page and API): sizes are checked while unpacking, bad archives
are refused with a clear 4xx, and nothing is deployed."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from sqlalchemy import func, select
from webui_env import DATA

from engine.models import ProcessDefinition

MB = 1024 * 1024


def build(*members: tuple[str, bytes]) -> bytes:
    """A deflated zip of (name, content) members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def patch(data: bytes, *, central: dict[int, tuple[str, int]],
          local: dict[int, tuple[str, int]]) -> bytes:
    """Overwrite header fields (offset -> (struct format, value)) of the first member, in its
    central directory entry and its local header alike: a zip whose headers lie."""
    out = bytearray(data)
    for signature, fields in ((b"PK\x01\x02", central), (b"PK\x03\x04", local)):
        at = out.find(signature)
        for offset, (fmt, value) in fields.items():
            struct.pack_into(fmt, out, at + offset, value)
    return bytes(out)


APPROVAL = sorted((p.relative_to(DATA / "approval").as_posix(), p.read_bytes())
                  for p in (DATA / "approval").rglob("*") if p.is_file())
BPMN = dict(APPROVAL)["approval.bpmn"]
ZEROS = b"\0" * (2 * MB - 1)  # within the per-file limit, compresses about 1000 times


def approval_with(*extra: tuple[str, bytes]) -> bytes:
    return build(*APPROVAL, *extra)


def lying_size(declared: int) -> bytes:
    """The bundle's .bpmn declares `declared` bytes unpacked, whatever it really holds."""
    return patch(build(("approval.bpmn", BPMN)), central={24: ("<I", declared)},
                 local={22: ("<I", declared)})


def flag_encrypted() -> bytes:
    return patch(build(("approval.bpmn", BPMN)), central={8: ("<H", 1)}, local={6: ("<H", 1)})


def bad_crc() -> bytes:
    return patch(build(("approval.bpmn", BPMN)), central={16: ("<I", 0x1234)},
                 local={14: ("<I", 0x1234)})


# (archive, status, words of the problem shown)
HOSTILE = {
    "zip bomb": (approval_with(("bomb.bpmn", ZEROS)), 413, "zip bomb"),
    "many large members": (build(*[(f"p{n}.bpmn", ZEROS) for n in range(11)]), 413,
                           "bundle too large"),
    "member over the file limit": (build(("big.bpmn", b" " * (3 * MB))), 413, "file too large"),
    "size header smaller than the data": (lying_size(100), 422, "corrupt archive member"),
    "size header larger than the data": (lying_size(len(BPMN) + 5000), 422, "truncated"),
    "encrypted member": (flag_encrypted(), 422, "encrypted"),
    "corrupted CRC": (bad_crc(), 422, "bad CRC"),
    "parent path": (approval_with(("../escape.bpmn", BPMN)), 422, "unsafe path"),
    "absolute path": (approval_with(("/etc/escape.bpmn", BPMN)), 422, "unsafe path"),
    "nested zip": (approval_with(("inner.zip", build(("x.bpmn", BPMN)))), 422,
                   "archives inside the archive"),
    "too many entries": (approval_with(*[(f"notes/{n}.txt", b"") for n in range(801)]), 413,
                         "too many entries"),
    "not a zip": (b"PK\x03\x04 but nothing more", 422, "not a zip file"),
}


def definitions(env) -> int:
    with env.session() as s:
        return int(s.scalar(select(func.count()).select_from(ProcessDefinition)) or 0)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_zip_upload_is_refused_and_nothing_deployed(client_for, env, case):
    archive, status, words = HOSTILE[case]
    before = definitions(env)
    response = client_for("process_owner").post(
        "/library/upload", {"files": (io.BytesIO(archive), "bundle.zip")},
        content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert definitions(env) == before


@pytest.mark.parametrize(("case", "words"), [("parent path", "压缩包中有不安全的路径"),
                                             ("zip bomb", "作为压缩炸弹拒绝"),
                                             ("not a zip", "不是 zip 文件")])
def test_a_refused_zip_is_explained_in_the_readers_language(client_for, case, words):
    response = client_for("process_owner").post(
        "/library/upload", {"files": (io.BytesIO(HOSTILE[case][0]), "bundle.zip")},
        content_type="multipart/form-data", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == HOSTILE[case][1]
    assert words in response.get_data(as_text=True)


@pytest.mark.parametrize("case", ["zip bomb", "encrypted member"])
def test_the_api_reads_zips_with_the_same_limits(client_for, env, case):
    archive, status, words = HOSTILE[case]
    before = definitions(env)
    response = client_for("process_owner").post(
        "/api/deployments", {"bundle": (io.BytesIO(archive), "bundle.zip")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json", "Accept-Language": "en"})
    assert response.status_code == status
    assert any(words in p["reason"] for p in response.get_json()["details"])
    assert definitions(env) == before


def test_an_honest_zip_with_folders_and_other_files_still_deploys(client_for, env):
    archive = build(*[(f"bundle/{name}", content) for name, content in APPROVAL],
                    ("bundle/README.txt", b"notes"))
    response = client_for("process_owner").post(
        "/api/deployments", {"bundle": (io.BytesIO(archive), "approval.zip")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json", "Accept-Language": "en"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["processes"][0]["key"] == "approval"
