"""Store a validated bundle as new process versions, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.audit import record
from engine.clock import Clock
from engine.errors import DeploymentInvalid
from engine.models import ProcessDefinition, User

from .bundle import Bundle
from .compile import compile_bundle
from .current import set_current
from .spec_cache import SpecCache


@dataclass(frozen=True)
class DeployedProcess:
    """What a deployment did to one process."""

    key: str
    version: int
    definition_id: int
    created: bool
    made_current: bool = False  # identical to an earlier version, which is current again


def deploy(
    session: Session, bundle: Bundle, *, deployed_by: User | None, clock: Clock, cache: SpecCache
) -> list[DeployedProcess]:
    """Validate `bundle` and store a new version of every process whose files changed.

    Raises DeploymentInvalid listing every problem (file, element id, reason) and writes
    nothing if any is found. A new version becomes current; identical content creates no
    version but makes the version it matches current again (current.py). The caller commits.
    """
    compiled, problems = compile_bundle(bundle)
    if problems:
        raise DeploymentInvalid(problems)
    results: list[DeployedProcess] = []
    now = clock.now()
    for key in sorted(compiled):
        process = compiled[key]
        digest = process.content_hash
        existing = session.scalars(
            select(ProcessDefinition).where(
                ProcessDefinition.key == key, ProcessDefinition.content_hash == digest
            )
        ).first()
        if existing is not None:
            cache.put(process)
            again = set_current(session, existing, actor=deployed_by, now=now,
                                reason="redeployed")
            results.append(DeployedProcess(key, existing.version, existing.id, created=False,
                                           made_current=again))
            continue
        latest = session.scalar(
            select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key)
        )
        definition = ProcessDefinition(
            key=key,
            version=(latest or 0) + 1,
            name=process.name,
            name_en=process.name_en,
            content_hash=digest,
            files={name: data.decode("utf-8") for name, data in process.files.items()},
            lanes=process.lanes,
            deployed_by_id=deployed_by.id if deployed_by else None,
            deployed_at=now,
        )
        session.add(definition)
        session.flush()
        set_current(session, definition, actor=deployed_by, now=now, reason="deployed")
        cache.put(process)
        record(session, "process_deployed", at=now, actor=deployed_by, process_key=key,
               data={"version": definition.version, "content_hash": digest})
        results.append(DeployedProcess(key, definition.version, definition.id, created=True))
    return results
