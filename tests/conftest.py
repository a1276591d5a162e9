"""Test fixtures live in tests/fixtures/ by concern; this file only loads them."""

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.services",
    "tests.fixtures.web",
    "tests.fixtures.kubernetes",
    "tests.fixtures.smtp",
    "tests.fixtures.accounts",
    "tests.fixtures.catalog",
    "tests.fixtures.feedback",
    "tests.fixtures.outages",
    "tests.fixtures.fuzzing",
    "tests.fixtures.probe_targets",
]
