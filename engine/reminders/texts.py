"""The words of every reminder, in Chinese and English (the recipient's language)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def local(when: datetime, tz: ZoneInfo) -> str:
    """A moment as the company reads it: `2026-03-04 09:00`."""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _about(lang: str, process_key: str, customer: str | None) -> str:
    if lang == "en":
        return f"Process {process_key}" + (f", customer {customer}" if customer else "")
    return f"流程 {process_key}" + (f"，客户 {customer}" if customer else "")


def task_notice(kind: str, lang: str, *, task: str, process_key: str, customer: str | None,
                due: str, nth: int = 1, assignee: str | None = None) -> tuple[str, str]:
    """Subject and body of a due-soon, overdue or escalation notice."""
    about = _about(lang, process_key, customer)
    if lang == "en":
        who = f"It is assigned to {assignee}." if assignee else "Nobody has claimed it yet."
        texts = {
            "due_soon": (f"Due soon: {task}", f"The task \"{task}\" is due at {due}.\n\n{about}."),
            "overdue": (f"Overdue: {task}" + (f" (reminder {nth})" if nth > 1 else ""),
                        f"The task \"{task}\" was due at {due} and is still open.\n\n{about}."),
            "escalation": (f"Escalation: {task} is overdue",
                           f"The task \"{task}\" was due at {due} and is still open. {who}"
                           f"\n\n{about}."),
        }
    else:
        who = f"当前处理人：{assignee}。" if assignee else "目前尚无人认领。"
        texts = {
            "due_soon": (f"即将到期：{task}", f"任务“{task}”将于 {due} 到期。\n\n{about}。"),
            "overdue": (f"已逾期：{task}" + (f"（第 {nth} 次提醒）" if nth > 1 else ""),
                        f"任务“{task}”已于 {due} 到期，仍未完成。\n\n{about}。"),
            "escalation": (f"升级提醒：{task} 已逾期",
                           f"任务“{task}”已于 {due} 到期，仍未完成。{who}\n\n{about}。"),
        }
    return texts[kind]


def digest(lang: str, day: date, mine: list[tuple[str, str]], offered: int) -> tuple[str, str]:
    """The daily digest: the user's own open tasks and how many wait in their roles."""
    if lang == "en":
        lines = [f"- {name}" + (f" (due {due})" if due else "") for name, due in mine]
        body = (f"Your open tasks on {day.isoformat()}: {len(mine)}.\n"
                + "\n".join(lines[:30])
                + (f"\n\n{offered} unclaimed task(s) wait in your roles." if offered else ""))
        return f"Your tasks for {day.isoformat()}", body
    lines = [f"- {name}" + (f"（{due} 到期）" if due else "") for name, due in mine]
    body = (f"截至 {day.isoformat()}，您有 {len(mine)} 项待办任务。\n" + "\n".join(lines[:30])
            + (f"\n\n另有 {offered} 项任务等待您所在的角色认领。" if offered else ""))
    return f"{day.isoformat()} 待办任务汇总", body


def timer_reminder(lang: str, *, event: str, customer: str | None, process_key: str,
                   when: str) -> tuple[str, str]:
    """The day-before reminder of a waiting timer (a visit, a reception)."""
    about = _about(lang, process_key, customer)
    if lang == "en":
        return (f"Reminder: {event} at {when}",
                f"\"{event}\" is coming up at {when}. Please get ready.\n\n{about}.")
    return (f"提醒：{event}（{when}）", f"“{event}”将于 {when} 到来，请做好准备。\n\n{about}。")


def birthday(lang: str, *, contact: str, customer: str, day: date) -> tuple[str, str]:
    """The account owner's reminder of a key contact's birthday."""
    if lang == "en":
        return (f"Birthday on {day.isoformat()}: {contact} ({customer})",
                f"{contact}, key contact of {customer}, has a birthday on {day.isoformat()}.")
    return (f"{day.month}月{day.day}日生日提醒：{contact}（{customer}）",
            f"{customer} 的关键联系人 {contact} 将于 {day.month}月{day.day}日过生日。")


def customer_invite(lang: str, *, task: str, customer: str | None, url: str,
                    expires: str) -> tuple[str, str]:
    """The customer's mail with its one-time link (no login)."""
    if lang == "en":
        hello = f"Dear {customer}," if customer else "Hello,"
        return (f"Please confirm: {task}",
                f"{hello}\n\nplease confirm or propose another date using this link:\n\n{url}"
                f"\n\nThe link works once and expires at {expires}.")
    hello = f"{customer}，您好：" if customer else "您好："
    return (f"请确认：{task}",
            f"{hello}\n\n请通过以下链接确认，或提出其他日期：\n\n{url}"
            f"\n\n此链接仅可使用一次，将于 {expires} 失效。")


def customer_unreachable(lang: str, *, task: str, customer: str | None, process_key: str,
                         invalid: str | None = None) -> tuple[str, str]:
    """To the account owner: the customer could not be sent a link (no e-mail in the data, or
    `invalid`, an address that is not one)."""
    about = _about(lang, process_key, customer)
    if lang == "en":
        why = (f"the customer e-mail in the process data (\"{invalid}\") is not a valid e-mail "
               f"address" if invalid else "the process data has no customer e-mail")
        return (f"No e-mail for the customer: {task}",
                f"The customer could not be sent a link for \"{task}\": {why}. Please reach the "
                f"customer another way; if nobody answers, the follow-up task comes to you when "
                f"the wait runs out.\n\n{about}.")
    why = f"流程数据中的客户邮箱（{invalid}）无效" if invalid else "流程数据中没有客户邮箱"
    return (f"客户无邮箱：{task}",
            f"无法向客户发送“{task}”的链接：{why}。请通过其他方式联系客户；"
            f"如无人答复，等待期满后跟进任务会交给您。\n\n{about}。")
