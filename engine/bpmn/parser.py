"""keyflow's BPMN/DMN parser: SpiffWorkflow's Spiff dialect with clock-aware timers.

Plain tasks (`bpmn:task`) run through as no-ops: SpiffWorkflow makes them manual, waiting
for someone to complete them, but a plain task names nobody who could (a manual task must
sit in a role lane instead, engine/deployment/checks.py).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser
from SpiffWorkflow.spiff.specs.defaults import NoneTask

from .timers import CLOCK_TIMERS


class _ClockTimerParsing:
    """Swap SpiffWorkflow's wall-clock timers for keyflow's clock-aware ones."""

    def parse_timer_event(self, event: Any) -> Any:
        """Parse as SpiffWorkflow does, then re-create the definition as its clock twin."""
        parsed = super().parse_timer_event(event)  # type: ignore[misc]
        twin = CLOCK_TIMERS.get(type(parsed))
        if twin is None:
            return parsed
        return twin(parsed.name, parsed.expression, description=parsed.description)


class StartEventParser(_ClockTimerParsing, SpiffStartEventParser):
    """Start events with clock-aware timers."""


class IntermediateCatchEventParser(_ClockTimerParsing, SpiffIntermediateCatchEventParser):
    """Intermediate catch events with clock-aware timers."""


class BoundaryEventParser(_ClockTimerParsing, SpiffBoundaryEventParser):
    """Boundary events with clock-aware timers."""


class PlainTask(NoneTask):
    """A `bpmn:task`: documents a step in the diagram and runs through without waiting."""

    def __init__(self, wf_spec: Any, bpmn_id: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


def _override(tag: str, parser_class: type) -> tuple[str, tuple[type, type]]:
    _, spec_class = SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag(tag)]
    return full_tag(tag), (parser_class, spec_class)


class KeyflowParser(SpiffBpmnParser):
    """Parses a bundle's BPMN and DMN; validates BPMN against the XSD (with Spiff extensions)."""

    OVERRIDE_PARSER_CLASSES = dict(
        SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        **dict(
            [
                _override("startEvent", StartEventParser),
                _override("intermediateCatchEvent", IntermediateCatchEventParser),
                _override("boundaryEvent", BoundaryEventParser),
                (full_tag("task"), (SpiffTaskParser, PlainTask)),
            ]
        ),
    )

    def __init__(self) -> None:
        super().__init__(validator=VALIDATOR)
