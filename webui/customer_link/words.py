"""The customer page's words in the link's language (the customer has no account, so the
language was chosen when the link was made, not by the browser)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from engine.i18n import LANGUAGES, texts_for


class CustomerWords(Mapping[str, str]):
    """The page's texts in one language, by key (`w.title`, `w[reason]` in templates)."""

    def __init__(self, language: str) -> None:
        t = self._texts = texts_for(language)
        self.language = t.language
        self._words = {
            "title": t._("Please confirm"),
            "ask": t._("please confirm the following, or propose another date."),
            "task": t._("Matter"),
            "date": t._("Proposed date"),
            "confirm": t._("Confirm"),
            "propose": t._("Propose another date"),
            "other_date": t._("Another date"),
            "comment": t._("Comment (optional)"),
            "done_confirm": t._("Thank you, your confirmation has been received."),
            "done_propose": t._("Thank you, we have your proposed date and will be in touch "
                                "soon."),
            "decline": t._("Decline"),
            "decline_ask": t._("If it does not suit you, you may also decline:"),
            "done_decline": t._("Thank you for your answer; we have noted it."),
            "done_cancel": t._("Thank you; we have noted that the visit is cancelled. You are "
                               "welcome at any time."),
            "done_other": t._("Thank you for your answer; we have noted it."),
            "answer": t._("Your answer"),
            "date_hint": t._("Only needed when you propose another date."),
            "contact": t._("Your account manager"),
            "not_offered": t._("This answer is not possible here; please choose one of the "
                               "buttons."),
            "bad_date": t._("Please give the date you propose, e.g. 2026-03-12."),
            "language": t._("Language"),
            "invalid": t._("This link is not valid. Please check that the whole link from the "
                           "e-mail was used."),
            "expired": t._("This link has expired. Please ask your account manager for a new "
                           "one."),
            "used": t._("This link has already been used; each link works only once."),
            "closed": t._("This matter has already been dealt with; nothing more is needed."),
            "busy": t._("The system is busy; please try again in a moment."),
            "bad_data": t._("Please check what you entered:"),
        }

    def __getitem__(self, key: str) -> str:
        return self._words[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)

    def hello(self, customer: str | None) -> str:
        """The greeting, by the customer's name when the task has one."""
        if customer:
            return self._texts._("Hello {customer},", customer=customer)
        return self._texts._("Hello,")

    def done(self, action: str) -> str:
        """The thanks after an answer."""
        return self._words.get(f"done_{action}") or self._words["done_other"]

    def name(self, zh: str | None, en: str | None) -> str:
        """The variant of a bilingual name (the task) in this language."""
        return self._texts.name(zh, en)

    def tag(self) -> str:
        """The page's `lang` attribute."""
        return str(self._texts.locale).replace("_", "-")


class _ByLanguage(Mapping[str, CustomerWords]):
    """`WORDS[language]`: the words of each language keyflow speaks, made when first asked."""

    def __getitem__(self, language: str) -> CustomerWords:
        if language not in LANGUAGES:
            raise KeyError(language)
        return CustomerWords(language)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


WORDS: Mapping[str, CustomerWords] = _ByLanguage()
# HTTP status per refusal: an unknown or forged link is "not found", a spent one is "gone".
STATUS = {"invalid": 404, "expired": 410, "used": 410, "closed": 410, "busy": 409}
