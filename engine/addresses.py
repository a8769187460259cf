"""E-mail addresses: the one check every address passes before keyflow stores or mails it.

Used at form submit (`format: email`, engine/forms.py), when a user is created or changed
(engine/accounts.py, the admin pages, `keyflow user add --email`), for `customer_email` in
task data (engine/reminders/customer_invites.py) and before every mail is composed
(engine/mail/render.py), so no mail header is ever built from an unchecked address.

The check is the `email-validator` package, syntax only: there is no DNS here
(`check_deliverability=False`). Special-use domains that keyflow's own installations use
stay allowed: `*.test` (`test_environment=True`), `*.local` and `localhost` (removed from the
package's documented `SPECIAL_USE_DOMAIN_NAMES` list; only `localhost` may be dotless, so a
typo like `wang@qq` is still refused). `.invalid`, `.onion` and `.arpa` are still refused,
as are quoted local parts, IP literals and display names. Local parts must be ASCII: the
relay speaks plain SMTP, which cannot carry an internationalised mailbox name (a Unicode
domain is sent as IDNA).
"""

from __future__ import annotations

import email_validator
from email_validator import EmailNotValidError, ValidatedEmail, validate_email

from engine.errors import InvalidData

# The package reads this list on every call; keyflow is its only user in the process.
for _domain in ("local", "localhost"):
    if _domain in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(_domain)

MAX_SHOWN = 80  # how much of a refused address a message repeats


class AddressInvalid(ValueError):
    """An address keyflow will not use; the message says why, in English."""


def _validated(text: object, *, display_name: bool = False) -> ValidatedEmail:
    if not isinstance(text, str):
        raise AddressInvalid("an e-mail address must be text")
    dotless_ok = text.rpartition("@")[2].strip().rstrip(">").lower() == "localhost"
    try:
        return validate_email(text, check_deliverability=False, test_environment=True,
                              globally_deliverable=not dotless_ok, allow_smtputf8=False,
                              allow_display_name=display_name)
    except EmailNotValidError as err:
        shown = text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"
        raise AddressInvalid(f"{shown!r} is not a valid e-mail address: {err}") from err


def normalized_address(text: object) -> str:
    """The address as keyflow stores it (domain lower-cased), or AddressInvalid."""
    return _validated(text).normalized


def sendable_address(text: object) -> str:
    """The address as it goes into a header and the SMTP envelope (ASCII), or AddressInvalid."""
    checked = _validated(text)
    return checked.ascii_email or checked.normalized


def sender_address(text: str) -> tuple[str, str]:
    """(display name, ASCII address) of a `Name <addr>` sender such as KEYFLOW_MAIL_FROM."""
    checked = _validated(text, display_name=True)
    return checked.display_name or "", checked.ascii_email or checked.normalized


def is_address(value: object) -> bool:
    """The `format: email` check of forms: strings must be addresses, other types pass."""
    if not isinstance(value, str):
        return True
    normalized_address(value)  # raises AddressInvalid, whose message the form error carries
    return True


def optional_address(text: str | None, field: str = "email") -> str | None:
    """User input: None when blank, else the normalised address; InvalidData names `field`."""
    if text is None or not text.strip():
        return None
    try:
        return normalized_address(text.strip())
    except AddressInvalid as err:
        raise InvalidData(str(err), {field: "not a valid e-mail address"}) from err
