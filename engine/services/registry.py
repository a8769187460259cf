"""Service tasks' back end: a registry of named handlers, bound to one command at a time.

A BPMN service task names an operation (`<spiffworkflow:serviceTaskOperator id="keyflow.x">`);
SpiffWorkflow evaluates its parameters in the sandbox and asks the script engine to call it.
The script engine delegates to a `BoundServices` that the running command gave it, so every
handler writes through the command's own session: one command, one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.models import ProcessInstance, User
from engine.sandbox.script_engine import ServiceFailed


class ServiceError(ServiceFailed):
    """A service could not do its work with the data it was given (the instance goes to error)."""


class UnknownService(ServiceError):
    """The diagram names a service keyflow does not have (deployment refuses it first)."""


@dataclass(frozen=True)
class ServiceContext:
    """What a handler may use: the command's session, the instance, the time and the actor."""

    session: Session
    instance: ProcessInstance
    now: datetime
    actor: User | None  # None when a timer moved the instance
    element_id: str | None = None  # the service task's BPMN id
    task_id: str | None = None  # the SpiffWorkflow task id: unique per run of the element


Handler = Callable[[ServiceContext, dict[str, Any], Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Service:
    """A handler, the parameters a diagram must give it and the others it may give."""

    name: str
    handler: Handler
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    def parameter_problems(self, given: Iterable[str]) -> list[str]:
        """What is wrong with a call giving the parameters `given` (a typo is not ignored)."""
        names = set(given)
        problems = []
        missing = [p for p in self.required if p not in names]
        if missing:
            problems.append(f"service {self.name!r} needs the parameter(s) {', '.join(missing)}")
        unknown = sorted(names - set(self.required) - set(self.optional))
        if unknown:
            problems.append(f"service {self.name!r} has no parameter(s) {', '.join(unknown)}")
        return problems


class ServiceRegistry:
    """Service name -> handler. Handlers return JSON-like data (the task's result variable)."""

    def __init__(self, services: Iterable[Service] = ()) -> None:
        self._services: dict[str, Service] = {}
        for service in services:
            self.register(service)

    def register(self, service: Service) -> None:
        """Add (or replace) a service."""
        self._services[service.name] = service

    def get(self, name: str) -> Service | None:
        """The service called `name`, if there is one."""
        return self._services.get(name)

    def names(self) -> frozenset[str]:
        """Every registered service name."""
        return frozenset(self._services)

    def bind(self, ctx: ServiceContext) -> BoundServices:
        """The services as one command may call them."""
        return BoundServices(self, ctx)


class BoundServices:
    """A registry bound to one command's context; what the script engine calls."""

    def __init__(self, registry: ServiceRegistry, ctx: ServiceContext) -> None:
        self.registry = registry
        self.ctx = ctx

    def call(self, name: str, params: dict[str, Any], data: Mapping[str, Any], *,
             element_id: str | None = None, task_id: str | None = None) -> Any:
        """Run service `name` with evaluated `params` against the task's `data`."""
        service = self.registry.get(name)
        if service is None:
            raise UnknownService(f"no service called {name!r}")
        problems = service.parameter_problems(params)
        if problems:
            raise ServiceError("; ".join(problems))
        ctx = replace(self.ctx, element_id=element_id, task_id=task_id)
        return service.handler(ctx, params, data)
