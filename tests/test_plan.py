"""Edit plans: made from the real pipeline, written to JSON, read back, and refused when wrong."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from wikisync import __version__
from wikisync.errors import InputError
from wikisync.mapping import load_mapping
from wikisync.model import Finding, Revision
from wikisync.pipeline import CheckContext, PageResult
from wikisync.plan import (
    PLAN_VERSION,
    SUMMARY_LIMIT,
    EditPlan,
    edit_summary,
    load_plan,
    make_plan,
    plan_page,
    save_plan,
    text_sha1,
    unified_diff,
)

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "edit"
SNAPSHOT = ROOT / "mappings" / "miraheze" / "snapshots" / "Tech_Organisation.wikitext"
TITLE = "Tech:Organisation"
WHEN = datetime(2026, 11, 22, 15, 30, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def context() -> CheckContext:
    return CheckContext(load_mapping(DATA / "mapping.yaml"))


def checked(context: CheckContext, path: Path) -> PageResult:
    revision = Revision(
        title=TITLE,
        revid=4242,
        timestamp="2026-11-01T10:00:00Z",
        text=path.read_text(encoding="utf-8"),
        source=str(path),
    )
    return context.check(revision)


@pytest.fixture(scope="module")
def plan(context: CheckContext) -> EditPlan:
    result = checked(context, DATA / "removed-position.wikitext")
    made = plan_page(
        result,
        context.mapping.conventions,
        "wikisync",
        mapping="mappings/miraheze/mapping.yaml",
        api_url="https://meta.miraheze.org/w/api.php",
    )
    assert made is not None
    return made


def test_plan_records_its_base_and_new_text(context: CheckContext, plan: EditPlan) -> None:
    old = (DATA / "removed-position.wikitext").read_text(encoding="utf-8")
    assert plan.title == TITLE
    assert plan.base_revid == 4242
    assert plan.base_timestamp == "2026-11-01T10:00:00Z"
    assert plan.base_text_sha1 == text_sha1(old)
    assert plan.new_text == (DATA / "Tech_Organisation.fixed.wikitext").read_text()
    assert plan.new_text_sha1 == text_sha1(plan.new_text)
    assert plan.wikisync_version == __version__
    assert plan.plan_version == PLAN_VERSION
    assert plan.skipped == []


def test_plan_lists_fixed_findings_in_contract_form(plan: EditPlan) -> None:
    kinds = [f["kind"] for f in plan.findings]
    assert sorted(kinds) == ["missing-position", "typo", "typo", "typo", "typo", "wording"]
    keys = {"kind", "path", "message", "found", "expected", "suggestion", "line", "fixable"}
    for f in plan.findings:
        assert keys <= set(f) <= keys | {"basis"}
        assert f["fixable"] is True


def test_plan_summary_says_what_changes(plan: EditPlan) -> None:
    assert plan.summary == (
        "wikisync: fix 4 typos (cover→covers, persons→person's, pro-active→proactive), "
        "reword 1 passage (+and), add Position: Engineering Manager, Infrastructure; "
        "per canonical data"
    )


def test_plan_diff_is_old_to_new(plan: EditPlan) -> None:
    lines = plan.diff.splitlines()
    assert lines[0] == f"--- {TITLE} (r4242)"
    assert lines[1] == f"+++ {TITLE} (planned)"
    added = [line[1:] for line in lines[2:] if line.startswith("+")]
    removed = [line[1:] for line in lines[2:] if line.startswith("-")]
    assert "=== Position: Engineering Manager, Infrastructure ===" in added
    assert any("department that cover the" in line for line in removed)
    assert all(line in plan.new_text.splitlines() for line in added)


def test_in_sync_page_needs_no_plan(context: CheckContext) -> None:
    result = checked(context, DATA / "Tech_Organisation.fixed.wikitext")
    assert result.findings == []
    assert plan_page(result, context.mapping.conventions) is None


def test_reported_only_findings_make_no_plan(context: CheckContext) -> None:
    result = checked(context, SNAPSHOT)
    reported = [f.model_copy(update={"fixable": False}) for f in result.findings]
    text = SNAPSHOT.read_text(encoding="utf-8")
    plan = make_plan(TITLE, 1, "", text, reported, context.mapping.conventions)
    assert plan is None


def test_plan_of_fixed_text_is_empty(context: CheckContext, plan: EditPlan) -> None:
    again = context.check(Revision(title=TITLE, revid=4243, text=plan.new_text))
    assert plan_page(again, context.mapping.conventions) is None


def test_save_and_load_round_trip(plan: EditPlan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    assert load_plan(path) == plan
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["plan_version"] == PLAN_VERSION
    assert data["new_text"] == plan.new_text
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_plan_file_holds_no_credentials(
    context: CheckContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIKISYNC_USERNAME", "Bot@wikisync")
    monkeypatch.setenv("WIKISYNC_PASSWORD", "0123456789abcdefghijklmnopqrstuv")
    result = checked(context, SNAPSHOT)
    plan = plan_page(result, context.mapping.conventions, mapping="m.yaml")
    assert plan is not None
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    raw = path.read_text(encoding="utf-8")
    assert "0123456789abcdefghijklmnopqrstuv" not in raw
    assert "Bot@wikisync" not in raw
    assert not {"password", "token", "username", "cookie"} & set(json.loads(raw))


def test_api_url_with_user_info_is_refused(plan: EditPlan) -> None:
    data = plan.model_dump()
    data["api_url"] = "https://bot:secret@meta.miraheze.org/w/api.php"
    with pytest.raises(ValidationError, match="must not carry"):
        EditPlan.model_validate(data)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    return path


def plan_json(plan: EditPlan, **changes: object) -> str:
    data = json.loads(plan.model_dump_json())
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"plan_version": 1,\n  "title": }', "broken.json:2: not a JSON plan"),
        ("[1, 2]", "broken.json: not a plan: expected a JSON object"),
        ('{"plan_version": 7}', "plan format 7 is not supported"),
        ('{"title": "x"}', "plan format None is not supported"),
        ('{"plan_version": true}', "plan format True is not supported"),
    ],
)
def test_load_refuses_what_is_not_a_plan(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)) as info:
        load_plan(write(tmp_path, content))
    assert info.value.source == str(tmp_path / "broken.json")


def test_load_refuses_unknown_keys(plan: EditPlan, tmp_path: Path) -> None:
    path = write(tmp_path, plan_json(plan, password="x"))
    with pytest.raises(
        InputError, match=re.escape("broken.json: bad plan: unknown key 'password'")
    ):
        load_plan(path)


def test_load_refuses_edited_new_text(plan: EditPlan, tmp_path: Path) -> None:
    path = write(tmp_path, plan_json(plan, new_text=plan.new_text + "vandalism"))
    with pytest.raises(InputError, match="new_text does not match new_text_sha1"):
        load_plan(path)


def test_load_refuses_missing_keys_and_missing_file(plan: EditPlan, tmp_path: Path) -> None:
    data = json.loads(plan.model_dump_json())
    del data["base_revid"]
    with pytest.raises(InputError, match="missing key 'base_revid'"):
        load_plan(write(tmp_path, json.dumps(data)))
    with pytest.raises(InputError, match=re.escape("nowhere.json: plan file not found")):
        load_plan(tmp_path / "nowhere.json")


def test_save_into_missing_folder_is_an_input_error(plan: EditPlan, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write plan"):
        save_plan(plan, tmp_path / "no" / "such" / "plan.json")


def test_unified_diff_marks_missing_final_newline() -> None:
    diff = unified_diff("a\nb", "a\nc", "Page")
    assert diff.splitlines()[:2] == ["--- Page (base)", "+++ Page (planned)"]
    assert "-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n" in diff
    assert unified_diff("same\n", "same\n", "Page") == ""


def typo(found: str, expected: str) -> Finding:
    return Finding(kind="typo", path=[], message="", found=found, expected=expected)


def test_summary_shows_distinct_examples_then_an_ellipsis() -> None:
    applied = [typo("teh", "the"), typo("teh", "the"), typo("adn", "and")]
    applied += [typo("wrod", "word"), typo("tpyo", "typo")]
    assert edit_summary(applied, "bot") == (
        "bot: fix 5 typos (teh→the, adn→and, wrod→word, …); per canonical data"
    )
    assert edit_summary(applied[:1], "") == "fix 1 typo (teh→the); per canonical data"


def test_summary_names_renames_bullets_and_units() -> None:
    renamed = Finding(
        kind="renamed-team", path=[], message="", found="Infra", expected="Infrastructure"
    )
    bullet = Finding(kind="missing-bullet", path=[], message="", expected="x")
    unit = Finding(
        kind="missing-team",
        path=[],
        message="",
        expected="MediaWiki, SRE",
        detail={"unit": {"kind": "team", "name": "MediaWiki", "qualifier": "SRE"}},
    )
    assert edit_summary([renamed, bullet, bullet, unit]) == (
        'wikisync: rename 1 heading ("Infra"→"Infrastructure"), add 2 bullets, '
        "add Team: MediaWiki, SRE; per canonical data"
    )


def test_summary_stays_under_the_limit() -> None:
    units = [
        Finding(
            kind="missing-position",
            path=[],
            message="",
            expected=f"A rather long position name number {n}",
            detail={"unit": {"name": f"A rather long position name number {n}"}},
        )
        for n in range(40)
    ]
    many = [typo(f"w{n}x" * 20, f"w{n}" * 20) for n in range(300)] + units
    summary = edit_summary(many)
    assert len(summary) < SUMMARY_LIMIT
    assert summary == "wikisync: fix 300 typos, add 40 units; per canonical data"


def test_created_is_kept(context: CheckContext) -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    findings = checked(context, SNAPSHOT).findings
    plan = make_plan(TITLE, 9, "t", text, findings, context.mapping.conventions, created=WHEN)
    assert plan is not None
    assert plan.created == WHEN
    assert '"created": "2026-11-22T15:30:12Z"' in plan.model_dump_json(indent=2)
