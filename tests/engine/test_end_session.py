"""engine.db.end_session: the end of a unit of work rolls back what was not committed."""

from __future__ import annotations

from sqlalchemy import event, text

from engine.db import end_session, make_db_engine, make_session_factory


def test_what_was_not_committed_is_rolled_back_and_listeners_hear_it(tmp_path):
    engine = make_db_engine(f"sqlite:///{tmp_path / 'k.db'}")
    sessions = make_session_factory(engine)
    with sessions() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.commit()
    quiet = sessions()
    quiet.execute(text("INSERT INTO t VALUES (1)"))
    end_session(quiet)  # nobody listens: closed without Session.rollback(), rolled back still
    assert not quiet.in_transaction()
    heard: list[str] = []
    listened = sessions()
    event.listen(listened, "after_soft_rollback", lambda *_: heard.append("rolled back"))
    listened.execute(text("INSERT INTO t VALUES (2)"))
    end_session(listened)
    assert heard == ["rolled back"]
    with sessions() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()
