"""Request ids: a sane offered id is kept, else a fresh random UUID's hex digits."""

from __future__ import annotations

import uuid

from engine.observability.request_ids import new_request_id, sane_request_id


def test_a_new_id_is_a_random_uuids_hex():
    ids = {new_request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for made in ids:
        parsed = uuid.UUID(hex=made)
        assert parsed.hex == made and len(made) == 32
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_a_sane_offered_id_is_kept_and_another_replaced():
    assert sane_request_id("req-0123456789") == "req-0123456789"
    for offered in (None, "", "short", "has space 0123456789", "x" * 65):
        assert len(sane_request_id(offered)) == 32
