"""Releases rendered once per module by real Helm against the API emulator (see helm.py)."""

from __future__ import annotations

import pytest

from tests.charts import helm


@pytest.fixture(params=sorted(helm.SCENARIOS))
def release(request) -> helm.Release:
    return helm.release_for(request.param)


@pytest.fixture
def govcloud() -> helm.Release:
    return helm.release_for("govcloud-default")


@pytest.fixture
def feedback() -> helm.Release:
    return helm.release_for("feedback-default")
