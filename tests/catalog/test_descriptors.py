import pytest
import yaml
from sqlalchemy import func, select

from catalog import descriptors
from catalog.descriptors import DescriptorError, export_agency, import_descriptor
from catalog.models import EService, ServiceChange, ServiceStatus
from catalog.queries import ServiceFilter, list_service_rows
from core.actors import SYSTEM, Role
from onboarding.probes.descriptors import connect_to_descriptors
from onboarding.probes.models import ProbeTarget
from onboarding.probes.prober import ErrorClass, ProbeConfig, parse_networks
from onboarding.probes.services import probe_service, probe_settings_of
from tests.fixtures.catalog import GOOD
from tests.fixtures.hostile import alias_bomb


def _count(session, model=EService):
    return session.scalar(select(func.count()).select_from(model))


def _problems(session, actor, text, file="tma.yaml"):
    with pytest.raises(DescriptorError) as caught:
        import_descriptor(session, actor, text, file)
    return [str(p) for p in caught.value.problems]


def test_import_creates_then_a_second_import_changes_nothing(db_session, tree):
    member = tree.actor(Role.agency_member, tree.a)
    first = import_descriptor(db_session, member, GOOD, "tma.yaml")
    assert (first.created, first.updated, first.applied) == (["visa", "id-check"], {}, True)
    assert _count(db_session) == 2 and _count(db_session, ServiceChange) == 2
    second = import_descriptor(db_session, member, GOOD, "tma.yaml")
    assert (second.created, second.updated, second.unchanged, second.applied) == ([], {}, 2, False)
    assert _count(db_session, ServiceChange) == 2  # nothing written, not even history


def test_dry_run_prints_the_diff_and_writes_nothing(db_session, tree):
    import_descriptor(db_session, SYSTEM, GOOD, "tma.yaml")
    changed = GOOD.replace("maturity: 3", "maturity: 4").replace(
        "  - code: id-check",
        "  - code: new-one\n"
        "    name_fa: تازه\n    kind: service\n    audience: citizens\n    channels: [web]\n    maturity: 2\n"
        "  - code: id-check",
    )
    report = import_descriptor(db_session, SYSTEM, changed, "tma.yaml", dry_run=True)
    assert report.diff_lines() == ["+ new-one", "~ visa: maturity: 3 → 4"]
    assert not report.applied and _count(db_session) == 2
    assert db_session.scalar(select(EService.maturity).where(EService.code == "visa")) == 3
    applied = import_descriptor(db_session, SYSTEM, changed, "tma.yaml")
    assert applied.applied and _count(db_session) == 3
    visa = db_session.scalar(select(EService).where(EService.code == "visa"))
    assert visa.maturity == 4 and visa.version == 2


def test_malformed_yaml_names_the_line(db_session, tree):
    broken = GOOD.replace("channels: [api]", "channels: [api")
    (problem,) = _problems(db_session, SYSTEM, broken)
    assert problem.startswith("tma.yaml:") and "not valid YAML" in problem
    assert int(problem.split(":")[1]) in {16, 17}


def test_every_bad_field_with_its_line_and_nothing_is_applied(db_session, tree):
    bad = GOOD.replace("maturity: 4", "maturity: 9").replace(
        "audience: citizens", "audience: citizens\n    colour: red"
    )
    problems = _problems(db_session, SYSTEM, bad)
    assert "tma.yaml:8: services[0].colour: is not a field of an e-service" in problems
    assert any(
        p.startswith("tma.yaml:17: services[1].maturity: must be a level from 0 to 4") for p in problems
    )
    assert _count(db_session) == 0  # the good entry was not applied either


def test_duplicate_codes_and_keys_and_unknown_top_level_fields(db_session, tree):
    twice = GOOD.replace("code: id-check", "code: visa")
    assert _problems(db_session, SYSTEM, twice) == [
        "tma.yaml:11: services[1].code: duplicate code visa (first on line 3)"
    ]
    assert _problems(
        db_session, SYSTEM, GOOD.replace("    maturity: 3\n", "    maturity: 3\n    maturity: 2\n")
    ) == ["tma.yaml:10: maturity: is given twice"]
    assert _problems(db_session, SYSTEM, "owner: me\n" + GOOD) == [
        "tma.yaml:1: owner: is not a field of a descriptor"
    ]
    assert _count(db_session) == 0


