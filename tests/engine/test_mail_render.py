"""The relay writes MIME out itself (engine/mail/render.py): what a mail reader parses from it
is what the `email` package would have built, header for header and part for part, and every
line is short ASCII whatever the text holds."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime

import pytest

from engine.mail import MailComposer
from engine.mail.headers import one_line
from engine.models import Notification

COMPOSER = MailComposer("http://kf.test", '"大客户服务部 keyflow" <kf@kf.test>')
SUBJECTS = [
    "Overdue: 拜访计划",
    "plain ascii",
    "=?utf-8?b?bm90IGVuY29kZWQ=?= looks encoded but is text",
    "逾期：" + "审核大客户开发申请" * 30,  # long: folded over many encoded words
    "x" * 150,  # long ASCII
    "emoji 🏗️ and 方 and tabs\tand\nbreaks\u2028here",
    "",
]


def reference(composer: MailComposer, note: Notification, text: str, html: str,
              language: str) -> EmailMessage:
    """The same mail as the email package builds it (how keyflow composed before)."""
    message = EmailMessage()
    message["From"] = composer.sender
    message["To"] = note.recipient_email
    message["Subject"] = one_line(note.subject)
    message["Date"] = format_datetime(note.created_at)
    message["X-Keyflow-Key"] = one_line(note.idempotency_key)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = language
    return message


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("language,task_id", [("zh", 7), ("en", None)])
def test_what_a_reader_parses_is_what_the_email_package_builds(subject, language, task_id):
    body = "第一段 https://kf.test/x?a=1&b=<2>\n\nLine two\r\n.\n.. a dot line\n" + "长" * 400
    note = Notification(id=42, idempotency_key="task:7:overdue:2:3", recipient_email=
                        "wang@example.test", language=language, kind="task_overdue",
                        subject=subject, body=body, task_id=task_id,
                        created_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    mail = COMPOSER.compose(note)
    parsed = mail.message()
    assert all(line.isascii() and len(line) <= 78 for line in mail.data.decode().split("\r\n"))
    assert b"\n" not in mail.data.replace(b"\r\n", b"")  # CRLF only
    assert (mail.sender, mail.recipient) == ("kf@kf.test", "wang@example.test")

    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    built = reference(COMPOSER, note, text, html, parsed["Content-Language"])
    expected = BytesParser(policy=policy.default).parsebytes(built.as_bytes())  # as sent
    for name in ("From", "To", "Date", "X-Keyflow-Key", "Content-Language"):
        assert str(parsed[name]) == str(expected[name]), name
    # The subject reads back exactly as stored (flattened to one line), text that looks like
    # an encoded word included: the email package writes that raw, and readers decode it.
    assert str(parsed["Subject"]) == one_line(subject)
    assert parsed.get_content_type() == "multipart/alternative"
    assert expected.get_body(("plain",)).get_content() == text
    assert expected.get_body(("html",)).get_content() == html
    assert "Line two\n" in text and "\n.. a dot line" in text  # dots survive SMTP's stuffing
    link = f"http://kf.test/tasks/{task_id}" if task_id else "http://kf.test/"
    assert link in text and f'href="{link}"' in html
    assert str(parsed["Message-ID"]).startswith("<42.") and parsed["X-Keyflow-Queued"] == \
        "20260302013000"


@pytest.mark.parametrize(("text", "flat"), [
    ("New task: 审批", "New task: 审批"),
    ("  two  spaces ", "two spaces"),
    ("a\r\nBcc: x@evil.test", "a Bcc: x@evil.test"),
    ("line\u2028sep\u2029para\x85nel\x0bvt\x0cff\x00nul", "line sep para nel vt ff nul"),
    ("ideographic\u3000space", "ideographic space"),
    ("zero\u200bwidth soft\xadhyphen", "zero\u200bwidth soft\xadhyphen"),
    ("tab\there", "tab here"),
])
def test_one_line_flattens_every_break_and_keeps_the_rest(text, flat):
    assert one_line(text) == flat
