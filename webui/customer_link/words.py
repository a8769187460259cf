"""The customer page's words in both languages (the customer has no account, so no settings)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "请确认",
        "hello": "您好{name}：",
        "ask": "请确认以下事项，或提出其他日期。",
        "task": "事项",
        "date": "拟定日期",
        "confirm": "确认",
        "propose": "提出其他日期",
        "other_date": "其他日期",
        "comment": "备注（可选）",
        "done_confirm": "谢谢，您的确认已收到。",
        "done_propose": "谢谢，我们已收到您提出的日期，将尽快与您联系。",
        "decline": "谢绝",
        "decline_ask": "如不便安排，也可以直接谢绝：",
        "done_decline": "谢谢您的答复，我们已知悉。",
        "invalid": "此链接无效。请检查邮件中的完整链接。",
        "expired": "此链接已过期。请联系您的客户经理获取新的链接。",
        "used": "此链接已使用过，每个链接只能使用一次。",
        "closed": "此事项已处理完毕，无需再操作。",
        "busy": "系统正忙，请稍后再试。",
        "bad_data": "请检查填写的内容：",
    },
    "en": {
        "title": "Please confirm",
        "hello": "Hello{name},",
        "ask": "please confirm the following, or propose another date.",
        "task": "Matter",
        "date": "Proposed date",
        "confirm": "Confirm",
        "propose": "Propose another date",
        "other_date": "Another date",
        "comment": "Comment (optional)",
        "done_confirm": "Thank you, your confirmation has been received.",
        "done_propose": "Thank you, we have your proposed date and will be in touch soon.",
        "decline": "Decline",
        "decline_ask": "If it does not suit you, you may also decline:",
        "done_decline": "Thank you for your answer; we have noted it.",
        "invalid": "This link is not valid. Please check that the whole link from the e-mail "
                   "was used.",
        "expired": "This link has expired. Please ask your account manager for a new one.",
        "used": "This link has already been used; each link works only once.",
        "closed": "This matter has already been dealt with; nothing more is needed.",
        "busy": "The system is busy; please try again in a moment.",
        "bad_data": "Please check what you entered:",
    },
}
# HTTP status per refusal: an unknown or forged link is "not found", a spent one is "gone".
STATUS = {"invalid": 404, "expired": 410, "used": 410, "closed": 410, "busy": 409}
