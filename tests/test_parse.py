"""Parsing: the unit tree of each fixture page, spans that tile the source, and never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import mwparserfromhell
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.mapping import Conventions, HeadingRule
from wikisync.model import OrgPage, Unit, UnitKind
from wikisync.parse import parse_page

PAGES = Path(__file__).parent / "data" / "pages"
FIXTURES = sorted(PAGES.glob("*.wikitext"))


def outline(page: OrgPage) -> list[list[object]]:
    """A compact picture of the tree: kind, name, qualifier, level, paragraphs, bullets."""
    return [
        [u.kind.value, u.name, u.qualifier, u.level, len(u.prose), len(u.bullets)]
        for u in page.root.walk()
    ]


def pieces(unit: Unit, text: str) -> list[str]:
    """The source cut along the units' heading and body spans, in page order."""
    out: list[str] = []
    if unit.heading_span is not None:
        out.append(text[unit.heading_span.start : unit.heading_span.end])
    assert unit.body_span is not None
    out.append(text[unit.body_span.start : unit.body_span.end])
    for child in unit.children:
        out.extend(pieces(child, text))
    return out


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_outline_matches_expected(path: Path) -> None:
    expected = json.loads(path.with_suffix(".outline.json").read_text())
    page = parse_page(path.read_text(), title=path.stem)
    assert outline(page) == expected


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_spans_tile_the_source_exactly(path: Path) -> None:
    text = path.read_text()
    page = parse_page(text)
    assert "".join(pieces(page.root, text)) == text
    assert str(mwparserfromhell.parse(text)) == text


def test_name_and_qualifier_split() -> None:
    page = parse_page((PAGES / "seed.wikitext").read_text())
    em = [u for u in page.units() if u.kind == UnitKind.POSITION and u.qualifier]
    assert [(u.name, u.qualifier) for u in em] == [
        ("Engineering Manager", "Infrastructure"),
        ("Engineering Manager", "MediaWiki"),
    ]
    teams = [u for u in page.units() if u.kind == UnitKind.TEAM]
    assert [(t.name, t.qualifier) for t in teams] == [
        ("Infrastructure", "Site Reliability Engineering"),
        ("MediaWiki", "Site Reliability Engineering"),
    ]


def test_plain_text_drops_markup_and_keeps_offsets() -> None:
    text = (
        "== Team: X ==\nSee [[Tech:Puppet|Puppet]] and {{tpl|a}}<!-- c --> the "
        "'''bold''' word<ref>cite</ref> here.\n"
    )
    page = parse_page(text)
    block = page.units()[0].prose[0]
    assert block.text == "See Puppet and the '''bold''' word here."
    at = block.text.index("Puppet")
    assert text[block.offsets[at] : block.offsets[at] + 6] == "Puppet"
    assert block.line == 2


def test_bullets_keep_depth_and_marker() -> None:
    page = parse_page("intro\n* one\n** two [[a|b]]\n#: three\n")
    assert [(b.text, b.depth, b.marker) for b in page.root.bullets] == [
        ("one", 1, "*"),
        ("two b", 2, "**"),
        ("three", 2, "#:"),
    ]


def test_odd_heading_spacing_and_case_of_prefix() -> None:
    page = parse_page("==Team:MediaWiki==\ntext\n=== position:  Lead ,  Ops ===\n")
    team, pos = page.units()
    assert (team.kind, team.name) == (UnitKind.TEAM, "MediaWiki")
    assert (pos.kind, pos.name, pos.qualifier) == (UnitKind.POSITION, "Lead", "Ops")


def test_conventions_from_the_mapping_drive_the_kinds() -> None:
    conventions = Conventions(
        rules=[
            HeadingRule(kind="department", pattern=r"(?P<name>Leadership)"),
            HeadingRule(kind="position", children_of="Leadership"),
            HeadingRule(kind="team", pattern=r"(?P<name>.+) Specialists"),
        ]
    )
    page = parse_page((PAGES / "technology-team.wikitext").read_text(), conventions=conventions)
    kinds = [(u.kind.value, u.name) for u in page.units()]
    assert kinds[:5] == [
        ("department", "Leadership"),
        ("position", "Director of Technology"),
        ("position", "Deputy Director of Technology"),
        ("team", "Infrastructure"),
        ("team", "MediaWiki"),
    ]


