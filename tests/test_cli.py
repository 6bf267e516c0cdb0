"""The command as a user runs it: the README's commands, formats, exit codes, help text."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from wikisync.cli import cli
from wikisync.model import Finding
from wikisync.pipeline import CheckResult, PageResult
from wikisync.report import render_text

from .clirun import run_cli

ROOT = Path(__file__).parent.parent
MAPPING = "mappings/miraheze/mapping.yaml"
PAGES = Path(__file__).parent / "data" / "pages"


def test_offline_check_of_the_bundled_page() -> None:
    result = run_cli("check", MAPPING, "--offline")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "Tech:Organisation" in out
    assert '"respresents" looks like a typo; did you mean "represents"?' in out
    assert '"cover" should be "covers" as in the canonical text' in out
    # grouped by section: the section heading precedes its findings
    assert out.index("Nominated Director") < out.index("respresents")
    assert "\x1b[" not in out  # no colour codes when piped
    assert result.stderr == ""


def test_text_report_reads_the_same_with_and_without_colour() -> None:
    """Tabs become spaces as on a terminal (to the next multiple of 8), and the coloured
    report is the plain one with colour codes around the parts."""
    finding = Finding(
        kind="typo",
        path=["Team: A"],
        message='"a\tb" looks like a typo',
        line=2,
        fixable=True,
        basis="dictionary",
    )
    result = CheckResult(
        mapping=Path("m.yaml"),
        pages=[PageResult(title="T", source="wiki", revid=3, findings=[finding])],
    )
    plain, coloured = io.StringIO(), io.StringIO()
    render_text(result, plain, color=False)
    render_text(result, coloured, color=True)
    assert plain.getvalue() == (
        "T (revision 3)\n"
        "  1 finding: 1 typo (1 fixable by publish)\n"
        "\n"
        "  Team: A\n"
        '    line    2  typo                "a   b" looks like a typo  (dictionary)  [fixable]\n'
        "\n"
    )
    assert "\x1b[33mtypo" in coloured.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue()) == plain.getvalue()


def test_json_report_is_the_contract() -> None:
    result = run_cli("check", MAPPING, "--offline", "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["exit_code"] == 1
    (page,) = data["pages"]
    assert page["title"] == "Tech:Organisation"
    kinds = {f["kind"] for f in page["findings"]}
    assert {"typo", "wording"} <= kinds
    for finding in page["findings"]:
        assert {
            "kind",
            "path",
            "message",
            "found",
            "expected",
            "suggestion",
            "line",
            "fixable",
        } <= set(finding)
    assert data["summary"]["findings"] == len(page["findings"])


def test_markdown_report() -> None:
    result = run_cli("check", MAPPING, "--offline", "--format", "markdown")
    assert result.returncode == 1
    assert result.stdout.startswith("## Tech:Organisation")
    assert "| line | kind | section | message | fixable |" in result.stdout
    assert "`typo`" in result.stdout


def test_page_file_with_a_removed_position() -> None:
    result = run_cli(
        "check",
        MAPPING,
        "--page-file",
        str(PAGES / "removed-position.wikitext"),
        "--format",
        "json",
    )
    assert result.returncode == 1
    findings = json.loads(result.stdout)["pages"][0]["findings"]
    missing = [f for f in findings if f["kind"] == "missing-position"]
    assert [f["expected"] for f in missing] == ["Engineering Manager, Infrastructure"]


def test_in_sync_page_exits_zero(tmp_path: Path) -> None:
    from wikisync.canonical import load_canonical

    from .test_compare import render_clean

    canonical = load_canonical(ROOT / "mappings/miraheze/canonical/sre-2021.yaml")
    page = tmp_path / "clean.wikitext"
    page.write_text(render_clean(canonical))
    result = run_cli("check", MAPPING, "--page-file", str(page))
    assert result.returncode == 0, result.stdout
    assert "in sync: no findings" in result.stdout


def test_usage_errors_exit_2() -> None:
    result = run_cli("check", MAPPING, "--format", "yaml")
    assert result.returncode == 2
    result = run_cli("check", MAPPING, "--offline", "--page-file", "x")
    assert result.returncode == 2
    assert "exclude each other" in result.stderr


def test_every_command_has_an_example_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, command in cli.commands.items():
        assert "Example:" in (command.help or ""), name
        assert re.search(rf"wikisync {name}\b", readme), f"{name} is not documented"


@pytest.mark.parametrize("fixture", sorted(PAGES.glob("*.wikitext")), ids=lambda p: p.stem)
def test_every_fixture_page_checks_without_crashing(fixture: Path) -> None:
    result = run_cli("check", MAPPING, "--page-file", str(fixture), "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["pages"][0]["problem"] is None
