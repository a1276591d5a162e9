"""The portal crawled as each role: every page reachable from the home page, every link followed,
every form submitted as shown, empty, and with hostile values (tests/fixtures/crawl.py). No answer
is a 5xx; agency A's people never see agency B's names, and nothing of B changes unless a platform
admin changes it.
"""

from __future__ import annotations

import pytest

from core.actors import Role
from tests.fixtures.crawl import Crawler, texts_of
from tests.fixtures.fuzzing import OTHER_MARKERS, PORTAL_ROLES, agency_rows, unhandled_errors

AGENCY_ROLES = {Role.agency_admin, Role.agency_member}


def skip(method: str, url: str) -> str | None:
    """The only requests the crawl does not make, each because it would end the crawl itself."""
    if url.startswith("/sign-out"):
        return "signing out ends the crawl's session"
    return None


@pytest.mark.parametrize("role", PORTAL_ROLES, ids=str)
def test_every_page_and_form_as_each_role(app, client, db_session, fuzz_world, sign_in, role):
    sign_in(client, fuzz_world.users[role])
    before = agency_rows(db_session, fuzz_world.other.id)

    with unhandled_errors(app) as errors:
        crawler = Crawler(client, skip=skip, other_ids=fuzz_world.other_id_values(), causes=errors.take)
        crawl = crawler.crawl(["/"])

    assert [str(answer) for answer in crawl.server_errors] == []
    assert len(crawl.pages) > 20, "the crawl reached the pages behind the home page"
    assert set(crawl.skipped) <= {"POST /sign-out"}
    if role in AGENCY_ROLES:
        assert texts_of(crawl.pages, OTHER_MARKERS) == []
    else:
        assert texts_of(crawl.pages, OTHER_MARKERS), "readers of every agency see B: the check can fail"
    if role != Role.platform_admin:
        assert agency_rows(db_session, fuzz_world.other.id) == before
