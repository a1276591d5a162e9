"""Catalog as code: one YAML descriptor per agency, imported all-or-nothing and exported back.

The format is documented in docs/descriptors.md. An import is planned first (every problem found,
each with file, line and field), and applied only if the plan has no problem, in one transaction;
applying the same file twice changes nothing the second time. Services missing from a file are left
as they are: retiring is explicit (`status: retired`), so a truncated file never wipes a catalog.

A service may also carry sections that other packages store (`probe:`, the probe settings of
`onboarding.probes`): they register a `ServiceSection` here, since the catalog imports only `core`.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import multiprocessing
import time
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit, bulk, policies
from catalog.models import Agency, EService, ServiceStatus
from catalog.queries import get_agency, search_key
from catalog.schemas import (
    SERVICE_FIELDS,
    TRANSITIONS,
    FieldMessage,
    ServiceInput,
    parse_service,
    parse_valid_service,
)
from catalog.services import apply_values, notify_change
from core import boundedyaml
from core.actors import Actor
from core.errors import ValidationError

TOP_LEVEL_FIELDS = ("agency", "services")


class ServiceSection(Protocol):
    """A mapping of settings a descriptor's service may carry, stored by another package. Settings
    are plain dicts of the section's `fields`, as the descriptor writes them."""

    fields: tuple[str, ...]
    default: dict[str, Any]  # what a service without stored settings has

    def parse(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The settings, validated; ValidationError naming each bad field as `fields` names it."""
        ...

    def stored(self, session: Session, agency_id: int) -> dict[int, dict[str, Any]]:
        """The settings of the agency's services that have any, by service id."""
        ...

    def write(self, session: Session, service_id: int, settings: dict[str, Any]) -> None:
        """Store one service's settings, without committing (the import commits once)."""
        ...


SECTIONS: dict[str, ServiceSection] = {}


def register_section(name: str, section: ServiceSection) -> None:
    """Let services carry `name:` in descriptors (again under the same name: replaced, not added)."""
    SECTIONS[name] = section


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
    def __init__(self, key: object, line: int, message: str = "is given twice") -> None:
        super().__init__(key)
        self.key, self.line, self.message = key, line, message


_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str", "timestamp", "binary")
}
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NO_KEY = object()


def _error(problem: str, event: yaml.Event) -> yaml.MarkedYAMLError:
    return yaml.constructor.ConstructorError(None, None, problem, event.start_mark)


