"""Migration figures the compliance metrics read (placeholder interface).

The migration work (inventory, landing zones, runs) replaces this module with the real queries; until
then every agency reports no workloads, no data centers and no running tenant, which the compliance
metrics show as "no data" (for the two ratios) and "not met" (for joining the cloud).
"""

from __future__ import annotations

from sqlalchemy.orm import Session


def workload_migration_counts(session: Session, agency_id: int) -> tuple[int, int]:
    """(migrated, total) workloads of the agency; replaced by the migration work."""
    return (0, 0)


def data_center_retirement_counts(session: Session, agency_id: int) -> tuple[int, int]:
    """(retired, total) legacy data centers of the agency; replaced by the migration work."""
    return (0, 0)


def has_running_tenant(session: Session, agency_id: int) -> bool:
    """Whether the agency has a tenant space with a running workload; replaced by the migration work."""
    return False
