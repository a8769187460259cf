"""The admins' mail pages: the embedded mailbox and the outbox state."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.mail import FolderMailer, MailComposer, relay_one
from engine.models import User
from engine.outbox import queue_notification


@pytest.fixture
def mailbox(app, env, clock):
    """Queue three notifications and relay two into var/mail (one fails for good)."""
    folder = Path(app.config["VAR_DIR"]) / "mail"
    with env.session() as s:
        head = s.scalars(select(User).where(User.username == "dept_head")).one()
        for n in range(3):
            queue_notification(s, key=f"page:{n}", recipient=head, kind="task_overdue",
                               subject=f"已逾期：任务 {n}", body=f"正文 {n}", now=clock.now())
        s.commit()
        composer = MailComposer("http://kf.test", "kf <kf@kf.test>")
        relay_one(s, FolderMailer(folder), composer, clock.now())
        s.commit()
        relay_one(s, FolderMailer(folder), composer, clock.now())
        s.commit()

        class Refusing:
            def send(self, message):
                from engine.mail import PermanentFailure

                raise PermanentFailure("550 5.1.1 mailbox unavailable")

            def close(self):
                pass

        relay_one(s, Refusing(), composer, clock.now())
        s.commit()
    return folder


@pytest.mark.parametrize("path", ["/mail", "/mail/outbox"])
@pytest.mark.parametrize(("user", "status"), [("admin", 200), ("dept_head", 403),
                                              ("senior_manager", 403)])
def test_only_admins(client_for, mailbox, path, user, status):
    assert client_for(user).get(path).status_code == status


@pytest.mark.parametrize("path", ["/mail", "/mail/outbox"])
def test_anonymous_is_sent_to_sign_in(client_for, path):
    response = client_for(None).get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_mailbox_lists_and_shows_eml(client_for, mailbox):
    admin = client_for("admin")
    listing = admin.get("/mail").get_data(as_text=True)
    assert "已逾期：任务 0" in listing and "已逾期：任务 1" in listing
    (name,) = [p.name for p in mailbox.glob("*.eml") if "page:0" in p.read_text()] or [None]
    page = admin.get(f"/mail/{name}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "正文 0" in html and 'sandbox=""' in html
    assert "http://kf.test/" in html


@pytest.mark.parametrize("name", ["..%2Fkeyflow.db", "x.txt", ".hidden.eml", "nope.eml"])
def test_mailbox_serves_only_its_files(client_for, mailbox, name):
    assert client_for("admin").get(f"/mail/{name}").status_code == 404


def test_outbox_shows_state_attempts_and_errors(client_for, mailbox):
    admin = client_for("admin")
    html = admin.get("/mail/outbox").get_data(as_text=True)
    assert "550 5.1.1 mailbox unavailable" in html
    assert 'data-status="sent" data-count="2"' in html
    assert 'data-status="failed" data-count="1"' in html
    failed_only = admin.get("/mail/outbox?status=failed").get_data(as_text=True)
    assert failed_only.count('class="status-failed"') == 1
    assert 'class="status-sent"' not in failed_only
