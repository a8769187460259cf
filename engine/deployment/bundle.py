"""A deployable bundle: BPMN, DMN and form files, from a folder or an upload."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from engine.errors import DeploymentInvalid, Problem
from engine.i18n import N_

MAX_FILES = 200
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
SUFFIXES = (".bpmn", ".dmn", ".json")
# Camunda, Activiti and Flowable export `name.bpmn20.xml`; it is stored as `name.bpmn`.
LONG_SUFFIXES = {".bpmn20.xml": ".bpmn"}


def accepted(name: str) -> bool:
    """Whether a file called `name` belongs in a bundle (by its suffix)."""
    lower = name.lower()
    return name.endswith(SUFFIXES) or lower.endswith(tuple(LONG_SUFFIXES))


@dataclass(frozen=True)
class Bundle:
    """Files by normalised relative name (`x.bpmn`, `forms/review.json`)."""

    files: Mapping[str, bytes] = field(default_factory=dict)

    @property
    def bpmn_names(self) -> list[str]:
        """The BPMN files, sorted."""
        return sorted(n for n in self.files if n.endswith(".bpmn"))

    @property
    def dmn_names(self) -> list[str]:
        """The DMN files, sorted."""
        return sorted(n for n in self.files if n.endswith(".dmn"))

    @property
    def form_names(self) -> list[str]:
        """The form (JSON Schema) files, sorted."""
        return sorted(n for n in self.files if n.endswith(".json"))

    @classmethod
    def from_folder(cls, folder: str | Path) -> Bundle:
        """Read every .bpmn/.dmn file of `folder` and its `forms/*.json`."""
        root = Path(folder)
        if not root.is_dir():
            raise DeploymentInvalid([Problem.said(str(root), None, N_("no such folder"))])
        paths = [p for p in root.iterdir()
                 if accepted(p.name) and p.suffix != ".json" and p.is_file()]
        forms = root / "forms"
        if forms.is_dir():
            paths += [p for p in forms.iterdir() if p.suffix == ".json" and p.is_file()]
        problems = [Problem.said(p.name, None, N_("file too large")) for p in paths
                    if p.stat().st_size > MAX_FILE_BYTES]
        if problems:
            raise DeploymentInvalid(problems)
        return cls.from_items((p.relative_to(root).as_posix(), p.read_bytes()) for p in paths)

    @classmethod
    def from_items(cls, items: Iterable[tuple[str, bytes]]) -> Bundle:
        """Build from (name, content) pairs, e.g. an upload; enforce names and limits."""
        files: dict[str, bytes] = {}
        problems: list[Problem] = []
        total = 0
        for raw_name, content in items:
            name = normalise_name(raw_name)
            if name is None:
                problems.append(Problem.said(raw_name, None, N_(
                    "unsupported file name or type")))
                continue
            if len(content) > MAX_FILE_BYTES:
                problems.append(Problem.said(name, None, N_(
                    "file too large: {size} bytes, the limit is {limit}"),
                    size=len(content), limit=MAX_FILE_BYTES))
                continue
            if name in files:
                problems.append(Problem.said(name, None, N_(
                    "the bundle has this file twice")))
                continue
            total += len(content)
            files[name] = content
        if len(files) > MAX_FILES:
            problems.append(Problem.said(None, None, N_(
                "{count} files; the limit is {limit}"), count=len(files), limit=MAX_FILES))
        if total > MAX_BUNDLE_BYTES:
            problems.append(Problem.said(None, None, N_(
                "bundle too large: {size} bytes"), size=total))
        if not any(n.endswith(".bpmn") for n in files) and not problems:
            problems.append(Problem.said(None, None, N_(
                "the bundle has no .bpmn file")))
        if problems:
            raise DeploymentInvalid(problems)
        return cls(files)


def normalise_name(raw: str) -> str | None:
    """Map an uploaded name to `x.bpmn`, `x.dmn` or `forms/x.json`; None if not acceptable."""
    path = PurePosixPath(raw.replace("\\", "/"))
    name = path.name
    for long_suffix, short in LONG_SUFFIXES.items():
        if name.lower().endswith(long_suffix) and len(name) > len(long_suffix):
            name = name[:-len(long_suffix)] + short
            path = path.with_name(name)
    if not name or name.startswith(".") or path.suffix not in SUFFIXES:
        return None
    if any(part in ("..", "") for part in path.parts[:-1]):
        return None
    if path.suffix == ".json":
        return f"forms/{name}"
    return name


def content_hash(files: Mapping[str, bytes]) -> str:
    """SHA-256 over names and contents, independent of order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()
