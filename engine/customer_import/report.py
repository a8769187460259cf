"""The report of a check or an import: rows read, customers imported, the problems found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .checking import RowProblem

MAX_PROBLEMS = 1000  # listed; the rest are counted in `problems_left_off`


@dataclass
class ImportReport:
    """What the API answers: `rows` read, `imported` (created + updated), the problems."""

    rows: int
    dry_run: bool
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def imported(self) -> int:
        """Customers created or updated (0 on a dry run or when any row has a problem)."""
        return self.created + self.updated

    def listed_problems(self) -> list[dict[str, Any]]:
        """The first MAX_PROBLEMS problems, by row."""
        ordered = sorted(self.problems, key=lambda p: p.row)
        return [p.as_dict() for p in ordered[:MAX_PROBLEMS]]

    @property
    def problems_left_off(self) -> int:
        """Problems beyond those listed."""
        return max(0, len(self.problems) - MAX_PROBLEMS)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"rows": self.rows, "imported": self.imported, "updated": self.updated,
                "dry_run": self.dry_run, "problems": self.listed_problems(),
                "problems_left_off": self.problems_left_off}
