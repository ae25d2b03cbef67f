from __future__ import annotations

import pytest

from . import mocks


@pytest.fixture(autouse=True)
def _fresh_mocks():
    from g4f.routing import health

    mocks.reset()
    health.reset()
    yield
    health.reset()
