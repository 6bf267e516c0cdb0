"""Edit plans: what one publish will write to one page, decided ahead and kept as a JSON file.

A plan records the revision it was made from (id, timestamp, sha1 of its text), the findings it
fixes in their contract form, the whole new text with its sha1, a unified diff for people and
the edit summary. Publishing compares the base with the live page before writing, so a plan
made from a page that has changed since writes nothing. A plan never holds credentials: only
the page, its text, and where the mapping and the wiki are.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import __version__
from .atomicfile import write_text_atomically
from .edit import apply_findings
from .errors import InputError
from .mapping import Conventions
from .model import Finding, OrgPage
from .yamlsource import read_text_file

__all__ = [
    "PLAN_VERSION",
    "SUMMARY_LIMIT",
    "EditPlan",
    "PlannablePage",
    "SkippedFix",
    "edit_summary",
    "load_plan",
    "make_plan",
    "plan_page",
    "save_plan",
    "text_sha1",
    "unified_diff",
]

PLAN_VERSION: Final = 1
"""Format of the plan file; a file of another format is refused rather than guessed at."""
SUMMARY_LIMIT = 500
"""MediaWiki cuts edit summaries at 500 characters; ours stay below it."""
MAX_PLAN_BYTES = 64 * 1024 * 1024

_LABELS = {
    "department": "Department",
    "team": "Team",
    "position": "Position",
    "access-role": "Access role",
}


def text_sha1(text: str) -> str:
    """Hex SHA-1 of the UTF-8 text: the same value MediaWiki reports as a revision's sha1."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


class SkippedFix(BaseModel):
    """A fixable finding the plan leaves alone, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    finding: dict[str, Any]
    reason: str


class EditPlan(BaseModel):
    """One planned edit of one page, complete enough to publish without re-reading anything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan_version: Literal[1] = PLAN_VERSION
    wikisync_version: str = __version__
    created: datetime
    mapping: str | None = None
    api_url: str | None = None
    title: str
    base_revid: int
    base_timestamp: str
    base_text_sha1: str = Field(pattern=r"^[0-9a-f]{40}$")
    new_text_sha1: str = Field(pattern=r"^[0-9a-f]{40}$")
    new_text: str
    summary: str = Field(max_length=SUMMARY_LIMIT)
    diff: str
    findings: list[dict[str, Any]]
    """The findings the edit fixes, in their JSON contract form."""
    skipped: list[SkippedFix] = Field(default_factory=list)

    @field_validator("api_url")
    @classmethod
    def _no_credentials(cls, url: str | None) -> str | None:
        if url is not None and (urlsplit(url).username or urlsplit(url).password):
            raise ValueError("an API URL in a plan must not carry a user name or password")
        return url

    @model_validator(mode="after")
    def _text_matches_sha1(self) -> EditPlan:
        if text_sha1(self.new_text) != self.new_text_sha1:
            raise ValueError("new_text does not match new_text_sha1 (was the plan edited?)")
        return self


class PlannablePage(Protocol):
    """What ``plan_page`` reads from a checked page (``pipeline.PageResult`` is one)."""

    @property
    def title(self) -> str: ...
    @property
    def revid(self) -> int: ...
    @property
    def timestamp(self) -> str: ...
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def page(self) -> OrgPage | None: ...


def unified_diff(old: str, new: str, title: str, revid: int = 0) -> str:
    """``old`` -> ``new`` as a unified diff whose headers name the page and base revision."""
    base = f"r{revid}" if revid else "base"
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"{title} ({base})",
        tofile=f"{title} (planned)",
    )
    out: list[str] = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _examples(items: list[str], limit: int) -> str:
    unique = list(dict.fromkeys(items))
    shown = ", ".join(unique[:limit])
    return f" ({shown}{', …' if len(unique) > limit else ''})" if shown else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _change(finding: Finding) -> str:
    found, expected = finding.found or "", finding.expected or ""
    if not found:
        return f"+{expected}"
    if not expected:
        return f"-{found}"
    return f"{found}→{expected}"


def _unit_label(finding: Finding) -> str:
    unit = finding.detail.get("unit")
    kind = finding.kind.removeprefix("missing-")
    name = finding.expected or ""
    if isinstance(unit, dict):
        qualifier = unit.get("qualifier")
        name = f"{unit.get('name', name)}, {qualifier}" if qualifier else unit.get("name", name)
    return f"{_LABELS.get(kind, kind)}: {name}"


