"""Two agencies with a data center each, and the actors who act on them."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import Session

from catalog.models import Agency, AgencyKind, Audience, EService, ServiceKind
from core.actors import SYSTEM, Actor, Role
from onboarding.inventory import services as inventory

WEB = {
    "name": "web",
    "image": "registry.cloud.gov.ir/aro/portal:1.4.2",
    "ports": [8080],
    "replicas": 2,
    "cpu": "500m",
    "memory": "512Mi",
    "env": {"LOG_LEVEL": "info", "GREETING": "سلام: «خوش آمدید»"},
    "secrets": ["portal-db"],
}
WORKER = {"name": "worker", "image": "registry.cloud.gov.ir/aro/portal-worker:1.4.2", "storage": "5Gi"}


@dataclasses.dataclass
class World:
    session: Session
    a: Agency
    b: Agency
    admin_a: Actor
    member_a: Actor
    member_b: Actor
    overseer: Actor
    platform: Actor
    data_center_a: int
    data_center_b: int

    def workload(self, name: str = "portal", components=None, depends_on=(), agency=None, **kwargs):
        agency = agency or self.a
        actor = self.admin_a if agency is self.a else self.member_b
        data_center = self.data_center_a if agency is self.a else self.data_center_b
        return inventory.create_workload(
            self.session,
            actor,
            agency.id,
            data_center_id=data_center,
            name=name,
            components=components if components is not None else [WEB, WORKER],
            depends_on_ids=[w.id for w in depends_on],
            **kwargs,
        )


def make_world(session: Session) -> World:
    a = Agency(code="ARO", name_fa="سازمان اداری و استخدامی", name_en="ARO", kind=AgencyKind.organization)
    b = Agency(code="MCLS", name_fa="وزارت کار", name_en="Labour", kind=AgencyKind.ministry)
    session.add_all([a, b])
    session.flush()
    session.add(
        EService(
            agency_id=a.id,
            code="hire",
            name_fa="استخدام",
            kind=ServiceKind.service,
            audience=Audience.citizens,
            channels=["web"],
            maturity=3,
        )
    )
    session.commit()
    admin_a = Actor(1, Role.agency_admin, frozenset({a.id}), "admin-a")
    world = World(
        session=session,
        a=a,
        b=b,
        admin_a=admin_a,
        member_a=Actor(2, Role.agency_member, frozenset({a.id}), "member-a"),
        member_b=Actor(3, Role.agency_member, frozenset({b.id}), "member-b"),
        overseer=Actor(4, Role.overseer, frozenset(), "overseer"),
        platform=Actor(5, Role.platform_admin, frozenset(), "platform"),
        data_center_a=0,
        data_center_b=0,
    )
    world.data_center_a = inventory.create_data_center(
        session, SYSTEM, a.id, "Tehran DC", "Tehran", "IT office"
    ).id
    world.data_center_b = inventory.create_data_center(session, SYSTEM, b.id, "Karaj DC", "Karaj").id
    return world


@pytest.fixture
def world(db_session) -> World:
    return make_world(db_session)
