"""Comparison against the bundled canonical data: the seed's slips, structure drift, variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikisync.mapping import load_mapping
from wikisync.model import CanonicalOrg, CanonicalUnit, Finding, Revision
from wikisync.pipeline import CheckContext

ROOT = Path(__file__).parent.parent
PAGES = Path(__file__).parent / "data" / "pages"
STRUCTURAL_PREFIXES = ("missing-", "extra-", "misplaced-")


@pytest.fixture(scope="module")
def context() -> CheckContext:
    return CheckContext(load_mapping(ROOT / "mappings" / "miraheze" / "mapping.yaml"))


def findings_for(context: CheckContext, text: str) -> list[Finding]:
    result = context.check(Revision(title="Tech:Organisation", text=text, source="test"))
    assert result.problem is None
    return result.findings


def seed_text() -> str:
    return (PAGES / "seed.wikitext").read_text()


def pairs(findings: list[Finding], kind: str, basis: str | None = None) -> list[tuple[str, str]]:
    return [
        (f.found or "", f.expected or f.suggestion or "")
        for f in findings
        if f.kind == kind and (basis is None or f.basis == basis)
    ]


def structural(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.kind, f.path[-1]) for f in findings if f.kind.startswith(STRUCTURAL_PREFIXES)}


def test_seed_canonical_basis_slips(context: CheckContext) -> None:
    findings = findings_for(context, seed_text())
    assert sorted(pairs(findings, "typo", "canonical")) == [
        ("cover", "covers"),
        ("persons", "person's"),
        ("persons", "person's"),
        ("pro-active", "proactive"),
        ("pro-active", "proactive"),
    ]
    assert structural(findings) == set()
    cover = next(f for f in findings if f.found == "cover")
    assert cover.line == 7
    assert cover.path == ["Department: Site Reliability Engineering"]
    assert cover.fixable


def test_seed_dictionary_typos_with_first_suggestion(context: CheckContext) -> None:
    findings = findings_for(context, seed_text())
    dictionary = {f.found: f.suggestion for f in findings if f.basis == "dictionary"}
    assert dictionary.get("respresents") == "represents"
    assert dictionary.get("toles") == "roles"
    respresents = next(f for f in findings if f.found == "respresents")
    assert respresents.path == ["Nominated Director"]
    assert respresents.line == 4


def test_missing_and_in_bullet_is_wording(context: CheckContext) -> None:
    findings = findings_for(context, seed_text())
    wording = [f for f in findings if f.kind == "wording"]
    assert [(w.found, w.expected) for w in wording] == [("", "and")]
    assert wording[0].path[-1] == "Position: Engineering Manager, MediaWiki"


def test_removed_position_is_reported_missing(context: CheckContext) -> None:
    findings = findings_for(context, (PAGES / "removed-position.wikitext").read_text())
    missing = [f for f in findings if f.kind == "missing-position"]
    assert len(missing) == 1
    assert missing[0].expected == "Engineering Manager, Infrastructure"
    assert missing[0].path == [
        "Team: Infrastructure, Site Reliability Engineering",
        "Position: Engineering Manager, Infrastructure",
    ]
    assert structural(findings) == {("missing-position", missing[0].path[-1])}


def test_reformatted_copy_gives_the_same_structure(context: CheckContext) -> None:
    seed = findings_for(context, seed_text())
    reformatted = findings_for(context, (PAGES / "reformatted.wikitext").read_text())
    assert structural(reformatted) == structural(seed)
    assert sorted(pairs(reformatted, "typo", "canonical")) == sorted(
        pairs(seed, "typo", "canonical")
    )
    renamed = [f for f in reformatted if f.kind.startswith("renamed-")]
    assert [(f.kind, f.found, f.expected) for f in renamed] == [
        ("renamed-position", "Engineering manager, Mediawiki", "Engineering Manager, MediaWiki")
    ]


def test_misspelt_heading_is_one_renamed_finding(context: CheckContext) -> None:
    text = seed_text().replace(
        "Position: Engineering Manager, Infrastructure",
        "Position: Enginering Manager, Infrastructre",
    )
    findings = findings_for(context, text)
    assert structural(findings) == set()
    renamed = [f for f in findings if f.kind == "renamed-position"]
    assert [(f.found, f.expected) for f in renamed] == [
        ("Enginering Manager, Infrastructre", "Engineering Manager, Infrastructure")
    ]


def test_position_under_the_wrong_team_is_misplaced(context: CheckContext) -> None:
    text = seed_text()
    start = text.index("=== Position: Engineering Manager, Infrastructure ===")
    end = text.index("== Team: MediaWiki")
    section = text[start:end]
    moved = text[:start] + text[end:]
    at = moved.index("== Additional Access Roles ==")
    moved = moved[:at] + section + moved[at:]
    findings = findings_for(context, moved)
    assert structural(findings) == {
        ("misplaced-position", "Position: Engineering Manager, Infrastructure")
    }
    misplaced = next(f for f in findings if f.kind == "misplaced-position")
    assert misplaced.expected == "Team: Infrastructure, Site Reliability Engineering"
    assert misplaced.found == "Team: MediaWiki, Site Reliability Engineering"


def test_extra_team_and_bullets(context: CheckContext) -> None:
    text = seed_text().replace(
        "== Additional Access Roles ==",
        "== Team: Security, Site Reliability Engineering ==\nKeeps things safe.\n\n"
        "== Additional Access Roles ==",
    )
    text = text.replace(
        "* goals are met and kept on track for Infrastructure,\n",
        "* regular reports to the Director,\n",
    )
    findings = findings_for(context, text)
    assert ("extra-team", "Team: Security, Site Reliability Engineering") in structural(findings)
    assert pairs(findings, "missing-bullet") == [
        ("", "goals are met and kept on track for Infrastructure,")
    ]
    assert pairs(findings, "extra-bullet") == [("regular reports to the Director,", "")]


def test_later_technology_team_layout_gives_findings(context: CheckContext) -> None:
    findings = findings_for(context, (PAGES / "technology-team.wikitext").read_text())
    kinds = {f.kind for f in findings}
    assert {"missing-department", "missing-team"} <= kinds
    # children of a missing unit are folded into it, not repeated
    assert "missing-position" not in kinds


def render_clean(org: CanonicalOrg) -> str:
    """Wikitext that states the canonical data exactly, in the seed's layout."""

    def unit(u: CanonicalUnit, level: int) -> str:
        prefix = {"department": "Department: ", "team": "Team: ", "position": "Position: "}
        out = f"{'=' * level} {prefix.get(u.kind, '')}{u.full_name} {'=' * level}\n"
        prose = list(u.prose or [])
        if u.bullets:
            out += prose.pop(0) + "\n" if prose else ""
            out += "".join(f"* {b}\n" for b in u.bullets) + "\n"
        out += "".join(f"{p}\n\n" for p in prose)
        return out + "".join(unit(c, level + 1) for c in u.children)

    roles = [u for u in org.units if u.kind == "access-role"]
    body = "".join(unit(u, 2) for u in org.units if u.kind != "access-role")
    return body + "== Additional Access Roles ==\n" + "".join(unit(u, 3) for u in roles)