@functools.lru_cache(maxsize=4096)
def _plain_scalar(value: str) -> Any:
    """An unquoted, untagged scalar as the safe loader reads it (`3` an int, `yes` true, `~` null);
    the same few words recur on every line of a descriptor, hence the cache."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    if tag == _STR_TAG:
        return value
    if tag == _MERGE_TAG:
        return _MERGE
    return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, value))


class _Merge:
    """The `<<` key, refused where it stands (its only use in practice is with an alias)."""


_MERGE = _Merge()


def _scalar(event: yaml.ScalarEvent) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        value = event.value
        if not event.implicit[0] or (value and value[0] not in _IMPLICIT_FIRST):
            return value  # quoted, or plain text no implicit type can start with: text as it stands
        if value.isdigit() and value.isascii() and (value[0] != "0" or len(value) == 1):
            return int(value)  # a plain decimal (numbers are mostly unique: the cache would miss)
        if len(value) > 5 and value[0].isalpha():
            return value  # only bool and null start with a letter, and their longest word is "false"
        return _plain_scalar(value)
    if tag not in _SCALAR_TAGS:
        raise _error(f"could not determine a constructor for the tag {tag!r}", event)
    return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, event.value))


_IMPLICIT_FIRST = frozenset(key for key in _RESOLVER.yaml_implicit_resolvers if key)


def _read_events(text: str | bytes, file: str) -> Any:  # noqa: C901 - one loop over the event kinds
    """Read the document in one pass over the parser's events, building it as it goes, each mapping
    and list remembering its line and its values' lines. The bounds are checked on the way, so what
    PyYAML's safe loader would happily expand is refused as soon as it is seen: aliases (a 417-byte
    file of nested `*alias`es grows by 7x per level when a value is turned into text), deep nesting
    and too many nodes or too much parse time. Keys given twice are refused (PyYAML keeps the last)."""
    deadline = time.monotonic() + PARSE_SECONDS
    nodes = documents = 0
    stack: list[Any] = []  # open mappings and lists
    keys: list[Any] = []  # per open collection: a mapping's key awaiting its value (_NO_KEY if none)
    root: Any = None
    parent: Any = None  # stack[-1]
    loader = _Loader(text)
    try:
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                value: Any = _scalar(event)
                line = event.start_mark.line + 1
                nodes += 1
                if nodes > MAX_NODES or (nodes & 4095 == 0 and time.monotonic() > deadline):
                    raise _bounds_error(file, event, _TOO_LARGE)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value = stack.pop()
                keys.pop()
                line = value.line
                parent = stack[-1] if stack else None
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                _check_collection(event, file, stack, keys)
                nodes += 1
                if nodes > MAX_NODES:
                    raise _bounds_error(file, event, _TOO_LARGE)
                parent = _Located() if kind is yaml.MappingStartEvent else _LocatedList()
                parent.line = event.start_mark.line + 1
                parent.lines = {} if kind is yaml.MappingStartEvent else []
                stack.append(parent)
                keys.append(_NO_KEY)
                continue
            elif kind is yaml.AliasEvent:
                raise _bounds_error(file, event, _NO_ALIASES)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _error("but found another document (a descriptor is one document)", event)
                continue
            elif kind is yaml.StreamEndEvent:
                return root
            else:
                continue
            if parent is None:
                root = value
            elif type(parent) is _LocatedList:
                parent.append(value)
                parent.lines.append(line)
            elif keys[-1] is _NO_KEY:
                keys[-1] = _key(parent, value, line)
            else:
                key = keys[-1]
                parent[key] = value
                parent.lines[key] = line
                keys[-1] = _NO_KEY
    finally:
        loader.dispose()


def _check_collection(event: yaml.Event, file: str, stack: list[Any], keys: list[Any]) -> None:
    if event.tag not in _COLLECTION_TAGS:
        raise _error(f"could not determine a constructor for the tag {event.tag!r}", event)
    if stack and keys[-1] is _NO_KEY and type(stack[-1]) is _Located:
        raise _error("found a mapping or list where a key was expected", event)
    if len(stack) >= MAX_DEPTH:
        raise _bounds_error(file, event, FieldMessage(boundedyaml.TOO_DEEP, depth=MAX_DEPTH))


def _key(mapping: _Located, key: Any, line: int) -> Any:
    """A mapping's next key, if it may be one."""
    if key is _MERGE:
        raise _DuplicateKey("<<", line, "merge keys (<<) are not accepted: write each value out")
    if key in mapping:  # PyYAML would silently keep the last one
        raise _DuplicateKey(key, line)
    return key


_TOO_LARGE = FieldMessage(boundedyaml.TOO_COSTLY)
_NO_ALIASES = FieldMessage(boundedyaml.ALIASES_REFUSED)


def _bounds_error(file: str, event: yaml.Event, message: str) -> DescriptorError:
    line = event.start_mark.line + 1 if event.start_mark else 1
    return DescriptorError([Problem(file, line, "", message)])


@dataclasses.dataclass
class Entry:
    index: int
    line: int
    values: ServiceInput
    sections: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    """Each section the entry declares, parsed; a section it does not declare is left as stored."""
    key: str = ""
    """The service's search key (`search_key`), made where the file is read: in `read_documents`'
    worker, off the process that writes."""


@dataclasses.dataclass
class Document:
    file: str
    agency_code: str
    agency_line: int
    entries: list[Entry]


