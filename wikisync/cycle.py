"""One run of one scheduled job: the pipeline, remembering each page between runs.

A run first asks the wiki only for the pages' latest revision ids (``prop=info``, batched).
A page whose revision and canonical fingerprint are what the store last saw is neither read
nor compared again: its last result is reported from the store. The other pages are read in
batches, checked, guarded against undoing a person's edits (:mod:`wikisync.threeway`) and,
in publish mode, fixed one page at a time. The page's state is written right after its own
check or edit, so stopping between pages leaves the store consistent.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import EXIT_CONFLICT, EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError, WikisyncError
from .live import fetch_ahead, resolve_titles
from .mapping import Mapping, load_mapping
from .model import Finding, Revision
from .pipeline import CheckContext, CheckResult, PageResult
from .plan import EditPlan
from .publish import plans_for, publish_plans
from .store import PageState, Store
from .threeway import HUMAN_EDIT_NOTE, UnitPath, protect_all, protect_touched, touched_units
from .wiki import WikiSession

__all__ = ["CycleOutcome", "CycleStats", "JobMemory", "fingerprint", "run_cycle"]

log = logging.getLogger(__name__)

MISSING = "missing: the page does not exist (or the title is not valid)"
_HISTORY_LIMIT = 50
"""Revisions looked at to tell whether edits since wikisync's own are all by the bot."""


@dataclass
class CycleStats:
    """What one run did; logged as the run's summary."""

    pages: int = 0
    checked: int = 0
    skipped: int = 0
    findings: int = 0
    protected: int = 0
    edits: int = 0
    conflicts: int = 0
    problems: int = 0
    requests: int = 0
    seconds: float = 0.0


@dataclass
class CycleOutcome:
    """The pages' results (fresh or from the store), the summary, and the run's exit code."""

    result: CheckResult
    stats: CycleStats
    exit_code: int
    api_url: str = ""
    run_id: str | None = None
    stopped: bool = False
    errors: list[WikisyncError] = field(default_factory=list)
    session: WikiSession | None = None
    """The session the run used (for writing the report page with the same login)."""


@dataclass
class JobMemory:
    """Kept by the runner between runs of one job: the loaded check context and its key."""

    fingerprint: str | None = None
    context: CheckContext | None = None


