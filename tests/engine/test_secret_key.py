"""One secret per deployment: the web app's sessions and the customer links derive from it."""

from __future__ import annotations

from engine.customer_links import link_key
from engine.secret_key import load_or_create_secret_key
from engine.settings import Settings


def test_embedded_secret_is_made_once_and_shared(tmp_path):
    settings = Settings(var_dir=str(tmp_path))
    first = link_key(settings)
    assert link_key(settings) == first
    secret = load_or_create_secret_key(tmp_path)
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first != secret.encode()  # the link key is derived, never the secret itself


def test_configured_secret_wins_and_changes_the_link_key(tmp_path):
    embedded = link_key(Settings(var_dir=str(tmp_path)))
    configured = link_key(Settings(var_dir=str(tmp_path), secret_key="department-secret"))
    assert configured != embedded
    assert configured == link_key(Settings(var_dir="elsewhere", secret_key="department-secret"))
