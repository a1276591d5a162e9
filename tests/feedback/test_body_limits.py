"""Request bodies: every public POST of the feedback service (the survey, its fast path, the short
code form, sign-in, the missing-code report, the Bale webhook) refuses an oversized body with 413
before reading it; only the registry upload takes the import size."""

from core.web import SMALL_BODY_BYTES, body_limit_of
from feedback.web.security import UPLOAD_BYTES
from tests.fixtures.hostile import post_endless_chunked, post_oversized, public_posts


def test_every_public_post_refuses_an_oversized_body_unread(feedback_app, feedback_client):
    paths = public_posts(feedback_app)
    assert {"/sign-in", "/e", "/e/x", "/report-missing-code", "/bale/webhook/x"} <= set(paths)
    for path in paths:
        endpoint = feedback_app.url_map.bind("localhost").match(path, method="POST")[0]
        limit = body_limit_of(feedback_app, endpoint)
        assert limit <= 256 * 1024, path
        assert post_oversized(feedback_client, path, limit + 1) == (413, 0), path
        assert post_oversized(feedback_client, path, 70 * 1024 * 1024) == (413, 0), path
    assert body_limit_of(feedback_app, "survey.submit") == SMALL_BODY_BYTES


def test_the_survey_fast_path_refuses_an_oversized_body_unread(committed_feedback_app):
    fast = committed_feedback_app.extensions["survey_fast_path"]
    assert fast.enabled
    client = committed_feedback_app.test_client()
    assert post_oversized(client, "/e/some-token", SMALL_BODY_BYTES + 1) == (413, 0)
    assert fast.taken == 0


def test_a_chunked_body_is_cut_off_at_the_limit(feedback_client):
    body = b"email=a%40b.ir&password=" + b"x" * (2 * SMALL_BODY_BYTES)
    response = feedback_client.post(
        "/sign-in",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert response.status_code == 413


def test_only_the_registry_upload_takes_the_import_size(feedback_app):
    assert body_limit_of(feedback_app, "jobs.upload") == UPLOAD_BYTES
    others = [
        rule.endpoint
        for rule in feedback_app.url_map.iter_rules()
        if body_limit_of(feedback_app, rule.endpoint) > 256 * 1024
    ]
    assert others == ["jobs.upload"]


def test_an_endless_chunked_body_is_read_no_further_than_the_limit(feedback_app, feedback_client):
    """Issue 22: a body without a declared length is not spooled: at most one byte past the route's
    limit is read before the 413."""
    for path in public_posts(feedback_app):
        endpoint = feedback_app.url_map.bind("localhost").match(path, method="POST")[0]
        status, read = post_endless_chunked(feedback_client, path)
        assert status == 413 and read <= body_limit_of(feedback_app, endpoint) + 1, (path, status, read)
