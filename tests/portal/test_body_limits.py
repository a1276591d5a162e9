"""Request bodies of the portal: sign-in and every other public POST refuse an oversized body with
413 before reading it; only the descriptor upload (page and API) takes the import size."""

from core.web import SMALL_BODY_BYTES, body_limit_of
from portal.security import UPLOAD_BYTES
from tests.fixtures.hostile import post_endless_chunked, post_oversized, public_posts


def test_every_public_post_refuses_an_oversized_body_unread(app, client):
    paths = public_posts(app)
    assert "/sign-in" in paths
    for path in paths:
        assert post_oversized(client, path, SMALL_BODY_BYTES + 1) == (413, 0), path
        assert post_oversized(client, path, 70 * 1024 * 1024) == (413, 0), path


def test_signed_in_forms_are_bounded_and_only_uploads_take_the_import_size(app, client):
    assert post_oversized(client, "/services/new", 256 * 1024 + 1) == (413, 0)
    uploads = sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if body_limit_of(app, rule.endpoint) > 256 * 1024
    )
    assert uploads == ["api.import_descriptor", "catalog.import_descriptor"]
    assert body_limit_of(app, "catalog.import_descriptor") == UPLOAD_BYTES


def test_an_endless_chunked_body_is_read_no_further_than_the_limit(app, client):
    """Issue 22: a body without a declared length is not spooled: at most one byte past the route's
    limit is read before the 413."""
    for path in public_posts(app):
        endpoint = app.url_map.bind("localhost").match(path, method="POST")[0]
        status, read = post_endless_chunked(client, path)
        assert status == 413 and read <= body_limit_of(app, endpoint) + 1, (path, status, read)