@pytest.mark.parametrize(
    ("role", "acting_for", "words"),
    [
        (Role.agency_member, "b", "you may not change agency TMA"),
        (Role.agency_admin, "a1", "you may not change agency TMA"),
        (Role.overseer, None, "you may not change agency TMA"),
    ],
)
def test_an_agency_outside_the_importers_rights(db_session, tree, role, acting_for, words):
    actor = tree.actor(role, getattr(tree, acting_for) if acting_for else None)
    assert _problems(db_session, actor, GOOD) == [f"tma.yaml:1: agency: {words}"]
    assert _count(db_session) == 0


def test_unknown_agency(db_session, tree):
    assert _problems(db_session, SYSTEM, GOOD.replace("agency: TMA", "agency: NOPE")) == [
        "tma.yaml:1: agency: no agency has the code NOPE"
    ]


def test_status_moves_are_checked_and_retiring_is_recorded(db_session, tree):
    import_descriptor(db_session, SYSTEM, GOOD, "tma.yaml")
    retired = import_descriptor(
        db_session, SYSTEM, GOOD.replace("status: active", "status: retired"), "tma.yaml"
    )
    assert retired.updated == {"visa": {"status": ["active", "retired"]}}
    visa = db_session.scalar(select(EService).where(EService.code == "visa"))
    assert visa.status == ServiceStatus.retired
    action = db_session.scalar(
        select(ServiceChange.action)
        .where(ServiceChange.service_id == visa.id)
        .order_by(ServiceChange.id.desc())
    )
    assert action == "retired"
    problems = _problems(db_session, SYSTEM, GOOD.replace("status: active", "status: draft"))
    assert problems == ["tma.yaml:3: services[0].status: cannot change from retired to draft"]


def test_export_then_import_changes_nothing(db_session, tree):
    import_descriptor(db_session, SYSTEM, GOOD, "tma.yaml")
    exported = export_agency(db_session, SYSTEM, tree.a.id)
    assert "صدور روادید" in exported  # Persian kept readable, not escaped
    report = import_descriptor(db_session, SYSTEM, exported, "export.yaml")
    assert not report.changed and report.unchanged == 2


def test_the_documented_example_imports(db_session, tree):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "descriptors.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0].replace("agency: MFA", "agency: TMA")
    report = import_descriptor(db_session, SYSTEM, example, "example.yaml")
    assert len(report.created) >= 2


def test_an_import_tells_the_after_change_hooks_only_when_it_changed_something(db_session, tree):
    from catalog import services

    seen: list[frozenset[int]] = []
    services.on_catalog_change(seen.append)
    try:
        import_descriptor(db_session, SYSTEM, GOOD, "tma.yaml", dry_run=True)
        import_descriptor(db_session, SYSTEM, GOOD, "tma.yaml")
        import_descriptor(db_session, SYSTEM, GOOD, "tma.yaml")  # no change
    finally:
        services.AFTER_CHANGE.remove(seen.append)
    assert seen == [frozenset({tree.a.id})]


def test_an_alias_bomb_is_refused_naming_its_line(db_session, tree):
    problems = _problems(db_session, SYSTEM, alias_bomb())
    assert problems == ["tma.yaml:2: YAML aliases (*name) are not accepted: write each value out"]
    assert _count(db_session) == 0


def test_deep_nesting_and_oversized_files_are_refused_before_anything_is_built(db_session, tree):
    deep = "agency: TMA\nservices: " + "[" * 500 + "]" * 500 + "\n"
    assert _problems(db_session, SYSTEM, deep) == ["tma.yaml:2: nested deeper than 8 levels"]
    huge = GOOD + "#" * descriptors.MAX_BYTES
    (problem,) = _problems(db_session, SYSTEM, huge)
    assert problem.endswith(f"at most {descriptors.MAX_BYTES} are read")


def test_merge_keys_tags_and_mapping_keys_are_problems_with_their_lines(db_session, tree):
    merge = GOOD.replace("  - code: visa\n", "  - <<: {maturity: 1}\n    code: visa\n")
    assert _problems(db_session, SYSTEM, merge)[0].endswith(
        "<<: merge keys (<<) are not accepted: write each value out"
    )
    tagged = GOOD.replace("maturity: 3", "maturity: !!python/name:os.system x")
    (problem,) = _problems(db_session, SYSTEM, tagged)
    assert "could not determine a constructor" in problem
    keyed = "agency: TMA\nservices:\n  - ? [code]\n    : visa\n"
    assert _problems(db_session, SYSTEM, keyed) == [
        "tma.yaml:3: not valid YAML: found a mapping or list where a key was expected"
    ]
    two = GOOD + "---\nagency: TMA\n"
    assert "but found another document" in _problems(db_session, SYSTEM, two)[0]
    assert _count(db_session) == 0


