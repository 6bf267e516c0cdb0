"""Three-way safety: what a person changed since wikisync's last edit is reported, not undone.

The base is the revision wikisync last wrote; the current revision has a person's edits on
top. Both are parsed, and a unit (found by its path of headings) whose own text - its heading
and the body up to its first sub-heading - differs between the two was touched by the person.
Findings in touched units stay in the report, with a note, but are no longer fixable; the
rest of the page may still be fixed. A touched unit stays protected while it still differs
from the canonical data, even after wikisync has since edited other parts of the page.
Pure: parsed pages in, findings out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .model import Finding, OrgPage, Unit

__all__ = [
    "HUMAN_EDIT_NOTE",
    "UnitPath",
    "protect_all",
    "protect_touched",
    "touched_units",
    "unit_texts",
]

HUMAN_EDIT_NOTE = "edited by a person since wikisync's last edit"
UnitPath = tuple[str, ...]
_UNIT_KINDS = frozenset(
    {"missing-department", "missing-team", "missing-position", "missing-access-role"}
)


def _own_text(page: OrgPage, unit: Unit) -> str:
    """The unit's heading and body, without its sub-units (those are units of their own)."""
    start = unit.heading_span.start if unit.heading_span is not None else 0
    end = unit.body_span.end if unit.body_span is not None else start
    return page.text[start:end].strip()


def unit_texts(page: OrgPage) -> dict[UnitPath, list[str]]:
    """Each path of headings (``()`` is the lead) with the own text of the units there.

    A list, because a page may repeat a heading; the n-th occurrence pairs with the n-th.
    """
    texts: dict[UnitPath, list[str]] = {}

    def visit(unit: Unit, path: UnitPath) -> None:
        texts.setdefault(path, []).append(_own_text(page, unit))
        for child in unit.children:
            visit(child, (*path, child.title))

    visit(page.root, ())
    return texts


def touched_units(base: OrgPage, current: OrgPage) -> set[UnitPath]:
    """Paths whose units were changed, added or removed between ``base`` and ``current``."""
    before, after = unit_texts(base), unit_texts(current)
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def _noted(finding: Finding) -> Finding:
    if HUMAN_EDIT_NOTE in finding.message:
        return finding.model_copy(update={"fixable": False})
    message = f"{finding.message} ({HUMAN_EDIT_NOTE}; left alone)"
    return finding.model_copy(update={"fixable": False, "message": message})


def _touched_by(finding: Finding, touched: set[UnitPath]) -> UnitPath | None:
    """The touched unit that makes ``finding`` off limits, if any."""
    path = tuple(finding.path)
    if path in touched:
        return path
    # A missing unit would be inserted into its parent's text: that must be untouched too.
    if finding.kind in _UNIT_KINDS and len(path) > 1 and path[:-1] in touched:
        return path[:-1]
    return None


def protect_touched(
    findings: Sequence[Finding], touched: Iterable[UnitPath]
) -> tuple[list[Finding], set[UnitPath]]:
    """``findings`` with those in touched units noted and made unfixable.

    Also returns the touched units that still have findings: the ones to keep protecting.
    """
    paths = set(touched)
    out: list[Finding] = []
    used: set[UnitPath] = set()
    for finding in findings:
        by = _touched_by(finding, paths)
        if by is None:
            out.append(finding)
        else:
            used.add(by)
            out.append(_noted(finding))
    return out, used


def protect_all(findings: Sequence[Finding]) -> list[Finding]:
    """Every finding noted and unfixable: used when the base text cannot be read."""
    return [_noted(f) for f in findings]
