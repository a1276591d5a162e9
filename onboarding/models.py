"""All onboarding models, imported together so the platform metadata is complete."""

from onboarding.inventory.models import (  # noqa: F401
    Assessment,
    DataCenter,
    Workload,
    workload_dependencies,
    workload_inquiries,
    workload_services,
)
from onboarding.plans.models import MigrationPlan, Wave, WaveEntry  # noqa: F401
from onboarding.runs.models import Run, RunLogEntry, RunStep, TenantSpace  # noqa: F401
