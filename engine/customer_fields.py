"""The fields a form declares for the customer's answer: the `x-keyflow-customer` keyword.

The customer answers a customer-lane task on a page of its own (webui/customer_link), not
through the form: confirm, propose another date with a comment, or — where the form allows
it — decline. The form says which of its fields take that answer by marking top-level
properties with `"x-keyflow-customer"`:

- `"answer"`: a boolean (true: confirmed, false: another date proposed), or a string choice
  whose `enum` holds `"confirm"` and `"reschedule"` (another date); every other choice the
  form lists (`"decline"`, the reception's `"cancel"`) is offered too, as drawn, with the
  form's titles (`x-enum-titles`, `x-enum-titles-en`);
- `"date"`: the date the customer proposes, a string (the page sends YYYY-MM-DD);
- `"comment"`: the customer's words, a string (the page sends at most 2,000 characters).

Deployment checks the keyword in every form — an unknown value, a mark outside the top-level
properties, a role marked twice, a field of the wrong type: a problem on the form file with the
JSON pointer (`field_problems`) — and that the form of every customer-lane task declares all
three (`task_problems`, a problem on the task's element). A version deployed before the
keyword existed declares nothing: its customer answers are refused (answer_data) until its
instances move to a fixed version.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .form_rules import Problem, pointer, subschemas

KEYWORD = "x-keyflow-customer"
ROLES = ("answer", "date", "comment")
# The page's action for a choice is the choice itself, except another date (`propose`).
CHOICE_OF_ACTION = {"propose": "reschedule"}
ACTION_OF_CHOICE = {choice: action for action, choice in CHOICE_OF_ACTION.items()}
BOOLEAN_OF_ACTION = {"confirm": True, "propose": False}
NEEDED_CHOICES = ("confirm", "reschedule")
# The page's own words for a boolean answer's two actions (a form gives no titles for them).
BOOLEAN_TITLES = {"confirm": ("确认", "Confirm"), "propose": ("另约时间", "Propose another date")}


@dataclass(frozen=True)
class Offer:
    """One answer the customer's page offers: the action it posts and its titles."""

    action: str
    title: str
    title_en: str

    @property
    def needs_date(self) -> bool:
        """Whether this answer carries the date the customer proposes."""
        return self.action == "propose"


@dataclass(frozen=True)
class CustomerFields:
    """The top-level fields a form declares for the answer, the date and the comment."""

    answer: str | None = None
    choices: tuple[str, ...] | None = None  # None: the answer is a boolean
    date: str | None = None
    comment: str | None = None

    @property
    def missing(self) -> list[str]:
        """The roles no field is declared for, in the order of ROLES."""
        return [role for role in ROLES if getattr(self, role) is None]

    @property
    def can_decline(self) -> bool:
        """Whether the answer has a `decline` choice."""
        return self.choices is not None and "decline" in self.choices

    def answer_value(self, action: str) -> Any:
        """What the answer field holds for one of the page's actions (None: not offered)."""
        if self.choices is None:
            return BOOLEAN_OF_ACTION.get(action)
        value = CHOICE_OF_ACTION.get(action, action)
        return value if value in self.choices else None


def offers(schema: dict[str, Any] | None) -> list[Offer]:
    """Every answer the form allows, in its order, with its titles (none if undeclared)."""
    fields = customer_fields(schema)
    if fields.answer is None:
        return []
    if fields.choices is None:
        return [Offer(action, *BOOLEAN_TITLES[action]) for action in BOOLEAN_OF_ACTION]
    prop = _properties(schema)[fields.answer]
    titles = _titles(prop.get("x-enum-titles"), len(fields.choices))
    titles_en = _titles(prop.get("x-enum-titles-en"), len(fields.choices))
    return [Offer(ACTION_OF_CHOICE.get(choice, choice), titles[i] or choice,
                  titles_en[i] or titles[i] or choice)
            for i, choice in enumerate(fields.choices)]


