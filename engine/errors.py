"""The engine's exception family; the web and worker edges translate each to a status once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bundle: which file, which element, why."""

    file: str | None
    element_id: str | None
    reason: str

    def as_dict(self) -> dict[str, str | None]:
        """JSON-friendly form."""
        return {"file": self.file, "element_id": self.element_id, "reason": self.reason}


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
