import pytest
from sqlalchemy import func, select

from catalog import descriptors
from catalog.descriptors import DescriptorError, export_agency, import_descriptor
from catalog.models import EService, ServiceChange, ServiceStatus
from core.actors import SYSTEM, Role
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
