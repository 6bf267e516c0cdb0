"""Publishing: turn checked pages into plans, write plans to the wiki safely, undo a run.

The pure part (what would change) lives in ``plan.py`` and ``edit.py``; this module is the
effectful part. Every write is conflict-checked against the plan's base revision, refused on
``{{nobots}}``, and logged in the store so ``revert`` can undo it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .botpolicy import bots_policy
from .errors import ConflictError, WikiError, WikisyncError
from .mapping import Mapping
from .pipeline import CheckResult
from .plan import EditPlan, plan_page
from .save import SaveRequest, latest_revision, save_page, undo_revision
from .store import Store
from .wiki import WikiSession

__all__ = ["PageOutcome", "plans_for", "publish_plans", "revert_run"]

Status = Literal["published", "unchanged", "refused", "conflict", "failed", "reverted"]


@dataclass(frozen=True)
class PageOutcome:
    """What happened to one page; ``error`` carries the exit code when it failed."""

    title: str
    status: Status
    message: str
    old_revid: int = 0
    new_revid: int = 0
    error: WikisyncError | None = None


def plans_for(
    result: CheckResult, mapping: Mapping, *, api_url: str | None = None
) -> list[EditPlan]:
    """One plan per page that has fixable findings, in page order."""
    plans: list[EditPlan] = []
    for page in result.pages:
        plan = plan_page(
            page,
            mapping.conventions,
            mapping.publish.summary_prefix,
            mapping=mapping.path,
            api_url=api_url or mapping.wiki.api_url,
        )
        if plan is not None:
            plans.append(plan)
    return plans


def _publish_one(session: WikiSession, plan: EditPlan, mapping: Mapping) -> PageOutcome:
    refusal = bots_policy(plan.new_text, session.username or "")
    if refusal is not None:
        raise WikiError(
            f"the page refuses this bot: {refusal}; nothing written", page=plan.title, code="nobots"
        )
    latest = latest_revision(session, plan.title)
    if latest.revid != plan.base_revid or latest.sha1 != plan.base_text_sha1:
        raise ConflictError(
            f"the page changed since the plan (r{plan.base_revid} -> r{latest.revid} by "
            f"{latest.user}); nothing written. Check again, or publish with --replan",
            page=plan.title,
        )
    saved = save_page(
        session,
        SaveRequest(
            title=plan.title,
            text=plan.new_text,
            summary=plan.summary,
            base_revid=plan.base_revid,
            base_timestamp=plan.base_timestamp,
            start_timestamp=plan.base_timestamp,
            minor=mapping.publish.minor,
            bot_account=mapping.wiki.bot,
        ),
    )
    if saved.nochange:
        return PageOutcome(
            plan.title,
            "unchanged",
            "the wiki already has this text",
            saved.old_revid,
            saved.new_revid,
        )
    return PageOutcome(plan.title, "published", plan.summary, saved.old_revid, saved.new_revid)


def publish_plans(
    session: WikiSession, plans: list[EditPlan], mapping: Mapping, store: Store, run_id: str
) -> list[PageOutcome]:
    """Write each plan; one page's failure does not stop the others. Every edit is logged."""
    outcomes: list[PageOutcome] = []
    for plan in plans:
        try:
            outcome = _publish_one(session, plan, mapping)
        except ConflictError as exc:
            outcome = PageOutcome(plan.title, "conflict", exc.message, error=exc)
        except WikisyncError as exc:
            status: Status = "refused" if isinstance(exc, WikiError) else "failed"
            outcome = PageOutcome(plan.title, status, exc.message, error=exc)
        if outcome.status == "published":
            store.record_edit(
                run_id,
                page=plan.title,
                api_url=plan.api_url or mapping.wiki.api_url,
                old_revid=outcome.old_revid,
                new_revid=outcome.new_revid,
                summary=plan.summary,
                findings=plan.findings,
            )
        outcomes.append(outcome)
    return outcomes


def revert_run(
    session: WikiSession,
    store: Store,
    run_id: str,
    *,
    log_run: str,
    bot_account: bool = False,
    merge: bool = False,
) -> list[PageOutcome]:
    """Undo a run's edits, newest first, with the wiki's undo.

    Without ``merge`` an edit is undone only while it is still the page's latest revision, so
    the page returns to exactly the text before it; with ``merge`` the wiki may keep later
    edits elsewhere on the page (it refuses when they touch the same lines). The undo edits
    are logged under ``log_run``.
    """
    outcomes: list[PageOutcome] = []
    for edit in reversed(store.edits_for_run(run_id)):
        if not edit.new_revid:
            continue
        try:
            latest = latest_revision(session, edit.page)
            if latest.revid != edit.new_revid and not merge:
                raise ConflictError(
                    f"r{edit.new_revid} is no longer the latest revision (r{latest.revid} by "
                    f"{latest.user}); undoing it would not restore the old text exactly. "
                    "Nothing written; use --merge to let the wiki merge the undo",
                    page=edit.page,
                )
            saved = undo_revision(
                session,
                edit.page,
                edit.new_revid,
                summary=f"wikisync: revert run {run_id} (undo r{edit.new_revid})",
                bot_account=bot_account,
            )
            outcomes.append(
                PageOutcome(
                    edit.page,
                    "reverted",
                    f"undid r{edit.new_revid}",
                    saved.old_revid,
                    saved.new_revid,
                )
            )
            store.record_edit(
                log_run,
                page=edit.page,
                api_url=edit.api_url,
                old_revid=saved.old_revid,
                new_revid=saved.new_revid,
                summary=f"revert run {run_id}",
            )
        except ConflictError as exc:
            outcomes.append(PageOutcome(edit.page, "conflict", exc.message, error=exc))
        except WikisyncError as exc:
            outcomes.append(PageOutcome(edit.page, "refused", exc.message, error=exc))
    return outcomes
