"""The words the bpmn-js modeler shows (palette, context pad, replace menu, search,
modelling hints), in the reader's language: the page hands them to the modeler's `translate`
(webui/static/editor.js), so nothing the editor shows stays English in Chinese.

The English texts are bpmn-js's own (node_modules/bpmn-js 18: `translate('...')` calls and
the popup entries' labels); a text bpmn-js adds later simply shows in English until listed
here. Context "modeler" keeps these apart from the same words elsewhere in the catalog.
"""

from __future__ import annotations

from ..i18n import pgettext


def modeler_words() -> dict[str, str]:
    """bpmn-js's English texts that read differently in the request's language (none in
    English), mapped to what the reader reads."""
    words = {
        "Activate create/remove space tool":
            pgettext("modeler", "Activate create/remove space tool"),
        "Activate global connect tool": pgettext("modeler", "Activate global connect tool"),
        "Activate hand tool": pgettext("modeler", "Activate hand tool"),
        "Activate lasso tool": pgettext("modeler", "Activate lasso tool"),
        "Ad-hoc sub-process": pgettext("modeler", "Ad-hoc sub-process"),
        "Ad-hoc sub-process (collapsed)": pgettext("modeler", "Ad-hoc sub-process (collapsed)"),
        "Ad-hoc sub-process (expanded)": pgettext("modeler", "Ad-hoc sub-process (expanded)"),
        "Add lane above": pgettext("modeler", "Add lane above"),
        "Add lane below": pgettext("modeler", "Add lane below"),
        "Add text annotation": pgettext("modeler", "Add text annotation"),
        "Align elements": pgettext("modeler", "Align elements"),
        "Align elements left": pgettext("modeler", "Align elements left"),
        "Align elements center": pgettext("modeler", "Align elements center"),
        "Align elements right": pgettext("modeler", "Align elements right"),
        "Align elements top": pgettext("modeler", "Align elements top"),
        "Align elements middle": pgettext("modeler", "Align elements middle"),
        "Align elements bottom": pgettext("modeler", "Align elements bottom"),
        "Append compensation activity": pgettext("modeler", "Append compensation activity"),
        "Append conditional intermediate catch event":
            pgettext("modeler", "Append conditional intermediate catch event"),
        "Append end event": pgettext("modeler", "Append end event"),
        "Append gateway": pgettext("modeler", "Append gateway"),
        "Append intermediate/boundary event":
            pgettext("modeler", "Append intermediate/boundary event"),
        "Append message intermediate catch event":
            pgettext("modeler", "Append message intermediate catch event"),
        "Append receive task": pgettext("modeler", "Append receive task"),
        "Append signal intermediate catch event":
            pgettext("modeler", "Append signal intermediate catch event"),
        "Append task": pgettext("modeler", "Append task"),
        "Append timer intermediate catch event":
            pgettext("modeler", "Append timer intermediate catch event"),
        "Boundary event": pgettext("modeler", "Boundary event"),
        "Business rule task": pgettext("modeler", "Business rule task"),
        "Call activity": pgettext("modeler", "Call activity"),
        "Cancel boundary event": pgettext("modeler", "Cancel boundary event"),
        "Cancel end event": pgettext("modeler", "Cancel end event"),
        "Change element": pgettext("modeler", "Change element"),
        "Collection": pgettext("modeler", "Collection"),
        "Compensation boundary event": pgettext("modeler", "Compensation boundary event"),
        "Compensation end event": pgettext("modeler", "Compensation end event"),
        "Compensation intermediate throw event":
            pgettext("modeler", "Compensation intermediate throw event"),
        "Compensation start event": pgettext("modeler", "Compensation start event"),
        "Complex gateway": pgettext("modeler", "Complex gateway"),
        "Conditional boundary event": pgettext("modeler", "Conditional boundary event"),
        "Conditional boundary event (non-interrupting)":
            pgettext("modeler", "Conditional boundary event (non-interrupting)"),
        "Conditional flow": pgettext("modeler", "Conditional flow"),
        "Conditional intermediate catch event":
            pgettext("modeler", "Conditional intermediate catch event"),
        "Conditional start event": pgettext("modeler", "Conditional start event"),
        "Conditional start event (non-interrupting)":
            pgettext("modeler", "Conditional start event (non-interrupting)"),
        "Connect to other element": pgettext("modeler", "Connect to other element"),
        "Connect using association": pgettext("modeler", "Connect using association"),
        "Connect using data input association":
            pgettext("modeler", "Connect using data input association"),
        "Create data object reference": pgettext("modeler", "Create data object reference"),
        "Create data store reference": pgettext("modeler", "Create data store reference"),
        "Create end event": pgettext("modeler", "Create end event"),
        "Create expanded sub-process": pgettext("modeler", "Create expanded sub-process"),
        "Create gateway": pgettext("modeler", "Create gateway"),
        "Create group": pgettext("modeler", "Create group"),
        "Create intermediate/boundary event":
            pgettext("modeler", "Create intermediate/boundary event"),
        "Create pool/participant": pgettext("modeler", "Create pool/participant"),
        "Create start event": pgettext("modeler", "Create start event"),
        "Create task": pgettext("modeler", "Create task"),
        "Data object must be placed within a pool/participant.":
            pgettext("modeler", "Data object must be placed within a pool/participant."),
        "Data object reference": pgettext("modeler", "Data object reference"),
        "Data store reference": pgettext("modeler", "Data store reference"),
        "Default flow": pgettext("modeler", "Default flow"),
        "Delete": pgettext("modeler", "Delete"),
        "Distribute elements horizontally": pgettext("modeler", "Distribute elements horizontally"),
        "Distribute elements vertically": pgettext("modeler", "Distribute elements vertically"),
        "Divide into three lanes": pgettext("modeler", "Divide into three lanes"),
        "Divide into two lanes": pgettext("modeler", "Divide into two lanes"),
        "Empty pool/participant": pgettext("modeler", "Empty pool/participant"),
        "End event": pgettext("modeler", "End event"),
        "Error boundary event": pgettext("modeler", "Error boundary event"),
        "Error end event": pgettext("modeler", "Error end event"),
        "Error start event": pgettext("modeler", "Error start event"),
        "Escalation boundary event": pgettext("modeler", "Escalation boundary event"),
        "Escalation boundary event (non-interrupting)":
            pgettext("modeler", "Escalation boundary event (non-interrupting)"),
        "Escalation end event": pgettext("modeler", "Escalation end event"),
        "Escalation intermediate throw event":
            pgettext("modeler", "Escalation intermediate throw event"),
        "Escalation start event": pgettext("modeler", "Escalation start event"),
        "Escalation start event (non-interrupting)":
            pgettext("modeler", "Escalation start event (non-interrupting)"),
        "Event based instantiating Gateway":
            pgettext("modeler", "Event based instantiating Gateway"),
        "Event sub-process": pgettext("modeler", "Event sub-process"),
        "Event-based gateway": pgettext("modeler", "Event-based gateway"),
        "Exclusive gateway": pgettext("modeler", "Exclusive gateway"),
        "Expanded pool/participant": pgettext("modeler", "Expanded pool/participant"),
        "Inclusive gateway": pgettext("modeler", "Inclusive gateway"),
        "Intermediate throw event": pgettext("modeler", "Intermediate throw event"),
        "Link intermediate catch event": pgettext("modeler", "Link intermediate catch event"),
        "Link intermediate throw event": pgettext("modeler", "Link intermediate throw event"),
        "Loop": pgettext("modeler", "Loop"),
        "Manual task": pgettext("modeler", "Manual task"),
        "Message boundary event": pgettext("modeler", "Message boundary event"),
        "Message boundary event (non-interrupting)":
            pgettext("modeler", "Message boundary event (non-interrupting)"),
        "Message end event": pgettext("modeler", "Message end event"),
        "Message intermediate catch event": pgettext("modeler", "Message intermediate catch event"),
        "Message intermediate throw event": pgettext("modeler", "Message intermediate throw event"),
        "Message start event": pgettext("modeler", "Message start event"),
        "Message start event (non-interrupting)":
            pgettext("modeler", "Message start event (non-interrupting)"),
        "Open {element}": pgettext("modeler", "Open {element}"),
        "Parallel Event based instantiating Gateway":
            pgettext("modeler", "Parallel Event based instantiating Gateway"),
        "Parallel gateway": pgettext("modeler", "Parallel gateway"),
        "Parallel multi-instance": pgettext("modeler", "Parallel multi-instance"),
        "Participant multiplicity": pgettext("modeler", "Participant multiplicity"),
        "Receive task": pgettext("modeler", "Receive task"),
        "Script task": pgettext("modeler", "Script task"),
        "Search in diagram": pgettext("modeler", "Search in diagram"),
        "Send task": pgettext("modeler", "Send task"),
        "Sequence flow": pgettext("modeler", "Sequence flow"),
        "Sequential multi-instance": pgettext("modeler", "Sequential multi-instance"),
        "Service task": pgettext("modeler", "Service task"),
        "Signal boundary event": pgettext("modeler", "Signal boundary event"),
        "Signal boundary event (non-interrupting)":
            pgettext("modeler", "Signal boundary event (non-interrupting)"),
        "Signal end event": pgettext("modeler", "Signal end event"),
        "Signal intermediate catch event": pgettext("modeler", "Signal intermediate catch event"),
        "Signal intermediate throw event": pgettext("modeler", "Signal intermediate throw event"),
        "Signal start event": pgettext("modeler", "Signal start event"),
        "Signal start event (non-interrupting)":
            pgettext("modeler", "Signal start event (non-interrupting)"),
        "Start event": pgettext("modeler", "Start event"),
        "Sub-process": pgettext("modeler", "Sub-process"),
        "Sub-process (collapsed)": pgettext("modeler", "Sub-process (collapsed)"),
        "Sub-process (expanded)": pgettext("modeler", "Sub-process (expanded)"),
        "Task": pgettext("modeler", "Task"),
        "Terminate end event": pgettext("modeler", "Terminate end event"),
        "Timer boundary event": pgettext("modeler", "Timer boundary event"),
        "Timer boundary event (non-interrupting)":
            pgettext("modeler", "Timer boundary event (non-interrupting)"),
        "Timer intermediate catch event": pgettext("modeler", "Timer intermediate catch event"),
        "Timer start event": pgettext("modeler", "Timer start event"),
        "Timer start event (non-interrupting)":
            pgettext("modeler", "Timer start event (non-interrupting)"),
        "Toggle non-interrupting": pgettext("modeler", "Toggle non-interrupting"),
        "Transaction": pgettext("modeler", "Transaction"),
        "User task": pgettext("modeler", "User task"),
        "flow elements must be children of pools/participants":
            pgettext("modeler", "flow elements must be children of pools/participants"),
    }
    return {k: v for k, v in words.items() if v != k}