def test_values_read_as_the_safe_loader_reads_them():
    """Quoted and plain, tagged and untagged scalars come out as PyYAML's safe loader gives them,
    each mapping and list with its line and its values' lines."""
    text = (
        "agency: TMA\nservices:\n  - code: '0012'\n    maturity: 3\n    m2m: yes\n    v: ~\n    n: !!str 4\n"
    )
    document = descriptors._read_yaml(text, "tma.yaml")
    service = document["services"][0]
    assert service == {"code": "0012", "maturity": 3, "m2m": True, "v": None, "n": "4"}
    assert document.lines == {"agency": 1, "services": 3} and document["services"].lines == [3]
    assert service.line == 3 and service.lines == {"code": 3, "maturity": 4, "m2m": 5, "v": 6, "n": 7}


@pytest.mark.parametrize(
    "plain",
    [
        "0",
        "7",
        "00",
        "012",
        "1_000",
        "0x1f",
        "1:20",
        "+12",
        "-3",
        "12.5",
        "1e3",
        ".inf",
        "2026-01-01",
        "١٢٣",
        "123456789",
        "yes",
        "Yes",
        "on",
        "OFF",
        "false",
        "FALSE",
        "falsey",
        "offset",
        "Null",
        "nullx",
        "n",
        "owner1@agency.ir",
    ],
)
def test_plain_numbers_and_words_read_as_the_safe_loader_reads_them(plain):
    """The reader's shortcuts for plain decimals and long words give the safe loader's value and type."""
    value = descriptors._read_yaml(f"v: {plain}\n", "tma.yaml")["v"]
    expected = yaml.safe_load(f"v: {plain}\n")["v"]
    assert value == expected and type(value) is type(expected)


# --- probe settings (`probe:`, registered by onboarding.probes as the portal and the CLI do) --------

connect_to_descriptors()
LOCAL = ProbeConfig(allowed_networks=parse_networks("127.0.0.0/8"), total_timeout=10)


def _probed(server) -> str:
    """GOOD with the visa service probed every minute for a text its page lacks, and the inquiry
    active and probed as an OpenAPI document (visa's `probe:` on line 12, its fields on 13-14)."""
    visa = (
        f"    status: active\n    public_url: {server.url('/ok')}\n"
        "    probe:\n      interval_seconds: 60\n      expect_text: nowhere\n"
    )
    inquiry = (
        f"    status: active\n    public_url: {server.url('/not-openapi')}\n    probe:\n      kind: openapi\n"
    )
    return GOOD.replace("    status: active\n", visa) + inquiry


def _visa_with(lines: str) -> str:
    """GOOD with `lines` (indented as the visa service's fields) after its status, on line 11."""
    return GOOD.replace("    status: active\n", "    status: active\n" + lines)


def _service_id(session, code):
    return session.scalar(select(EService.id).where(EService.code == code))


def test_probe_settings_are_imported_and_the_probes_use_them(db_session, tree, probe_server):
    report = import_descriptor(db_session, SYSTEM, _probed(probe_server), "tma.yaml")
    assert report.created == ["visa", "id-check"]
    visa, inquiry = _service_id(db_session, "visa"), _service_id(db_session, "id-check")
    assert probe_settings_of(db_session, visa) == {
        "kind": "health", "interval_seconds": 60, "expect_status_class": 2, "expect_text": "nowhere"
    }  # fmt: skip
    assert probe_settings_of(db_session, inquiry)["kind"] == "openapi"
    page = probe_service(db_session, SYSTEM, visa, LOCAL)
    document = probe_service(db_session, SYSTEM, inquiry, LOCAL)
    assert (page.up, page.error_class) == (False, ErrorClass.TEXT)  # the page answers 200, not the text
    assert (document.up, document.error_class) == (False, ErrorClass.OPENAPI)


