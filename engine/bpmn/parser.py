"""keyflow's BPMN/DMN parser: SpiffWorkflow's Spiff dialect with clock-aware timers."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

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
            ]
        ),
    )

    def __init__(self) -> None:
        super().__init__(validator=VALIDATOR)
