"""Task ids between their text in a saved state and SpiffWorkflow's `UUID`s, each made once.

A saved state names every task three times (its key, its own `id`, and in its parent's
`children`, besides the children's `parent`), and SpiffWorkflow's converters parse each of
them with `UUID(text)` and write each back with `str(uuid)`: a `UUID` built from text costs
a few microseconds, its text as much again, and a state of ten tasks did ~30 of each per
restore and ~40 texts per save. `IdsRead` gives one `UUID` object per text in a restore (so
dictionary lookups of the tree match by identity), taken from the ids recently read by this
process (most of a state's tasks were in the state the previous command restored) or parsed
once; it remembers each id's text in an `IdTexts`, which the saves of the restored workflow
reuse. Both give exactly what `UUID(text)` and `str(uuid)` give: only texts in the form
`str(uuid)` writes are taken as they are, any other goes through `UUID(text)`.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID, SafeUUID

KNOWN_IDS = 10_000  # ids kept by their text (~3 MB); all are forgotten when full
_known: dict[str, UUID] = {}  # canonical text -> its UUID (immutable, so shared)
_canonical = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z").match
_ATTRIBUTE = "_keyflow_id_texts"
_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown


def _known_id(text: str) -> UUID | None:
    """The UUID of a text in the form `str(uuid)` writes (so `str` gives `text` back)."""
    uuid = _known.get(text)
    if uuid is None and _canonical(text):
        uuid = _new(UUID)
        _set(uuid, "int", int(text.replace("-", ""), 16))
        _set(uuid, "is_safe", _UNKNOWN)  # as UUID(text) sets it
        if len(_known) >= KNOWN_IDS:
            _known.clear()
        _known[text] = uuid
    return uuid


def parse_id(text: str) -> UUID:
    """`UUID(text)`, without its general parsing for the texts `str(uuid)` writes."""
    uuid = _known_id(text) if type(text) is str else None
    return uuid if uuid is not None else UUID(text)


class IdTexts(dict[UUID, str]):
    """`UUID` -> its text (`texts[uuid]`, made with `str` once)."""

    def __missing__(self, uuid: UUID) -> str:
        text = self[uuid] = str(uuid)
        return text


class IdsRead(dict[str, UUID]):
    """Text -> `UUID` (`ids[text]`) for one restore; `texts` holds the canonical ones back."""

    def __init__(self) -> None:
        super().__init__()
        self.texts = IdTexts()

    def __missing__(self, text: str) -> UUID:
        uuid = _known_id(text) if type(text) is str else None
        if uuid is None:
            uuid = UUID(text)
        else:
            self.texts[uuid] = text
        self[text] = uuid
        return uuid


def id_texts(workflow: Any) -> IdTexts:
    """The id texts remembered for `workflow` (made and remembered on first use)."""
    texts = getattr(workflow, _ATTRIBUTE, None)
    if type(texts) is not IdTexts:
        texts = IdTexts()
        setattr(workflow, _ATTRIBUTE, texts)
    return texts


def remember_texts(workflow: Any, texts: IdTexts) -> None:
    """Let later saves of `workflow` reuse the texts its ids were restored from."""
    setattr(workflow, _ATTRIBUTE, texts)
