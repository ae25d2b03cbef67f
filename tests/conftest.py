"""Shared test settings: every test runs offline with its own cookies and media folders."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("G4F_COOKIES_DIR", str(tmp_path / "cookies"))
    monkeypatch.setenv("G4F_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.delenv("G4F_PROXY", raising=False)
    # The one keyless public upstream points at a closed local port: no test can reach the internet.
    monkeypatch.setenv("POLLINATIONSAI_API_BASE", "http://127.0.0.1:9")
    from g4f import cookies
    from g4f.models import ModelRegistry

    cookies.reset()
    models, aliases = dict(ModelRegistry._models), dict(ModelRegistry._aliases)
    yield
    cookies.reset()
    # Models a test registered do not outlive it.
    ModelRegistry._models.clear()
    ModelRegistry._models.update(models)
    ModelRegistry._aliases.clear()
    ModelRegistry._aliases.update(aliases)
