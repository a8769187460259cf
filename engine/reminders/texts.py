"""The words of every reminder, in the recipient's language (the catalog of engine/i18n)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from engine.i18n import Texts, texts_for


@lru_cache(maxsize=4096)
def local(when: datetime, tz: ZoneInfo, language: str | None = None) -> str:
    """A moment as the company reads it: `2026-03-04 09:00` (kept: a tick formats the same
    due times for many tasks and recipients, and Babel's formatting is its costliest step)."""
    return texts_for(language).moment(when, tz)


def name_in(language: str | None, zh: str | None, en: str | None) -> str:
    """The variant of a bilingual name (task, timer) that a reader of `language` gets."""
    return texts_for(language).name(zh, en)


def _about(t: Texts, process: str, customer: str | None) -> str:
    """Which work a notice is about: the process's name (never its key) and the customer."""
    if customer:
        return t._("Process {process}, customer {customer}", process=process,
                   customer=customer)
    return t._("Process {process}", process=process)


@lru_cache(maxsize=4096)
def task_notice(kind: str, lang: str, *, task: str, process: str, customer: str | None,
                due: str, nth: int = 1, assignee: str | None = None) -> tuple[str, str]:
    """Subject and body of a due-soon, overdue or escalation notice (kept: a role's holders,
    and tasks of one step due at one time, read the same words)."""
    t = texts_for(lang)
    about = _about(t, process, customer)
    if kind == "due_soon":
        return (t._("Due soon: {task}", task=task),
                t._('The task "{task}" is due at {due}.\n\n{about}.', task=task, due=due,
                    about=about))
    if kind == "overdue":
        subject = (t._("Overdue: {task} (reminder {nth})", task=task, nth=nth) if nth > 1
                   else t._("Overdue: {task}", task=task))
        return subject, t._('The task "{task}" was due at {due} and is still open.\n\n'
                            '{about}.', task=task, due=due, about=about)
    who = (t._("It is assigned to {assignee}.", assignee=assignee) if assignee
           else t._("Nobody has claimed it yet."))
    return (t._("Escalation: {task} is overdue", task=task),
            t._('The task "{task}" was due at {due} and is still open. {who}\n\n{about}.',
                task=task, due=due, who=who, about=about))


def digest(lang: str, day: date, mine: list[tuple[str, str]], offered: int) -> tuple[str, str]:
    """The daily digest: the user's own open tasks and how many wait in their roles."""
    t = texts_for(lang)
    when = t.day(day)
    lines = ["- " + (t._("{name} (due {due})", name=name, due=due) if due else name)
             for name, due in mine]
    body = "\n".join([t._("Your open tasks on {day}: {n}.", day=when, n=len(mine)),
                      *lines[:30]])
    if offered:
        body += "\n\n" + t.ngettext("{n} unclaimed task waits in your roles.",
                                    "{n} unclaimed tasks wait in your roles.", offered)
    return t._("Your tasks for {day}", day=when), body


def timer_reminder(lang: str, *, event: str, customer: str | None, process: str,
                   when: str) -> tuple[str, str]:
    """The day-before reminder of a waiting timer (a visit, a reception)."""
    t = texts_for(lang)
    return (t._("Reminder: {event} at {when}", event=event, when=when),
            t._('"{event}" is coming up at {when}. Please get ready.\n\n{about}.',
                event=event, when=when, about=_about(t, process, customer)))


def birthday(lang: str, *, contact: str, customer: str, day: date) -> tuple[str, str]:
    """The account owner's reminder of a key contact's birthday."""
    t = texts_for(lang)
    when = t.day_of_year(day)
    return (t._("Birthday on {day}: {contact} ({customer})", day=when, contact=contact,
                customer=customer),
            t._("{contact}, key contact of {customer}, has a birthday on {day}.",
                contact=contact, customer=customer, day=when))


def customer_invite(lang: str, *, task: str, customer: str | None, url: str,
                    expires: str) -> tuple[str, str]:
    """The customer's mail with its one-time link (no login)."""
    t = texts_for(lang)
    hello = t._("Dear {customer},", customer=customer) if customer else t._("Hello,")
    return (t._("Please confirm: {task}", task=task),
            t._("{hello}\n\nplease confirm or propose another date using this link:\n\n{url}"
                "\n\nThe link works once and expires at {expires}.", hello=hello, url=url,
                expires=expires))


def customer_unreachable(lang: str, *, task: str, customer: str | None, process: str,
                         invalid: str | None = None) -> tuple[str, str]:
    """To the account owner: the customer could not be sent a link (no e-mail in the data, or
    `invalid`, an address that is not one)."""
    t = texts_for(lang)
    why = (t._('the customer e-mail in the process data ("{invalid}") is not a valid e-mail '
               'address', invalid=invalid) if invalid
           else t._("the process data has no customer e-mail"))
    return (t._("No e-mail for the customer: {task}", task=task),
            t._('The customer could not be sent a link for "{task}": {why}. Please reach the '
                "customer another way; if nobody answers, the follow-up task comes to you when "
                "the wait runs out.\n\n{about}.", task=task, why=why,
                about=_about(t, process, customer)))
