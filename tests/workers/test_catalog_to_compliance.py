"""A catalog change made through the portal asks compliance, through the real Redis broker, to
recompute the agency: once for a burst of edits."""

import redis

from catalog import services
from core.actors import Role
from portal.accounts.services import actor_for
from tests.fixtures.catalog import service_data
from workers.tasks.compliance import debounce_key


def test_a_service_change_schedules_one_recompute_of_its_agency(app, settings, db_session, make_user):
    member = make_user(Role.agency_member)
    actor = actor_for(db_session, member)
    client = redis.Redis.from_url(settings.redis_url)
    key = debounce_key(settings, member.agency_id)
    client.delete(key)
    try:
        service = services.create_service(db_session, actor, member.agency_id, service_data("passport"))
        assert client.exists(key), "no recompute was requested for the agency"
        ttl = client.ttl(key)
        version = service.version
        services.update_service(db_session, actor, service.id, {"maturity": 4}, expected_version=version)
        # a second edit inside the window folds into the recompute already scheduled
        assert 0 < client.ttl(key) <= ttl
    finally:
        client.delete(key)
