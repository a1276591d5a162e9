"""Every YAML a user sends is read within a budget (issue 22): a 368-byte file of nested aliases,
which the safe loader expands into 7**9 strings once a value is turned into text, is refused, naming
its file and line, in about a second of CPU. Each parse runs in a child process whose CPU time is
capped by RLIMIT_CPU: an expansion would be killed by the kernel, not timed by the test."""

from __future__ import annotations

import signal

import pytest
import yaml
from click.testing import CliRunner

from core import boundedyaml
from core.boundedyaml import Budget, YamlRefused
from tests.fixtures.hostile import alias_bomb, under_cpu_limit

ALIASES = "YAML aliases (*name) are not accepted: write each value out"


def test_the_limit_kills_an_unbounded_parse_of_the_bomb():
    """The harness itself: PyYAML's own safe loader, then the value as text, is stopped by the limit."""
    result = under_cpu_limit("yaml:safe_load", alias_bomb())
    assert not result.stdout.startswith("accepted"), result.stdout[:200]
    assert result.returncode == -signal.SIGXCPU or "MemoryError" in result.stdout, (
        result.returncode,
        result.stdout,
    )


@pytest.mark.parametrize(
    ("function", "args", "refusal"),
    [
        ("core.boundedyaml:safe_load", (), f"refused YamlRefused line 2: {ALIASES}"),
        (
            "catalog.descriptors:load_document",
            ("bomb.yaml",),
            f"refused DescriptorError 1 problem(s) in the descriptor: bomb.yaml:2: {ALIASES}",
        ),
    ],
)
def test_the_alias_bomb_is_refused_within_a_second_of_cpu(function, args, refusal):
    result = under_cpu_limit(function, alias_bomb(), *args)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert result.stdout.strip() == refusal


def test_the_refusal_names_the_line_of_the_first_alias():
    with pytest.raises(YamlRefused) as refused:
        boundedyaml.safe_load(alias_bomb())
    assert (refused.value.line, refused.value.reason) == (2, ALIASES)


@pytest.mark.parametrize(
    ("text", "budget", "reason"),
    [
        ("a: [[[[1]]]]\n", Budget(max_depth=3), "nested deeper than 3 levels"),
        ("x" * 101, Budget(max_bytes=100), "the text is 101 bytes; at most 100 are read"),
        ("[" + "1," * 5000 + "1]", Budget(max_nodes=1000), "too large to read: split it into smaller files"),
    ],
)
def test_depth_size_and_node_budgets(text, budget, reason):
    with pytest.raises(YamlRefused) as refused:
        boundedyaml.safe_load(text, budget)
    assert refused.value.reason == reason


def test_plain_yaml_and_a_lone_anchor_are_read_as_the_safe_loader_reads_them():
    text = "agency: TMA\nservices:\n  - &first {code: visa, maturity: 2}\n"
    assert boundedyaml.safe_load(text) == yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError):
        boundedyaml.safe_load("a: [unclosed\n")


def test_the_inventory_import_command_refuses_the_bomb_naming_file_and_line(settings, tmp_path):
    from portal.cli import main

    bomb = tmp_path / "inventory.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    env = {"GOVCLOUD_DATABASE_URL": settings.database_url, "GOVCLOUD_VAR_DIR": settings.var_dir}
    result = CliRunner().invoke(main, ["migrate", "import", str(bomb)], env=env)
    assert result.exit_code == 1
    assert f"{bomb}:2: {ALIASES}" in result.output
