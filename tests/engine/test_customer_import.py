"""Importing existing customers (engine): every row checked, all rows or none written, large files
as jobs; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import cache

import pytest
from customer_files import (
    HEADERS,
    csv_bytes,
    good_row,
    rows_with_bad,
    spread_bad_rows,
    xlsx,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.customer_import import (
    ImportFileRefused,
    ImportFileTooLarge,
    ImportReport,
    Upload,
)
from engine.customer_import.writing import write_rows
from engine.errors import Conflict, Forbidden
from engine.models import AuditEvent, Customer, CustomerImport, ImportStatus


def customers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Customer)) or 0


@pytest.fixture
def transaction(session: Session):
    """The worker's transaction factory on the test's session (each block a savepoint); it
    notes the job's progress as each block commits (`block.progress`)."""

    @contextmanager
    def block() -> Iterator[Session]:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()
        block.progress.extend(session.scalars(select(CustomerImport.processed).where(
            CustomerImport.status == ImportStatus.CHECKING)))

    block.progress = []
    return block


def run_next_job(kf, session, transaction) -> CustomerImport:
    job_id = kf.claim_customer_import(session)
    session.commit()
    assert job_id is not None
    kf.run_customer_import(transaction, job_id)
    job = session.get_one(CustomerImport, job_id)
    session.refresh(job)
    return job


def upload(content: bytes, name: str = "customers.xlsx", **how) -> Upload:
    return Upload(name, content, **how)


@cache
def five_thousand(with_bad_rows: bool) -> bytes:
    """The 5,000-row workbook (built once for both databases)."""
    return xlsx(rows_with_bad(5000, spread_bad_rows(5000) if with_bad_rows else None))


def test_a_5000_row_file_with_12_bad_rows_imports_nothing_then_the_fixed_one_imports_all(
        kf, session, users, transaction):
    bad = spread_bad_rows(5000)
    job = kf.import_customers(session, users["clerk"],
                              upload(five_thousand(True), dry_run=False), "en")
    session.commit()
    assert isinstance(job, CustomerImport) and job.status == ImportStatus.QUEUED
    assert job.rows == 5000

    job = run_next_job(kf, session, transaction)
    assert (job.status, job.imported, job.processed) == (ImportStatus.DONE, 0, 5000)
    assert transaction.progress[-10:] == list(range(500, 5001, 500))  # the progress bar
    assert customers(session) == 0
    found = {(p["row"], p["column"]) for p in job.problems}
    expected = {(index + 2, header) for index, (header, _, _) in bad.items()}
    assert found == expected  # each bad row once, named by its sheet row and header
    for problem in job.problems:
        index = problem["row"] - 2
        assert bad[index][2] in problem["message"], problem
    assert job.content is None  # the file is dropped once the job is done

    job = kf.import_customers(session, users["clerk"],
                              upload(five_thousand(False), dry_run=False), "en")
    session.commit()
    job = run_next_job(kf, session, transaction)
    assert (job.status, job.imported, job.problems) == (ImportStatus.DONE, 5000, [])
    assert customers(session) == 5000
    sample = session.scalars(select(Customer).where(Customer.name == "客户00007")).one()
    assert sample.status == "key_account"
    assert sample.classes == ["quality", "group"] and sample.is_group
    assert sample.owner_id == users["senior_manager"].id
    assert sample.cumulative_volume == Decimal("1007.00")
    assert sample.key_contact_phone == "13800000007"
    assert sample.key_contact_birthday == date(1980, 8, 8)
    assert sample.filed_by_id == users["clerk"].id and sample.instance_id is None
    assert session.scalars(select(Customer.status).where(Customer.name == "客户00003")
                           ).one() == "potential"
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "customers_imported")).one()
    assert event.data == {"file": "customers.xlsx", "created": 5000, "updated": 0}


def test_a_small_file_is_checked_and_imported_in_the_request(kf, session, users):
    content = csv_bytes(rows_with_bad(30))
    report = kf.import_customers(session, users["clerk"],
                                 upload(content, "c.csv", dry_run=True), "zh")
    assert isinstance(report, ImportReport)
    assert (report.rows, report.imported, report.problems) == (30, 0, [])
    assert customers(session) == 0

    report = kf.import_customers(session, users["clerk"],
                                 upload(content, "c.csv", dry_run=False), "zh")
    assert (report.rows, report.imported) == (30, 30)
    assert customers(session) == 30


def test_problems_are_in_the_readers_language_and_name_the_header_as_written(
        kf, session, users):
    rows = [good_row(1), good_row(2)]
    rows[1][5] = "很多"
    headers = ["Customer name", *HEADERS[1:5], "Cumulative volume (方)", *HEADERS[6:]]
    for language, words in (("en", "Not a number"), ("zh", "不是数字")):
        report = kf.import_customers(session, users["clerk"], upload(
            csv_bytes(rows, headers), "c.csv", dry_run=False), language)
        assert [p.as_dict() for p in report.problems] == [
            {"row": 3, "column": "Cumulative volume (方)", "message": report.problems[0].message}]
        assert words in report.problems[0].message
        assert customers(session) == 0


def test_unknown_and_missing_columns_are_problems_of_the_header_row(kf, session, users):
    report = kf.import_customers(session, users["clerk"], upload(
        csv_bytes([["a", "b"]], ["序号", "行业"]), "c.csv"), "en")
    assert {(p.row, p.column) for p in report.problems} == {(1, "序号"), (1, None)}


