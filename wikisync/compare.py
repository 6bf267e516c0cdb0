"""Compare a parsed page with canonical data: structure first, then text, then spelling.

Pure: takes models, returns findings, prints nothing. Units are matched by kind and name,
case-insensitively and then fuzzily, so a misspelt heading is one ``renamed-*`` finding rather
than a missing unit plus an extra one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from .mapping import Conventions
from .model import (
    Bullet,
    CanonicalOrg,
    CanonicalUnit,
    Finding,
    OrgPage,
    Span,
    TextBlock,
    Unit,
    UnitKind,
)
from .textdiff import TextDifference, diff_words, similarity
from .words import edit_distance, fold, tokenize

__all__ = ["CompareOptions", "SpellChecker", "compare", "heading_text", "vocabulary_of"]

STRUCTURAL = frozenset(
    {UnitKind.DEPARTMENT, UnitKind.TEAM, UnitKind.POSITION, UnitKind.ACCESS_ROLE}
)
_TITLES = {
    "department": "Department",
    "team": "Team",
    "position": "Position",
    "access-role": "Access role",
}


class _Slip(Protocol):
    @property
    def word(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def suggestions(self) -> tuple[str, ...]: ...
    @property
    def fixable(self) -> bool: ...
    @property
    def real_word(self) -> bool: ...


class SpellChecker(Protocol):
    """What compare needs of a spelling checker (``wikisync.spelling.Speller`` is one)."""

    def check(
        self, text: str, page_words: Mapping[str, int] | Sequence[Mapping[str, int]] | None = None
    ) -> Sequence[_Slip]: ...


@dataclass(frozen=True)
class CompareOptions:
    fix_kinds: frozenset[str] = frozenset()
    """Finding kinds the mapping lets an edit repair; only those are marked fixable."""
    autofix_dictionary: bool = False
    conventions: Conventions = field(default_factory=Conventions)


def _norm(name: str) -> str:
    return " ".join(name.split())


def _key(name: str) -> str:
    return " ".join(fold(name).split())


def _name_similarity(a: str, b: str) -> float:
    a, b = _key(a), _key(b)
    if a == b:
        return 1.0
    longest = max(len(a), len(b))
    return 1.0 - edit_distance(a, b) / longest if longest else 1.0


def heading_text(kind: str, full_name: str, conventions: Conventions) -> str:
    """The heading a unit of ``kind`` gets under the mapping's conventions."""
    for rule in conventions.rules:
        if rule.kind == kind and rule.prefix is not None:
            return f"{rule.prefix.strip()} {full_name}"
    return full_name


@dataclass
class _PageEntry:
    unit: Unit
    path: list[str]
    parent: Unit | None  # nearest structural ancestor


@dataclass
class _CanonEntry:
    unit: CanonicalUnit
    parent: CanonicalUnit | None
    siblings: list[CanonicalUnit]


# The walks below are plain recursive functions, not closures: a nested function that calls
# itself is a reference cycle, which only the cycle collector frees, once per page.
def _page_entries(page: OrgPage) -> list[_PageEntry]:
    out: list[_PageEntry] = []
    _visit_page(page.root, [], None, out)
    return out


def _visit_page(unit: Unit, path: list[str], parent: Unit | None, out: list[_PageEntry]) -> None:
    for child in unit.children:
        child_path = [*path, child.title]
        if child.kind in STRUCTURAL:
            out.append(_PageEntry(child, child_path, parent))
            _visit_page(child, child_path, child, out)
        else:
            _visit_page(child, child_path, parent, out)


def _canon_entries(org: CanonicalOrg) -> list[_CanonEntry]:
    out: list[_CanonEntry] = []
    _visit_canon(org.units, None, out)
    return out


def _visit_canon(
    units: list[CanonicalUnit], parent: CanonicalUnit | None, out: list[_CanonEntry]
) -> None:
    for unit in units:
        out.append(_CanonEntry(unit, parent, units))
        _visit_canon(unit.children, unit, out)


def _unit_paths(unit: Unit, path: list[str], out: dict[int, list[str]]) -> None:
    """The heading path of every unit below ``unit``, by the unit's id."""
    for child in unit.children:
        child_path = [*path, child.title]
        out.setdefault(id(child), child_path)
        _unit_paths(child, child_path, out)


