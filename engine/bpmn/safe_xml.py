"""Parse untrusted XML: no DOCTYPE, no entities, no network, bounded size."""

from __future__ import annotations

import re

from lxml import etree

MAX_XML_BYTES = 2 * 1024 * 1024

# Any DTD is refused outright: keyflow's diagrams never need one, and entity tricks
# (XXE, parameter entities, billion laughs) all start with a DOCTYPE.
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class UnsafeXml(ValueError):
    """The document is refused before or while parsing; the message says why."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_xml(content: bytes, filename: str = "<upload>") -> etree._Element:
    """Return the root element of `content`, or raise UnsafeXml with a readable reason."""
    if len(content) > MAX_XML_BYTES:
        raise UnsafeXml(f"{filename} is {len(content)} bytes; the limit is {MAX_XML_BYTES}")
    # UTF-16/32 would hide the DOCTYPE from the byte scan; BPMN tools write UTF-8.
    if content.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        raise UnsafeXml(f"{filename} is not UTF-8")
    if _DOCTYPE.search(content):
        raise UnsafeXml(f"{filename} has a DOCTYPE or entity declaration, which is not allowed")
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as err:
        raise UnsafeXml(f"{filename} is not well-formed XML: {err}") from err
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml(f"{filename} has a DOCTYPE, which is not allowed")
    return root
