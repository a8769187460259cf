"""Attachments (engine/attachments): kept with an instance by whoever sees it, checked by
content, stored atomically under the var folder and never in the workflow state; a rollback
or a crash leaves no file behind for long; archived instances keep theirs."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

import attachment_files as files
import pytest
from sqlalchemy import select

from engine.attachments import AttachmentStore, Upload, remove_orphans
from engine.attachments.names import display_name
from engine.errors import FileTooLarge, InvalidData, NotFound
from engine.models import Attachment, AuditEvent, MediaType, ProcessInstance
from engine.queries.attachments import attachment_file, attachments_of

MB = 1024 * 1024


@pytest.fixture
def store(tmp_path) -> AttachmentStore:
    return AttachmentStore(tmp_path / "var" / "attachments")


@pytest.fixture
def instance(session, kf, users, deploy):
    deploy("approval")
    started = kf.start_instance(session, "approval", users["senior_manager"])
    session.commit()
    return started


def attach(kf, session, store, user, instance_id, name, content, *, task_id=None,
           max_bytes=20 * MB, language="en"):
    return kf.add_attachment(session, store, user, instance_id, Upload(name, content),
                             task_id=task_id, max_bytes=max_bytes, language=language)


def stored_files(store):
    return sorted(p for p in store.root.rglob("*") if p.is_file()) if store.root.exists() else []


def test_whoever_sees_the_instance_attaches_lists_and_downloads(session, kf, users, instance,
                                                                store):
    report = files.pdf()
    added = attach(kf, session, store, users["senior_manager"], instance.id, "拜访报告.pdf", report)
    session.commit()
    assert (added.name, added.size, added.media_type, added.sha256) == (
        "拜访报告.pdf", len(report), MediaType.PDF, hashlib.sha256(report).hexdigest())
    # A leader sees the instance: lists and downloads it.
    assert [a.name for a in attachments_of(session, users["dept_head"], instance.id)] == [
        "拜访报告.pdf"]
    found, data = attachment_file(session, store, users["dept_head"], added.id)
    assert (found.id, data) == (added.id, report)
    # Stored under a generated name, 0600, nothing of the user's name on disk.
    [path] = stored_files(store)
    assert path.read_bytes() == report and "拜访" not in str(path)
    assert path.stat().st_mode & 0o777 == 0o600
    # Another senior manager's deal, and a clerk without a task of it: not there at all.
    for outsider in ("sm2", "clerk"):
        with pytest.raises(NotFound):
            attachments_of(session, users[outsider], instance.id)
        with pytest.raises(NotFound):
            attachment_file(session, store, users[outsider], added.id)
        with pytest.raises(NotFound):
            attach(kf, session, store, users[outsider], instance.id, "x.pdf", report)
    with pytest.raises(NotFound):
        attachment_file(session, store, users["dept_head"], added.id + 1000)
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "attachment_added")).one()
    assert (event.instance_id, event.actor_id, event.data["name"], event.data["size"]) == (
        instance.id, users["senior_manager"].id, "拜访报告.pdf", len(report))
    # Never in the serialized workflow state.
    state = session.get(ProcessInstance, instance.id).state
    assert "拜访报告" not in state and added.sha256 not in state


def test_an_attachment_on_a_task_belongs_to_that_task_only(session, kf, users, instance,
                                                           store, deploy):
    from engine.models import HumanTask

    own = session.scalars(select(HumanTask.id).where(
        HumanTask.instance_id == instance.id)).first()
    other = kf.start_instance(session, "approval", users["senior_manager"])
    foreign = session.scalars(select(HumanTask.id).where(
        HumanTask.instance_id == other.id)).first()
    with pytest.raises(InvalidData):
        attach(kf, session, store, users["senior_manager"], instance.id, "a.txt",
               files.text_utf8(), task_id=foreign)
    added = attach(kf, session, store, users["senior_manager"], instance.id, "a.txt",
                   files.text_utf8(), task_id=own)
    assert added.task_id == own
    assert session.scalars(select(AuditEvent.task_id).where(
        AuditEvent.action == "attachment_added")).one() == own


ACCEPTED = [
    ("report.pdf", files.pdf, MediaType.PDF), ("photo.png", files.png, MediaType.PNG),
    ("photo.JPG", files.jpeg, MediaType.JPEG), ("site.gif", files.gif, MediaType.GIF),
    ("site.webp", files.webp, MediaType.WEBP), ("plan.docx", files.docx, MediaType.DOCX),
    ("quote.xlsx", files.xlsx, MediaType.XLSX), ("deck.pptx", files.pptx, MediaType.PPTX),
    ("old.doc", files.doc, MediaType.DOC), ("old.xls", files.xls, MediaType.XLS),
    ("old.ppt", files.ppt, MediaType.PPT), ("notes.txt", files.text_utf8, MediaType.TEXT),
    ("纪要.txt", files.text_gb18030, MediaType.TEXT),
]


@pytest.mark.parametrize(("name", "make", "kind"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_each_kept_kind_is_recognised_by_its_content(session, kf, users, instance, store,
                                                     name, make, kind):
    added = attach(kf, session, store, users["senior_manager"], instance.id, name, make())
    assert added.media_type == kind


REFUSED = [
    ("setup.pdf", files.exe), ("invoice.docx", files.jar),
    ("contract.docx", files.docx_without_word_folder), ("setup.doc", files.msi),
    ("utf16.txt", lambda: "拜访纪要".encode("utf-16")), ("random.bin", lambda: os.urandom(4096)),
    ("nul.txt", lambda: b"plain\x00text"),
]


@pytest.mark.parametrize(("name", "make"), REFUSED, ids=[r[0] for r in REFUSED])
def test_other_content_is_refused_whatever_its_name(session, kf, users, instance, store,
                                                    name, make):
    content = make()
    if name == "random.bin" and content.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff")):
        content = b"\x00" + content  # the one random file in billions that starts like one
    with pytest.raises(InvalidData) as refused:
        attach(kf, session, store, users["senior_manager"], instance.id, name, content)
    assert "plain text" in refused.value.message
    assert stored_files(store) == [] and session.scalars(select(Attachment)).all() == []


def test_a_refusal_speaks_the_readers_language(session, kf, users, instance, store):
    with pytest.raises(InvalidData) as refused:
        attach(kf, session, store, users["senior_manager"], instance.id, "setup.pdf",
               files.exe(), language="zh")
    assert "只能添加 PDF" in refused.value.message


def test_too_large_and_empty_files_are_refused(session, kf, users, instance, store):
    with pytest.raises(FileTooLarge) as too_large:
        attach(kf, session, store, users["senior_manager"], instance.id, "big.txt",
               b"x" * (MB + 1), max_bytes=MB, language="zh")
    assert too_large.value.message == "文件超过 1 MB。"
    assert attach(kf, session, store, users["senior_manager"], instance.id, "edge.txt",
                  b"x" * MB, max_bytes=MB).size == MB  # exactly the limit is kept
    with pytest.raises(InvalidData, match="empty"):
        attach(kf, session, store, users["senior_manager"], instance.id, "e.txt", b"")


def test_names_keep_chinese_lose_paths_and_must_fit_the_content(session, kf, users, instance,
                                                                store):
    manager = users["senior_manager"]
    names = [attach(kf, session, store, manager, instance.id, raw, make()).name for raw, make in (
        ("C:\\Users\\王\\合同 (终稿).pdf", files.pdf), ("../../etc/报价\u202egnp.pdf", files.pdf),
        ("报告 v1.2", files.pdf), ("notes.html", files.text_utf8), ("", files.png))]
    assert names == ["合同 (终稿).pdf", "报价gnp.pdf", "报告 v1.2.pdf", "notes.html.txt",
                     "attachment.png"]
    with pytest.raises(InvalidData, match=r"PNG, but its name ends in \.pdf"):
        attach(kf, session, store, manager, instance.id, "报价.pdf", files.png())
    assert display_name("a" * 300 + ".pdf") == "a" * 116 + ".pdf"
    assert display_name('a<b>:c"|?*.txt') == "a_b__c____.txt"


def test_a_rolled_back_upload_leaves_no_file(session, kf, users, instance, store):
    attach(kf, session, store, users["senior_manager"], instance.id, "a.pdf", files.pdf())
    assert len(stored_files(store)) == 1
    session.rollback()
    assert stored_files(store) == []
    kept = attach(kf, session, store, users["senior_manager"], instance.id, "b.pdf", files.pdf())
    session.commit()
    session.rollback()  # nothing pending: the committed file stays
    assert stored_files(store) == [store.path(kept.stored_name)]


def test_the_orphan_sweep_removes_old_files_no_row_names(session, kf, users, instance, store,
                                                         clock):
    kept = attach(kf, session, store, users["senior_manager"], instance.id, "a.pdf", files.pdf())
    session.commit()
    orphan = store.path(store.save(b"left by a crash"))
    in_flight = store.path(store.save(b"an upload not yet committed"))
    partial = orphan.parent / ".part-abc"
    partial.write_bytes(b"half")
    old = (clock.now() - timedelta(hours=2)).timestamp()
    for path in (orphan, partial, store.path(kept.stored_name)):
        os.utime(path, (old, old))
    removed = remove_orphans(session, store, clock.now())
    assert sorted(removed) == sorted(str(p.relative_to(store.root)) for p in (orphan, partial))
    assert sorted(stored_files(store)) == sorted([store.path(kept.stored_name), in_flight])


def test_an_archived_instance_keeps_its_attachments_and_takes_no_new_ones(
        session, kf, users, instance, store, clock):
    added = attach(kf, session, store, users["senior_manager"], instance.id, "合同.pdf",
                   files.pdf())
    kf.cancel_instance(session, instance.id, users["senior_manager"], "no longer needed")
    session.commit()
    clock.advance(days=40)
    assert kf.archive_instance(session, instance.id, clock.now() - timedelta(days=30),
                               clock.now())
    session.commit()
    assert attachment_file(session, store, users["dept_head"], added.id)[1] == files.pdf()
    with pytest.raises(InvalidData, match="archived"):
        attach(kf, session, store, users["senior_manager"], instance.id, "late.pdf",
               files.pdf())
