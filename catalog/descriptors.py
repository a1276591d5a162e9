"""Catalog as code: one YAML descriptor per agency, imported all-or-nothing and exported back.

The format is documented in docs/descriptors.md. An import is planned first (every problem found,
each with file, line and field), and applied only if the plan has no problem, in one transaction;
applying the same file twice changes nothing the second time. Services missing from a file are left
as they are: retiring is explicit (`status: retired`), so a truncated file never wipes a catalog.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit, bulk, policies
from catalog.models import Agency, EService, ServiceStatus
from catalog.queries import get_agency, search_key
from catalog.schemas import SERVICE_FIELDS, TRANSITIONS, FieldMessage, ServiceInput, parse_service
from catalog.services import apply_values, notify_change
from core import boundedyaml
from core.actors import Actor
from core.errors import ValidationError

TOP_LEVEL_FIELDS = ("agency", "services")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Bounds on what one descriptor may cost to read. The largest agency's catalog (a few thousand
# services) is a few MB; a file past these limits is refused before anything is built from it.
MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 8
MAX_NODES = 2_000_000
PARSE_SECONDS = 20.0
BUDGET = boundedyaml.Budget(MAX_BYTES, MAX_DEPTH, MAX_NODES, PARSE_SECONDS)


@dataclasses.dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DescriptorError(ValidationError):
    """Every problem of one file; nothing of the file was applied."""

    code = "descriptor_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            f"{len(problems)} problem(s) in the descriptor",
            fields={p.field or f"line {p.line}": p.message for p in problems},
        )
        self.problems = problems

    def __str__(self) -> str:
        """Every problem, `file:line: field: reason`, on one line: a traceback or a log says what is wrong."""
        return f"{self.message}: " + "; ".join(str(p) for p in self.problems)


class _Located(dict):
    """A mapping that remembers the line of itself and of each of its values."""

    line: int
    lines: dict[str, int]


class _LocatedList(list):
    line: int
    lines: list[int]


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(key)
        self.key, self.line = key, line


class _DescriptorLoader(_Loader):  # type: ignore[misc, valid-type] # the C loader when built: a variable base
    pass


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    result = _Located()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:  # PyYAML would silently keep the last one
            raise _DuplicateKey(key, key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = value_node.start_mark.line + 1
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> _LocatedList:
    result = _LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_DescriptorLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_DescriptorLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


@dataclasses.dataclass
class Entry:
    index: int
    line: int
    values: ServiceInput


@dataclasses.dataclass
class Document:
    file: str
    agency_code: str
    agency_line: int
    entries: list[Entry]


def _check_bounds(text: str | bytes, file: str) -> None:
    """Refuse what PyYAML's safe loader would happily expand (aliases: a 417-byte file of nested
    `*alias`es grows by 7x per level when a value is turned into text), deep nesting, too many nodes
    or too much parse time (`core.boundedyaml`), before anything is built from the file."""
    try:
        boundedyaml.check_bounds(text, BUDGET)
    except boundedyaml.YamlRefused as exc:
        raise DescriptorError(
            [Problem(file, exc.line, "", FieldMessage(exc.template, **exc.params))]
        ) from None


def load_document(text: str | bytes, file: str) -> Document:
    """Parse and validate a descriptor's shape and every service in it, without the database."""
    data = _read_yaml(text, file)
    if not isinstance(data, _Located):
        raise DescriptorError([Problem(file, 1, "", "must be a mapping with 'agency' and 'services'")])
    problems: list[Problem] = []
    for key in data:
        if key not in TOP_LEVEL_FIELDS:
            problems.append(Problem(file, data.lines[key], str(key), "is not a field of a descriptor"))
    agency_code = str(data.get("agency") or "").replace("\x00", "").strip()
    agency_line = data.lines.get("agency", data.line)
    if not agency_code:
        problems.append(Problem(file, agency_line, "agency", "is required (the agency's code)"))
    entries = _entries(_services_list(data, file, problems), file, problems)
    if problems:
        raise DescriptorError(problems)
    return Document(file, agency_code.upper(), agency_line, entries)


