"""Where a scheduled job's report goes: a file, standard output, a page on the wiki.

The report describes the pages as they stand (no times, no per-run counts), so it changes only
when a page or its findings change. A file or wiki page is written only then: a report page
does not gain a revision every half hour. The wiki page is wikitext rendered here; files and
standard output use :mod:`wikisync.report`'s renderers.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import IO

from .atomicfile import write_text_atomically
from .errors import InputError, WikiError
from .jobsfile import JobsFile, JobSpec
from .pipeline import CheckResult, PageResult
from .report import render, summary
from .store import Store, clean_url
from .wiki import WikiSession

__all__ = ["deliver_report", "render_wikitext", "report_page_title", "write_report_page"]

log = logging.getLogger(__name__)

_WIKI_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "[": "&#91;",
        "]": "&#93;",
        "{": "&#123;",
        "}": "&#125;",
        "|": "&#124;",
        "'": "&#39;",
        "~": "&#126;",
        "_": "&#95;",
        "=": "&#61;",
        "\n": " ",
    }
)


def _wiki(text: str | None) -> str:
    """Text shown literally in a table cell: no links, templates, signatures or magic words."""
    return (text or "").translate(_WIKI_ESCAPES)


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _page_section(page: PageResult) -> list[str]:
    out = [f"== [[:{page.title}]] =="]
    if page.problem:
        out.append(f"'''Cannot check:''' {_wiki(page.problem)}")
        return out
    where = f"Revision [[Special:PermanentLink/{page.revid}|{page.revid}]]: " if page.revid else ""
    fixable = sum(f.fixable for f in page.findings)
    more = f" ({fixable} fixable)" if fixable else ""
    out.append(f"{where}{_wiki(summary(page.findings))}{more}.")
    if not page.findings:
        return out
    out += [
        '{| class="wikitable sortable"',
        "! Line !! Kind !! Section !! Message !! Fixable",
    ]
    for f in sorted(page.findings, key=lambda f: f.line or 0):
        section = " › ".join(f.path) if f.path else "(top of page)"
        cells = [str(f.line or ""), f.kind, section, f.message, "yes" if f.fixable else ""]
        out += ["|-", "| " + " || ".join(_wiki(cell) for cell in cells)]
    out.append("|}")
    return out


def render_wikitext(result: CheckResult, job: str) -> str:
    """The report as a wiki page: a section per page, a table of findings in each."""
    lines = [
        f"<!-- Written by wikisync (job {_wiki(job)}); replaced whenever the report changes. -->",
        f"Report of the wikisync job ''{_wiki(job)}'': {_wiki(summary(result.findings))}.",
        "",
    ]
    for page in result.pages:
        lines += [*_page_section(page), ""]
    return "\n".join(lines).rstrip() + "\n"


def _account(session: WikiSession) -> str:
    return (session.username or "").partition("@")[0]


def report_page_title(template: str, session: WikiSession) -> str:
    """The report page's title, with ``{user}`` replaced by the bot's account name."""
    if "{user}" in template and not session.logged_in:
        raise InputError(f"the report page {template!r} names {{user}}, but no one is logged in")
    return template.replace("{user}", _account(session))


def write_report_page(session: WikiSession, title: str, text: str, summary_text: str) -> int:
    """Save the report page (creating it if needed); the new revision id (0: no change)."""
    if not session.logged_in:
        raise InputError("writing a report page needs a login (WIKISYNC_USERNAME/PASSWORD)")
    tokens = session.api("query", "GET", meta="tokens", type="csrf")
    token = tokens.get("query", {}).get("tokens", {}).get("csrftoken")
    if not isinstance(token, str) or token == "+\\":
        raise WikiError("The wiki gave no edit token to this login.", code="notoken", page=title)
    fields = {
        "title": title,
        "text": text,
        "summary": summary_text,
        "token": token,
        "minor": "1",
        "watchlist": "nochange",
    }
    if session.is_bot:
        fields["bot"] = "1"
    answer = session.api("edit", **fields)
    edit = answer.get("edit", {})
    if edit.get("result") != "Success":
        said = ", ".join(sorted(k for k in edit if k != "result")) or "no details"
        raise WikiError(f"The wiki refused the report page ({said}).", page=title)
    return int(edit.get("newrevid") or 0)


def _write_file(path: Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it; whether it was written."""
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, text)
    except (OSError, UnicodeDecodeError) as exc:
        message = f"cannot write the report: {getattr(exc, 'strerror', None) or exc}"
        raise InputError(message, source=str(path)) from None
    return True


def _render(result: CheckResult, fmt: str) -> str:
    buffer = io.StringIO()
    render(result, fmt, buffer, color=False)
    return buffer.getvalue()


def deliver_report(
    jobs: JobsFile,
    job: JobSpec,
    result: CheckResult,
    *,
    session: WikiSession | None,
    api_url: str,
    store: Store,
    stdout: IO[str],
) -> list[str]:
    """Send the report to the job's targets; the targets actually written."""
    spec = job.report
    written: list[str] = []
    fmt = spec.output_format()
    if spec.file is not None or spec.stdout:
        text = _render(result, fmt)
        if spec.stdout:
            stdout.write(text)
            stdout.flush()
            written.append("stdout")
        if spec.file is not None:
            path = jobs.resolve(spec.file)
            if _write_file(path, text):
                written.append(str(path))
    if spec.wiki_page is not None:
        if session is None:
            raise InputError("no wiki session to write the report page with")
        title = report_page_title(spec.wiki_page, session)
        text = render_wikitext(result, job.name)
        target = f"wiki:{clean_url(api_url)}:{title}"
        if store.report_sha1(target) != _sha1(text):
            revid = write_report_page(
                session, title, text, f"wikisync: report of job {job.name} updated"
            )
            store.set_report(target, _sha1(text), revid or None)
            written.append(title)
    return written
