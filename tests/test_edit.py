"""Applying findings: the bundled snapshot and variants of it, each fixed through the real pipeline.

Every page in ``tests/data/edit`` is a copy of the snapshot with one kind of drift; fixed, each
must read exactly like the fixed snapshot (``Tech_Organisation.fixed.wikitext``), re-check
clean, change only the lines its findings name, and stay put when fixed a second time.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.edit import PageStyle, apply_findings, detect_style, render_unit
from wikisync.mapping import Conventions, HeadingRule, load_mapping
from wikisync.model import CanonicalUnit, Finding, Revision, Span
from wikisync.parse import parse_page
from wikisync.pipeline import CheckContext
from wikisync.plan import make_plan

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "edit"
SNAPSHOT = ROOT / "mappings" / "miraheze" / "snapshots" / "Tech_Organisation.wikitext"
FIXED = DATA / "Tech_Organisation.fixed.wikitext"
TITLE = "Tech:Organisation"

CASES = {
    "snapshot": SNAPSHOT,
    "removed-position": DATA / "removed-position.wikitext",
    "renamed-heading": DATA / "renamed-heading.wikitext",
    "missing-bullet": DATA / "missing-bullet.wikitext",
}
STRUCTURAL_FIX = {
    "snapshot": None,
    "removed-position": "missing-position",
    "renamed-heading": "renamed-position",
    "missing-bullet": "missing-bullet",
}


@pytest.fixture(scope="module")
def context() -> CheckContext:
    return CheckContext(load_mapping(DATA / "mapping.yaml"))


def check(context: CheckContext, text: str) -> list[Finding]:
    result = context.check(Revision(title=TITLE, text=text, source="test"))
    assert result.problem is None
    return result.findings


def conventions(context: CheckContext) -> Conventions:
    return context.mapping.conventions


def changed_lines(old: str, new: str) -> tuple[list[int], list[str]]:
    """Numbers (0-based) of the lines only in ``old``, and the lines only in ``new``."""
    removed: list[int] = []
    added: list[str] = []
    a, b = old.splitlines(), new.splitlines()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            removed.extend(range(i1, i2))
            added.extend(b[j1:j2])
    return removed, added


def outside_spans(text: str, findings: list[Finding]) -> list[str]:
    """The original text cut at every applied span: these pieces must survive in order."""
    pieces: list[str] = []
    pos = 0
    for span in sorted((f.span for f in findings if f.span is not None), key=lambda s: s.start):
        pieces.append(text[pos : span.start])
        pos = span.end
    pieces.append(text[pos:])
    return pieces


@pytest.mark.parametrize("case", list(CASES))
def test_fix_reaches_the_fixed_snapshot(context: CheckContext, case: str) -> None:
    text = CASES[case].read_text(encoding="utf-8")
    findings = check(context, text)
    result = apply_findings(text, findings, conventions(context))
    assert result.skipped == []
    assert result.applied == [f for f in findings if f.fixable]
    assert result.text == FIXED.read_text(encoding="utf-8")
    kinds = {f.kind for f in result.applied}
    if STRUCTURAL_FIX[case] is not None:
        assert STRUCTURAL_FIX[case] in kinds


@pytest.mark.parametrize("case", list(CASES))
def test_fixed_page_rechecks_clean(context: CheckContext, case: str) -> None:
    text = CASES[case].read_text(encoding="utf-8")
    result = apply_findings(text, check(context, text), conventions(context))
    assert check(context, result.text) == []


@pytest.mark.parametrize("case", list(CASES))
def test_bytes_outside_spans_are_identical(context: CheckContext, case: str) -> None:
    text = CASES[case].read_text(encoding="utf-8")
    result = apply_findings(text, check(context, text), conventions(context))
    pos = 0
    for piece in outside_spans(text, result.applied):
        found = result.text.find(piece, pos)
        assert found >= pos, f"original bytes lost: {piece[:60]!r}"
        if pos == 0:
            assert found == 0
        pos = found + len(piece)
    assert pos == len(result.text)


@pytest.mark.parametrize("case", list(CASES))
def test_diff_touches_only_fixed_lines(context: CheckContext, case: str) -> None:
    text = CASES[case].read_text(encoding="utf-8")
    result = apply_findings(text, check(context, text), conventions(context))
    removed, added = changed_lines(text, result.text)
    words = [str(f.detail["replacement"]).strip() for f in result.applied if f.kind == "typo"]
    words += [f.expected or "" for f in result.applied if f.kind in ("wording", "missing-bullet")]
    words += [str(f.detail["replacement"]) for f in result.applied if f.kind.startswith("renamed")]
    inserted: list[str] = []
    for f in result.applied:
        if f.kind.startswith("missing-") and "unit" in f.detail:
            unit = CanonicalUnit.model_validate(f.detail["unit"])
            block = render_unit(unit, f.detail["level"], PageStyle(), conventions(context))
            inserted.extend(block.splitlines())
    for line in added:
        assert line in inserted or line == "" or any(w and w in line for w in words), line
    touched = {
        text.count("\n", 0, offset)
        for f in result.applied
        if f.span is not None
        for offset in (f.span.start, max(f.span.start, f.span.end - 1))
    }
    assert set(removed) <= touched
    assert len(removed) <= len(result.applied)


@pytest.mark.parametrize("case", list(CASES))
def test_second_fix_changes_nothing(context: CheckContext, case: str) -> None:
    text = CASES[case].read_text(encoding="utf-8")
    once = apply_findings(text, check(context, text), conventions(context))
    twice = apply_findings(once.text, check(context, once.text), conventions(context))
    assert twice.text == once.text
    assert twice.applied == []


def test_inserted_position_is_in_page_style(context: CheckContext) -> None:
    text = CASES["removed-position"].read_text(encoding="utf-8")
    result = apply_findings(text, check(context, text), conventions(context))
    start = result.text.index("=== Position: Engineering Manager, Infrastructure ===")
    block = result.text[start : result.text.index("== Team: MediaWiki", start)]
    assert block == (
        "=== Position: Engineering Manager, Infrastructure ===\n"
        "The Infrastructure Engineering Manager leads the infrastructure team and ensures:\n"
        "* appropriate task management for Infrastructure Team tasks,\n"
        "* goals are met and kept on track for Infrastructure,\n"
        "* the wellbeing and growth of the Infrastructure team.\n"
        "\n"
        "The Engineering Manager is appointed by the Director of Site Reliability Engineering "
        "and is responsible for ensuring cross-team collaboration and proactive engagement with "
        "other teams and departments.\n"
        "\n"
    )
    assert result.text[start - 2 : start] == "\n\n"


def test_compact_headings_and_tight_layout_are_kept(context: CheckContext) -> None:
    text = CASES["removed-position"].read_text(encoding="utf-8")
    compact = re.sub(r"^(=+) (.*?) (=+)$", r"\1\2\3", text, flags=re.M).replace("\n\n", "\n")
    style = detect_style(parse_page(compact, conventions=conventions(context)))
    assert style == PageStyle(heading_pad="", before_heading=1)
    result = apply_findings(compact, check(context, compact), conventions(context))
    assert "\n===Position: Engineering Manager, Infrastructure===\nThe Infra" in result.text
    assert "departments.\n==Team: MediaWiki" in result.text
    assert check(context, result.text) == []


def test_missing_team_brings_its_position(context: CheckContext) -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    start, end = text.index("== Team: MediaWiki"), text.index("== Additional Access Roles")
    cut = text[:start] + text[end:]
    findings = check(context, cut)
    assert [f.kind for f in findings if f.kind.startswith("missing")] == ["missing-team"]
    result = apply_findings(cut, findings, conventions(context))
    assert "\n=== Position: Engineering Manager, MediaWiki ===\n" in result.text
    assert check(context, result.text) == []


def test_unit_at_end_of_page_keeps_missing_final_newline(context: CheckContext) -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    cut = text[: text.index("== Team: MediaWiki")].rstrip("\n")
    findings = [f for f in check(context, cut) if f.kind == "missing-team"]
    result = apply_findings(cut, findings, conventions(context))
    assert result.text.startswith(cut + "\n\n== Team: MediaWiki, Site Reliability Engineering ==\n")
    assert not result.text.endswith("\n")
    assert not [f for f in check(context, result.text) if f.kind == "missing-team"]


def test_missing_access_role_goes_under_its_section(context: CheckContext) -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    cut = text[: text.index("=== Cache")] + text[text.index("=== Puppet") :]
    findings = check(context, cut)
    missing = [f for f in findings if f.kind == "missing-access-role"]
    assert missing and missing[0].fixable
    result = apply_findings(cut, missing, conventions(context))
    assert "== Additional Access Roles ==\n=== Cache ===\n=== Puppet ===" in result.text
    assert [f.kind for f in check(context, result.text) if f.kind.endswith("access-role")] == []


def test_access_role_without_its_section_is_not_fixable(context: CheckContext) -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    cut = text[: text.index("== Additional Access Roles")] + text[text.index("== See also") :]
    missing = [f for f in check(context, cut) if f.kind == "missing-access-role"]
    assert [f.expected for f in missing] == ["Cache", "Puppet"]
    assert not any(f.fixable for f in missing)
    assert apply_findings(cut, missing, conventions(context)).text == cut


def finding(kind: str, start: int, end: int, replacement: str, found: str | None) -> Finding:
    return Finding(
        kind=kind,
        path=[],
        message="",
        found=found,
        span=Span(start=start, end=end),
        fixable=True,
        detail={"replacement": replacement},
    )


def test_overlapping_spans_keep_the_first() -> None:
    text = "alpha beta gamma\n"
    first = finding("typo", 6, 10, "BETA", "beta")
    second = finding("wording", 0, 10, "A B", "alpha beta")
    result = apply_findings(text, [first, second], Conventions())
    assert result.text == "alpha BETA gamma\n"
    assert result.applied == [first]
    assert result.skipped[0][0] is second
    assert "overlaps the typo fix" in result.skipped[0][1]


def test_insertions_at_one_point_keep_their_order() -> None:
    text = "a c\n"
    edits = [
        finding("wording", 1, 1, " b1", None),
        finding("wording", 1, 1, " b2", None),
        finding("typo", 2, 3, "C", "c"),
    ]
    result = apply_findings(text, edits, Conventions())
    assert result.text == "a b1 b2 C\n"


def test_stale_span_and_unfixable_findings_are_left_alone() -> None:
    text = "alpha beta\n"
    stale = finding("typo", 0, 5, "omega", "gamma")
    reported = finding("typo", 6, 10, "BETA", "beta").model_copy(update={"fixable": False})
    extra = finding("extra-team", 0, 5, "", "alpha")
    result = apply_findings(text, [stale, reported, extra], Conventions())
    assert result.text == text
    reasons = [why for _, why in result.skipped]
    assert reasons == [
        'line 1 no longer reads "gamma"',
        "extra-team findings are reported, never edited",
    ]


def test_missing_bullet_at_body_end_joins_the_text() -> None:
    text = "== A ==\nIntro:\n\n== B ==\nx\n"
    bullet = finding("missing-bullet", text.index("== B"), text.index("== B"), "* one\n", None)
    result = apply_findings(text, [bullet], Conventions())
    assert result.text == "== A ==\nIntro:\n* one\n\n== B ==\nx\n"


def test_rendered_text_escapes_wiki_markup() -> None:
    unit = CanonicalUnit(
        kind="position",
        name="Lead [ops]",
        prose=["Uses {{braces}}, <tags>, ''quotes'' and ~~~~ literally.", "* not a list"],
        bullets=["[[not a link]]"],
    )
    block = render_unit(unit, 2, PageStyle(), Conventions())
    assert "{{" not in block and "[[" not in block and "~~~" not in block and "''" not in block
    page = parse_page(block, conventions=Conventions())
    [position] = page.units()
    assert position.full_name == "Lead [ops]"
    assert unit.prose is not None
    assert [p.text for p in position.prose] == [unit.prose[0], "* not a list"]
    assert [b.text for b in position.bullets] == ["[[not a link]]"]


def test_render_uses_the_mappings_prefix() -> None:
    rules = [HeadingRule(kind="position", prefix="Role:")]
    unit = CanonicalUnit(kind="position", name="Director", prose=["Leads."])
    assert render_unit(unit, 3, PageStyle(heading_pad=""), Conventions(rules=rules)) == (
        "===Role: Director===\nLeads."
    )


# -- property: random drift of the kind canonical data catches, fixed once, stays fixed ------

_SNAPSHOT_LINES = SNAPSHOT.read_text(encoding="utf-8").splitlines(keepends=True)
_PROSE = [
    i
    for i, line in enumerate(_SNAPSHOT_LINES)
    if line.strip() and not line.startswith(("=", "*", "[[")) and i > 3
]
_BULLETS = [i for i, line in enumerate(_SNAPSHOT_LINES) if line.startswith("* ") and i < 40]
_POSITIONS = [i for i, line in enumerate(_SNAPSHOT_LINES) if line.startswith("=== Position")]


def _mutate_word(word: str, how: int) -> str:
    if how == 0:
        return word[:1] + word[2] + word[1] + word[3:]
    if how == 1:
        return word[:2] + word[3:]
    return word[:2] + word[2] + word[2:]


@st.composite
def drifted_pages(draw: st.DrawFn) -> str:
    lines = list(_SNAPSHOT_LINES)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        op = draw(st.sampled_from(["typo", "drop-word", "drop-bullet", "rename", "drop-position"]))
        if op in ("typo", "drop-word"):
            i = draw(st.sampled_from(_PROSE))
            words = [m for m in re.finditer(r"(?<![\w'\[|])[a-z]{5,}(?![\w'\]|])", lines[i])]
            if not words:
                continue
            m = draw(st.sampled_from(words))
            if op == "typo":
                new = _mutate_word(m.group(), draw(st.integers(min_value=0, max_value=2)))
                lines[i] = lines[i][: m.start()] + new + lines[i][m.end() :]
            else:
                lines[i] = lines[i][: m.start()] + lines[i][m.end() + 1 :]
        elif op == "drop-bullet":
            i = draw(st.sampled_from(_BULLETS))
            if lines[i].startswith("* "):
                lines[i] = ""
        elif op == "rename":
            i = draw(st.sampled_from(_POSITIONS))
            lines[i] = lines[i].replace("Manager", "manager").replace("MediaWiki ", "Mediawiki ")
        else:
            i = draw(st.sampled_from(_POSITIONS))
            j = next(k for k in range(i + 1, len(lines)) if lines[k].startswith("="))
            lines[i:j] = [""] * (j - i)
    return "".join(lines)


@settings(max_examples=60, deadline=None)
@given(page=drifted_pages())
def test_fixing_drift_is_idempotent(context: CheckContext, page: str) -> None:
    findings = check(context, page)
    plan = make_plan(TITLE, 1, "", page, findings, conventions(context))
    assert plan is not None
    assert plan.skipped == []
    again = check(context, plan.new_text)
    assert [f for f in again if f.fixable] == []
    assert make_plan(TITLE, 2, "", plan.new_text, again, conventions(context)) is None
    second = apply_findings(plan.new_text, again, conventions(context))
    assert second.text == plan.new_text