def _read_yaml(text: str | bytes, file: str) -> Any:
    """The YAML read within its bounds, keeping each node's line; any failure a DescriptorError."""
    try:
        _check_bounds(text, file)
        return yaml.load(text, Loader=_DescriptorLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise DescriptorError([Problem(file, exc.line, str(exc.key), "is given twice")]) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DescriptorError([Problem(file, line, "", f"not valid YAML: {exc.problem}")]) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DescriptorError([Problem(file, 1, "", f"not valid YAML: {exc}")]) from exc


def _services_list(data: _Located, file: str, problems: list[Problem]) -> _LocatedList:
    """The `services` list (empty when it is missing, or not a list: a problem)."""
    services = data.get("services")
    if services is None or not isinstance(services, _LocatedList):
        if services is not None:
            problems.append(Problem(file, data.lines.get("services", 1), "services", "must be a list"))
        services = _LocatedList()
        services.line, services.lines = data.line, []
    return services


def _entries(services: _LocatedList, file: str, problems: list[Problem]) -> list[Entry]:
    """Every e-service parsed, each code once; each bad one a problem on its field's line."""
    entries: list[Entry] = []
    seen_codes: dict[str, int] = {}
    for index, item in enumerate(services):
        line = services.lines[index]
        where = f"services[{index}]"
        if not isinstance(item, _Located):
            problems.append(Problem(file, line, where, "must be a mapping of an e-service's fields"))
            continue
        try:
            values = parse_service(item)
        except ValidationError as exc:
            for field, message in exc.fields.items():
                problems.append(Problem(file, item.lines.get(field, item.line), f"{where}.{field}", message))
            continue
        if values.code in seen_codes:
            problems.append(
                Problem(
                    file,
                    item.lines.get("code", line),
                    f"{where}.code",
                    f"duplicate code {values.code} (first on line {seen_codes[values.code]})",
                )
            )
            continue
        seen_codes[values.code] = item.lines.get("code", line)
        entries.append(Entry(index, item.line, values))
    return entries


@dataclasses.dataclass
class ImportReport:
    file: str
    agency_code: str
    created: list[str] = dataclasses.field(default_factory=list)
    updated: dict[str, dict[str, list[Any]]] = dataclasses.field(default_factory=dict)
    unchanged: int = 0
    applied: bool = False
    skipped: list[Problem] = dataclasses.field(default_factory=list)
    """Entries the current data refused, left out of the import (only with `skip_refused`)."""

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        return (
            f"{self.file}: agency {self.agency_code}: {len(self.created)} created, "
            f"{len(self.updated)} updated, {self.unchanged} unchanged"
        )

    def diff_lines(self) -> list[str]:
        lines = [f"+ {code}" for code in self.created]
        for code, fields in self.updated.items():
            parts = "; ".join(f"{field}: {old!r} → {new!r}" for field, (old, new) in fields.items())
            lines.append(f"~ {code}: {parts}")
        return lines


@dataclasses.dataclass
class _Plan:
    agency: Agency
    creates: list[ServiceInput]
    updates: list[tuple[EService, ServiceInput, dict[str, list[Any]]]]
    report: ImportReport


def _plan(session: Session, actor: Actor, document: Document, skip_refused: bool = False) -> _Plan:
    agency = _descriptor_agency(session, actor, document)
    existing = {s.code: s for s in session.scalars(select(EService).where(EService.agency_id == agency.id))}
    plan = _Plan(agency, [], [], ImportReport(document.file, agency.code))
    problems: list[Problem] = []
    for entry in document.entries:
        values = entry.values
        service = existing.get(values.code)
        changed = audit.diff(audit.snapshot(service), values.values()) if service is not None else {}
        if service is not None and not changed:
            plan.report.unchanged += 1
            continue
        refused = _refusal(document.file, entry, service)
        if refused is not None:
            if skip_refused:  # the rest of the file still applies; the report names this one
                plan.report.skipped.append(refused)
                continue
            problems.append(refused)
        if service is None:
            plan.creates.append(values)
            plan.report.created.append(values.code)
        else:
            plan.updates.append((service, values, changed))
            plan.report.updated[values.code] = changed
    if problems:
        raise DescriptorError(problems)
    return plan


def _descriptor_agency(session: Session, actor: Actor, document: Document) -> Agency:
    """The agency the descriptor names, if it exists and the actor may change it."""
    agency = session.scalar(select(Agency).where(Agency.code == document.agency_code))
    if agency is None:
        raise DescriptorError(
            [
                Problem(
                    document.file,
                    document.agency_line,
                    "agency",
                    f"no agency has the code {document.agency_code}",
                )
            ]
        )
    if not policies.can_import_descriptor(actor, agency):
        raise DescriptorError(
            [
                Problem(
                    document.file, document.agency_line, "agency", f"you may not change agency {agency.code}"
                )
            ]
        )
    return agency


def _refusal(file: str, entry: Entry, service: EService | None) -> Problem | None:
    """Why the current data refuses a valid entry's change, if it does: a new e-service given as
    retired, or a status move the transitions do not allow."""
    values, where = entry.values, f"services[{entry.index}].status"
    if service is None:
        if values.status == ServiceStatus.retired:
            return Problem(file, entry.line, where, "a new e-service is not retired")
        return None
    if values.status not in TRANSITIONS[service.status]:
        return Problem(
            file, entry.line, where, f"cannot change from {service.status.value} to {values.status.value}"
        )
    return None


def _apply(session: Session, actor: Actor, plan: _Plan, via: str) -> None:
    agency_id = plan.agency.id
    if plan.creates:
        rows = []
        for values in plan.creates:
            row = values.values()
            row.update(
                agency_id=agency_id,
                version=1,
                search_key=search_key(values.code, values.name_fa, values.name_en),
            )
            rows.append(row)
        ids = bulk.insert_services(session, agency_id, rows)
        bulk.insert_changes(
            session,
            [
                audit.entry(actor, service_id, agency_id, "created", audit.diff({}, values.values()), via)
                for service_id, values in zip(ids, plan.creates, strict=True)
            ],
        )
    for service, values, changed in plan.updates:
        apply_values(service, values)
        action = (
            "retired" if changed.get("status", [None, None])[1] == ServiceStatus.retired.value else "updated"
        )
        audit.record(session, actor, service, action, changed, via)
    session.commit()


def import_descriptor(
    session: Session,
    actor: Actor,
    text: str | bytes,
    file: str,
    *,
    dry_run: bool = False,
    via: str = "descriptor",
    skip_refused: bool = False,
) -> ImportReport:
    """Import one agency's descriptor: all of it, or (on any problem) nothing, raising DescriptorError
    with every problem found. With dry_run the report says what would change and nothing is written.
    With skip_refused, an entry that is valid but that the current data refuses (a status move such
    as retired → draft) is left out and listed in `report.skipped`, and the rest applies: the demo
    seeding uses it, so that data changed since the last start never stops the next one."""
    document = load_document(text, file)
    plan = _plan(session, actor, document, skip_refused)
    if dry_run or not plan.report.changed:
        session.rollback()
        return plan.report
    _apply(session, actor, plan, via)
    plan.report.applied = True
    notify_change({plan.agency.id})
    return plan.report


# --- export ---------------------------------------------------------------------------------------


def _service_document(service: EService) -> dict[str, Any]:
    values = audit.snapshot(service)
    return {field: values[field] for field in SERVICE_FIELDS}


def export_agency(session: Session, actor: Actor, agency_id: int) -> str:
    """The agency's descriptor: importing it back changes nothing."""
    agency = get_agency(session, actor, agency_id)
    services = session.scalars(
        select(EService).where(EService.agency_id == agency.id).order_by(EService.code)
    )
    document = {"agency": agency.code, "services": [_service_document(s) for s in services]}
    header = f"# {agency.name_fa} — {agency.name_en}\n# govcloud catalog descriptor (docs/descriptors.md)\n"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return header + yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1000)


def exportable_agencies(session: Session, actor: Actor) -> list[Agency]:
    """Agencies the actor may read that have at least one service."""
    query = select(Agency).where(Agency.id.in_(select(EService.agency_id).distinct())).order_by(Agency.code)
    return [a for a in session.scalars(query) if actor.can_read_agency(a.id)]
