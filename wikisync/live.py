"""Checks and imports against a live wiki: open a session, pick pages, read them in batches.

The reading is the only live part; parsing and comparing are the same code the offline check
runs. Page-level problems (missing, redirect, not wikitext) are reported per page.
"""

from __future__ import annotations

import gc
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from .canonical import canonical_from_page, dump_canonical
from .errors import InputError, PageError
from .mapping import Conventions, Mapping
from .model import CanonicalOrg, Revision
from .parse import parse_page
from .pipeline import CheckContext, CheckResult, PageResult
from .redaction import register_secret
from .wiki import FetchResult, WikiGateway, WikiSession, credentials_from_env_or_file

__all__ = [
    "check_live",
    "default_contact",
    "import_page",
    "open_session",
    "resolve_titles",
    "session_for",
    "write_canonical",
]


def open_session(
    api_url: str,
    *,
    contact: str,
    credentials_file: Path | None = None,
    allow_insecure_http: bool = False,
) -> WikiSession:
    """Connect, and log in when credentials are given (anonymous reads otherwise)."""
    credentials = credentials_from_env_or_file(credentials_file)
    if credentials is not None:
        register_secret(credentials[1])
    session = WikiSession.connect(api_url, contact=contact, allow_insecure_http=allow_insecure_http)
    if credentials is not None:
        session.login(*credentials)
    return session


def session_for(
    mapping: Mapping, *, api_url: str | None = None, allow_insecure_http: bool = False
) -> WikiSession:
    credentials_file = mapping.wiki.credentials_file
    return open_session(
        api_url or mapping.wiki.api_url,
        contact=mapping.wiki.contact,
        credentials_file=mapping.resolve(credentials_file) if credentials_file else None,
        allow_insecure_http=allow_insecure_http,
    )


def resolve_titles(mapping: Mapping, gateway: WikiGateway) -> list[str]:
    """The mapping's pages: listed titles, then a prefix's and a category's, without repeats."""
    titles = list(mapping.pages.titles)
    if mapping.pages.prefix:
        titles += gateway.list_titles(prefix=mapping.pages.prefix)
    if mapping.pages.category:
        titles += gateway.list_titles(category=mapping.pages.category)
    return list(dict.fromkeys(titles))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while checking pages, and spare it their leftovers.

    A check allocates many small objects and no reference cycles (a test holds it to
    that), yet the collector walks every tracked object, including the cached parses: a
    third of a check's time while it ran, and, once re-enabled, one long walk over all a
    check of many pages made. So after a check the process's objects are frozen
    (``gc.freeze``): they still go when their last reference does, the collector just
    stops walking them. Cycles made before the check are frozen too and kept; a
    long-running caller that checks again and again can hand everything back with
    ``gc.unfreeze()`` while idle. After an error nothing is frozen: a traceback is a cycle.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def reader_kept_responsive(interval: float = 0.0005) -> Iterator[None]:
    """Let the reader thread take the interpreter lock within ``interval`` seconds.

    Reading a batch takes dozens of socket reads, each of which gives up the lock and must
    get it back from the checking thread; by default that thread keeps it for up to 5 ms
    each time, so the reader fell behind and the check waited for pages. The interval is
    process-wide and restored afterwards.
    """
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, interval))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Callable[[], None]]:
    """A ``tick`` to call once per page: a bar on stderr when asked, nothing otherwise."""
    if not enabled or total < 2:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("checking pages", total=total)
        yield lambda: bar.advance(task)


FIRST_BATCH = 5
"""Titles in the first read of a multi-batch check: enough to start checking at once."""


def fetch_ahead(gateway: WikiGateway, titles: Sequence[str]) -> Iterator[FetchResult]:
    """Batches of revisions, the next one read while the caller checks the current one.

    One reader thread sends the requests, one at a time, so the wiki still sees serial
    requests; checking (CPU) overlaps with waiting for the wiki (I/O). The first batch is
    small, so checking starts after a short request rather than a full one. Errors reach
    the caller in order; leaving early stops the reader after its current request.
    """
    size = max(1, gateway.batch_size)
    first = min(size, FIRST_BATCH) if len(titles) > size else size
    chunks = [titles[:first]]
    chunks += [titles[i : i + size] for i in range(first, len(titles), size)]
    if len(chunks) <= 1:
        yield gateway.fetch_revisions(list(titles))
        return
    ready: queue.Queue[FetchResult | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                ready.put(gateway.fetch_revisions(chunk))
            ready.put(None)
        except BaseException as exc:  # handed to the caller's thread and raised there
            ready.put(exc)

    reader = threading.Thread(target=read, name="wikisync-reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # drain so a reader blocked on put() can finish
            with suppress(queue.Empty):
                ready.get(timeout=0.1)


def check_live(
    context: CheckContext,
    *,
    api_url: str | None = None,
    allow_insecure_http: bool = False,
    progress: bool = False,
    gateway: WikiGateway | None = None,
) -> CheckResult:
    """Read the mapping's pages from the wiki in batches and check each one."""
    mapping = context.mapping
    if gateway is None:
        gateway = session_for(mapping, api_url=api_url, allow_insecure_http=allow_insecure_http)
    titles = resolve_titles(mapping, gateway)
    result = CheckResult(mapping=mapping.path)
    if not titles:
        return result
    problems: list[PageResult] = []

    def revisions() -> Iterator[Revision]:
        for fetched in fetch_ahead(gateway, titles):
            for problem in fetched.problems:
                reason = f"{problem.reason}: {problem.detail}"
                problems.append(PageResult(title=problem.title, source="wiki", problem=reason))
            yield from fetched.revisions

    with (
        _progress(progress, len(titles)) as tick,
        collector_paused(),
        reader_kept_responsive(),
    ):
        for revision in revisions():
            result.pages.append(context.check(revision))
            tick()
    result.pages.extend(problems)
    order = {title: i for i, title in enumerate(titles)}
    result.pages.sort(key=lambda page: order.get(page.title, len(order)))
    return result


def default_contact() -> str:
    """Who to contact about an import's requests, when no mapping names anyone."""
    contact = os.environ.get("WIKISYNC_CONTACT", "").strip()
    if contact:
        return contact
    user = os.environ.get("WIKISYNC_USERNAME", "").split("@", 1)[0].strip()
    return f"User:{user}" if user else "operator unknown; set WIKISYNC_CONTACT"


def import_page(
    gateway: WikiGateway, title: str, *, conventions: Conventions | None = None
) -> CanonicalOrg:
    """Canonical data as a live page states it (the first step of adopting a page)."""
    fetched = gateway.fetch_revisions([title])
    if fetched.problems:
        problem = fetched.problems[0]
        raise PageError(f"cannot import: {problem.reason}: {problem.detail}", page=title)
    if not fetched.revisions:
        raise PageError("cannot import: the wiki returned no revision", page=title)
    revision = fetched.revisions[0]
    page = parse_page(revision.text, title=revision.title, conventions=conventions)
    org = canonical_from_page(page, source=f"{revision.title} (revision {revision.revid})")
    if not org.units:
        raise InputError(
            "no departments, teams, positions or access roles found; check the heading conventions",
            source=title,
        )
    return org


def write_canonical(org: CanonicalOrg, output: Path, *, force: bool = False) -> None:
    if output.exists() and not force:
        raise InputError("output file exists; pass --force to replace it", source=str(output))
    try:
        output.write_text(dump_canonical(org), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", source=str(output)) from None
