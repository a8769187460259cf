"""The outbox relay against a real SMTP server on loopback, and the folder mailer."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy

import pytest
from sqlalchemy import select

from engine.mail import FolderMailer, MailComposer, SmtpMailer, relay_one
from engine.models import HumanTask, Notification
from engine.outbox import queue_notification

COMPOSER = MailComposer("http://kf.test", "keyflow <kf@kf.test>")


@pytest.fixture
def queued(session, people, clock):
    """Queue one notification for a user; returns a function."""

    def _queue(key="k:1", user="manager", task_id=None) -> Notification:
        note = queue_notification(session, key=key, recipient=people[user], kind="task_overdue",
                                  subject="Overdue: 拜访计划", body="Line one\n\nLine two",
                                  now=clock.now())
        assert note is not None
        note.task_id = task_id
        session.commit()
        return note

    return _queue


def test_sent_as_text_and_html_with_deep_link(session, smtp, queued, clock):
    note = queued()
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    result = relay_one(session, mailer, COMPOSER, clock.now())
    mailer.close()
    session.commit()
    assert result is not None and result.status == "sent"
    assert note.status == "sent" and note.sent_at == clock.now() and note.attempts == 1
    assert relay_one(session, mailer, COMPOSER, clock.now()) is None
    (message,) = smtp.messages
    assert message["To"] == "manager@example.test" and message["X-Keyflow-Key"] == "k:1"
    assert message["Content-Language"] == "en"
    assert message.get_body(("plain",)).get_content().count("http://kf.test/") == 1
    html = message.get_body(("html",)).get_content()
    assert '<a href="http://kf.test/"' in html and "拜访计划" in html


def test_deep_link_names_the_task(session, smtp, queued, clock, kf, deployed, people):
    deployed("approval")
    instance = kf.start_instance(session, "approval", people["manager"])
    session.commit()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()
    queued(key="k:task", task_id=task.id)
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    while relay_one(session, mailer, COMPOSER, clock.now()):
        session.commit()
    mailer.close()
    texts = [m.get_body(("plain",)).get_content() for m in smtp.messages]
    assert any(f"http://kf.test/tasks/{task.id}" in t for t in texts)


def test_temporary_refusal_retried_with_backoff(session, smtp, queued, clock):
    note = queued()
    smtp.rcpt_reply = "451 4.3.0 Mailbox busy, try later"
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    relay_one(session, mailer, COMPOSER, clock.now())
    session.commit()
    assert (note.status, note.attempts) == ("pending", 1)
    assert note.last_error.startswith("451") and note.next_attempt_at == clock.now() + \
        timedelta(minutes=1)
    smtp.rcpt_reply = None
    assert relay_one(session, mailer, COMPOSER, clock.now()) is None  # not before its time
    clock.advance(minutes=1)
    assert relay_one(session, mailer, COMPOSER, clock.now()).status == "sent"
    session.commit()
    mailer.close()
    assert (note.status, note.attempts, note.last_error) == ("sent", 2, None)
    assert smtp.keys() == ["k:1"]


def test_permanent_refusal_marked_failed_with_reason(session, smtp, queued, clock):
    note = queued()
    smtp.rcpt_reply = "550 5.1.1 No such user here"
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    relay_one(session, mailer, COMPOSER, clock.now())
    session.commit()
    mailer.close()
    assert note.status == "failed" and note.last_error == "550 5.1.1 No such user here"
    assert smtp.messages == []


def test_unreachable_server_keeps_mail_queued_and_stops_the_batch(session, queued, clock):
    from socket import socket

    with socket() as probe:  # a port that was free a moment ago: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    note = queued()
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}?timeout=2")
    result = relay_one(session, mailer, COMPOSER, clock.now())
    session.commit()
    assert result.stop and note.status == "pending" and note.attempts == 1
    assert "ConnectionRefusedError" in note.last_error


def test_folder_mailer_writes_eml(session, queued, clock, tmp_path):
    note = queued()
    relay_one(session, FolderMailer(tmp_path / "mail"), COMPOSER, clock.now())
    session.commit()
    (path,) = (tmp_path / "mail").glob("*.eml")
    parsed = message_from_bytes(path.read_bytes(), policy=email_policy.default)
    assert parsed["X-Keyflow-Key"] == "k:1" and note.status == "sent"


def test_starttls_and_auth(session, queued, clock, tmp_path):
    """smtp://user:pass@host:port?starttls=1 upgrades to TLS, then logs in, then sends."""
    import shutil
    import ssl
    import subprocess

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    assert shutil.which("openssl"), "openssl (Debian's base system) makes the test certificate"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticate(server, smtp_session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, smtp_session.ssl is not None))
        ok = auth_data.login == b"kf" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    class Handler:
        def __init__(self):
            self.keys = []

        async def handle_DATA(self, server, smtp_session, envelope):  # noqa: N802
            self.keys.append(message_from_bytes(envelope.content)["X-Keyflow-Key"])
            return "250 OK"

    from socket import socket

    with socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, authenticator=authenticate,
                            auth_require_tls=True)
    controller.start()
    try:
        queued()
        queued(key="k:2")
        wrong = SmtpMailer(f"smtp://kf:nope@127.0.0.1:{port}?starttls=1&cafile={cert}")
        refused = relay_one(session, wrong, COMPOSER, clock.now())
        session.commit()
        assert refused.stop and refused.status == "pending"  # a bad password is not the mail's
        right = SmtpMailer(f"smtp://kf:s3cret@127.0.0.1:{port}?starttls=1&cafile={cert}")
        clock.advance(minutes=5)
        while relay_one(session, right, COMPOSER, clock.now()):
            session.commit()
        right.close()
    finally:
        controller.stop()
    assert sorted(handler.keys) == ["k:1", "k:2"]
    assert logins and all(tls for _, tls in logins)