def test_page_stating_the_canonical_data_is_in_sync(context: CheckContext) -> None:
    findings = findings_for(context, render_clean(context.canonical))
    assert findings == []


def test_json_contract_keys(context: CheckContext) -> None:
    findings = findings_for(context, seed_text())
    keys = {"kind", "path", "message", "found", "expected", "suggestion", "line", "fixable"}
    for f in findings:
        data = f.contract()
        assert keys <= set(data)
        assert set(data) - keys <= {"basis"}
        assert ("basis" in data) == (f.kind == "typo")


def located(text: str, findings: list[Finding]) -> list[tuple[str, str, str, int | None]]:
    """Each finding with the bytes its span covers, so moved findings can be compared."""
    return [
        (f.kind, f.found or "", text[f.span.start : f.span.end] if f.span else "", f.line)
        for f in findings
    ]


def test_a_recurring_section_is_reported_where_it_now_stands(context: CheckContext) -> None:
    """Differences are remembered per section; on a page where the section has moved
    (a longer lead) every span and line must follow it, not repeat the first page's."""
    seed = seed_text()
    first = findings_for(context, seed)
    moved_text = "An added line.\n\nAnd another paragraph.\n" + seed
    moved = findings_for(context, moved_text)
    assert len(moved) == len(first)
    spanned = [f for f in moved if f.span is not None]
    assert any(f.basis == "canonical" for f in spanned)
    for f in spanned:
        assert f.found is not None and f.found in moved_text[f.span.start : f.span.end]  # type: ignore[union-attr]
    expected = [
        (k, found, covered, line + 3 if line else line)
        for k, found, covered, line in located(seed, first)
    ]
    assert located(moved_text, moved) == expected
