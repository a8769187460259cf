"""The engine's exception family; the web and worker edges translate each to a status once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class KeyflowError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(KeyflowError):
    """The object does not exist, or the caller may not know that it does (HTTP 404)."""

    code = "not_found"


class Forbidden(KeyflowError):
    """The caller sees the object but may not do this to it (HTTP 403)."""

    code = "forbidden"


class Conflict(KeyflowError):
    """Someone else changed the object first; nothing was changed (HTTP 409)."""

    code = "conflict"


class BackupRefused(Conflict):
    """A backup cannot be made or restored as asked (a database that is not empty, a schema
    newer than the code, a missing or too old pg_dump); nothing was changed."""

    code = "backup_refused"


class MalformedRequest(KeyflowError):
    """The request itself cannot be read, e.g. JSON nested too deeply (HTTP 400)."""

    code = "bad_request"


class InvalidData(KeyflowError):
    """Submitted data breaks the form's schema; details map field paths to messages (HTTP 422)."""

    code = "invalid_data"


class Translator(Protocol):
    """What a Problem needs to speak a reader's language (engine.i18n.Texts has it)."""

    def _(self, message: str, **values: Any) -> str:
        """`message` translated, its placeholders filled."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bundle: which file, which element, why.

    `reason` is English. A problem made with `Problem.said` also keeps its gettext message
    id and values, so the edge can show it in the reader's language (`text`); values named
    `what` and `reason` are message ids too (a text the catalog lacks shows as it is).
    """

    file: str | None
    element_id: str | None
    reason: str
    message: str | None = None
    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def said(cls, file: str | None, element_id: str | None, message: str, **values: Any
             ) -> Problem:
        """A problem whose reason is `message` (an English gettext id, marked with N_ where
        it is written) with its `{name}` placeholders filled from `values`."""
        shown = tuple((k, str(v)) for k, v in values.items())
        return cls(file, element_id, message.format(**dict(shown)), message, shown)

    def text(self, t: Translator | None = None) -> str:
        """The reason in `t`'s language (English without one, or when it has no message id)."""
        if t is None or self.message is None:
            return self.reason
        values = dict(self.values)
        for name in ("what", "reason"):  # by convention message ids themselves ("the timer");
            if name in values:           # one keyflow did not write reads as it is
                values[name] = t._(values[name])
        return t._(self.message, **values)

    def as_dict(self, t: Translator | None = None) -> dict[str, str | None]:
        """JSON-friendly form; the reason in `t`'s language when given."""
        return {"file": self.file, "element_id": self.element_id, "reason": self.text(t)}


@dataclass
class DeploymentInvalid(KeyflowError):
    """A bundle failed validation; every problem is listed and nothing was deployed (HTTP 422)."""

    problems: list[Problem] = field(default_factory=list)
    code = "invalid_bundle"

    def __post_init__(self) -> None:
        lines = "; ".join(
            f"{p.file or '-'}:{p.element_id or '-'}: {p.reason}" for p in self.problems
        )
        super().__init__(f"the bundle has {len(self.problems)} problem(s): {lines}",
                         [p.as_dict() for p in self.problems])


@dataclass
class BundleTooLarge(DeploymentInvalid):
    """An upload (a zip bundle) is, or unpacks to, more than the limits allow (HTTP 413)."""

    code = "bundle_too_large"


class FileTooLarge(KeyflowError):
    """An uploaded file is larger than the configured limit (HTTP 413); nothing was kept."""

    code = "file_too_large"