def _parts(applied: Sequence[Finding], examples: bool) -> list[str]:
    typos = [f for f in applied if f.kind == "typo"]
    wording = [f for f in applied if f.kind == "wording"]
    renamed = [f for f in applied if f.kind.startswith("renamed-")]
    bullets = [f for f in applied if f.kind == "missing-bullet"]
    units = [f for f in applied if f.kind.startswith("missing-") and f.kind != "missing-bullet"]
    parts: list[str] = []
    if typos:
        shown = _examples([_change(f) for f in typos], 3) if examples else ""
        parts.append(f"fix {_plural(len(typos), 'typo')}{shown}")
    if wording:
        shown = _examples([_change(f) for f in wording], 2) if examples else ""
        parts.append(f"reword {_plural(len(wording), 'passage')}{shown}")
    if renamed:
        names = [f'"{f.found}"→"{f.expected}"' for f in renamed]
        shown = _examples(names, 2) if examples else ""
        parts.append(f"rename {_plural(len(renamed), 'heading')}{shown}")
    if bullets:
        parts.append(f"add {_plural(len(bullets), 'bullet')}")
    if units and examples:
        parts.extend(f"add {_unit_label(f)}" for f in units)
    elif units:
        parts.append(f"add {_plural(len(units), 'unit')}")
    other = len(applied) - len(typos) - len(wording) - len(renamed) - len(bullets) - len(units)
    if other:
        parts.append(f"fix {_plural(other, 'other finding')}")
    return parts


def edit_summary(applied: Sequence[Finding], prefix: str = "wikisync") -> str:
    """What the edit changes, in one line under MediaWiki's 500-character limit.

    Example: ``wikisync: fix 5 typos (cover→covers, …), add Position: X, Y; per canonical data``.
    """
    head = f"{prefix.strip()}: " if prefix.strip() else ""
    for examples in (True, False):
        text = f"{head}{', '.join(_parts(applied, examples))}; per canonical data"
        if len(text) < SUMMARY_LIMIT:
            return text
    return text[: SUMMARY_LIMIT - 2] + "…"


def make_plan(
    title: str,
    revid: int,
    timestamp: str,
    old_text: str,
    findings: Sequence[Finding],
    conventions: Conventions,
    summary_prefix: str = "wikisync",
    *,
    mapping: str | Path | None = None,
    api_url: str | None = None,
    created: datetime | None = None,
    page: OrgPage | None = None,
) -> EditPlan | None:
    """The edit that fixes the fixable ``findings`` of ``old_text``; None when nothing would.

    ``page`` is ``old_text`` already parsed, when the caller has it.
    """
    result = apply_findings(old_text, findings, conventions, page=page)
    if not result.applied or result.text == old_text:
        return None
    return EditPlan(
        created=created or datetime.now(UTC).replace(microsecond=0),
        mapping=str(mapping) if mapping is not None else None,
        api_url=api_url,
        title=title,
        base_revid=revid,
        base_timestamp=timestamp,
        base_text_sha1=text_sha1(old_text),
        new_text_sha1=text_sha1(result.text),
        new_text=result.text,
        summary=edit_summary(result.applied, summary_prefix),
        diff=unified_diff(old_text, result.text, title, revid),
        findings=[f.contract() for f in result.applied],
        skipped=[SkippedFix(finding=f.contract(), reason=why) for f, why in result.skipped],
    )


def plan_page(
    result: PlannablePage,
    conventions: Conventions,
    summary_prefix: str = "wikisync",
    *,
    mapping: str | Path | None = None,
    api_url: str | None = None,
) -> EditPlan | None:
    """``make_plan`` for a checked page; None when it could not be parsed or needs no edit."""
    if result.page is None:
        return None
    return make_plan(
        result.title,
        result.revid,
        result.timestamp,
        result.page.text,
        result.findings,
        conventions,
        summary_prefix,
        mapping=mapping,
        api_url=api_url,
        page=result.page,
    )


def save_plan(plan: EditPlan, path: Path) -> None:
    """Write the plan as JSON, atomically: a reader never sees half a plan."""
    data = plan.model_dump_json(indent=2) + "\n"
    try:
        write_text_atomically(path, data)
    except OSError as exc:
        raise InputError(f"cannot write plan: {exc.strerror or exc}", source=str(path)) from None


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    if first["type"] == "missing":
        return f"missing key {where!r}"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def load_plan(path: Path) -> EditPlan:
    """Read a plan file; anything but a plan of this format is an InputError naming the file."""
    source = str(path)
    raw = read_text_file(path, what="plan file", max_bytes=MAX_PLAN_BYTES)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"not a JSON plan: {exc.msg}", source=source, line=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("not a plan: expected a JSON object", source=source)
    version = data.get("plan_version")
    if type(version) is not int or version != PLAN_VERSION:
        raise InputError(
            f"plan format {version!r} is not supported (wikisync {__version__} reads format "
            f"{PLAN_VERSION}); make the plan again",
            source=source,
        )
    try:
        return EditPlan.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"bad plan: {_describe(exc)}", source=source) from None
