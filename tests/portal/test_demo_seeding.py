"""`govcloud run` starts whatever the data (issue 15: a demo service retired through the API stopped
the next start with a DescriptorError that did not say what was wrong)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.descriptors import DescriptorError, import_descriptor
from catalog.models import EService, ServiceStatus
from core.actors import SYSTEM, Role


def test_a_demo_service_retired_through_the_api_is_skipped_in_one_line(
    settings, db_session, feedback_session, client, make_user, api_headers
):
    from portal.demo import seed_platform

    seed_platform(settings, db_session, feedback_session, demo=True)
    refund = db_session.scalar(select(EService).where(EService.code == "vat-refund"))
    assert refund.status == ServiceStatus.draft
    headers = {**api_headers(make_user(Role.platform_admin)), "If-Match": f'"{refund.version}"'}
    retired = client.post(f"/api/v1/services/{refund.id}/retire", headers=headers)
    assert retired.status_code == 200, retired.json

    db_session.expire_all()  # the next start reads afresh
    lines = seed_platform(settings, db_session, feedback_session, demo=True)

    skipped = [line for line in lines if "skipped" in line]
    assert skipped == [
        "catalog INTA.yaml: skipped what the data no longer allows: "
        "INTA.yaml:33: services[3].status: cannot change from retired to draft"
    ]
    assert db_session.get(EService, refund.id).status == ServiceStatus.retired
    assert any(line.startswith("catalog ITO.yaml: agency ITO:") for line in lines)  # the rest applied


def test_a_descriptor_error_says_every_problem_in_its_text(db_session):
    text = "agency: ZZZ\nservices:\n  - code: a\n    kind: nonsense\n"
    with pytest.raises(DescriptorError) as raised:
        import_descriptor(db_session, SYSTEM, text, "bad.yaml")
    assert "bad.yaml:3: services[0]" in str(raised.value)
    assert str(raised.value).startswith(f"{len(raised.value.problems)} problem(s) in the descriptor: ")


def test_the_demo_probes_its_own_pages_once(settings, db_session, feedback_session):
    from onboarding.probes.models import ProbeTarget
    from portal.demo import seed_platform

    seed_platform(settings, db_session, feedback_session, demo=True)
    probed = {
        s.code: s
        for s in db_session.scalars(select(EService).where(EService.public_url.startswith(settings.base_url)))
    }
    assert set(probed) == {"govcloud-portal", "govcloud-api"}
    assert probed["govcloud-api"].kind.value == "inquiry" and probed["govcloud-api"].online_m2m
    assert db_session.get(ProbeTarget, probed["govcloud-api"].id).expect_openapi
    feedback = db_session.scalar(select(EService).where(EService.code == "employee-feedback"))
    assert feedback.public_url == settings.feedback_base_url + "/healthz"
    lines = seed_platform(settings, db_session, feedback_session, demo=True)
    assert (
        "probes: 0 demo services probe the demo's own pages (see /status)" in lines
    )  # nothing the second time


def test_the_embedded_run_allow_lists_loopback_for_its_probes_and_production_does_not(settings):
    import os

    from portal.runner import _child_environ

    name = "GOVCLOUD_PROBE_ALLOWED_NETWORKS"
    embedded = settings.replace(env="development", probe_allowed_networks="")
    assert _child_environ(embedded)[name] == "127.0.0.0/8,::1/128"
    for kept in (embedded.replace(probe_allowed_networks="10.20.0.0/16"), embedded.replace(env="production")):
        assert _child_environ(kept).get(name) == os.environ.get(name)  # the process's own setting, untouched
