"""The onboarding tests' `world`: built by `tests.fixtures.onboarding.make_world`."""

from __future__ import annotations

import pytest

from tests.fixtures.onboarding import World, make_world


@pytest.fixture
def world(db_session) -> World:
    return make_world(db_session)
