"""Properties of the parser and the editor over wikitext built from organisation-page pieces.

Pages are the seed page with lines inserted, dropped, duplicated or replaced, or a shuffle of
its lines, heading variants, markup snippets and random characters (RTL letters, combining
marks, wiki markup). For each page:

- parsing never fails, and the spans tile the source: the lead, then each heading and its
  body, in order, cover every character exactly once; a unit's span holds its children's;
- every visible character of prose and bullets points at the same character in the source;
- applying the fixable findings never fails and changes no byte outside the findings' spans
  (an insertion may sit in the blank run just before its point);
- applying a plan twice equals applying it once: after the plan's text is checked again,
  there is nothing left to plan.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wikisync.edit import apply_findings
from wikisync.mapping import load_mapping
from wikisync.model import Finding, OrgPage, Revision, Span, Unit
from wikisync.parse import parse_page
from wikisync.pipeline import CheckContext, PageResult
from wikisync.plan import plan_page

ROOT = Path(__file__).parent.parent
MAPPING = load_mapping(ROOT / "mappings" / "miraheze" / "mapping.yaml")
CONTEXT = CheckContext(MAPPING)
SEED = (Path(__file__).parent / "data" / "pages" / "removed-position.wikitext").read_text(
    encoding="utf-8"
)
SEED_LINES = SEED.split("\n")

SNIPPETS = [
    "== Department: Site Reliability Engineering ==",
    "==Team: Infrastructure, Site Reliability Engineering==",
    "== Team: MediaWiki, Site Reliability Engineering ==",
    "=== Position: Engineering Manager, Infrastructure ===",
    "=== Position: Engineering manager, Mediawiki ===",
    "=== Position: Director of Site Reliability Engineering ===",
    "== Additional Access Roles ==",
    "=== Cache ===",
    "== See also ==",
    "== <!-- --> ==",
    "== '''''' ==",
    "= Top =",
    "====== Six ======",
    "== Team: תשתית ==",
    "* appropriate task management for Infrastructure Team tasks,",
    "* goals are met and kept on track for Infrastructure,",
    "** a nested bullet with [[Tech:Puppet|Puppet]]",
    "# a numbered item",
    ": an indented line",
    "; term : definition",
    "This is the department that cover the pre-existing technical team members within.",
    "The Engineering Manager is appointed by the Director of Site Reliability Engineering.",
    "Text with a {{citation needed}} template, a <ref>note</ref> and a <!-- comment -->.",
    "Text with '''bold''', ''italic'', &amp; entities&nbsp;and <b>tags</b>.",
    "[[Category:Tech]]",
    "[https://example.org an external link] and https://example.org/bare",
    "{| class=wikitable\n| cell\n|}",
    "<nowiki>== not a heading ==</nowiki>",
    "<pre>\n== inside pre ==\n</pre>",
    "----",
    "",
    "",
]
NOISE = st.text(
    alphabet=st.sampled_from(
        [*"abcdefgh ABC=*#:;[]{}|<>'&!-~,.\n\t", "ש", "ع", "\u0301", "\u200f", "é", "😀"]
    ),
    max_size=30,
)
PIECE = st.one_of(st.sampled_from(SNIPPETS), st.sampled_from(SEED_LINES), NOISE)


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    """The seed page (which has fixable slips) with a few lines changed."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(lines)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate", "replace"]))
        if action == "insert" or not lines:
            lines.insert(at, draw(PIECE))
            continue
        at = min(at, len(lines) - 1)
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        else:
            lines[at] = draw(PIECE)
    return "\n".join(lines)


PAGES = st.one_of(
    mutated_seed(),
    st.lists(PIECE, max_size=40).map("\n".join),
)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(text: str) -> PageResult:
    return CONTEXT.check(Revision(title="Property", text=text, source="property test"))