WIKI_PIECES = st.sampled_from(
    [
        "== Team: A ==\n",
        "=== Position: B, C ===\n",
        "==X==",
        "= Department: D =\n",
        "* item\n",
        "** deeper\n",
        "# numbered\n",
        ": indent\n",
        "; term : def\n",
        "[[Link|label]]",
        "[[Category:C]]",
        "{{tpl|x={{inner}}}}",
        "<!-- c -->",
        "<!-- open",
        "<ref>r</ref>",
        "<ref name=a/>",
        "'''b'''",
        "''i''",
        "&amp;",
        "&#x41;",
        "<br/>",
        "{| class=t\n| cell\n|}\n",
        "[http://example.org ext]",
        "\n",
        "\n\n",
        " ",
        "word ",
        "Additional Access Roles",
        "<code>x</code>",
        "<div>",
        "</div>",
        "}}",
        "]]",
        "|",
        "==",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(WIKI_PIECES, st.text(max_size=8)), max_size=40))
def test_any_wikitext_parses_and_round_trips(parts: list[str]) -> None:
    text = "".join(parts)
    page = parse_page(text)
    assert "".join(pieces(page.root, text)) == text
    for unit in page.root.walk():
        for block in [*unit.prose, *unit.bullets]:
            for char, offset in zip(block.text, block.offsets, strict=True):
                if offset >= 0 and not char.isspace():
                    assert text[offset] == char


def absolute(sections: list[tuple[int, object]]) -> list[object]:
    """Sections with every offset made absolute, for comparing two ways of cutting a page."""
    out: list[object] = []
    for base, section in sections:
        heading = section.heading  # type: ignore[attr-defined]
        out.append(
            (
                None
                if heading is None
                else (
                    heading.level,
                    heading.title,
                    heading.start + base,
                    heading.end + base,
                    [o + base if o >= 0 else o for o in heading.title_offsets],
                ),
                section.body_start + base,  # type: ignore[attr-defined]
                section.body_end + base,  # type: ignore[attr-defined]
                [
                    (
                        b.bullet,
                        b.text,
                        b.start + base,
                        b.end + base,
                        b.depth,
                        [o + base if o >= 0 else o for o in b.offsets],
                    )
                    for b in section.blocks  # type: ignore[attr-defined]
                ],
            )
        )
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(WIKI_PIECES, st.text(max_size=8)), max_size=40))
def test_cutting_at_headings_parses_like_the_whole_page(parts: list[str]) -> None:
    from wikisync.parse import _parse_sections, _sections

    text = "".join(parts)
    whole = [(0, section) for section in _parse_sections(text)]
    assert absolute(_sections(text)) == absolute(whole)  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(WIKI_PIECES, st.text(max_size=8)), max_size=40))
def test_lines_are_the_newlines_before_each_heading_and_block(parts: list[str]) -> None:
    """Lines are counted per cached section and added up per page; they must equal a count
    over the whole text."""
    text = "".join(parts)
    for unit in parse_page(text).root.walk():
        if unit.heading_span is not None:
            assert unit.line == text.count("\n", 0, unit.heading_span.start) + 1
        for block in unit.prose:
            assert block.line == text.count("\n", 0, block.span.start) + 1
        for bullet in unit.bullets:
            line_start = text.rfind("\n", 0, bullet.span.start) + 1
            assert bullet.line == text.count("\n", 0, line_start) + 1


STRETCH_PIECES = st.sampled_from(
    [
        *["\n== H ==\n", "\n=", "=", "{{", "}}", "[[", "]]", "\n{|", "\n|}", "<!--", "-->"],
        *["<div>", "</div>", "<div\n", "<span\n=a>", "<br>", "<ref name=x/>", "<", ">", "</"],
        *["text", " ", "\n"],
    ]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(STRETCH_PIECES, max_size=40))
def test_heading_cuts_found_stretch_by_stretch_match_one_whole_scan(parts: list[str]) -> None:
    """The cached stretch-by-stretch scan agrees with a scan of the whole text, including
    a tag whose ``>`` stands after a line that starts with ``=``."""
    from wikisync.parse import _scan_starts, section_starts

    text = "".join(parts)
    assert section_starts(text) == _scan_starts(text)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_pages_are_cut_at_their_headings(path: Path) -> None:
    from wikisync.parse import _parse_sections, _sections, section_starts

    text = path.read_text()
    whole = [(0, section) for section in _parse_sections(text)]
    assert absolute(_sections(text)) == absolute(whole)  # type: ignore[arg-type]
    headings = sum(1 for u in parse_page(text).units())
    if path.stem in ("seed", "removed-position", "reformatted"):
        assert len(section_starts(text)) == headings + 1
