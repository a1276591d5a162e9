"""The Containerfiles' structure (no container engine here to build them; see README "Images")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
IMAGES = {
    "platform.Containerfile": ("govcloud", "portal.app:create_app()", 8000),
    "feedback.Containerfile": ("employee-feedback", "feedback.web.app:create_app()", 8001),
}
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|make|build-essential|npm|node|nodejs|apt-get|pip install)\b")


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def stages(path: Path) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions(path):
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, rest))
    return result


def resolve(image: str, path: Path) -> str:
    declared = [rest for keyword, rest in instructions(path) if keyword == "ARG" and "=" in rest]
    args = dict(arg.split("=", 1) for arg in declared)
    return re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_final_stage_is_slim_python_with_only_the_venv(name):
    path = ROOT / "images" / name
    *builders, final = stages(path)
    assert len(builders) >= 1, "multi-stage: the build happens before the final stage"
    assert resolve(final[0][1], path).startswith("python:3.11-slim@sha256:")
    copies = [rest for keyword, rest in final if keyword in {"COPY", "ADD"}]
    assert copies == ["--from=build /opt/govcloud /opt/govcloud"], "the final stage takes the venv only"
    for keyword, rest in final:
        if keyword == "RUN":
            assert not BUILD_TOOLS.search(rest), f"{name}: build tool in the final stage: {rest}"


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_every_base_image_is_pinned_by_digest(name):
    """A tag can be moved upstream; a digest cannot (issue 22)."""
    path = ROOT / "images" / name
    for stage in stages(path):
        base = resolve(stage[0][1].split(" AS ")[0], path)
        assert re.search(r"@sha256:[0-9a-f]{64}$", base), f"{name}: {base} is not pinned by digest"


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_final_stage_runs_as_the_charts_non_root_user(name):
    path = ROOT / "images" / name
    chart, _app, _port = IMAGES[name]
    final = stages(path)[-1]
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users, f"{name}: no USER in the final stage"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "numeric non-root USER, so runAsNonRoot can verify it"
    values = yaml.safe_load((ROOT / "charts" / chart / "values.yaml").read_text())
    assert int(uid) == values["podSecurityContext"]["runAsUser"]
    envs = " ".join(rest for keyword, rest in final if keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in envs


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_build_uses_the_pinned_constraints_and_builds_the_assets(name):
    path = ROOT / "images" / name
    *builders, _final = stages(path)
    runs = [rest for stage in builders for keyword, rest in stage if keyword == "RUN"]
    pip = [cmd for run in runs for cmd in run.split("&&") if "pip install" in cmd]
    assert pip and all("-c constraints.txt" in cmd for cmd in pip), pip
    assert any("npm ci" in run for run in runs)
    assert any("python -m portal.assets" in run for run in runs)
    assert any("compileall" in run for run in runs), "bytecode compiled ahead for a read-only root"


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_default_command_serves_the_right_app(name):
    _chart, app, port = IMAGES[name]
    final = stages(ROOT / "images" / name)[-1]
    [cmd] = [rest for keyword, rest in final if keyword == "CMD"]
    argv = yaml.safe_load(cmd)  # exec form: a JSON array
    assert argv[0] == "gunicorn" and argv[-1] == app
    assert f"--bind=0.0.0.0:{port}" in argv
    assert ("EXPOSE", str(port)) in final


def test_build_context_leaves_out_local_state():
    ignored = (ROOT / ".containerignore").read_text().splitlines()
    assert {".git", ".venv", "node_modules", "var", "tests"} <= set(ignored)
    assert (ROOT / ".dockerignore").read_text() == (ROOT / ".containerignore").read_text()
