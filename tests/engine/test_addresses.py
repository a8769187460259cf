"""One address check (email-validator, no DNS) wherever an address enters keyflow."""

from __future__ import annotations

import pytest

from engine.accounts import create_user
from engine.addresses import (
    AddressInvalid,
    normalized_address,
    optional_address,
    sendable_address,
    sender_address,
)
from engine.errors import InvalidData
from engine.forms import validate_submission

GOOD = ["li@example.test", "keyflow@localhost", "demo@keyflow.local", "x@test",
        "Wang.Li+kf@customer.test", "li@例子.test"]
BAD = ["wang@", "wang", "@example.test", "wang@qq", "a b@example.test",
       "li@example.test\r\nBcc: x@evil.test", "li@example.test\nBcc: x@evil.test",
       "Li <li@example.test>", '"li"@example.test', "li@[127.0.0.1]", "li@x.invalid",
       "li@x.onion", "王@例子.test", "li@example.test\x00", "l" * 250 + "@example.test"]


@pytest.mark.parametrize("address", GOOD)
def test_addresses_keyflow_uses_are_accepted(address):
    assert "@" in normalized_address(address) and sendable_address(address).isascii()


@pytest.mark.parametrize("address", BAD)
def test_malformed_addresses_are_refused_with_a_reason(address):
    with pytest.raises(AddressInvalid) as err:
        normalized_address(address)
    assert "not a valid e-mail address" in str(err.value)
    assert "\n" not in str(err.value) and "\r" not in str(err.value)


def test_normal_forms():
    assert normalized_address("Li@Customer.TEST") == "Li@customer.test"
    assert sendable_address("li@例子.test") == "li@xn--fsqu00a.test"
    assert sender_address("keyflow <keyflow@localhost>") == ("keyflow", "keyflow@localhost")
    with pytest.raises(AddressInvalid):
        sender_address("keyflow\r\nBcc: x@evil.test <keyflow@localhost>")
    assert optional_address("  ") is None and optional_address(None) is None
    with pytest.raises(InvalidData) as err:
        optional_address("wang@", field="customer_email")
    assert err.value.details == {"customer_email": "not a valid e-mail address"}


def test_user_addresses_are_checked_and_normalised(session, clock):
    user = create_user(session, clock, "li", ["clerk"], email=" Li@Customer.TEST ")
    assert user.email == "Li@customer.test"
    assert create_user(session, clock, "nomail", ["clerk"], email="").email is None
    for bad in ("wang@", "x@example.test\r\nBcc: y@evil.test"):
        with pytest.raises(InvalidData) as err:
            create_user(session, clock, "wang", ["clerk"], email=bad)
        assert err.value.details == {"email": "not a valid e-mail address"}


FORM = {"type": "object", "properties": {
    "customer_email": {"type": "string", "format": "email"},
    "others": {"type": "array", "items": {"type": "string", "format": "email"}}}}


def test_form_format_email_refuses_what_the_mail_would_refuse():
    assert validate_submission(FORM, {"customer_email": "li@customer.test",
                                      "others": ["keyflow@localhost", "a@keyflow.local"]})
    with pytest.raises(InvalidData) as err:
        validate_submission(FORM, {"customer_email": "wang@", "others": ["ok@example.test",
                                                                          "x\r\n@example.test"]})
    assert set(err.value.details) == {"customer_email", "others/1"}
    assert "wang@" in err.value.details["customer_email"]
