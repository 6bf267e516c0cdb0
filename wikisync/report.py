"""Renderers: the same results as a terminal report, JSON (the stable contract), or Markdown.

Renderers return strings (or write to a given stream) and never decide exit codes; the text
renderer groups findings by section so a long report reads top to bottom like the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import groupby
from typing import IO, Any

from rich.console import Console
from rich.text import Text

from .model import Finding
from .pipeline import CheckResult, PageResult

__all__ = ["FORMATS", "render", "render_json", "render_markdown", "render_text", "summary"]

FORMATS = ("text", "json", "markdown")

_STYLES = {"typo": "yellow", "wording": "magenta"}


def _style(kind: str) -> str:
    if kind.startswith("missing"):
        return "red"
    if kind.startswith(("extra", "misplaced")):
        return "cyan"
    if kind.startswith("renamed"):
        return "blue"
    return _STYLES.get(kind, "white")


def _section(finding: Finding) -> str:
    return " › ".join(finding.path) if finding.path else "(top of page)"


def summary(findings: Iterable[Finding]) -> str:
    """'6 findings: 5 typo, 1 wording' — counts by kind, most common first."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    total = sum(counts.values())
    if not total:
        return "in sync: no findings"
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = ", ".join(f"{n} {k}" for k, n in ranked)
    return f"{total} finding{'s' if total != 1 else ''}: {parts}"


def _page_header(page: PageResult) -> str:
    where = f"revision {page.revid}" if page.revid else page.source
    return f"{page.title} ({where})"


def render_text(result: CheckResult, stream: IO[str], *, color: bool | None = None) -> None:
    """A report for people, grouped by page and section, coloured on a terminal.

    The report is built as one text and written at once: printed line by line, a report
    of 500 pages took longer to write than to check.
    """
    console = Console(
        file=stream,
        force_terminal=color,
        no_color=color is False,
        highlight=False,
        soft_wrap=True,
        width=100,
    )
    report = Text()

    def line(text: str = "", style: str = "") -> None:
        report.append(text, style=style)
        report.append("\n")

    for page in result.pages:
        line(_page_header(page), "bold")
        if page.problem:
            line(f"  cannot check: {page.problem}", "red")
            continue
        fixable = sum(f.fixable for f in page.findings)
        headline = summary(page.findings)
        if fixable:
            headline += f" ({fixable} fixable by publish)"
        line(f"  {headline}")
        ordered = sorted(page.findings, key=lambda f: f.line or 0)
        for section, group in groupby(ordered, key=_section):
            line()
            line(f"  {section}", "bold underline")
            for f in group:
                report.append("    ")
                report.append(f"line {f.line or '?':>4}  ", style="dim")
                report.append(f"{f.kind:<20}", style=_style(f.kind))
                report.append(f.message)
                if f.basis:
                    report.append(f"  ({f.basis})", style="dim")
                if f.fixable:
                    report.append("  [fixable]", style="green")
                report.append("\n")
        line()
    total = result.findings
    if len(result.pages) > 1:
        line(f"{len(result.pages)} pages: {summary(total)}", "bold")
    if console.color_system is None:  # no colours: the plain text is the whole report
        report.expand_tabs(console.tab_size)  # as printing does
        stream.write(report.plain)
    else:
        console.print(report, end="")


def _page_json(page: PageResult) -> dict[str, Any]:
    return {
        "title": page.title,
        "source": page.source,
        "revid": page.revid or None,
        "timestamp": page.timestamp or None,
        "problem": page.problem,
        "findings": [f.contract() for f in page.findings],
    }


def render_json(result: CheckResult) -> str:
    """The stable machine-readable report (see README, "JSON report")."""
    findings = result.findings
    kinds: dict[str, int] = {}
    for f in findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    data = {
        "mapping": str(result.mapping),
        "pages": [_page_json(page) for page in result.pages],
        "summary": {
            "pages": len(result.pages),
            "findings": len(findings),
            "fixable": sum(f.fixable for f in findings),
            "by_kind": kinds,
            "problems": sum(1 for p in result.pages if p.problem),
        },
        "exit_code": result.exit_code,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _md(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(result: CheckResult) -> str:
    """A report to paste into an issue, a pull request or a CI summary."""
    out: list[str] = []
    for page in result.pages:
        out.append(f"## {_md(_page_header(page))}\n")
        if page.problem:
            out.append(f"**Cannot check:** {_md(page.problem)}\n")
            continue
        out.append(f"{summary(page.findings)}\n")
        if not page.findings:
            continue
        out.append("| line | kind | section | message | fixable |")
        out.append("| ---: | --- | --- | --- | :---: |")
        for f in sorted(page.findings, key=lambda f: f.line or 0):
            out.append(
                f"| {f.line or ''} | `{f.kind}` | {_md(_section(f))} | {_md(f.message)} "
                f"| {'yes' if f.fixable else ''} |"
            )
        out.append("")
    return "\n".join(out) + "\n"


def render(result: CheckResult, fmt: str, stream: IO[str], *, color: bool | None = None) -> None:
    if fmt == "json":
        stream.write(render_json(result))
    elif fmt == "markdown":
        stream.write(render_markdown(result))
    else:
        render_text(result, stream, color=color)