def _titles(value: Any, count: int) -> list[str]:
    given = [str(t) for t in value] if isinstance(value, list) else []
    return (given + [""] * count)[:count]


def customer_fields(schema: dict[str, Any] | None) -> CustomerFields:
    """The declared fields of `schema` (the first field of each role; none for no form)."""
    found: dict[str, str] = {}
    properties = _properties(schema)
    for name, prop in properties.items():
        role = prop.get(KEYWORD)
        if isinstance(role, str) and role in ROLES:
            found.setdefault(role, name)
    answer = found.get("answer")
    choices = None
    if answer is not None and properties[answer].get("type") != "boolean":
        choices = tuple(str(c) for c in properties[answer].get("enum") or ())
    return CustomerFields(answer, choices, found.get("date"), found.get("comment"))


def _properties(schema: Any) -> dict[str, dict[str, Any]]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return {}
    return {name: prop for name, prop in props.items() if isinstance(prop, dict)}


def field_problems(schema: Any) -> list[Problem]:
    """(JSON pointer, reason) for every misused `x-keyflow-customer` in a form, any form."""
    problems: list[Problem] = [
        (pointer((*path, KEYWORD)), f"{KEYWORD} belongs on a field of the form's top-level "
                                    "properties")
        for path, node in subschemas(schema)
        if KEYWORD in node and (len(path) != 2 or path[0] != "properties")]
    declared: dict[str, str] = {}
    for name, prop in _properties(schema).items():  # in the form's order: the first one counts
        if KEYWORD not in prop:
            continue
        role, path = prop[KEYWORD], ("properties", name)
        if not isinstance(role, str) or role not in ROLES:
            problems.append((pointer((*path, KEYWORD)), f"{KEYWORD} {str(role)[:80]!r} is not "
                                                        f"one of {', '.join(ROLES)}"))
        elif role in declared:
            problems.append((pointer((*path, KEYWORD)), f"{KEYWORD} {role!r} is already "
                                                        f"declared on {declared[role]!r}"))
        else:
            declared[role] = name
            problems.extend(_type_problems(role, prop, path))
    return problems


def _allows(prop: dict[str, Any], kind: str) -> bool:
    declared = prop.get("type")
    return declared == kind or (isinstance(declared, list) and kind in declared)


def _type_problems(role: str, prop: dict[str, Any], path: tuple[Any, ...]) -> Iterator[Problem]:
    """The field of `role` must take what the customer's page sends."""
    if role != "answer":
        if not _allows(prop, "string"):
            yield pointer(path), f"the customer's {role} must be a string (\"type\": \"string\")"
        return
    if prop.get("type") == "boolean":
        return
    choices = prop.get("enum")
    if not isinstance(choices, list) or not (_allows(prop, "string") or "type" not in prop):
        yield pointer(path), ("the customer's answer must be a boolean, or a string with an enum "
                              'holding "confirm" and "reschedule" (and "decline" if the customer '
                              "may decline)")
    elif any(c not in choices for c in NEEDED_CHOICES):
        yield pointer((*path, "enum")), ('the customer\'s answer needs "confirm" and '
                                         '"reschedule" among its choices (and "decline" if the '
                                         "customer may decline)")


def task_problems(form_key: str | None, forms: dict[str, dict[str, Any]]) -> list[str]:
    """Why a customer-lane task's form does not give the customer's page what it needs."""
    if not form_key:
        return [f"a customer-lane task needs a form (formKey) whose fields declare the "
                f"customer's {', '.join(ROLES)} with {KEYWORD}"]
    if form_key not in forms:
        return []  # reported as a missing form
    return [f"form {form_key!r} declares no field for the customer's {role} "
            f"(forms/{form_key}.json#/properties): mark one with \"{KEYWORD}\": \"{role}\""
            for role in customer_fields(forms[form_key]).missing]