def _check_bounds(text: str | bytes, file: str) -> None:
    """Refuse a file past the size limit before reading it (the other bounds of `BUDGET` are checked
    as it is read, by _read_events)."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_BYTES:
        raise DescriptorError(
            [Problem(file, 1, "", FieldMessage(boundedyaml.TOO_LARGE, size=size, limit=MAX_BYTES))]
        )


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
        return _read_events(text, file)
    except _DuplicateKey as exc:
        raise DescriptorError([Problem(file, exc.line, str(exc.key), exc.message)]) from exc
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
        sections: dict[str, dict[str, Any]] = {}
        found = len(problems)
        if SECTIONS.keys() & item.keys():
            # the fast path knows only a service's own fields: an entry with sections takes the full one
            fields = {key: value for key, value in item.items() if key not in SECTIONS}
            sections = _sections(item, file, where, problems)
            values = _parsed(fields, item, file, where, problems, fast=False)
        else:
            values = _parsed(item, item, file, where, problems, fast=True)
        if values is None or len(problems) > found:
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
        key = search_key(values.code, values.name_fa, values.name_en)
        entries.append(Entry(index, item.line, values, sections, key))
    return entries


def _parsed(
    fields: Mapping[str, Any], item: _Located, file: str, where: str, problems: list[Problem], *, fast: bool
) -> ServiceInput | None:
    """The entry's own fields parsed (the fast path first when `fast`), or None and its problems."""
    try:
        return (parse_valid_service(fields) if fast else None) or parse_service(fields)
    except ValidationError as exc:
        for field, message in exc.fields.items():
            problems.append(Problem(file, item.lines.get(field, item.line), f"{where}.{field}", message))
        return None


def _sections(item: _Located, file: str, where: str, problems: list[Problem]) -> dict[str, dict[str, Any]]:
    """The sections the entry declares, each parsed by its package; each bad one a problem on its line."""
    parsed = {}
    for name, section in SECTIONS.items():
        if name not in item:
            continue
        data, line = item[name], item.lines[name]
        if not isinstance(data, _Located):
            problems.append(Problem(file, line, f"{where}.{name}", "must be a mapping of its settings"))
            continue
        known = {key: value for key, value in data.items() if key in section.fields}
        bad = [
            Problem(file, data.lines[key], f"{where}.{name}.{key}", f"is not a field of {name}")
            for key in data
            if key not in known
        ]
        for key, value in known.items():
            if isinstance(value, Mapping | list):
                bad.append(
                    Problem(
                        file,
                        data.lines[key],
                        f"{where}.{name}.{key}",
                        "must be a single value, not a list or mapping",
                    )
                )
        try:  # the single values are checked too, so one answer names every bad field
            settings = section.parse({k: v for k, v in known.items() if not isinstance(v, Mapping | list)})
        except ValidationError as exc:
            for field, message in exc.fields.items():
                bad.append(
                    Problem(file, data.lines.get(field, data.line), f"{where}.{name}.{field}", message)
                )
        if bad:
            problems.extend(bad)
        else:
            parsed[name] = settings
    return parsed


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
    creates: list[Entry]
    updates: list[tuple[int, Entry, dict[str, list[Any]]]]  # the service's id, entry, changes
    report: ImportReport


def _section_changes(
    entry: Entry, stored: dict[str, dict[int, dict[str, Any]]], service_id: int | None
) -> dict[str, list[Any]]:
    """What the entry's sections change, as `section.field: [old, new]` (none for a section it omits)."""
    changed = {}
    for name, new in entry.sections.items():
        old = stored.get(name, {}).get(service_id or 0) or SECTIONS[name].default  # a new service: no id
        changed.update({f"{name}.{key}": [old[key], new[key]] for key in new if old[key] != new[key]})
    return changed


def _stored(session: Session, agency_id: int) -> dict[str, tuple[int, dict[str, Any]]]:
    """The agency's services as they are: id and plain values by code, read as rows, not objects (a
    re-import compares thousands and changes few)."""
    columns = [getattr(EService, field) for field in SERVICE_FIELDS]
    stored = {}
    for service_id, *values in session.execute(
        select(EService.id, *columns).where(EService.agency_id == agency_id)
    ):
        plain = {
            field: value.value if isinstance(value, enum.Enum) else value
            for field, value in zip(SERVICE_FIELDS, values, strict=True)
        }
        stored[plain["code"]] = (service_id, plain)
    return stored