def test_a_bad_probe_setting_names_its_line_and_field_and_nothing_is_applied(db_session, tree):
    bad = _visa_with(
        "    probe:\n      interval_seconds: 5\n      kind: soap\n      colour: red\n      expect_text: [a]\n"
    )
    problems = _problems(db_session, SYSTEM, bad)
    assert sorted(problems) == [
        "tma.yaml:12: services[0].probe.interval_seconds: between 30 and 86400 seconds",
        "tma.yaml:13: services[0].probe.kind: one of health, openapi",
        "tma.yaml:14: services[0].probe.colour: is not a field of probe",
        "tma.yaml:15: services[0].probe.expect_text: must be a single value, not a list or mapping",
    ]
    for probe, problem in [
        ("{expect_status_class: 0}", "probe.expect_status_class: one of 2, 3, 4, 5"),
        ("yes", "probe: must be a mapping of its settings"),
    ]:
        assert _problems(db_session, SYSTEM, _visa_with(f"    probe: {probe}\n")) == [
            f"tma.yaml:11: services[0].{problem}"
        ]
    assert _count(db_session) == 0 and _count(db_session, ProbeTarget) == 0


def test_a_re_import_changes_nothing_and_a_file_without_probe_keeps_the_settings(
    db_session, tree, probe_server
):
    text = _probed(probe_server)
    import_descriptor(db_session, SYSTEM, text, "tma.yaml")
    history = _count(db_session, ServiceChange)
    again = import_descriptor(db_session, SYSTEM, text, "tma.yaml")
    assert (again.changed, again.unchanged, again.applied) == (False, 2, False)
    assert _count(db_session, ServiceChange) == history
    visa = _service_id(db_session, "visa")
    without = text.replace("    probe:\n      interval_seconds: 60\n      expect_text: nowhere\n", "")
    assert not import_descriptor(db_session, SYSTEM, without, "tma.yaml").changed
    assert probe_settings_of(db_session, visa)["interval_seconds"] == 60
    version = db_session.get(EService, visa).version
    slower = import_descriptor(
        db_session, SYSTEM, text.replace("interval_seconds: 60", "interval_seconds: 120"), "tma.yaml"
    )
    assert slower.updated == {"visa": {"probe.interval_seconds": [60, 120]}}
    assert probe_settings_of(db_session, visa)["interval_seconds"] == 120
    assert db_session.get(EService, visa).version == version  # the service's own fields did not change
    assert _count(db_session, ServiceChange) == history + 1  # the change is in the service's history


def test_the_export_carries_the_probe_settings_and_imports_back_unchanged(db_session, tree, probe_server):
    import_descriptor(db_session, SYSTEM, _probed(probe_server), "tma.yaml")
    exported = export_agency(db_session, SYSTEM, tree.a.id)
    assert "probe:" in exported and "expect_text: nowhere" in exported and "kind: openapi" in exported
    report = import_descriptor(db_session, SYSTEM, exported, "export.yaml")
    assert not report.changed and report.unchanged == 2


def test_probe_settings_import_and_export_on_the_embedded_sqlite(tmp_path):
    """`make run` keeps the catalog in SQLite: the same file sets, keeps and exports the settings."""
    from catalog.models import Agency, AgencyKind
    from core import migrate
    from core.db import make_engine, make_sessionmaker

    url = f"sqlite:///{tmp_path / 'govcloud.db'}"
    migrate.upgrade("platform", url)
    engine = make_engine(url)
    probed = _visa_with("    probe: {interval_seconds: 60}\n")
    try:
        with make_sessionmaker(engine)() as session:
            session.add(Agency(code="TMA", name_fa="وزارت آزمون", kind=AgencyKind.ministry))
            session.commit()
            assert import_descriptor(session, SYSTEM, probed, "tma.yaml").created == ["visa", "id-check"]
            visa = _service_id(session, "visa")
            assert probe_settings_of(session, visa)["interval_seconds"] == 60
            assert not import_descriptor(session, SYSTEM, probed, "tma.yaml").changed
            agency_id = session.scalar(select(Agency.id).where(Agency.code == "TMA"))
            assert "interval_seconds: 60" in export_agency(session, SYSTEM, agency_id)
    finally:
        engine.dispose()


