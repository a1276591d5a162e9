"""Shapes of compliance input and the fixed vocabularies (statuses, target kinds)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any

from catalog.models import AgencyKind
from core.dates import parse_jalali
from core.errors import ValidationError


class Status(enum.StrEnum):
    met = "met"
    on_track = "on_track"
    at_risk = "at_risk"
    missed = "missed"
    no_data = "no_data"


STATUS_ORDER = (Status.met, Status.on_track, Status.at_risk, Status.missed, Status.no_data)
# "laggards first": an agency's worst status, worst first (no figure is worse than being on track)
LAGGARD_ORDER = (Status.missed, Status.at_risk, Status.no_data, Status.on_track, Status.met)
STATUS_BITS = {str(status): 1 << index for index, status in enumerate(STATUS_ORDER)}


REMIND_DAYS_MAX = 365  # how long before a deadline a reminder may be sent, at most
EVIDENCE_WINDOW_DAYS_MAX = 90  # how far back a milestone's evidence of answering may look, at most
# The longest text each field of a program or milestone holds (its column's length).
MAX_LENGTHS = {"code": 64, "title_fa": 300, "title_en": 300}


class TargetKind(enum.StrEnum):
    ratio = "ratio"  # a share between 0 and 1; met when value >= target
    boolean = "boolean"  # yes/no; met when the metric says yes


class EmailStatus(enum.StrEnum):
    not_configured = "not_configured"  # no SMTP: the portal list is the only channel
    pending = "pending"  # to be sent (or retried after a failure, see attempts and last_error)
    sent = "sent"
    no_recipients = "no_recipients"  # the agency has no active admin with an e-mail address


@dataclasses.dataclass
class ProgramInput:
    code: str
    title_fa: str
    title_en: str = ""
    active: bool = True

    @classmethod
    def parse(cls, data: dict[str, Any]) -> ProgramInput:
        fields: dict[str, str] = {}
        code = str(data.get("code") or "").strip()
        title_fa = str(data.get("title_fa") or "").strip()
        if not code:
            fields["code"] = "required"
        elif len(code) > MAX_LENGTHS["code"]:
            fields["code"] = f"at most {MAX_LENGTHS['code']} characters"
        if not title_fa:
            fields["title_fa"] = "required"
        if fields:
            raise ValidationError("invalid program", fields=fields)
        return cls(
            code=code,
            title_fa=title_fa,
            title_en=str(data.get("title_en") or "").strip(),
            active=_bool(data.get("active", True)),
        )


@dataclasses.dataclass
class MilestoneInput:
    code: str
    title_fa: str
    title_en: str
    metric: str
    target_kind: TargetKind
    target: float
    deadline: dt.date
    scope_kinds: list[str]
    remind_days_before: int = 30
    position: int = 0
    evidence_required: bool = False
    evidence_window_days: int = 7
    evidence_min_availability: float = 0.95

    @classmethod
    def parse(cls, data: dict[str, Any], metric_names: set[str]) -> MilestoneInput:
        """Accepts form or JSON input; the deadline as ISO (2024-11-20) or Jalali (1403/08/30) text."""
        fields: dict[str, str] = {}
        code = str(data.get("code") or "").strip()
        if not code:
            fields["code"] = "required"
        title_fa = str(data.get("title_fa") or "").strip()
        if not title_fa:
            fields["title_fa"] = "required"
        metric = str(data.get("metric") or "").strip()
        if metric not in metric_names:
            fields["metric"] = f"unknown metric {metric!r}; one of {', '.join(sorted(metric_names))}"
        target_kind = _target_kind(data, fields)
        target = _target(data, fields)
        if target_kind is TargetKind.boolean:
            target = 1.0
        deadline = _deadline(data, fields)
        scope_kinds = _scope_kinds(data, fields)
        remind = _remind_days_before(data, fields)
        window, availability = _parse_evidence(data, fields)
        if fields:
            raise ValidationError("invalid milestone", fields=fields)
        assert deadline is not None
        return cls(
            code=code,
            title_fa=title_fa,
            title_en=str(data.get("title_en") or "").strip(),
            metric=metric,
            target_kind=target_kind,
            target=target,
            deadline=deadline,
            scope_kinds=scope_kinds,
            remind_days_before=remind,
            position=int(data.get("position") or 0),
            evidence_required=_bool(data.get("evidence_required", False)),
            evidence_window_days=window,
            evidence_min_availability=availability,
        )


def _target_kind(data: dict[str, Any], fields: dict[str, str]) -> TargetKind:
    try:
        return TargetKind(str(data.get("target_kind") or "ratio"))
    except ValueError:
        fields["target_kind"] = "one of ratio, boolean"
        return TargetKind.ratio


def _target(data: dict[str, Any], fields: dict[str, str]) -> float:
    """A share above 0 and at most 1, given as a fraction or a percentage (1 when not given)."""
    target = 1.0
    raw_target = data.get("target", 1)
    try:
        target = float(str(raw_target).strip().rstrip("%")) if raw_target not in (None, "") else 1.0
        if isinstance(raw_target, str) and raw_target.strip().endswith("%"):
            target /= 100
        if not 0 < target <= 1:
            fields["target"] = "a share above 0 and at most 1 (for example 0.2 or 20%)"
    except ValueError:
        fields["target"] = f"not a number: {raw_target!r}"
    return target


def _deadline(data: dict[str, Any], fields: dict[str, str]) -> dt.date | None:
    raw_deadline = data.get("deadline")
    if isinstance(raw_deadline, dt.date):
        return raw_deadline
    if not raw_deadline:
        fields["deadline"] = "required"
        return None
    deadline = _parse_date(str(raw_deadline))
    if deadline is None:
        fields["deadline"] = f"not a date: {raw_deadline!r} (1403/08/30 or 2024-11-20)"
    return deadline


def _scope_kinds(data: dict[str, Any], fields: dict[str, str]) -> list[str]:
    """The agency kinds the milestone applies to (a list, or comma-separated text), sorted, once each."""
    raw_scope = data.get("scope_kinds") or []
    if isinstance(raw_scope, str):
        raw_scope = [s for s in (p.strip() for p in raw_scope.split(",")) if s]
    unknown = [k for k in raw_scope if k not in AgencyKind.__members__]
    if unknown:
        fields["scope_kinds"] = f"unknown agency kinds: {', '.join(map(str, unknown))}"
        return []  # (mixed types would not sort)
    return sorted(set(raw_scope))


def _remind_days_before(data: dict[str, Any], fields: dict[str, str]) -> int:
    remind = data.get("remind_days_before", 30)
    try:
        remind = int(remind if remind not in (None, "") else 30)
        if not 0 <= remind <= REMIND_DAYS_MAX:
            fields["remind_days_before"] = f"between 0 and {REMIND_DAYS_MAX}"
    except (TypeError, ValueError):
        fields["remind_days_before"] = f"not a whole number: {remind!r}"
        remind = 30
    return remind


def _parse_evidence(data: dict[str, Any], fields: dict[str, str]) -> tuple[int, float]:
    """The evidence window (in days, from one) and the availability it needs (a share above 0, at most 1)."""
    raw_window = data.get("evidence_window_days", 7)
    window = 7
    try:
        window = int(raw_window if raw_window not in (None, "") else 7)
        if not 1 <= window <= EVIDENCE_WINDOW_DAYS_MAX:
            fields["evidence_window_days"] = f"between 1 and {EVIDENCE_WINDOW_DAYS_MAX}"
    except (TypeError, ValueError):
        fields["evidence_window_days"] = f"not a whole number: {raw_window!r}"
    raw_share = data.get("evidence_min_availability", 0.95)
    share = 0.95
    try:
        text = str(raw_share).strip() if raw_share not in (None, "") else "0.95"
        share = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        if not 0 < share <= 1:
            fields["evidence_min_availability"] = "a share above 0 and at most 1 (for example 0.95 or 95%)"
    except ValueError:
        fields["evidence_min_availability"] = f"not a number: {raw_share!r}"
    return window, share


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    try:
        return parse_jalali(text)
    except ValueError:
        return None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on", "y"}


AGENCIES_ROW = 0  # the milestone id of a scope's row counting its agencies (no milestone has id 0)
