"""What each indicator on /kpis means and which recorded events it is counted from.

The words follow the computation in engine/kpis/ (one entry per chart of charts.py); a
change to how an indicator is counted changes its entry here too.
"""

from __future__ import annotations

from ..i18n import N_, _

# slug -> (definition, source events)
ABOUT: dict[str, tuple[str, str]] = {
    "on_time_rate": (
        N_("Share of the tasks completed in the period that had a due time and were "
           "completed by it, per person (who completed it) or role."),
        N_("Completed tasks of the task list: completion time, due time, who completed.")),
    "overdue_now": (
        N_("Open tasks whose due time has passed, now, per assignee (unclaimed tasks count "
           "for nobody) or role. Fewer is better."),
        N_("Open tasks of the task list and their due times.")),
    "step_times": (
        N_("For the tasks completed in the period, per step: mean hours from creation to "
           "claiming (wait) and from claiming to completion (work). Where the flow stalls "
           "shows the same on the diagram."),
        N_("Completed tasks: created, claimed and completed times.")),
    "prospects_registered": (
        N_("Prospects registered in the development process in the period, per person who "
           "registered them."),
        N_("Completions of the step 'register prospect' (task completed events).")),
    "applications_submitted": (
        N_("Development applications submitted in the period, a resubmission after a "
           "return counting again."),
        N_("Completions of the step 'development application' (task completed events).")),
    "decisions": (
        N_("Final decisions on applications in the period: the director's, or the head's "
           "when no director approval followed; per person who decided."),
        N_("Completions of the head's review and the director's approval with the "
           "decision submitted; director approval tasks created.")),
    "approval_rate": (
        N_("Approved applications divided by approved plus rejected (returns are not "
           "decisions)."),
        N_("The same decisions as 'Approved, rejected and returned'.")),
    "development_trend": (
        N_("Prospects registered, applications submitted and approvals per month of the "
           "period (department time), all groups together."),
        N_("The same events as the development indicators, by the month they happened.")),
    "visits_done": (
        N_("Visit reports written in the period, per person who wrote them."),
        N_("Completions of the step 'visit report' of the visit process.")),
    "receptions_held": (
        N_("Reception summaries written in the period, per person who wrote them."),
        N_("Completions of the step 'reception summary' of the reception process.")),
    "lead_time": (
        N_("Mean days from the first contact to the visit report, for the visits reported "
           "in the period."),
        N_("Completions of 'first contact' and 'visit report' of the same visit.")),
    "visit_trend": (
        N_("Visits done and receptions held per month of the period (department time)."),
        N_("Completions of 'visit report' and 'reception summary', by month.")),
    "visits_per_manager_month": (
        N_("Visit reports per senior manager per month of the period (department time)."),
        N_("Completions of 'visit report' in the senior manager role, by month.")),
    "confirmation_rate": (
        N_("The customers' answers to appointment links in the period; the rate is "
           "confirmed divided by confirmed, declined and left without an answer for 3 days."),
        N_("Completions of 'confirm appointment' with the answer; confirmation tasks "
           "withdrawn by the 3-day timer.")),
    "budget_actual": (
        N_("For visits and receptions settled in the period: the planned budget (the sum "
           "of the plan's cost lines) beside the actual cost settled by finance."),
        N_("Completions of 'prepare visit' or 'register reception' (the plan) and of the "
           "settlement step (actual cost).")),
    "conversion": (
        N_("Customers filed as new key accounts in the period, entering the potential pool, "
           "in the pool at some time of the period, and converted from the pool to key "
           "accounts; the conversion rate is converted divided by in the pool."),
        N_("Customer filing events of the register (status and classes at each filing).")),
    "new_key_accounts_by_class": (
        N_("New key accounts of the period by the classes decided at filing (a customer "
           "may have several)."),
        N_("Customer filing events with status 'key account'.")),
    "contract_volume": (
        N_("Key accounts on the register now, per owner: cumulative signed volume and the "
           "largest single contract, in 方."),
        N_("The customer register (its current figures).")),
    "forecast_actual": (
        N_("Per customer: the volume forecast in its development beside the volume of the "
           "contracts signed with it in the period, in 方."),
        N_("The last completion of 'cost and sales forecast' of each development; "
           "contracts recorded in the register, by signing date.")),
}


def about(slug: str) -> tuple[str, str]:
    """(definition, source events) of an indicator, in the request's language."""
    definition, sources = ABOUT[slug]
    return _(definition), _(sources)