def fingerprint(mapping: Mapping) -> str:
    """SHA-1 over the mapping, canonical and word list bytes (and wikisync's version).

    A page is re-checked when any of them changes, even if the page itself did not.
    """
    digest = hashlib.sha1(f"wikisync {__version__}\0".encode())
    files = [mapping.path, mapping.resolve(mapping.canonical)]
    if mapping.spelling.wordlist is not None:
        files.append(mapping.resolve(mapping.spelling.wordlist))
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
        digest.update(f"{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _account(name: str | None) -> str:
    """A user name as the wiki shows it in a revision: no ``@app``, spaces, capital first."""
    bare = (name or "").partition("@")[0].replace("_", " ").strip()
    return bare[:1].upper() + bare[1:]


def _edits_all_ours(session: WikiSession, title: str, since: int, until: int) -> bool:
    """Whether every revision after ``since`` up to ``until`` was made by this login."""
    me = _account(session.username)
    if not me:
        return False
    answer = session.api(
        "query",
        "GET",
        prop="revisions",
        titles=title,
        rvprop="ids|user",
        rvstartid=str(until),
        rvendid=str(since),
        rvlimit=str(_HISTORY_LIMIT),
    )
    if "continue" in answer:
        return False  # too many to look at: assume a person is among them
    pages = answer.get("query", {}).get("pages") or [{}]
    revisions = [r for r in pages[0].get("revisions", []) if int(r.get("revid", 0)) != since]
    return bool(revisions) and all(
        not r.get("userhidden") and _account(str(r.get("user", ""))) == me for r in revisions
    )


def _texts_of(session: WikiSession, revids: list[int]) -> dict[int, str]:
    """The wikitext of old revisions by id, 50 a request; hidden or deleted ones are left out."""
    texts: dict[int, str] = {}
    wanted = sorted(set(revids))
    for start in range(0, len(wanted), 50):
        params: dict[str, Any] = {
            "prop": "revisions",
            "revids": "|".join(map(str, wanted[start : start + 50])),
            "rvprop": "ids|content",
            "rvslots": "main",
        }
        for _ in range(100):
            answer = session.api("query", "GET", **params)
            for page in answer.get("query", {}).get("pages", []):
                for rev in page.get("revisions", []):
                    content = rev.get("slots", {}).get("main", {}).get("content")
                    if isinstance(content, str):
                        texts[int(rev["revid"])] = content
            more = answer.get("continue")
            if not isinstance(more, dict):
                break
            params.update(more)
    return texts


def _cached(title: str, state: PageState) -> PageResult:
    result = state.result or {}
    return PageResult(
        title=title,
        source="wiki",
        revid=state.last_seen_revid or 0,
        timestamp=str(result.get("timestamp") or ""),
        findings=[Finding.model_validate(f) for f in result.get("findings", [])],
        problem=result.get("problem"),
    )


def _record(page: PageResult, *, pending: bool, protected: set[UnitPath]) -> dict[str, Any]:
    """A page's result as the store keeps it (findings in their JSON contract form)."""
    return {
        "timestamp": page.timestamp,
        "findings": [f.contract() for f in page.findings],
        "problem": page.problem,
        "pending": pending,
        "protected": sorted(list(p) for p in protected),
    }


class _Cycle:
    """The state of one run; :func:`run_cycle` is the way in."""

    def __init__(
        self,
        mapping: Mapping,
        context: CheckContext,
        fp: str,
        session: WikiSession,
        store: Store,
        *,
        publish: bool,
        stop: threading.Event,
        job: str,
    ) -> None:
        self.job = job
        self.mapping = mapping
        self.context = context
        self.fp = fp
        self.session = session
        self.store = store
        self.publish = publish
        self.stop = stop
        self.api_url = mapping.wiki.api_url
        self.stats = CycleStats()
        self.results: dict[str, PageResult] = {}
        self.titles: list[str] = []
        self.errors: list[WikisyncError] = []
        self.run_id: str | None = None
        self.stopped = False

    # -- state --------------------------------------------------------------------------
    def save_state(
        self,
        page: PageResult,
        *,
        written: int | None = None,
        pending: bool = False,
        protected: set[UnitPath] | None = None,
    ) -> None:
        self.store.set_page_state(
            self.api_url,
            page.title,
            last_seen_revid=page.revid or None,
            last_written_revid=written,
            canonical_fingerprint=self.fp,
            result=_record(page, pending=pending, protected=protected or set()),
        )

    # -- steps --------------------------------------------------------------------------
    def run(self) -> None:
        titles = self.titles = resolve_titles(self.mapping, self.session)
        self.stats.pages = len(titles)
        ids = self.session.fetch_revision_ids(titles) if titles else {}
        states = self.store.page_states(self.api_url, titles)
        to_check: list[str] = []
        for title in titles:
            state = states.get(title)
            revid = ids.get(title)
            if revid is None:
                self.results[title] = PageResult(title=title, source="wiki", problem=MISSING)
            elif self._unchanged(state, revid):
                assert state is not None
                self.results[title] = _cached(title, state)
                self.stats.skipped += 1
            else:
                to_check.append(title)
        if not to_check:
            return
        guarded, ours = self._human_edited(to_check, ids, states)
        bases = _texts_of(self.session, list(guarded.values())) if guarded else {}
        queue: list[tuple[PageResult, EditPlan, set[UnitPath]]] = []
        for fetched in fetch_ahead(self.session, to_check):
            for problem in fetched.problems:
                page = PageResult(
                    title=problem.title,
                    source="wiki",
                    revid=ids.get(problem.title, 0),
                    problem=f"{problem.reason}: {problem.detail}",
                )
                self.results[problem.title] = page
                if page.revid:  # e.g. a redirect: not read again until it changes
                    self.save_state(page)
            for revision in fetched.revisions:
                item = self._check(revision, ids, states, guarded, bases, ours)
                if item is not None:
                    queue.append(item)
            if self.stop.is_set():
                self.stopped = True
                return
        for page, plan, protected in queue:
            if self.stop.is_set():
                self.stopped = True
                return
            self._publish(page, plan, protected)

    def _unchanged(self, state: PageState | None, revid: int) -> bool:
        if state is None or state.result is None:
            return False
        if state.last_seen_revid != revid or state.canonical_fingerprint != self.fp:
            return False
        return not (self.publish and state.result.get("pending"))

    def _human_edited(
        self, titles: list[str], ids: dict[str, int], states: dict[str, PageState]
    ) -> tuple[dict[str, int], set[str]]:
        """Pages a person edited since wikisync's last write (-> that revision), and pages
        whose later edits are all the bot's own."""
        guarded: dict[str, int] = {}
        ours: set[str] = set()
        for title in titles:
            state = states.get(title)
            written = state.last_written_revid if state is not None else None
            if not written or ids[title] == written:
                continue
            if _edits_all_ours(self.session, title, written, ids[title]):
                ours.add(title)
            else:
                guarded[title] = written
        return guarded, ours

    def _check(
        self,
        revision: Revision,
        ids: dict[str, int],
        states: dict[str, PageState],
        guarded: dict[str, int],
        bases: dict[int, str],
        ours: set[str],
    ) -> tuple[PageResult, EditPlan, set[UnitPath]] | None:
        """Check one page; save its state now, or hand back its plan for publishing."""
        title = revision.title
        page = self.context.check(revision)
        self.stats.checked += 1
        self.results[title] = page
        state = states.get(title)
        stored = state.result.get("protected", []) if state and state.result else []
        protected: set[UnitPath] = {tuple(p) for p in stored}
        if page.page is not None and title in guarded:
            base = bases.get(guarded[title])
            if base is None:  # the revision was deleted or hidden: nothing can be told apart
                page.findings = protect_all(page.findings)
                protected |= {tuple(f.path) for f in page.findings}
            else:
                old = self.context.parse(Revision(title=title, text=base))
                protected |= touched_units(old, page.page)
        page.findings, protected = protect_touched(page.findings, protected)
        written_before = state.last_written_revid if state is not None else None
        if revision.revid != ids.get(title) and written_before and title not in guarded:
            return None  # edited while being read: look again next time, with its history
        written = revision.revid if title in ours else None
        if self.publish:
            checked = CheckResult(mapping=self.mapping.path, pages=[page])
            plans = plans_for(checked, self.mapping)
            if plans:
                return page, plans[0], protected
        pending = not self.publish and any(f.fixable for f in page.findings)
        self.save_state(page, written=written, pending=pending, protected=protected)
        return None

    def _publish(self, page: PageResult, plan: EditPlan, protected: set[UnitPath]) -> None:
        if self.run_id is None:
            self.run_id = self.store.start_run("job", self.mapping.path.resolve())
        outcome = publish_plans(self.session, [plan], self.mapping, self.store, self.run_id)[0]
        if outcome.status == "published":
            self.stats.edits += 1
            log.info(
                "%s: edited r%d -> r%d: %s",
                plan.title,
                outcome.old_revid,
                outcome.new_revid,
                plan.summary,
                extra={
                    "event": "edit",
                    "job": self.job,
                    "page": plan.title,
                    "old_revid": outcome.old_revid,
                    "new_revid": outcome.new_revid,
                    "summary": plan.summary,
                    "run_id": self.run_id,
                },
            )
            if outcome.old_revid != plan.base_revid:
                return  # merged with an edit made meanwhile: read it again next time
            after = self.context.check(
                Revision(
                    title=plan.title,
                    revid=outcome.new_revid,
                    timestamp=page.timestamp,
                    text=plan.new_text,
                )
            )
            after.findings, kept = protect_touched(after.findings, protected)
            self.results[plan.title] = after
            self.save_state(after, written=outcome.new_revid, protected=kept)
        elif outcome.status == "unchanged":
            self.save_state(page, protected=protected)
        else:
            if outcome.status == "conflict":
                self.stats.conflicts += 1
            log.warning(
                "%s: %s: %s",
                plan.title,
                outcome.status,
                outcome.message,
                extra={"event": "edit-" + outcome.status, "job": self.job, "page": plan.title},
            )
            if outcome.error is not None:
                if getattr(outcome.error, "code", None) == "assertuserfailed":
                    raise outcome.error
                self.errors.append(outcome.error)

    def outcome(self, started: float, requests_before: int) -> CycleOutcome:
        pages = [self.results[title] for title in self.titles if title in self.results]
        result = CheckResult(mapping=self.mapping.path, pages=pages)
        stats = self.stats
        stats.findings = len(result.findings)
        stats.protected = sum(
            1 for f in result.findings if not f.fixable and HUMAN_EDIT_NOTE in f.message
        )
        stats.problems = sum(1 for p in pages if p.problem)
        stats.requests = self.session.request_count - requests_before
        stats.seconds = time.monotonic() - started
        code = EXIT_OK
        if stats.problems:
            code = EXIT_INPUT
        for error in self.errors:
            code = max(code, error.exit_code)
        if stats.conflicts:
            code = EXIT_CONFLICT
        if code == EXIT_OK and not self.publish and result.findings:
            code = EXIT_FINDINGS
        return CycleOutcome(
            result=result,
            stats=stats,
            exit_code=code,
            api_url=self.api_url,
            run_id=self.run_id,
            stopped=self.stopped,
            errors=list(self.errors),
            session=self.session,
        )


def run_cycle(
    mapping_path: Path,
    *,
    publish: bool,
    session_for: Callable[[Mapping], WikiSession],
    store: Store,
    memory: JobMemory,
    stop: threading.Event,
    job: str = "",
) -> CycleOutcome:
    """Run the job once; raises for what stops the whole job (bad mapping, wiki down)."""
    started = time.monotonic()
    mapping = load_mapping(mapping_path)
    fp = fingerprint(mapping)
    if memory.fingerprint != fp or memory.context is None:
        memory.context = CheckContext(mapping)
        memory.fingerprint = fp
    context = memory.context
    context.canonical  # noqa: B018 - a broken canonical file fails the job before any request
    session = session_for(mapping)
    if publish and not session.logged_in:
        raise InputError(
            "a publish job needs a login: set WIKISYNC_USERNAME and WIKISYNC_PASSWORD "
            "(a bot password) or name a credentials_file in the mapping",
            source=str(mapping_path),
        )
    before = session.request_count
    cycle = _Cycle(mapping, context, fp, session, store, publish=publish, stop=stop, job=job)
    try:
        cycle.run()
    except BaseException:
        if cycle.run_id is not None:
            store.finish_run(cycle.run_id, "failed")
        raise
    if cycle.run_id is not None:
        status = "stopped" if cycle.stopped else ("ok" if not cycle.errors else "failed")
        store.finish_run(cycle.run_id, status)
    return cycle.outcome(started, before)
