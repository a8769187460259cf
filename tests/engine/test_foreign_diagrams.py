"""Diagrams from other modellers (Camunda Modeler, Signavio, Bizagi…): every refusal names the
element (id and name), says what is wrong and what to do, in the reader's language; none is
a traceback or a programmer's message passed through."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.deployment import Bundle
from engine.errors import DeploymentInvalid
from engine.i18n import texts_for
from engine.models import InstanceStatus, ProcessDefinition

FOREIGN = Path(__file__).parents[1] / "data" / "foreign"

REFUSED = {
    # folder: (element id, words the English reason holds)
    "empty_timer": ("wait", ['"Wait a bit" (wait)', "has no time", '"P3D"']),
    "not_executable": ("not_executable", ['"Order handling"', 'isExecutable="true"']),
    "multiple_outgoing": ("calc", ['"Calculate" (calc)', "add a gateway"]),
    "no_decision": ("rule", ['"Classify" (rule)', "calledDecisionId"]),
    "no_operator": ("svc", ['"Send invoice" (svc)', "keyflow.set_customer",
                            "keyflow.file_customer", "keyflow.notify_role"]),
    "data_store": (None, ['"CRM"', "Remove the data store"]),
    "sub_no_start": ("inner", ['"Check papers" (inner)', "start event inside it"]),
    "complexgw": ("x", ['"Cx" (x)', "bpmn:complexGateway", "cannot run"]),
    "msg_ref": ("x", ['"Wait msg" (x)', "does not define"]),
    "call_none": ("x", ['"Call it" (x)', "called element"]),
}
RAW = re.compile(r"0x[0-9a-f]{6,}|Traceback|<Element|tasks of type\.|id \"None\"|"
                 r"\{http://|Error\(|\.\. ")


@pytest.mark.parametrize("folder", sorted(REFUSED))
def test_foreign_diagram_refusal_says_what_to_do(session, kf, folder):
    element_id, words = REFUSED[folder]
    with pytest.raises(DeploymentInvalid) as caught:
        kf.deploy(session, Bundle.from_folder(FOREIGN / folder))
    problems = caught.value.problems
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.element_id == element_id
    assert problem.file and problem.file.endswith(".bpmn")
    for word in words:
        assert word in problem.reason, problem.reason
    assert not RAW.search(problem.reason), problem.reason
    chinese = problem.text(texts_for("zh"))
    assert chinese != problem.reason and re.search(r"[\u4e00-\u9fff]", chinese), chinese
    assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def test_bpmn20_xml_export_deploys_and_its_print_goes_to_the_log(session, kf, users, caplog):
    caplog.set_level(logging.INFO, logger="keyflow.scripts")
    bundle = Bundle.from_folder(FOREIGN / "camunda_export")
    assert list(bundle.files) == ["order.bpmn"]
    uploaded = Bundle.from_items([("exports/order.bpmn20.xml",
                                   (FOREIGN / "camunda_export" / "order.bpmn20.xml").read_bytes())])
    assert list(uploaded.files) == ["order.bpmn"]
    [deployed] = kf.deploy(session, bundle)
    assert deployed.key == "order_export"
    instance = kf.start_instance(session, "order_export", users["admin"])
    assert instance.status == InstanceStatus.COMPLETED, instance.error
    [line] = [r for r in caplog.records if r.name == "keyflow.scripts"]
    assert line.getMessage() == "script output: counted 3"
    assert line.instance_id == instance.id and line.element_id == "count"
