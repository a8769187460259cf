"""What a test does when a service it needs is missing: fail in CI (`CI=true`), where every
service must be there, and skip on a developer's machine."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(message: str) -> NoReturn:
    """Fail (CI) or skip (elsewhere) with `message`."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