def _plan(session: Session, actor: Actor, document: Document, skip_refused: bool = False) -> _Plan:
    agency = _descriptor_agency(session, actor, document)
    stored = _stored(session, agency.id)
    sections = (
        {name: SECTIONS[name].stored(session, agency.id) for name in SECTIONS}
        if any(entry.sections for entry in document.entries)
        else {}
    )
    plan = _Plan(agency, [], [], ImportReport(document.file, agency.code))
    problems: list[Problem] = []
    for entry in document.entries:
        values = entry.values
        found = stored.get(values.code)
        status = None
        if found is not None:
            new, old = values.plain(), found[1]
            changed = {
                field: [old[field], new[field]] for field in SERVICE_FIELDS if old[field] != new[field]
            }
            if entry.sections:
                changed.update(_section_changes(entry, sections, found[0]))
            if not changed:
                plan.report.unchanged += 1
                continue
            status = ServiceStatus(old["status"])
        refused = _refusal(document.file, entry, status)
        if refused is not None:
            if skip_refused:  # the rest of the file still applies; the report names this one
                plan.report.skipped.append(refused)
                continue
            problems.append(refused)
        if found is None:
            plan.creates.append(entry)
            plan.report.created.append(values.code)
        else:
            plan.updates.append((found[0], entry, changed))
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


def _refusal(file: str, entry: Entry, current: ServiceStatus | None) -> Problem | None:
    """Why the current data refuses a valid entry's change, if it does: a new e-service (no current
    status) given as retired, or a status move the transitions do not allow."""
    values, where = entry.values, f"services[{entry.index}].status"
    if current is None:
        if values.status == ServiceStatus.retired:
            return Problem(file, entry.line, where, "a new e-service is not retired")
        return None
    if values.status not in TRANSITIONS[current]:
        return Problem(
            file, entry.line, where, f"cannot change from {current.value} to {values.status.value}"
        )
    return None


def _apply(session: Session, actor: Actor, plan: _Plan, via: str) -> None:
    if plan.creates:
        _insert_new(session, actor, plan.agency.id, plan.creates, via)
    if plan.updates:
        ids = [service_id for service_id, _entry, _changed in plan.updates]
        services = {s.id: s for s in session.scalars(select(EService).where(EService.id.in_(ids)))}
        for service_id, entry, changed in plan.updates:
            service = services[service_id]
            if changed.keys() & _SERVICE_FIELD_NAMES:
                apply_values(service, entry.values)
            _write_sections(session, service_id, entry, changed)
            retired = changed.get("status", [None, None])[1] == ServiceStatus.retired.value
            audit.record(session, actor, service, "retired" if retired else "updated", changed, via)
    session.commit()


_SERVICE_FIELD_NAMES = frozenset(SERVICE_FIELDS)


def _write_sections(session: Session, service_id: int, entry: Entry, changed: dict[str, list[Any]]) -> None:
    """Store each section of the entry that changes something."""
    for name, settings in entry.sections.items():
        if any(key.startswith(f"{name}.") for key in changed):
            SECTIONS[name].write(session, service_id, settings)


def _insert_new(session: Session, actor: Actor, agency_id: int, creates: list[Entry], via: str) -> None:
    """New services and their "created" history entries, each kind in one bulk write; then the
    sections that differ from their defaults. On PostgreSQL the entries of services created with
    their sections' defaults are made by the database from the rows (`bulk.insert_created_history`)."""
    ids = bulk.insert_services(
        session,
        agency_id,
        [(e.values, e.key) for e in creates],
    )
    in_database = session.get_bind().dialect.name == "postgresql"
    plain, in_sql, changes = [], [], []
    for service_id, entry in zip(ids, creates, strict=True):
        sections = _section_changes(entry, {}, None) if entry.sections else {}
        if in_database and not sections:
            in_sql.append(service_id)
            continue
        changed = bulk.created_changes(entry.values) | sections
        plain.append((service_id, changed))
        changes.append((service_id, entry, changed))
    if in_sql:
        bulk.insert_created_history(session, in_sql, audit.entry(actor, 0, agency_id, "created", {}, via))
    bulk.insert_changes(session, audit.entries(actor, agency_id, "created", plain, via))
    for service_id, entry, changed in changes:
        _write_sections(session, service_id, entry, changed)


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
    return import_document(
        session, actor, load_document(text, file), dry_run=dry_run, via=via, skip_refused=skip_refused
    )