_CREATED_VISA = {
    "code": [None, "visa"],
    "name_fa": [None, "صدور روادید"],
    "kind": [None, "service"],
    "audience": [None, "citizens"],
    "channels": [None, ["web", "mobile_app"]],
    "maturity": [None, 3],
    "name_en": [None, "Visa"],
    "online_m2m": [None, False],
    "public_url": [None, ""],
    "owner_name": [None, ""],
    "owner_email": [None, ""],
    "owner_phone": [None, ""],
    "status": [None, "active"],
}  # no yearly_volume: a field without a value is not in a "created" entry
_CREATED_ID_CHECK = _CREATED_VISA | {
    "code": [None, "id-check"],
    "name_fa": [None, "استعلام هویت"],
    "kind": [None, "inquiry"],
    "audience": [None, "government"],
    "channels": [None, ["api"]],
    "maturity": [None, 4],
    "name_en": [None, ""],
    "online_m2m": [None, True],
    "yearly_volume": [None, 1200000],
    "owner_email": [None, "it@tma.ir"],
    "status": [None, "draft"],
}


def _created_entries(session):
    rows = session.execute(
        select(
            EService.code,
            ServiceChange.action,
            ServiceChange.via,
            ServiceChange.actor_label,
            ServiceChange.changes,
        )
        .join(EService, EService.id == ServiceChange.service_id)
        .order_by(EService.code)
    )
    return {code: (action, via, label, changes) for code, action, via, label, changes in rows}


def test_each_imported_service_has_its_created_entry_with_every_value(db_session, tree):
    """The entries PostgreSQL builds from the copied rows hold what the service was created with, in
    the fields' order; a service whose probe settings differ from the defaults has them in its entry."""
    member = tree.actor(Role.agency_member, tree.a)
    import_descriptor(db_session, member, _visa_with("    probe: {interval_seconds: 60}\n"), "tma.yaml")
    entries = _created_entries(db_session)
    label = f"agency_member@{tree.a.code}"
    assert entries["id-check"] == ("created", "descriptor", label, _CREATED_ID_CHECK)
    assert entries["visa"] == (
        "created", "descriptor", label, _CREATED_VISA | {"probe.interval_seconds": [300, 60]}
    )  # fmt: skip
    # the COPY counted the services for the list's totals (service_counts' trigger)
    assert list_service_rows(db_session, SYSTEM, ServiceFilter(), per_page=1).total == 2
    # in the order of a service's fields, as a created entry written by Python has them
    assert list(entries["id-check"][3]) == [
        "code", "name_fa", "kind", "audience", "channels", "maturity", "name_en", "online_m2m",
        "yearly_volume", "public_url", "owner_name", "owner_email", "owner_phone", "status",
    ]  # fmt: skip


def test_the_created_entries_are_the_same_on_the_embedded_sqlite(tmp_path):
    from catalog.models import Agency, AgencyKind
    from core import migrate
    from core.db import make_engine, make_sessionmaker

    url = f"sqlite:///{tmp_path / 'govcloud.db'}"
    migrate.upgrade("platform", url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            session.add(Agency(code="TMA", name_fa="وزارت آزمون", kind=AgencyKind.ministry))
            session.commit()
            import_descriptor(session, SYSTEM, GOOD, "tma.yaml")
            entries = _created_entries(session)
            assert entries["visa"] == ("created", "descriptor", "system", _CREATED_VISA)
            assert entries["id-check"] == ("created", "descriptor", "system", _CREATED_ID_CHECK)
    finally:
        engine.dispose()


def test_a_folder_is_read_in_a_second_process_with_the_same_answers(db_session, tree, tmp_path):
    """read_documents (the CLI's and the bench's way through a folder) gives each file's document or
    every problem of it, by file and line, as load_document does; sections registered here are known
    to the worker, and the documents import as import_descriptor would."""
    bad = GOOD.replace("maturity: 3", "maturity: 9")
    probed = GOOD.replace(
        "    status: active\n", "    status: active\n    probe: {kind: openapi, interval_seconds: 600}\n", 1
    )
    paths = []
    for name, text in (("a.yaml", bad), ("b.yaml", probed), ("c.yaml", "agency: [\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    first, second, third = descriptors.read_documents(paths)
    with pytest.raises(DescriptorError) as expected:
        descriptors.load_document(bad, str(paths[0]))
    assert isinstance(first, DescriptorError) and first.problems == expected.value.problems
    assert isinstance(third, DescriptorError) and str(paths[2]) in str(third.problems[0])
    assert second == descriptors.load_document(probed, str(paths[1]))
    assert second.entries[0].sections["probe"]["interval_seconds"] == 600
    report = descriptors.import_document(db_session, SYSTEM, second)
    assert report.applied and report.created == ["visa", "id-check"]
    again = import_descriptor(db_session, SYSTEM, probed, "b.yaml")
    assert not again.changed and again.unchanged == 2
