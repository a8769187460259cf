"""Who can receive mail: active users with a valid address, by id and by role (one query a
tick), with the chat hooks of those users and of roles (one more). An address stored before
addresses were checked, and refused now, leaves its user out of the directory and in
`refused`, which the tick records as a failure."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.addresses import AddressInvalid, normalized_address
from engine.i18n import known_language
from engine.models import ChatHook, User, user_role


@dataclass(frozen=True)
class Person:
    """A reachable user."""

    id: int
    email: str
    language: str
    name: str


@dataclass(frozen=True)
class Hook:
    """A chat hook the tick may write notices for (engine/chat/notices.py)."""

    id: int
    url: str


class People:
    """The tick's directory of reachable users."""

    def __init__(self, people: dict[int, Person], holders: dict[str, list[Person]],
                 refused: dict[int, str] | None = None, hooks: dict[int, Hook] | None = None,
                 role_hooks: dict[str, Hook] | None = None) -> None:
        self._people = people
        self._holders = holders
        self.refused = refused or {}  # user id -> why the address cannot be used
        self._hooks = hooks or {}  # reachable user id -> their own chat hook
        self._role_hooks = role_hooks or {}

    @classmethod
    def load(cls, session: Session) -> People:
        """Every active user with an e-mail address, and the roles they hold."""
        rows = session.execute(
            select(User.id, User.email, User.language, User.display_name, User.username)
            .where(User.active.is_(True), User.email.is_not(None), User.email != "")
        ).all()
        people: dict[int, Person] = {}
        refused: dict[int, str] = {}
        for r in rows:
            try:
                email = normalized_address(r.email)
            except AddressInvalid as err:
                refused[r.id] = f"user {r.username}: {err}"
                continue
            people[r.id] = Person(r.id, email, known_language(r.language),
                                  r.display_name or r.username)
        holders: dict[str, list[Person]] = defaultdict(list)
        for user_id, role in session.execute(select(user_role.c.user_id, user_role.c.role_name)):
            if user_id in people:
                holders[role].append(people[user_id])
        hooks: dict[int, Hook] = {}
        role_hooks: dict[str, Hook] = {}
        for hook in session.execute(select(ChatHook.id, ChatHook.url, ChatHook.user_id,
                                           ChatHook.role_name)):
            if hook.role_name is not None:
                role_hooks[hook.role_name] = Hook(hook.id, hook.url)
            elif hook.user_id in people:
                hooks[hook.user_id] = Hook(hook.id, hook.url)
        return cls(people, dict(holders), refused, hooks, role_hooks)

    @property
    def fingerprint(self) -> str:
        """A digest of who is reachable, how, and in which roles: a change means every
        task's recipients are worked out again (engine/reminders/marks.py)."""
        reach: tuple[object, ...] = (sorted(self._people.items()),
                                     sorted((role, sorted(p.id for p in people))
                                            for role, people in self._holders.items()))
        if self._hooks or self._role_hooks:  # unchanged for a department without hooks
            reach += (sorted(self._hooks.items()), sorted(self._role_hooks.items()))
        content = repr(reach)
        return hashlib.sha1(content.encode(), usedforsecurity=False).hexdigest()

    def get(self, user_id: int | None) -> Person | None:
        """The user if reachable."""
        return self._people.get(user_id) if user_id is not None else None

    def hook_of(self, user_id: int) -> Hook | None:
        """The reachable user's own chat hook."""
        return self._hooks.get(user_id)

    def hook_of_role(self, role: str) -> Hook | None:
        """The role's chat hook."""
        return self._role_hooks.get(role)

    def holders(self, *roles: str) -> list[Person]:
        """Reachable holders of any of `roles`, each once, in id order."""
        found = {p.id: p for role in roles for p in self._holders.get(role, [])}
        return [found[i] for i in sorted(found)]

    def roles_of(self, user_id: int) -> set[str]:
        """The roles a reachable user holds."""
        return {role for role, people in self._holders.items()
                if any(p.id == user_id for p in people)}

    def __iter__(self) -> Iterator[Person]:
        """Every reachable user."""
        return iter(self._people.values())