def import_document(
    session: Session,
    actor: Actor,
    document: Document,
    *,
    dry_run: bool = False,
    via: str = "descriptor",
    skip_refused: bool = False,
) -> ImportReport:
    """`import_descriptor` of a document already read (`load_document`, `read_documents`)."""
    plan = _plan(session, actor, document, skip_refused)
    if dry_run or not plan.report.changed:
        session.rollback()
        return plan.report
    _apply(session, actor, plan, via)
    plan.report.applied = True
    notify_change({plan.agency.id})
    return plan.report


def _read_file(path: Path) -> Document | list[Problem]:
    """load_document of a file, in a worker: the problems come back as a list (an exception's own
    arguments would not rebuild a DescriptorError on the other side)."""
    try:
        return load_document(path.read_bytes(), str(path))
    except DescriptorError as exc:
        return exc.problems


# files read ahead of the one being written: enough to keep the second core busy, not the whole folder
_READ_AHEAD = 4
_WORKERS = 2


def read_documents(paths: list[Path]) -> Iterator[Document | DescriptorError]:
    """`load_document` of each file (named by its path), in order, as a Document or the
    DescriptorError naming every problem of that file. With more than one file, the next files are
    read and checked in a second process while the caller writes the current one: reading YAML is
    Python's work and writing is mostly PostgreSQL's, so a folder of descriptors imports on two
    cores. The worker is forked, so it knows the sections registered here (`register_section`)."""
    if len(paths) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for path in paths:
            yield _as_result(_read_file(path))
        return
    with ProcessPoolExecutor(_WORKERS, mp_context=multiprocessing.get_context("fork")) as pool:
        pending: deque[Future[Document | list[Problem]]] = deque()
        for path in paths:
            pending.append(pool.submit(_read_file, path))
            if len(pending) > _READ_AHEAD:
                yield _as_result(pending.popleft().result())
        while pending:
            yield _as_result(pending.popleft().result())


def _as_result(result: Document | list[Problem]) -> Document | DescriptorError:
    return DescriptorError(result) if isinstance(result, list) else result


# --- export ---------------------------------------------------------------------------------------


def _service_document(service: EService, sections: dict[str, dict[int, dict[str, Any]]]) -> dict[str, Any]:
    """The service's fields, and each section it has settings of other than the defaults."""
    values = audit.snapshot(service)
    document = {field: values[field] for field in SERVICE_FIELDS}
    for name, stored in sections.items():
        settings = stored.get(service.id)
        if settings is not None and settings != SECTIONS[name].default:
            document[name] = dict(settings)
    return document


def export_agency(session: Session, actor: Actor, agency_id: int) -> str:
    """The agency's descriptor: importing it back changes nothing."""
    agency = get_agency(session, actor, agency_id)
    services = session.scalars(
        select(EService).where(EService.agency_id == agency.id).order_by(EService.code)
    )
    sections = {name: section.stored(session, agency.id) for name, section in SECTIONS.items()}
    document = {"agency": agency.code, "services": [_service_document(s, sections) for s in services]}
    header = f"# {agency.name_fa} — {agency.name_en}\n# govcloud catalog descriptor (docs/descriptors.md)\n"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return header + yaml.dump(document, Dumper=dumper, allow_unicode=True, sort_keys=False, width=1000)


def exportable_agencies(session: Session, actor: Actor) -> list[Agency]:
    """Agencies the actor may read that have at least one service."""
    query = select(Agency).where(Agency.id.in_(select(EService.agency_id).distinct())).order_by(Agency.code)
    return [a for a in session.scalars(query) if actor.can_read_agency(a.id)]