def _tiles(page: OrgPage, text: str) -> None:
    pieces: list[Span] = []
    root = page.root
    assert root.span == Span(0, len(text))
    assert root.body_span is not None and root.body_span.start == 0
    pieces.append(root.body_span)
    for unit in page.units():
        assert unit.heading_span is not None and unit.body_span is not None
        pieces += [unit.heading_span, unit.body_span]
        assert text[unit.heading_span.start : unit.heading_span.end].startswith("=")
    position = 0
    for span in pieces:
        assert span.start == position, (span, position)
        assert span.end >= span.start
        position = span.end
    assert position == len(text)
    assert "".join(text[s.start : s.end] for s in pieces) == text

    def nested(unit: Unit) -> None:
        for child in unit.children:
            assert unit.span is not None and child.span is not None
            assert unit.span.start <= child.span.start <= child.span.end <= unit.span.end
            nested(child)

    nested(root)


def _offsets_point_at_the_source(page: OrgPage, text: str) -> None:
    for unit in page.root.walk():
        for block in [*unit.prose, *unit.bullets]:
            assert len(block.offsets) == len(block.text)
            for char, offset in zip(block.text, block.offsets, strict=True):
                if offset >= 0 and not char.isspace():
                    assert text[offset] == char, (block.text, offset)


@SETTINGS
@given(PAGES)
def test_parser_never_fails_and_spans_tile_the_source(text: str) -> None:
    page = parse_page(text, conventions=MAPPING.conventions)
    _tiles(page, text)
    _offsets_point_at_the_source(page, text)


def _unchanged_outside(old: str, new: str, findings: list[Finding]) -> None:
    """``new`` is ``old`` with only the findings' spans (and blank runs before points) redone."""
    regions: list[tuple[int, int]] = []
    for finding in findings:
        assert finding.span is not None
        start, end = finding.span.start, finding.span.end
        if start == end:  # an insertion may be placed at the start of the blanks before it
            while start > 0 and old[start - 1].isspace():
                start -= 1
        regions.append((start, end))
    regions.sort()
    merged: list[tuple[int, int]] = []
    for start, end in regions:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    kept: list[str] = []
    position = 0
    for start, end in merged:
        kept.append(old[position:start])
        position = end
    kept.append(old[position:])
    pattern = "(?:.*?)".join(re.escape(part) for part in kept)
    assert re.fullmatch(pattern, new, flags=re.DOTALL), "bytes changed outside the spans"


@SETTINGS
@given(PAGES)
def test_edits_change_nothing_outside_their_spans(text: str) -> None:
    result = check(text)
    if result.page is None:
        return
    edit = apply_findings(text, result.findings, MAPPING.conventions, page=result.page)
    fixable = [f for f in result.findings if f.fixable]
    assert len(edit.applied) + len(edit.skipped) == len(fixable)
    if not edit.applied:
        assert edit.text == text
        return
    _unchanged_outside(text, edit.text, edit.applied)


@SETTINGS
@given(PAGES)
# Found by this test: words for the end of a line landed after a bullet or a whole unit
# inserted at the same place, and a unit after a blank last line lost its line start.
@example(
    "=== Position: Engineering Manager, MediaWiki ===\n"
    "* goals are met and kept on track for MediaWiki,"
)
@example("=== Position: Engineering Manager, MediaWiki ===\n ")
@example(
    "=== Position: Engineering Manager, Infrastructure ===\n"
    "The MediaWiki Engineering Manager leads the MediaWiki team and ensures:"
)
def test_applying_a_plan_twice_equals_applying_it_once(text: str) -> None:
    first = check(text)
    plan = plan_page(first, MAPPING.conventions, MAPPING.publish.summary_prefix)
    if plan is None:
        return
    assert plan.new_text != text
    second = check(plan.new_text)
    assert second.page is not None
    again = plan_page(second, MAPPING.conventions, MAPPING.publish.summary_prefix)
    assert again is None, (plan.summary, again.summary if again else None)


def test_the_generated_pages_exercise_the_editor() -> None:
    """A guard on the strategy: the unmutated seed really has fixes to apply."""
    plan = plan_page(check(SEED), MAPPING.conventions)
    assert plan is not None and len(plan.findings) >= 5
