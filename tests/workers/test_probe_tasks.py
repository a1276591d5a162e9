"""Probes on a real Celery worker and Redis against real servers on 127.0.0.1 (allow-listed in the
tests' settings): beat's task sends the due probes, each lands as one row."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import AgencyKind, ServiceKind
from onboarding.probes.models import ProbeResult
from onboarding.probes.prober import ErrorClass
from tests.onboarding.compliance import factories as f
from tests.waiting import wait_until
from workers.celery_names import TaskNames


def _results(engine):
    with Session(engine) as session:
        return {row.service_id: row for row in session.scalars(select(ProbeResult))}


def test_due_services_are_probed_by_the_worker(
    committed_platform, celery_app, celery_worker, probe_server, closed_port
):
    with Session(committed_platform, expire_on_commit=False) as session:
        agency = f.agency(session, AgencyKind.organization)
        up, slow_down, refused = f.services(session, agency, [3, 3, 3])
        (inquiry,) = f.services(session, agency, [3], kind=ServiceKind.inquiry, online=[True])
        up.public_url = probe_server.url("/ok")
        slow_down.public_url = f"http://127.0.0.1:{closed_port}/"
        refused.public_url = "http://169.254.169.254/latest/meta-data/"
        inquiry.public_url = probe_server.url("/openapi.json")
        session.commit()
    sent = celery_app.tasks[TaskNames.SEND_DUE_PROBES].delay().get(timeout=60)
    assert sent == 4
    wait_until(lambda: len(_results(committed_platform)) == 4, interval=0.2, what="four probe rows")
    rows = _results(committed_platform)
    assert rows[up.id].up and rows[up.id].status_code == 200
    assert rows[inquiry.id].up
    assert not rows[slow_down.id].up and rows[slow_down.id].error_class == ErrorClass.CONNECT
    assert not rows[refused.id].up and rows[refused.id].error_class == ErrorClass.REFUSED_ADDRESS
    assert all(agent.startswith("govcloud-prober/") for agent in probe_server.seen_agents)
    assert celery_app.tasks[TaskNames.SEND_DUE_PROBES].delay().get(timeout=60) == 0  # not due again yet


def test_probe_now_runs_on_the_worker(committed_platform, celery_app, celery_worker, probe_server):
    with Session(committed_platform, expire_on_commit=False) as session:
        agency = f.agency(session, AgencyKind.organization)
        (service,) = f.services(session, agency, [3])
        service.public_url = probe_server.url("/error")
        session.commit()
    result = celery_app.tasks[TaskNames.PROBE_SERVICE].delay(service.id).get(timeout=60)
    assert result == {"service_id": service.id, "up": False, "status_code": 500, "error": ErrorClass.STATUS}
