"""The engine's front door: one object, given its collaborators, exposing every command.

Every method takes a SQLAlchemy Session and leaves committing to the caller (a web
request or a Celery task), so each command is one transaction (design.md invariant 1).
Concurrent changes surface as `Conflict`, never as a half-written state.

The web and the workers reach the engine through this module, the read side in
engine/queries, and the errors in engine/errors (plus `StateUnreadable`, re-exported here:
a command on an instance whose saved state cannot be loaded raises it, and the caller
records that as the instance's failure with `record_instance_failure`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import attachments, comments, contracts, customer_import, customer_links
from engine.attachments import AttachmentStore, Upload
from engine.chat import hooks as chat_hooks
from engine.chat.addresses import HookHosts
from engine.chat.hooks import HookRequest
from engine.clock import Clock, SystemClock, bind_clock
from engine.customer_links import CustomerAnswer, LinkSigner
from engine.deployment import Bundle, DeployedProcess, SpecCache, deploy
from engine.deployment.current import make_current
from engine.errors import Conflict, Forbidden
from engine.kpis.targets import Target, set_month_targets
from engine.models import (
    Attachment,
    ChatHook,
    Comment,
    Contract,
    CustomerImport,
    CustomerLink,
    HumanTask,
    Notification,
    ProcessDefinition,
    ProcessInstance,
    Substitution,
    User,
)
from engine.retention import archive, failures
from engine.roles import KPI_TARGET_ROLES, PROCESS_OWNER_ROLES
from engine.runtime import (
    assignment,
    instances,
    retry,
    substitutes,
    tasks,
    timers,
    version_migration,
)
from engine.runtime.access import may_handle_incidents
from engine.runtime.context import Runtime
from engine.runtime.failures import StateUnreadable

__all__ = ["StateUnreadable", "WorkflowEngine"]

T = TypeVar("T")


class WorkflowEngine:
    """Deploys bundles and runs instances; see each method for its transaction's effects."""

    def __init__(self, clock: Clock | None = None, specs: SpecCache | None = None,
                 script_time_limit: float = 2.0) -> None:
        self.runtime = Runtime(clock=clock or SystemClock(), specs=specs or SpecCache(),
                               script_time_limit=script_time_limit)

    @property
    def clock(self) -> Clock:
        """The clock every command reads."""
        return self.runtime.clock

    def _guarded(self, session: Session, command: Callable[[], T]) -> T:
        """Turn lost races into Conflict; the caller's rollback then discards everything."""
        bind_clock(session, self.clock)  # checks inside the command read the engine's time
        try:
            result = command()
            session.flush()
            return result
        except StaleDataError as err:
            raise Conflict("someone else changed this instance first; reload and retry") from err
        except OperationalError as err:
            if "locked" in str(err.orig).lower():
                raise Conflict("the database is busy with another change; retry") from err
            raise

    def deploy(self, session: Session, bundle: Bundle, user: User | None = None
               ) -> list[DeployedProcess]:
        """Validate and store `bundle`; raises DeploymentInvalid listing every problem."""
        return deploy(session, bundle, deployed_by=user, clock=self.clock, cache=self.runtime.specs)

    def make_current(self, session: Session, key: str, version: int, user: User
                     ) -> tuple[ProcessDefinition, bool]:
        """Make version `version` of `key` the one new instances start on (process owners:
        Forbidden otherwise; NotFound when there is no such version); running instances
        stay where they are. Returns the version and whether anything changed."""
        if not user.role_names & set(PROCESS_OWNER_ROLES):
            raise Forbidden("only process owners choose the current version")
        return make_current(session, key, version, actor=user, now=self.clock.now())

    def start_instance(self, session: Session, key: str, user: User, *,
                       data: dict[str, Any] | None = None, business_key: str | None = None,
                       customer_name: str | None = None, owner: str | None = None
                       ) -> ProcessInstance:
        """Start the current version of process `key` as `user` (for `owner`, a senior
        manager's user name, when a leader starts it on their behalf)."""
        return self._guarded(session, lambda: instances.start_instance(
            session, self.runtime, key, user, data=data, business_key=business_key,
            customer_name=customer_name, owner=owner))

    def claim_task(self, session: Session, task_id: int, user: User) -> HumanTask:
        """Claim an offered task (409 if someone else holds it)."""
        return self._guarded(session,
                             lambda: tasks.claim_task(session, self.runtime, task_id, user))

    def note_task_opened(self, session: Session, task: HumanTask, user: User) -> bool:
        """Record the first time the task's assignee opens it (the indicators' wait)."""
        return tasks.note_opened(session, self.runtime, task, user)

    def add_comment(self, session: Session, user: User, instance_id: int, text: str,
                    task_id: int | None = None) -> Comment:
        """Comment on an instance (or one of its tasks) the user sees; mails @mentions."""
        return comments.add_comment(session, user, instance_id, text, task_id,
                                    self.clock.now())

    def add_attachment(self, session: Session, store: AttachmentStore, user: User,
                       instance_id: int, upload: Upload, *, task_id: int | None = None,
                       max_bytes: int, language: str | None = None) -> Attachment:
        """Keep a file (checked by content, at most `max_bytes`) with an instance the user
        sees, or one of its tasks; the file is removed again if the transaction rolls back."""
        return attachments.add_attachment(session, store, user, instance_id, upload,
                                          task_id=task_id, max_bytes=max_bytes,
                                          language=language, now=self.clock.now())

    def record_contract(self, session: Session, user: User, customer_id: int,
                        **fields: Any) -> Contract:
        """Add a signed contract to a customer's register (its owner or the clerk)."""
        return contracts.record_contract(session, user, customer_id, now=self.clock.now(),
                                         number=fields.get("number"),
                                         signed_on=fields.get("signed_on"),
                                         volume=fields.get("volume"), note=fields.get("note"))

    def void_contract(self, session: Session, user: User, customer_id: int, contract_id: int,
                      reason: str) -> Contract:
        """Void a recorded contract with a reason; it stays in the register's history."""
        return contracts.void_contract(session, user, customer_id, contract_id, reason,
                                       self.clock.now())

    def set_kpi_targets(self, session: Session, user: User, month: str,
                        targets: list[Any]) -> list[Target]:
        """Replace the indicators' targets of `month` (YYYY-MM); 422 naming each bad one."""
        if not user.role_names & KPI_TARGET_ROLES:
            raise Forbidden("only department heads and marketing directors set targets")
        return set_month_targets(session, user, month, targets, self.clock.now())

    def unclaim_task(self, session: Session, task_id: int, user: User) -> HumanTask:
        """Give a claimed task back to its role."""
        return self._guarded(session,
                             lambda: tasks.unclaim_task(session, self.runtime, task_id, user))

    def complete_task(self, session: Session, task_id: int, user: User,
                      data: dict[str, Any]) -> HumanTask:
        """Complete a task with form data (422 on invalid data, 409 if already done)."""
        return self._guarded(session, lambda: tasks.complete_task(
            session, self.runtime, task_id, user, data))

    def reassign_task(self, session: Session, task_id: int, user: User, to: str) -> HumanTask:
        """Give an open task to the colleague called `to` who holds its role (its holder or
        a leader; 403 for others, 422 for a user who cannot take it, 409 once it is done)."""
        return self._guarded(session, lambda: assignment.reassign_task(
            session, self.runtime, task_id, user, to))

    def change_owner(self, session: Session, instance_id: int, user: User, to: str
                     ) -> ProcessInstance:
        """Make the senior manager called `to` the owner of a running instance; its open
        senior-manager tasks move with it (leaders and admins; 422, 409 as above)."""
        return self._guarded(session, lambda: assignment.change_owner(
            session, self.runtime, instance_id, user, to))

    def set_substitute(self, session: Session, user: User, *, substitute: str,
                       starts_on: date, ends_on: date, tz: ZoneInfo,
                       absent: str | None = None) -> Substitution:
        """Name who stands in for `absent` (default `user`) on the days given (422 on bad
        days or users, 403 when arranging it for someone else without leading)."""
        return self._guarded(session, lambda: substitutes.set_substitute(
            session, self.runtime, user, substitute=substitute, starts_on=starts_on,
            ends_on=ends_on, tz=tz, absent=absent))

    def end_substitute(self, session: Session, user: User, substitution_id: int
                       ) -> Substitution:
        """End a substitution now (404 for those who may not see it)."""
        return self._guarded(session, lambda: substitutes.end_substitute(
            session, self.runtime, user, substitution_id))

    def complete_via_link(self, session: Session, signer: LinkSigner, task_id: int, token: str,
                          answer: CustomerAnswer) -> CustomerLink:
        """Complete a customer-lane task with the customer's answer through its one-time link
        (LinkRefused saying why not; 422 on an answer the form refuses; 409 on a lost race)."""
        return self._guarded(session, lambda: customer_links.complete_via_link(
            session, self.runtime, signer, task_id, token, answer))

    def import_customers(self, session: Session, user: User, upload: customer_import.Upload,
                         language: str) -> customer_import.ImportReport | CustomerImport:
        """Check an .xlsx/.csv customer list and, unless a dry run or a row has a problem,
        import every row (the caller commits); a queued job for more than SYNC_ROWS rows."""
        return customer_import.import_customers(session, self.clock, user, upload, language)

    def claim_customer_import(self, session: Session) -> int | None:
        """Take the next queued customer import for this worker (its id), or None."""
        return customer_import.claim_job(session, self.clock.now())

    def run_customer_import(self, transaction: customer_import.Transaction, job_id: int
                            ) -> None:
        """Run a claimed import job in transactions of its own (all rows or none)."""
        customer_import.run_job(transaction, self.clock, job_id)

    def cancel_instance(self, session: Session, instance_id: int, user: User,
                        reason: str = "") -> ProcessInstance:
        """Cancel an instance and its open tasks (a failed one needs a reason, 422)."""
        return self._guarded(session, lambda: instances.cancel_instance(
            session, self.runtime, instance_id, user, reason))

    def retry_instance(self, session: Session, instance_id: int, user: User, *,
                       to_version: int | None = None) -> ProcessInstance:
        """Re-run a failed instance from its failed step, optionally on a newer version first
        (409 unless it is in `error`); it may end up in `error` again, with the new reason."""
        return self._guarded(session, lambda: retry.retry_instance(
            session, self.runtime, instance_id, user, to_version=to_version))

    def migrate_instance(self, session: Session, instance_id: int, definition_id: int,
                         user: User) -> ProcessInstance:
        """Move a running or failed instance to a newer version of its process (process
        owners and admins; 409 with the reasons when it cannot move)."""
        if not may_handle_incidents(user):
            raise Forbidden("only process owners and admins move instances between versions")
        return self._guarded(session, lambda: version_migration.migrate_instance(
            session, self.runtime, instance_id, definition_id, user))

    def due_timer_instances(self, session: Session, now: datetime | None = None,
                            limit: int = 200, after_id: int = 0) -> list[int]:
        """Ids of running instances with a timer due at `now` (ascending, above `after_id`)."""
        return timers.due_instance_ids(session, now or self.clock.now(), limit, after_id)

    def fire_timer(self, session: Session, instance_id: int, now: datetime | None = None
                   ) -> bool:
        """Fire one instance's due timers (one command); False if it was no longer due.

        Raises Conflict on a lost race (fire it next time) and StateUnreadable when its
        saved state cannot be loaded (record that with `record_instance_failure`).
        """
        return self._guarded(session, lambda: timers.fire_instance(
            session, self.runtime, instance_id, now or self.clock.now()))

    def record_instance_failure(self, session: Session, instance_id: int, err: BaseException,
                                now: datetime | None = None) -> bool:
        """Put a running instance into `error` because of `err` (its state is not loaded)."""
        return self._guarded(session, lambda: timers.record_failure(
            session, instance_id, err, now or self.clock.now()))

    def fire_due_timers(self, session: Session, now: datetime | None = None,
                        limit: int = 200) -> int:
        """Fire the timers due at `now` in this transaction, a savepoint per instance: one that
        fails is recorded as its error and the others still fire. Returns how many moved."""
        return self._guarded(session, lambda: timers.fire_due_timers(
            session, self.runtime, now, limit))

    def archivable_instances(self, session: Session, cutoff: datetime, limit: int = 200,
                             after_id: int = 0) -> list[int]:
        """Ids of completed or cancelled instances that ended before `cutoff` and are not
        archived yet (ascending, above `after_id`)."""
        return archive.archivable_ids(session, cutoff, limit, after_id)

    def archive_instance(self, session: Session, instance_id: int, cutoff: datetime,
                         now: datetime | None = None, *, blank_contacts: bool = False) -> bool:
        """Archive one ended instance (retention): store its diagram path, drop its saved
        state, optionally blank its contact data; False if it is no longer archivable.
        Raises if its state cannot be read (nothing changed: record it and go on)."""
        return self._guarded(session, lambda: archive.archive_instance(
            session, self, instance_id, cutoff, now or self.clock.now(),
            blank=blank_contacts))

    def record_archive_failure(self, session: Session, instance_id: int, reason: str,
                               now: datetime, tz: ZoneInfo) -> bool:
        """Record that an instance could not be archived (a `failed` outbox row a day)."""
        return failures.record_failure(session, instance_id, reason, now, tz)

    def set_chat_hook(self, session: Session, user: User, role: str | None,
                      request: HookRequest, hosts: HookHosts) -> ChatHook:
        """Set the user's own work-chat hook, or (admins) a role's; InvalidData names each
        field that cannot be used, in the user's language (engine/chat/hooks.py)."""
        return self._guarded(session, lambda: chat_hooks.set_hook(
            session, user, role, request, hosts, self.clock.now()))

    def remove_chat_hook(self, session: Session, user: User, role: str | None) -> bool:
        """Remove the user's own chat hook, or (admins) a role's; whether there was one."""
        return self._guarded(session, lambda: chat_hooks.remove_hook(
            session, user, role, self.clock.now()))

    def test_chat_hook(self, session: Session, user: User, role: str | None) -> Notification:
        """Queue a test message to the user's own hook or (admins) a role's."""
        return self._guarded(session, lambda: chat_hooks.send_test(
            session, user, role, self.clock.now()))
