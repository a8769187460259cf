"""Validation without storing anything: what the editor shows before a deploy."""

from __future__ import annotations

from engine.errors import DeploymentInvalid, Problem

from .bundle import Bundle
from .compile import compile_bundle


def validate_bundle(bundle: Bundle) -> list[Problem]:
    """Every problem of `bundle` (file, element id, reason); empty when it would deploy."""
    _compiled, problems = compile_bundle(bundle)
    return problems


def validate_files(files: dict[str, str]) -> list[Problem]:
    """Like validate_bundle, from editor text (name -> text); bad names become problems."""
    try:
        bundle = Bundle.from_items((n, t.encode("utf-8")) for n, t in files.items())
    except DeploymentInvalid as err:
        return list(err.problems)
    return validate_bundle(bundle)