def test_a_name_already_registered_is_a_duplicate_unless_the_import_updates(
        kf, session, users):
    first = [good_row(1), good_row(2)]
    assert kf.import_customers(session, users["clerk"], upload(
        xlsx(first), dry_run=False), "en").imported == 2

    again = [good_row(2), good_row(3)]
    again[0][2] = "隧道"  # a new industry
    again[0][8] = None  # a blank contact keeps the one on record
    report = kf.import_customers(session, users["clerk"], upload(xlsx(again), dry_run=False),
                                 "en")
    assert [(p.row, p.column) for p in report.problems] == [(2, "客户名称")]
    assert "already exists" in report.problems[0].message
    assert report.imported == 0 and customers(session) == 2

    again.append(good_row(1))
    again[2][2], again[2][12] = None, "改过"  # another row leaves other cells blank
    report = kf.import_customers(session, users["clerk"], upload(
        xlsx(again), dry_run=False, update=True), "en")
    assert (report.imported, report.updated, report.problems) == (3, 2, [])
    updated = {c.name: c for c in session.scalars(select(Customer))}
    for customer in updated.values():
        session.refresh(customer)
    assert (updated["客户00002"].industry, updated["客户00002"].key_contact_name) == ("隧道", "王2")
    assert (updated["客户00001"].industry, updated["客户00001"].notes) == ("路桥", "改过")
    assert customers(session) == 3


def test_csv_in_utf8_with_and_without_bom_and_in_gb18030(kf, session, users):
    for encoding in ("utf-8-sig", "utf-8", "gb18030"):
        report = kf.import_customers(session, users["clerk"], upload(
            csv_bytes(rows_with_bad(3), encoding=encoding), "c.csv"), "en")
        assert (report.rows, report.problems) == (3, []), encoding


def test_a_file_in_another_encoding_is_refused(kf, session, users):
    for content in (csv_bytes(rows_with_bad(3), encoding="utf-16"), b"\xff\xfe\x00garbage"):
        with pytest.raises(ImportFileRefused, match="UTF-8"):
            kf.import_customers(session, users["clerk"], upload(content, "c.csv"), "en")


def test_formulas_are_read_as_their_text_never_evaluated(kf, session, users):
    rows = [good_row(1)]
    rows[0][0] = "=1+1"
    rows[0][12] = '=HYPERLINK("http://example.test","x")'
    report = kf.import_customers(session, users["clerk"], upload(xlsx(rows), dry_run=False),
                                 "en")
    assert report.imported == 1
    stored = session.scalars(select(Customer)).one()
    assert (stored.name, stored.notes) == ("=1+1", '=HYPERLINK("http://example.test","x")')


def bomb() -> bytes:
    """A workbook whose sheet unpacks 1,000 times larger than it is packed."""
    good = zipfile.ZipFile(io.BytesIO(xlsx([good_row(1)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in good.infolist():
            data = good.read(info)
            if info.filename.endswith("sheet1.xml"):
                data = data.replace(b"</sheetData>", b"</sheetData><!--" + b" " * 5_000_000
                                    + b"-->")
            archive.writestr(info.filename, data)
    return out.getvalue()


def test_a_zip_bomb_and_hostile_workbooks_are_refused(kf, session, users):
    with pytest.raises(ImportFileTooLarge):
        kf.import_customers(session, users["clerk"], upload(bomb()), "en")
    doctype = io.BytesIO()
    with zipfile.ZipFile(doctype, "w") as archive:
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a '
                                            '"aaaa">]><workbook>&a;</workbook>')
    evil_path = io.BytesIO()
    with zipfile.ZipFile(evil_path, "w") as archive:
        archive.writestr("../../etc/x.xml", "<x/>")
    for content in (doctype.getvalue(), evil_path.getvalue(), b"PK\x03\x04 not a zip",
                    b"just text"):
        with pytest.raises(ImportFileRefused) as refused:
            kf.import_customers(session, users["clerk"], upload(content), "en")
        assert not isinstance(refused.value, ImportFileTooLarge)
    with pytest.raises(ImportFileRefused, match="xlsx"):
        kf.import_customers(session, users["clerk"], upload(b"x", "old.xls"), "en")
    assert customers(session) == 0


def test_only_the_clerk_imports(kf, session, users):
    for role in ("senior_manager", "dept_head", "finance", "admin", "process_owner", "nobody"):
        with pytest.raises(Forbidden):
            kf.import_customers(session, users[role], upload(xlsx([good_row(1)])), "en")


def test_a_name_registered_while_the_file_was_checked_stops_the_whole_write(
        kf, session, users):
    from engine.customer_import.checking import check_sheet
    from engine.customer_import.reading import read_upload
    from engine.i18n import texts_for

    t = texts_for("en")
    checked = check_sheet(session, read_upload("c.csv", csv_bytes(rows_with_bad(5)), t), t,
                          update=False)
    session.add(Customer(name="客户00003", status="potential", classes=[],
                         filed_at=kf.clock.now(), updated_at=kf.clock.now()))
    session.flush()
    with pytest.raises(Conflict):
        write_rows(session, checked.rows, users["clerk"], kf.clock.now(), file_name="c.csv")


def test_a_job_that_cannot_be_read_fails_with_the_reason_and_jobs_are_claimed_once(
        kf, session, users, transaction, clock):
    job = kf.import_customers(session, users["clerk"],
                              upload(csv_bytes(rows_with_bad(2001)), "c.csv"), "en")
    job.content = b"\xff\xfe\x00"  # as if the stored file were damaged
    session.commit()
    job_id = kf.claim_customer_import(session)
    session.commit()
    assert job_id == job.id and kf.claim_customer_import(session) is None
    clock.advance(minutes=11)  # its worker went away: claimed again
    assert kf.claim_customer_import(session) == job.id
    session.commit()
    kf.run_customer_import(transaction, job.id)
    session.refresh(job)
    assert job.status == ImportStatus.FAILED and "UTF-8" in (job.message or "")
    assert job.content is None and customers(session) == 0
