"""Names for the codes that rows store: people by user name, processes by key (the
indicators, their exports and other tables built from history rows; engine/naming.py has the
names inside one process version)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.i18n import Texts, texts_for
from engine.models import User
from engine.naming import ProcessNames, choice_title, person_name

from .definitions import newest_definitions

if TYPE_CHECKING:
    from engine.workflow_engine import WorkflowEngine


@dataclass(frozen=True)
class Directory:
    """Who and what the department's codes name: user name -> person, key -> process."""

    people: dict[str, str]
    processes: dict[str, tuple[str, str]]

    def person(self, username: str) -> str:
        """A user's display name (the user name itself for one that no longer exists)."""
        return self.people.get(username, username)

    def process(self, t: Texts, key: str) -> str:
        """A process's name (of its newest version) for the reader."""
        zh, en = self.processes.get(key, (key, key))
        return t.name(zh, en)


def directory(session: Session) -> Directory:
    """Every user's and every deployed process's name (two small queries)."""
    people = {username: person_name(display, username) for username, display in
              session.execute(select(User.username, User.display_name)).tuples()}
    return Directory(people, {d.key: (d.name, d.name_en) for d in newest_definitions(session)})


REGISTER_CHOICES = ("industry", "credit", "source_channel")  # register fields holding codes


def register_choices(session: Session, kf: WorkflowEngine, language: str | None
                     ) -> dict[str, dict[str, str]]:
    """Field -> code -> title of the customer register's coded fields, from the forms of the
    newest process versions that ask for them (the register stores the forms' codes)."""
    t = texts_for(language)
    found: dict[str, dict[str, str]] = {name: {} for name in REGISTER_CHOICES}
    for definition in newest_definitions(session):
        names = ProcessNames.of(kf.runtime.specs.get(definition))
        for name, titles in found.items():
            schema = names.field_schema(name)
            for code in (schema or {}).get("enum") or []:
                title = choice_title(t, schema, code)
                if isinstance(code, str) and title:
                    titles.setdefault(code, title)
    return found
