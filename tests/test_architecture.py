"""Cross-cutting checks: access rules on every route, import direction, one migration chain in order,
Celery names declared once. The rules are docs/architecture.md's; a rule changes there first."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core import migrate
from core.web import access_rule

ROOT = Path(__file__).resolve().parent.parent


def _parse(path: Path) -> ast.Module:
    """`ast.parse`, again when CPython 3.11's AST converter trips over another thread converting at
    the same moment ("AST constructor recursion depth mismatch", python/cpython#106905): the
    suite's live servers and worker format tracebacks, which parses source, while this test runs."""
    source = path.read_text(encoding="utf-8")
    for _ in range(4):
        try:
            return ast.parse(source)
        except SystemError as exc:
            if "recursion depth mismatch" not in str(exc):
                raise
    return ast.parse(source)


# package -> packages of ours it may import (docs/architecture.md, "Packages and arrows")
ALLOWED_IMPORTS = {
    "core": set(),
    "catalog": {"core"},
    "onboarding": {"core", "catalog"},
    "feedback": {"core"},
    "workers": {"core", "catalog", "onboarding"},
    "portal": {"core", "catalog", "onboarding", "workers"},
}
DOMAIN_PACKAGES = ("catalog", "onboarding")
# The two permitted crossings (docs/architecture.md): the platform attaches the feedback service's CLI
# group and calls its demo step.
PERMITTED_CROSSINGS = {("portal/commands/__init__.py", "feedback"), ("portal/demo.py", "feedback")}
OURS = set(ALLOWED_IMPORTS)


def _imports(path: Path) -> set[str]:
    tree = _parse(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _python_files(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("package", sorted(ALLOWED_IMPORTS))
def test_imports_flow_one_way(package):
    offenders = []
    for path in _python_files(package):
        bad = (_imports(path) & OURS) - ALLOWED_IMPORTS[package] - {package}
        bad = {b for b in bad if (path.relative_to(ROOT).as_posix(), b) not in PERMITTED_CROSSINGS}
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert offenders == []


@pytest.mark.parametrize("package", [*DOMAIN_PACKAGES, "feedback"])
def test_domain_code_imports_neither_flask_nor_celery(package):
    offenders = []
    for path in _python_files(package):
        rel = path.relative_to(ROOT)
        if package == "feedback" and rel.parts[1] in {"web", "tasks.py", "cli.py", "worker.py"}:
            continue  # the feedback service's web, task and command halves
        if package == "feedback" and rel.name == "tasks.py":
            continue  # an area's Celery tasks (feedback/reports/tasks.py), on the feedback worker's app
        if package != "feedback" and rel.name == "cli.py":
            continue
        bad = _imports(path) & {"flask", "flask_babel", "flask_wtf", "celery"}
        if bad:
            offenders.append(f"{rel} imports {sorted(bad)}")
    assert offenders == []


def _apps(settings):
    from feedback.web.app import create_app as create_feedback
    from portal.app import create_app as create_portal

    return {"portal": create_portal(settings), "feedback": create_feedback(settings)}


def test_every_route_has_exactly_one_access_rule(settings):
    missing = []
    for name, app in _apps(settings).items():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            if access_rule(app, rule.endpoint) is None:
                missing.append(f"{name}: {rule.rule} ({rule.endpoint})")
    assert missing == []


@pytest.mark.parametrize("history", sorted(migrate.HISTORIES))
def test_single_migration_head(history):
    assert len(migrate.heads(history)) == 1


@pytest.mark.parametrize("history", sorted(migrate.HISTORIES))
def test_migrations_run_in_the_order_of_their_numbers(history):
    """One chain in file order: each file's revision is its number and it revises the file before it
    (a new migration takes the next number after the head)."""
    previous = None
    for path in sorted((migrate.HISTORIES[history] / "versions").glob("*.py")):
        number = path.name.split("_")[0]
        if not number.isdigit():
            continue  # __init__.py
        assert len(number) == 4, path.name
        text = path.read_text()
        assert f'revision: str = "{number}"' in text, path.name
        revises = (
            f'down_revision: str | None = "{previous}"' if previous else "down_revision: str | None = None"
        )
        assert revises in text, f"{path.name} does not revise {previous}, the file before it"
        previous = number


# --- Celery: every task name declared once, task modules apart from the app assembly ---

NAMES_MODULES = {"workers/celery_names.py", "feedback/celery_names.py"}
APP_ASSEMBLY = {"workers.app", "feedback.worker"}  # the modules that build the Celery apps


def _declared_task_names() -> set[str]:
    from feedback.celery_names import TaskNames as FeedbackTaskNames
    from workers.celery_names import TaskNames as PlatformTaskNames

    declared = (PlatformTaskNames, FeedbackTaskNames)
    return {value for names in declared for key, value in vars(names).items() if key.isupper()}


def _our_python_files() -> list[Path]:
    return [p for top in (*OURS, "tests", "bench") for p in (ROOT / top).rglob("*.py")]


def test_task_names_are_written_only_in_the_names_modules():
    """A task is registered, scheduled, sent and tested under `TaskNames.X`, never a string typed
    again (`"onboarding.advance-run"` once stood in three files)."""
    names = _declared_task_names()
    offenders = []
    for path in _our_python_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel in NAMES_MODULES:
            continue
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Constant) and node.value in names:
                offenders.append(f"{rel}:{node.lineno} {node.value!r}")
    assert offenders == []


def test_every_registered_task_has_a_declared_name(settings):
    from feedback.worker import create_celery as create_feedback_celery
    from workers.app import create_celery as create_platform_celery

    registered = set()
    for app in (create_platform_celery(settings), create_feedback_celery(settings)):
        app.loader.import_default_modules()
        registered |= {name for name in app.tasks if not name.startswith("celery.")}
    assert registered == _declared_task_names()


def _imported_modules(path: Path) -> set[str]:
    """Every module an import statement names, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _task_modules() -> list[Path]:
    candidates = [*(ROOT / "workers" / "tasks").glob("*.py"), *(ROOT / "feedback").rglob("tasks.py")]
    # feedback/web/tasks.py sends tasks from the web app, as portal/tasks.py does: not a task module
    return sorted(p for p in candidates if p.name != "__init__.py" and p.parent.name != "web")


def test_task_modules_do_not_import_the_app_assembly():
    """The app assembly imports its task modules (and their names and schedule); a task module that
    imported it back would run the assembly on import and tie every task to one app."""
    modules = _task_modules()
    assert len(modules) >= 7
    offenders = [
        f"{path.relative_to(ROOT)} imports {sorted(bad)}"
        for path in modules
        if (bad := _imported_modules(path) & APP_ASSEMBLY)
    ]
    assert offenders == []


# --- tests help themselves: shared data in tests/fixtures/, one way to wait ---

# A resend after a lost connection, with backoff: what the survey page's script does, played by the
# load test's phones and the fault test's phones (not a test waiting for a condition).
SLEEPS_ALLOWED = {"tests/waiting.py", "tests/fixtures/survey_load.py", "tests/feedback/test_survey_faults.py"}


def _test_files() -> list[Path]:
    return sorted((ROOT / "tests").rglob("*.py"))


def test_tests_import_neither_bench_nor_other_test_modules():
    """Shared test code lives in `tests/fixtures/` (or a helpers module); a test module or conftest
    is never imported by another, and nothing under tests/ imports `bench/` (benchmarks may use
    fixtures, not the other way)."""
    offenders = []
    for path in _test_files():
        for module in _imported_modules(path):
            parts = module.split(".")
            if parts[0] == "bench" or (
                parts[0] == "tests" and any(p.startswith("test_") or p == "conftest" for p in parts[1:])
            ):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_every_polling_loop_waits_through_wait_until():
    """`tests/waiting.wait_until` is the one way to wait for something: no test sleeps."""
    offenders = []
    for path in _test_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel in SLEEPS_ALLOWED:
            continue
        for node in ast.walk(_parse(path)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "sleep"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "time"
            ):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


# --- settings versus the Helm charts (docs/architecture.md: the charts name only declared settings) ---

CHART_NAMES = ("govcloud", "employee-feedback")


def _chart_env(release) -> list[tuple[str, dict[str, str]]]:
    """Each container's environment as the chart gives it, secret references filled with a stand-in."""
    config_maps = {m["metadata"]["name"]: m["data"] for m in release.of_kind("ConfigMap")}
    result = []
    for manifest in release.all:
        if manifest["kind"] not in {"Deployment", "Job"}:
            continue
        for container in manifest["spec"]["template"]["spec"]["containers"]:
            environ: dict[str, str] = {}
            for source in container.get("envFrom", []):
                environ.update(config_maps[source["configMapRef"]["name"]])
            for env in container.get("env", []):
                if "value" in env:
                    environ[env["name"]] = env["value"]
                elif not env["valueFrom"]["secretKeyRef"].get("optional"):
                    environ[env["name"]] = f"stand-in-for-{env['valueFrom']['secretKeyRef']['key']}"
            result.append((f"{manifest['kind']}/{manifest['metadata']['name']}/{container['name']}", environ))
    return result


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_every_setting_the_chart_names_is_declared(chart):
    from core.settings import OPTIONS
    from tests.charts import helm

    declared = {option.env for option in OPTIONS}
    named = set()
    for path in (helm.CHARTS / chart / "templates").rglob("*.*"):
        named |= set(re.findall(r"GOVCLOUD_[A-Z0-9_]+", path.read_text()))
    release = helm.install(chart)
    for manifest in release.of_kind("ConfigMap"):
        named |= set(manifest["data"])
    for _where, environ in _chart_env(release):
        named |= {name for name in environ if name.startswith("GOVCLOUD_")}
    assert named
    assert sorted(named - declared) == []


@pytest.mark.parametrize("chart", CHART_NAMES)
def test_the_chart_provides_every_setting_production_requires(chart):
    from core.errors import ConfigurationError
    from core.settings import load_settings
    from tests.charts import helm

    for where, environ in _chart_env(helm.install(chart)):
        try:
            settings = load_settings(environ)
        except ConfigurationError as exc:
            pytest.fail(f"{chart} {where}: {exc}")
        assert settings.env == "production", where
        assert not settings.is_sqlite, where
        assert not settings.embedded_broker, where


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


@pytest.mark.parametrize(
    "catalog",
    [
        *ROOT.glob("portal/translations/*/LC_MESSAGES/*.po"),
        *ROOT.glob("feedback/web/translations/*/LC_MESSAGES/*.po"),
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_translation_catalogs_have_no_duplicate_or_empty_entries(catalog):
    """Areas append their strings to one catalog; a msgid twice means one translation silently wins."""
    from babel.messages.pofile import read_po

    text = catalog.read_text(encoding="utf-8")
    msgids = [line for line in text.splitlines() if line.startswith('msgid "') and line != 'msgid ""']
    duplicates = sorted({m for m in msgids if msgids.count(m) > 1})
    assert duplicates == []
    with catalog.open("rb") as handle:
        messages = read_po(handle)
    untranslated = [m.id for m in messages if m.id and not m.string]
    assert untranslated == []
    # A translation must carry the msgid's named placeholders, no more and no fewer: an unknown one
    # raises at render time, a missing one drops a figure (what `msgfmt -c` checks).
    named = re.compile(r"%\((\w+)\)")
    placeholder_errors = [
        f"{m.id!r} -> {text!r}"
        for m in messages
        if m.id
        for text in _forms(m.string)
        if set(named.findall(text)) != set(named.findall(" ".join(_forms(m.id))))
    ]
    assert placeholder_errors == []


@pytest.mark.parametrize(
    ("sources", "catalog"),
    [
        (("portal", "core"), "portal/translations/fa/LC_MESSAGES/messages.po"),
        (("feedback",), "feedback/web/translations/fa/LC_MESSAGES/messages.po"),
    ],
    ids=["portal", "feedback"],
)
def test_every_string_shown_to_people_has_a_persian_translation(sources, catalog):
    """Persian first: a msgid in a template or `_()` call without a Persian entry would show English."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    with (ROOT / catalog).open("rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    method_map = [("**/vendor/**", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None, "ngettext": (1, 2)}
    missing = set()
    for source in sources:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / source, method_map=method_map, keywords=keywords
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid and msgid not in translated:
                missing.add(f"{source}/{filename}:{lineno}: {msgid!r}")
    assert sorted(missing) == []


def test_every_setting_is_documented_in_the_readme():
    from core.settings import OPTIONS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [o.env for o in OPTIONS if o.env not in readme] == []


def test_the_packages_held_clean_type_check():
    """The suite runs the type checker `make lint` runs, over the same packages (the Makefile's
    MYPY_PACKAGES; pyproject's [tool.mypy] for the settings)."""
    import subprocess
    import sys

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    packages = re.search(r"^MYPY_PACKAGES := (.+)$", makefile, re.M)
    assert packages, "the Makefile names the packages mypy holds clean"
    application = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert set(packages.group(1).split()) == application, "every package of the application"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *packages.group(1).split()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