def _match(page: list[_PageEntry], canon: list[_CanonEntry]) -> dict[int, int]:
    """canonical index -> page index; exact (case-insensitive) first, then near names."""
    matched: dict[int, int] = {}
    used: set[int] = set()
    page_keys = [(p.unit.kind.value, _key(p.unit.full_name)) for p in page]
    for ci, c in enumerate(canon):
        wanted = (c.unit.kind, _key(c.unit.full_name))
        for pi, key in enumerate(page_keys):
            if pi not in used and key == wanted:
                matched[ci] = pi
                used.add(pi)
                break
    scored: list[tuple[float, int, int]] = []
    for ci, c in enumerate(canon):
        if ci in matched:
            continue
        for pi, p in enumerate(page):
            if pi in used or p.unit.kind.value != c.unit.kind:
                continue
            name_score = _name_similarity(p.unit.name, c.unit.name)
            qual_score = _name_similarity(p.unit.qualifier or "", c.unit.qualifier or "")
            score = min(name_score, qual_score)
            if score >= 0.75:
                scored.append((score, ci, pi))
    for _score, ci, pi in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if ci not in matched and pi not in used:
            matched[ci] = pi
            used.add(pi)
    return matched


class _Comparison:
    def __init__(
        self,
        page: OrgPage,
        org: CanonicalOrg,
        speller: SpellChecker | None,
        options: CompareOptions,
    ) -> None:
        self.page = page
        self.org = org
        self.speller = speller
        self.options = options
        self.findings: list[Finding] = []
        self.page_entries = _page_entries(page)
        self.canon_entries = _canon_entries(org)
        self.matched = _match(self.page_entries, self.canon_entries)
        self.page_of: dict[int, _PageEntry] = {
            id(self.canon_entries[ci].unit): self.page_entries[pi]
            for ci, pi in self.matched.items()
        }
        # the page's word counts, section by section (sections recur across pages)
        self.word_counts = [unit.words for unit in page.root.walk() if unit.words]

    def add(
        self,
        kind: str,
        path: list[str],
        message: str,
        *,
        found: str | None = None,
        expected: str | None = None,
        suggestion: str | None = None,
        line: int | None = None,
        span: Span | None = None,
        basis: Literal["canonical", "dictionary"] | None = None,
        capable: bool = False,
        detail: dict[str, object] | None = None,
    ) -> None:
        allowed = kind in self.options.fix_kinds
        if basis == "dictionary":
            allowed = self.options.autofix_dictionary
        self.findings.append(
            Finding(
                kind=kind,
                path=path,
                message=message,
                found=found,
                expected=expected,
                suggestion=suggestion,
                line=line,
                fixable=capable and allowed,
                basis=basis,
                span=span,
                detail=detail or {},
            )
        )

    def run(self) -> list[Finding]:
        self.structure()
        covered: set[int] = set()
        for ci, pi in self.matched.items():
            c, p = self.canon_entries[ci].unit, self.page_entries[pi]
            if c.prose is not None:
                self.text(p, [b for b in p.unit.prose], " ".join(c.prose))
                covered.update(id(b) for b in p.unit.prose)
            if c.bullets is not None:
                self.bullets(p, c.bullets)
                covered.update(id(b) for b in p.unit.bullets)
        if self.speller is not None:
            self.spelling(covered)
        self.findings.sort(key=lambda f: (f.line or 0, f.kind))
        return self.findings

    # -- structure --------------------------------------------------------------------
    def structure(self) -> None:
        conventions = self.options.conventions
        matched_pages = set(self.matched.values())
        missing_reported: set[int] = set()
        for ci, c in enumerate(self.canon_entries):
            unit = c.unit
            label = _TITLES[unit.kind]
            if ci not in self.matched:
                if c.parent is not None and id(c.parent) in missing_reported:
                    missing_reported.add(id(unit))
                    continue
                missing_reported.add(id(unit))
                self.missing(c, label)
                continue
            p = self.page_entries[self.matched[ci]]
            if _norm(p.unit.full_name) != _norm(unit.full_name):
                self.add(
                    f"renamed-{unit.kind}",
                    p.path,
                    f'{label} heading "{p.unit.full_name}" should read "{unit.full_name}"',
                    found=p.unit.full_name,
                    expected=unit.full_name,
                    suggestion=unit.full_name,
                    line=p.unit.line,
                    span=p.unit.name_span,
                    capable=p.unit.name_span is not None,
                    detail={"replacement": unit.full_name},
                )
            expected_parent = self.page_of.get(id(c.parent)) if c.parent is not None else None
            if c.parent is not None and (
                p.parent is None
                or (expected_parent is not None and p.parent is not expected_parent.unit)
            ):
                want = heading_text(c.parent.kind, c.parent.full_name, conventions)
                self.add(
                    f"misplaced-{unit.kind}",
                    p.path,
                    f'{label} "{p.unit.full_name}" belongs under "{want}"',
                    found=p.parent.title if p.parent is not None else None,
                    expected=want,
                    line=p.unit.line,
                )
            elif c.parent is None and p.parent is not None:
                self.add(
                    f"misplaced-{unit.kind}",
                    p.path,
                    f'{label} "{p.unit.full_name}" should not be under "{p.parent.title}"',
                    found=p.parent.title,
                    line=p.unit.line,
                )
        for pi, p in enumerate(self.page_entries):
            if pi in matched_pages:
                continue
            kind = p.unit.kind.value
            self.add(
                f"extra-{kind}",
                p.path,
                f'{_TITLES[kind]} "{p.unit.full_name}" is not in the canonical data',
                found=p.unit.full_name,
                line=p.unit.line,
            )

    def missing(self, c: _CanonEntry, label: str) -> None:
        unit = c.unit
        conventions = self.options.conventions
        parent_page = self.page_of.get(id(c.parent)) if c.parent is not None else None
        if c.parent is not None and parent_page is None:
            return
        parent_unit = parent_page.unit if parent_page is not None else self.page.root
        heading = heading_text(unit.kind, unit.full_name, conventions)
        placed = [self.page_of[id(s)] for s in c.siblings if id(s) in self.page_of]
        base = placed[0].path[:-1] if placed else (parent_page.path if parent_page else [])
        path = [*base, heading]
        place = self._insertion_point(c, parent_unit)
        insert_at, level = place if place is not None else (len(self.page.text), 0)
        sub = len(unit.walk()) - 1
        extra = f" (with {sub} unit{'s' if sub != 1 else ''} under it)" if sub else ""
        where = f' under "{parent_unit.title}"' if parent_page is not None else ""
        self.add(
            f"missing-{unit.kind}",
            path,
            f'{label} "{unit.full_name}" is missing{where}{extra}',
            expected=unit.full_name,
            line=self._line_at(insert_at),
            capable=place is not None
            and (unit.prose is not None or unit.bullets is not None or not unit.children),
            span=Span(start=insert_at, end=insert_at),
            detail={"unit": unit.model_dump(), "level": level},
        )

    def _holder_section(self, kind: str) -> str | None:
        """The heading a kind's units must sit under, if the conventions say so."""
        for rule in self.options.conventions.rules:
            if rule.kind == kind and rule.children_of is not None:
                return rule.children_of
        return None

    def _find_section(self, title: str) -> Unit | None:
        wanted = _key(title)
        return next((u for u in self.page.units() if _key(u.title) == wanted), None)

    def _insertion_point(self, c: _CanonEntry, parent: Unit) -> tuple[int, int] | None:
        """Where the canonical order puts a missing unit, and its heading level.

        ``None`` when the page has no place for it (its holding section is missing).
        """
        siblings = c.siblings
        holder = self._holder_section(c.unit.kind)
        if holder is not None:  # e.g. access roles live under "Additional Access Roles"
            siblings = [s for s in siblings if s.kind == c.unit.kind]
        index = next(i for i, s in enumerate(siblings) if s is c.unit)
        sibling_levels = [self.page_of[id(s)].unit.level for s in siblings if id(s) in self.page_of]
        level = sibling_levels[0] if sibling_levels else parent.level + 1
        if parent.kind == UnitKind.PAGE and not sibling_levels:
            level = 2
        for before in reversed(siblings[:index]):
            entry = self.page_of.get(id(before))
            if entry is not None and entry.unit.span is not None:
                return entry.unit.span.end, level
        for after in siblings[index + 1 :]:
            entry = self.page_of.get(id(after))
            if entry is not None and entry.unit.heading_span is not None:
                return entry.unit.heading_span.start, level
        if holder is not None:
            section = self._find_section(holder)
            if section is None or section.span is None:
                return None
            return section.span.end, section.level + 1
        if parent.kind == UnitKind.PAGE:
            return len(self.page.text), level
        assert parent.span is not None
        return parent.span.end, level

    def _line_at(self, offset: int) -> int:
        return self.page.text.count("\n", 0, offset) + 1

    # -- text -------------------------------------------------------------------------
    def text(self, entry: _PageEntry, blocks: list[TextBlock], expected: str) -> None:
        for diff in diff_words(blocks, expected, self.page.text):
            self.difference(entry.path, diff, entry.unit.line)

    def difference(self, path: list[str], diff: TextDifference, fallback_line: int) -> None:
        if diff.kind == "typo":
            message = f'"{diff.found}" should be "{diff.expected}" as in the canonical text'
        elif not diff.found:
            message = f'words missing from the canonical text: "{diff.context}"'
        elif not diff.expected:
            message = f'words not in the canonical text: "{diff.context}"'
        else:
            message = f'wording differs from the canonical text: "{diff.context}"'
        self.add(
            diff.kind,
            path,
            message,
            found=diff.found,
            expected=diff.expected,
            suggestion=diff.expected,
            line=diff.line or fallback_line,
            span=diff.span,
            basis="canonical" if diff.kind == "typo" else None,
            capable=diff.span is not None,
            detail={"replacement": diff.replacement},
        )

    def bullets(self, entry: _PageEntry, expected: list[str]) -> None:
        found = entry.unit.bullets
        pairs = _align(found, expected)
        paired_found = {fi for fi, _ in pairs}
        paired_expected = {ei for _, ei in pairs}
        for fi, ei in pairs:
            for diff in diff_words([found[fi]], expected[ei], self.page.text):
                self.difference(entry.path, diff, found[fi].line)
        for fi, bullet in enumerate(found):
            if fi not in paired_found:
                self.add(
                    "extra-bullet",
                    entry.path,
                    f'bullet not in the canonical list: "{bullet.text}"',
                    found=bullet.text,
                    line=bullet.line,
                )
        for ei, text in enumerate(expected):
            if ei in paired_expected:
                continue
            anchor, marker = self._bullet_anchor(entry.unit, found, pairs, ei)
            self.add(
                "missing-bullet",
                entry.path,
                f'missing bullet: "{text}"',
                expected=text,
                line=self._line_at(anchor),
                span=Span(start=anchor, end=anchor),
                capable=True,
                detail={"replacement": f"{marker} {text}\n"},
            )

    def _bullet_anchor(
        self, unit: Unit, found: list[Bullet], pairs: list[tuple[int, int]], ei: int
    ) -> tuple[int, str]:
        """Insert a missing bullet after the bullet before it in canonical order."""
        marker = found[0].marker if found else "*"
        before = [fi for fi, e in pairs if e < ei]
        after = [fi for fi, e in pairs if e > ei]
        if before:
            end = found[max(before)].span.end
            nl = self.page.text.find("\n", end)
            return (len(self.page.text) if nl < 0 else nl + 1), marker
        if after:
            start = found[min(after)].span.start
            return self.page.text.rfind("\n", 0, start) + 1, marker
        assert unit.body_span is not None
        body_end = unit.body_span.end
        return body_end, marker

    # -- spelling ---------------------------------------------------------------------
    def spelling(self, covered: set[int]) -> None:
        assert self.speller is not None
        paths = {id(e.unit): e.path for e in self.page_entries}
        _unit_paths(self.page.root, [], paths)
        # one call for the whole page: the checker prepares the page's words only once
        texts: list[str] = []
        starts: list[int] = []
        owners: list[tuple[list[str], TextBlock]] = []
        at = 0
        for unit in self.page.root.walk():
            for block in [*unit.prose, *unit.bullets]:
                if id(block) in covered:
                    continue
                texts.append(block.text)
                starts.append(at)
                owners.append((paths.get(id(unit), []), block))
                at += len(block.text) + 2
        for slip in self.speller.check("\n\n".join(texts), self.word_counts):
            index = bisect.bisect_right(starts, slip.start) - 1
            path, block = owners[index]
            self.slip(path, block, slip, slip.start - starts[index])

    def slip(self, path: list[str], block: TextBlock, slip: _Slip, start: int) -> None:
        offsets = block.offsets_between(start, start + slip.end - slip.start)
        span = None
        if offsets and min(offsets) >= 0 and offsets[-1] - offsets[0] == len(offsets) - 1:
            span = Span(start=offsets[0], end=offsets[-1] + 1)
        suggestion = slip.suggestions[0] if slip.suggestions else None
        line = self._line_at(offsets[0]) if offsets and offsets[0] >= 0 else block.line
        hint = f'; did you mean "{suggestion}"?' if suggestion else ""
        self.add(
            "typo",
            path,
            f'"{slip.word}" looks like a typo{hint}',
            found=slip.word,
            suggestion=suggestion,
            line=line,
            span=span,
            basis="dictionary",
            capable=span is not None and suggestion is not None and slip.fixable,
            detail={"replacement": suggestion or "", "real_word": slip.real_word},
        )


def _align(found: list[Bullet], expected: list[str]) -> list[tuple[int, int]]:
    """Pair page bullets with canonical ones in order, by word similarity (LCS-style)."""
    n, m = len(found), len(expected)
    score = [[similarity(found[i].text, expected[j]) for j in range(m)] for i in range(n)]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = best[i + 1][j + 1] + score[i][j] if score[i][j] >= 0.5 else -1.0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if score[i][j] >= 0.5 and best[i][j] == best[i + 1][j + 1] + score[i][j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def vocabulary_of(org: CanonicalOrg, extra: Iterable[str] = ()) -> set[str]:
    """Words the canonical data uses: never typos on a page checked against it."""
    words = set(extra)
    for unit in org.walk():
        for text in [unit.name, unit.qualifier or "", *(unit.prose or []), *(unit.bullets or [])]:
            words.update(t.text for t in tokenize(text))
    return words


def compare(
    page: OrgPage,
    org: CanonicalOrg,
    *,
    speller: SpellChecker | None = None,
    options: CompareOptions | None = None,
) -> list[Finding]:
    """Everything wrong with ``page`` measured against ``org``, ordered by line."""
    return _Comparison(page, org, speller, options or CompareOptions()).run()
