"""A user the token cache keeps, made an object of a command's session.

A request that may write needs its user in its own session (a command gives it to rows:
an instance's owner, a task's holder). `Session.merge(user, load=False)` does that by
walking every attribute and cascading into the roles and the chat hook, which cost a
twentieth of the server's CPU on the reference workload, where every submit merges the
same user. The cached copy is always the same shape (columns, roles and chat hook loaded:
engine.accounts.TokenCache), so its copy is made as the ORM's loader makes loaded objects
(engine.orm_rows.as_loaded): the user, its roles and its hook in the session's identity
map, clean, the relationships set as loaded values. tests/engine/test_attached_users.py
holds it to what merge gives.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.models import ChatHook, Role, User
from engine.orm_rows import as_loaded

_USER = cast(Mapper[Any], inspect(User))
_ROLE = cast(Mapper[Any], inspect(Role))
_HOOK = cast(Mapper[Any], inspect(ChatHook))
_USER_KEYS = tuple(prop.key for prop in _USER.column_attrs)
_HOOK_KEYS = tuple(prop.key for prop in _HOOK.column_attrs)


def attach_user(session: Session, cached: User) -> User:
    """`session`'s object of the detached `cached` user: what `session.merge(cached,
    load=False)` returns, made without merge's walk (no statement either way)."""
    held = cached.__dict__
    identity = _USER.identity_key_from_primary_key((held.get("id"),))
    if identity in session.identity_map or "roles" not in held or "chat_hook" not in held \
            or any(key not in held for key in _USER_KEYS):
        return session.merge(cached, load=False)  # not the cache's shape: the general way
    roles = [as_loaded(session, _ROLE, {"name": role.name}, key="name") for role in held["roles"]]
    hook = held["chat_hook"]
    if hook is not None:
        hook = as_loaded(session, _HOOK, {key: getattr(hook, key) for key in _HOOK_KEYS})
    user = cast(User, as_loaded(session, _USER, {key: held[key] for key in _USER_KEYS}))
    set_committed_value(user, "roles", roles)
    set_committed_value(user, "chat_hook", hook)
    return user
