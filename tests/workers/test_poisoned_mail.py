"""One unsendable mail never stops the others; no header carries what process data injects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engine.accounts import create_user
from engine.customer_links import LinkSigner
from engine.db import make_db_engine, make_session_factory
from engine.mail import FolderMailer, MailComposer, SmtpMailer, relay_one
from engine.models import Base, Notification
from engine.models.customers import Customer
from engine.outbox import queue_notification
from engine.reminders import PolicyBook, ReminderConfig, write_reminders
from engine.settings import Settings
from engine.workflow_engine import WorkflowEngine
from workers.context import WorkerContext, use_context

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMPOSER = MailComposer("http://kf.test", "keyflow <kf@kf.test>")
INJECTED = "\r\nBcc: spy@evil.test"
POISONS = {  # recipient → why it can never be sent
    "li@example.test" + INJECTED: "not a valid e-mail address",
    "wang@": "not a valid e-mail address",
    "": "no recipient address",
}


def poisoned_row(session: Session, key: str, email: str, now) -> Notification:
    """A row as an older keyflow (or a hand-edited database) could have left it."""
    note = Notification(idempotency_key=key, recipient_email=email, language="zh",
                        kind="task_overdue", subject="逾期", body="x", status="pending",
                        attempts=0, created_at=now, next_attempt_at=now - timedelta(minutes=5))
    session.add(note)
    return note


def good_rows(session, people, clock, n=3, subject="Overdue: 拜访计划") -> list[str]:
    keys = [f"good:{i}" for i in range(n)]
    for key in keys:
        queue_notification(session, key=key, recipient=people["manager"], kind="task_overdue",
                           subject=subject, body="Line one", now=clock.now())
    return keys


def test_unsendable_rows_are_failed_and_the_rest_is_sent(session, people, clock, smtp):
    bad = [poisoned_row(session, f"bad:{i}", email, clock.now())
           for i, email in enumerate(POISONS)]
    keys = good_rows(session, people, clock)
    session.commit()
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    results = []
    while (result := relay_one(session, mailer, COMPOSER, clock.now())) is not None:
        session.commit()
        results.append(result)
    mailer.close()
    assert smtp.keys() == keys and len(results) == len(keys) + len(bad)
    for note, reason in zip(bad, POISONS.values(), strict=True):
        session.refresh(note)
        assert (note.status, note.next_attempt_at) == ("failed", None), note.idempotency_key
        assert reason in note.last_error and "\n" not in note.last_error
    assert smtp.rcpt_seen == len(keys)  # nobody was added to an envelope


def test_process_text_cannot_add_a_header(session, people, clock, smtp, tmp_path):
    """Subjects carry task and customer names: line breaks of any kind become spaces."""
    now = clock.now()
    session.add(Customer(name="中铁" + INJECTED, owner_id=people["manager"].id,
                         key_contact_name="王\nX-Evil: 1", key_contact_birthday=date(1970, 3, 4),
                         filed_at=now, updated_at=now))
    people["manager"].display_name = "Manager" + INJECTED
    session.commit()
    config = ReminderConfig(SHANGHAI, None, "http://kf.test", timedelta(days=7))
    kf = WorkflowEngine(clock=clock)
    write_reminders(session, kf.runtime, PolicyBook(kf.runtime.specs), LinkSigner(b"k"), config)
    keys = good_rows(session, people, clock, n=1, subject="Overdue\u2028Bcc: spy@evil.test\x0b")
    session.commit()
    birthday = session.scalars(select(Notification).where(Notification.kind == "birthday")).one()
    assert "\n" in birthday.subject  # the stored text is the data as it is

    messages = []
    for mailer in (SmtpMailer(f"smtp://127.0.0.1:{smtp.port}"), FolderMailer(tmp_path)):
        for note in session.scalars(select(Notification)):
            note.status, note.next_attempt_at = "pending", now
        session.commit()
        while relay_one(session, mailer, COMPOSER, now):
            session.commit()
        mailer.close()
    messages += smtp.messages
    messages += [message_from_bytes(p.read_bytes(), policy=email_policy.default)
                 for p in sorted(tmp_path.glob("*.eml"))]
    assert len(messages) == 4 and smtp.rcpt_seen == 2
    for message in messages:
        assert message["Bcc"] is None and message["X-Evil"] is None
        assert message["To"] == "manager@example.test"
        assert all("\n" not in str(v) and "\r" not in str(v) for v in message.values())
    subjects = sorted(str(m["Subject"]) for m in messages)
    assert "中铁 Bcc: spy@evil.test" in subjects[0] and subjects[-1].startswith("Overdue Bcc")
    assert {str(m["X-Keyflow-Key"]) for m in messages} == {birthday.idempotency_key, *keys}


def test_a_sender_with_a_line_break_is_refused_at_start():
    with pytest.raises(ValueError, match="not a valid e-mail address"):
        MailComposer("http://kf.test", "keyflow" + INJECTED + " <kf@kf.test>")
    with pytest.raises(ValueError):
        MailComposer("http://kf.test", "kf@kf.test\nBcc: spy@evil.test")

# --- the worker's relay task: one transaction per mail, a row's failure stays that row's ---

SQLITE_TRIGGER = """CREATE TRIGGER refuse_poison BEFORE UPDATE ON notification
WHEN NEW.status = 'sent' AND NEW.idempotency_key = 'poison'
BEGIN SELECT RAISE(ABORT, 'the database refuses this row'); END"""
PG_TRIGGER = ["""CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger AS $$
BEGIN
  IF NEW.status = 'sent' AND NEW.idempotency_key = 'poison' THEN
    RAISE EXCEPTION 'the database refuses this row';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
              """CREATE TRIGGER refuse_poison BEFORE UPDATE ON notification
FOR EACH ROW EXECUTE FUNCTION refuse_poison()"""]


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request, tmp_path: Path) -> Iterator[str]:
    """A database URL whose sessions really commit, with a trigger refusing one row's update."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kf.db'}"
        db = make_db_engine(url)
        Base.metadata.create_all(db)
        with db.begin() as conn:
            conn.execute(text(SQLITE_TRIGGER))
        yield url
        db.dispose()
        return
    pg = request.getfixturevalue("committed_pg").kw["bind"]  # emptied before and after
    with pg.begin() as conn:
        for statement in PG_TRIGGER:
            conn.execute(text(statement))
    try:
        yield pg.url.render_as_string(hide_password=False)
    finally:
        with pg.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS refuse_poison ON notification"))
            conn.execute(text("DROP FUNCTION IF EXISTS refuse_poison()"))


def test_worker_relay_goes_on_after_a_row_the_database_refuses(committed, smtp, clock):
    from workers.tasks import relay

    settings = Settings(database_url=committed, smtp_url=f"smtp://127.0.0.1:{smtp.port}")
    db = make_db_engine(committed)
    sessions = make_session_factory(db)
    with sessions.begin() as s:
        user = create_user(s, clock, "li", ["clerk"], email="li@example.test")
        for key in ("poison", "a", "b"):
            queue_notification(s, key=key, recipient=user, kind="task_overdue", subject=key,
                               body="x", now=clock.now())
            clock.advance(seconds=1)
    engine = WorkflowEngine(clock=clock)
    use_context(WorkerContext(settings, sessions, engine, PolicyBook(engine.runtime.specs),
                              LinkSigner(b"k"), MailComposer(settings.base_url, "kf@kf.test"),
                              ReminderConfig.from_settings(settings)))
    try:
        assert relay() == 2
        assert relay() == 0  # the refused row is not sent again
    finally:
        use_context(None)
    assert smtp.keys() == ["poison", "a", "b"]  # accepted once: the logged duplicate window
    with sessions() as s:
        rows = {n.idempotency_key: n for n in s.scalars(select(Notification))}
    assert rows["a"].status == rows["b"].status == "sent"
    poison = rows["poison"]
    assert poison.status == "failed" and "could not be marked sent" in poison.last_error
    assert "refuses this row" in poison.last_error
    db.dispose()

