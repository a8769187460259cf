"""Small pieces of the BPMN layer: safe XML, durations, settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.bpmn.safe_xml import MAX_XML_BYTES, UnsafeXml, parse_xml
from engine.durations import parse_duration
from engine.settings import Settings


@pytest.mark.parametrize("text,expected", [
    ("P2D", timedelta(days=2)), ("PT4H", timedelta(hours=4)),
    ("P1DT12H", timedelta(days=1, hours=12)), ("P1W", timedelta(weeks=1)),
    ("PT30M", timedelta(minutes=30)),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "2D", "P1M", "P1Y", "P1DT", "", "P-1D"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("doc", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    b'<!doctype x><x/>',
    b'<x><!ENTITY y "z"></x>',
    "<?xml version='1.0' encoding='UTF-16'?><x/>".encode("utf-16"),
    b"<x>unclosed",
    b"<x/>" + b" " * MAX_XML_BYTES,
])
def test_unsafe_or_broken_xml_is_refused(doc):
    with pytest.raises(UnsafeXml):
        parse_xml(doc, "t.bpmn")


def test_plain_xml_parses():
    assert parse_xml(b"<a><b/></a>").tag == "a"


def test_settings_from_environment():
    default = Settings.from_env({})
    assert default.database_url == "sqlite:///var/keyflow.db" and default.broker_url is None
    custom = Settings.from_env({"KEYFLOW_DATABASE_URL": "postgresql+psycopg://x/y",
                                "KEYFLOW_SCRIPT_TIME_LIMIT": "0.5", "OTHER": "1"})
    assert custom.database_url == "postgresql+psycopg://x/y"
    assert custom.script_time_limit == 0.5
