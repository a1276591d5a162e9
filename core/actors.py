"""Who is acting: the one shape every domain service and policy receives, in both deployables.

The portal builds an Actor from the signed-in user (or API token) once per request, resolving the
agencies the user may act for (its own and every sub-agency), so policies are plain set lookups
and each agency sees and changes only its own data. The feedback service builds one from its own
accounts (`feedback.accounts.actors.actor_for`): its roles are its accounts' (`registry_admin`,
`dashboard_viewer`), and a dashboard account carries its scope. `SYSTEM` (tasks, operators' commands)
is the same in both.
"""

from __future__ import annotations

import dataclasses
import enum


class Role(enum.StrEnum):
    platform_admin = "platform_admin"  # runs the platform: every agency, plans, programs
    overseer = "overseer"  # ministry overseers: read every agency, change nothing
    auditor = "auditor"  # reads every agency and searches and exports the audit trail; changes nothing
    agency_admin = "agency_admin"  # its agency and sub-agencies, including their members
    agency_member = "agency_member"  # edits its agency's (and sub-agencies') services and workloads
    system = "system"  # Celery tasks, CLI commands run by operators


@dataclasses.dataclass(frozen=True)
class Actor:
    id: int | None
    role: Role | str  # Role on the platform; the feedback service's account roles are strings
    agency_ids: frozenset[int] = frozenset()
    label: str = ""
    scope_kind: str = ""  # a feedback dashboard account's scope: nation, province, agency, unit
    scope_value: str = ""

    @property
    def signed_in_id(self) -> int:
        """The id of the signed-in user (portal) or account (feedback) acting: for a view behind an
        access rule, which always has one (`SYSTEM` has none)."""
        if self.id is None:
            raise LookupError(f"{self.label or self.role} is not a signed-in user")
        return self.id

    @property
    def reads_everything(self) -> bool:
        return self.role in {Role.platform_admin, Role.overseer, Role.auditor, Role.system}

    @property
    def is_platform_admin(self) -> bool:
        return self.role in {Role.platform_admin, Role.system}

    def can_read_agency(self, agency_id: int) -> bool:
        return self.reads_everything or agency_id in self.agency_ids

    def can_write_agency(self, agency_id: int) -> bool:
        if self.is_platform_admin:
            return True
        return self.role in {Role.agency_admin, Role.agency_member} and agency_id in self.agency_ids

    def can_manage_agency(self, agency_id: int) -> bool:
        """Members, tokens and settings of an agency: its admins and the platform's."""
        return self.is_platform_admin or (self.role == Role.agency_admin and agency_id in self.agency_ids)


SYSTEM = Actor(id=None, role=Role.system, label="system")
