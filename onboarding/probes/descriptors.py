"""Probe settings in catalog descriptors: a service's `probe:` mapping, read by the edit form's own
parser (`services.parse_probe_settings`) and stored in `probe_targets` with the import's other rows.

The catalog imports only `core`, so this package registers the section with it: processes that
import descriptors (the portal, the CLI) call `connect_to_descriptors` once at start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from catalog import descriptors
from onboarding.probes.services import (
    DEFAULT_SETTINGS,
    SETTING_FIELDS,
    agency_probe_settings,
    parse_probe_settings,
    settings_view,
    write_probe_target,
)

SECTION = "probe"


class ProbeSection:
    """`probe: {kind, interval_seconds, expect_status_class, expect_text}`, as the form's fieldset."""

    fields: tuple[str, ...] = SETTING_FIELDS
    default: dict[str, Any] = settings_view(DEFAULT_SETTINGS)

    def parse(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return settings_view(parse_probe_settings(data, ""))

    def stored(self, session: Session, agency_id: int) -> dict[int, dict[str, Any]]:
        return {
            service_id: settings_view(settings)
            for service_id, settings in agency_probe_settings(session, agency_id).items()
        }

    def write(self, session: Session, service_id: int, settings: dict[str, Any]) -> None:
        write_probe_target(session, service_id, **parse_probe_settings(settings, ""))


def connect_to_descriptors() -> None:
    """Let descriptors carry `probe:` (calling it again changes nothing)."""
    descriptors.register_section(SECTION, ProbeSection())
