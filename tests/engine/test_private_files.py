"""keyflow's own files are created 0600 in 0700 folders whatever the umask: the embedded
database with its -wal and -shm, the generated secret key, and the mail folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from engine.db import make_db_engine
from engine.mail.mailer import FolderMailer
from engine.mail.render import OutgoingMail
from engine.secret_key import load_or_create_secret_key


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request) -> Iterator[int]:
    """The usual umask, and none at all (the worst case)."""
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_sqlite_database_and_its_wal_files_are_private(tmp_path, umask):
    db = tmp_path / "var" / "keyflow.db"
    engine = make_db_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:  # WAL mode: -wal and -shm exist while a connection is open
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as conn:
            conn.execute(text("SELECT x FROM t")).all()
            wal, shm = db.with_name("keyflow.db-wal"), db.with_name("keyflow.db-shm")
            assert wal.exists() and shm.exists()
            assert (mode(db.parent), mode(db), mode(wal), mode(shm)) == (0o700, 0o600, 0o600, 0o600)
    finally:
        engine.dispose()


def test_a_database_file_of_an_older_version_is_narrowed(tmp_path, umask):
    db = tmp_path / "keyflow.db"
    db.touch(mode=0o644)
    os.chmod(db, 0o644)
    make_db_engine(f"sqlite:///{db}").dispose()
    assert mode(db) == 0o600


def test_the_generated_secret_key_is_private(tmp_path, umask):
    load_or_create_secret_key(tmp_path / "var")
    assert mode(tmp_path / "var") == 0o700 and mode(tmp_path / "var" / "secret_key") == 0o600


def test_folder_mail_is_private(tmp_path, umask):
    message = OutgoingMail(
        sender="keyflow@kf.test", recipient="customer@example.test", message_id="<1@kf.test>",
        queued="20260302010000",
        data=b"To: customer@example.test\r\n\r\nyour one-time link: http://kf.test/c/1/secret\r\n")
    FolderMailer(tmp_path / "var" / "mail").send(message)
    (eml,) = (tmp_path / "var" / "mail").glob("*.eml")
    assert mode(tmp_path / "var") == 0o700 and mode(tmp_path / "var" / "mail") == 0o700
    assert mode(eml) == 0o600


def test_folder_mail_goes_on_when_the_folder_is_removed_between_mails(tmp_path, umask):
    # The mailer makes its folder once; a folder removed meanwhile is made again, private.
    folder = tmp_path / "var" / "mail"
    mailer = FolderMailer(folder)
    for n in (1, 2):
        mailer.send(OutgoingMail(sender="keyflow@kf.test", recipient="li@example.test",
                                 message_id=f"<{n}@kf.test>", queued="20260302010000",
                                 data=b"To: li@example.test\r\n\r\nbody\r\n"))
        assert [p.read_bytes() for p in folder.glob(f"*-{n}-kf-test.eml")] == [
            b"To: li@example.test\r\n\r\nbody\r\n"]
        for eml in folder.glob("*.eml"):
            eml.unlink()
        folder.rmdir()
        (tmp_path / "var").rmdir()
    mailer.send(OutgoingMail(sender="keyflow@kf.test", recipient="li@example.test",
                             message_id="<3@kf.test>", queued="", data=b"x"))
    (eml,) = folder.glob("*.eml")
    assert eml.name == "0-3-kf-test.eml" and mode(folder) == 0o700 and mode(eml) == 0o600
    assert not list(folder.glob("*.part"))
