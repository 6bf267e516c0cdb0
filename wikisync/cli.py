"""The ``wikisync`` command: parses arguments, calls the library, prints, picks the exit code.

Every command is a thin layer over a library function. Errors become one line on stderr and
an exit code (0 in sync, 1 findings, 2 bad input, 3 wiki/network, 4 page changed); no
traceback reaches the user unless ``WIKISYNC_DEBUG=1`` asks for it.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import EXIT_CONFLICT, EXIT_INPUT, EXIT_OK, InputError, PageError, WikisyncError
from .mapping import Mapping, load_mapping
from .pipeline import CheckContext, CheckResult, read_page_file
from .plan import EditPlan, load_plan, save_plan
from .publish import PageOutcome, plans_for, publish_plans, revert_run
from .redaction import redact
from .report import FORMATS, render
from .store import Store
from .wiki import WikiSession

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int) -> None:
    click.echo(f"wikisync: error: {redact(message)}", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Turn library errors into one line and the contract's exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WikisyncError as exc:
            if os.environ.get("WIKISYNC_DEBUG") == "1":
                click.echo(redact("".join(traceback.format_exception(exc))), err=True)
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:  # a bug: still one line, never a secret
            if os.environ.get("WIKISYNC_DEBUG") == "1":
                click.echo(redact("".join(traceback.format_exception(exc))), err=True)
            _fail(
                f"internal error: {type(exc).__name__}: {exc} "
                "(set WIKISYNC_DEBUG=1 for the traceback)",
                EXIT_INPUT,
            )
        return None

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wikisync")
def cli() -> None:
    """Keep organisation pages on a MediaWiki wiki true to canonical data in git."""


def _emit(result: CheckResult, fmt: str, color: bool | None) -> None:
    render(result, fmt, sys.stdout, color=color)
    sys.stdout.flush()


_MAPPING = click.argument("mapping", type=click.Path(path_type=Path, dir_okay=False))
_API_URL = click.option("--api-url", help="Use this wiki API instead of the mapping's.")
_INSECURE = click.option(
    "--allow-insecure-http", is_flag=True, help="Allow plain http to a host that is not loopback."
)
_STORE = click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="WIKISYNC_STORE",
    help="Audit database (default: the user's data folder; or WIKISYNC_STORE).",
)


def _check(
    loaded: Mapping,
    *,
    page_file: Path | None = None,
    offline: bool = False,
    api_url: str | None = None,
    allow_insecure_http: bool = False,
    progress: bool = False,
) -> CheckResult:
    """The check ``check`` and ``publish`` share: a file, the snapshot, or the live wiki."""
    context = CheckContext(loaded)
    if page_file is not None and offline:
        raise click.UsageError("--page-file and --offline exclude each other")
    if page_file is not None or offline:
        title = loaded.pages.titles[0] if loaded.pages.titles else ""
        if page_file is None:
            if loaded.snapshot is None:
                raise click.UsageError("the mapping has no snapshot for --offline; use --page-file")
            page_file = loaded.resolve(loaded.snapshot)
        return CheckResult(
            mapping=loaded.path, pages=[context.check(read_page_file(page_file, title))]
        )
    from .live import check_live

    return check_live(
        context, api_url=api_url, allow_insecure_http=allow_insecure_http, progress=progress
    )


def _save_plans(plans: list[EditPlan], target: Path) -> None:
    """One plan: the file named. Several: one file each in the folder named."""
    if len(plans) <= 1 and not target.is_dir():
        if plans:
            save_plan(plans[0], target)
        return
    target.mkdir(parents=True, exist_ok=True)
    for plan in plans:
        slug = "".join(c if c.isalnum() else "_" for c in plan.title).strip("_")
        save_plan(plan, target / f"{slug}.plan.json")


@cli.command()
@_MAPPING
@click.option(
    "--page-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Check this local wikitext file instead of the live page.",
)
@click.option(
    "--offline", is_flag=True, help="Check the snapshot bundled with the mapping; no network."
)
@_API_URL
@_INSECURE
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "diff"]),
    default="text",
    show_default=True,
    help="diff: the unified diff a publish would make.",
)
@click.option(
    "--save-plan",
    type=click.Path(path_type=Path),
    help="Write the edit plan (JSON) here, for a later publish --plan.",
)
@click.option("--color/--no-color", default=None, help="Force colours on or off.")
@handle_errors
def check(
    mapping: Path,
    page_file: Path | None,
    offline: bool,
    api_url: str | None,
    allow_insecure_http: bool,
    fmt: str,
    save_plan: Path | None,
    color: bool | None,
) -> None:
    """Report what is wrong with the mapping's pages. Exit 0 in sync, 1 findings.

    Example: wikisync check mappings/miraheze/mapping.yaml --offline
    """
    loaded = load_mapping(mapping)
    result = _check(
        loaded,
        page_file=page_file,
        offline=offline,
        api_url=api_url,
        allow_insecure_http=allow_insecure_http,
        progress=sys.stderr.isatty() and fmt == "text",
    )
    if fmt == "diff" or save_plan is not None:
        plans = plans_for(result, loaded, api_url=api_url)
        if save_plan is not None:
            _save_plans(plans, save_plan)
        if fmt == "diff":
            sys.stdout.write("".join(plan.diff for plan in plans))
            sys.stdout.flush()
            sys.exit(result.exit_code)
    _emit(result, fmt, color)
    sys.exit(result.exit_code)


def _login_session(loaded: Mapping, api_url: str | None, allow_insecure_http: bool) -> WikiSession:
    from .live import session_for

    session = session_for(loaded, api_url=api_url, allow_insecure_http=allow_insecure_http)
    if not session.logged_in:
        raise InputError(
            "publishing needs a login: set WIKISYNC_USERNAME and WIKISYNC_PASSWORD "
            "(a bot password) or name a credentials_file in the mapping"
        )
    return session


def _report_outcomes(outcomes: list[PageOutcome]) -> int:
    """Print one line a page; the exit code: 4 on any conflict, else the worst error's."""
    code = EXIT_OK
    for outcome in outcomes:
        revs = f" r{outcome.old_revid} -> r{outcome.new_revid}" if outcome.new_revid else ""
        message = outcome.message.removeprefix(f"{outcome.title}: ")  # errors name the page too
        click.echo(f"{outcome.title}: {outcome.status}{revs}: {redact(message)}")
        if outcome.error is not None:
            code = (
                EXIT_CONFLICT
                if outcome.error.exit_code == EXIT_CONFLICT or code == EXIT_CONFLICT
                else max(code, outcome.error.exit_code)
            )
    return code


@cli.command()
@_MAPPING
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Publish exactly this saved plan (from check --save-plan).",
)
@click.option(
    "--replan",
    is_flag=True,
    help="With --plan: if the page changed, plan again and show the new diff.",
)
@click.option("--yes", is_flag=True, help="Write to the wiki (without it: a dry run).")
@_API_URL
@_INSECURE
@_STORE
@handle_errors
def publish(
    mapping: Path,
    plan_path: Path | None,
    replan: bool,
    yes: bool,
    api_url: str | None,
    allow_insecure_http: bool,
    store_path: Path | None,
) -> None:
    """Fix the mapping's pages on the wiki: a dry run that prints the diff unless --yes.

    Example: wikisync publish mappings/miraheze/mapping.yaml --yes
    """
    loaded = load_mapping(mapping)
    if plan_path is not None:
        plans = [load_plan(plan_path)]
        if replan:
            plans = _replan(loaded, plans[0], api_url, allow_insecure_http)
    else:
        result = _check(loaded, api_url=api_url, allow_insecure_http=allow_insecure_http)
        if result.exit_code == EXIT_INPUT:
            _emit(result, "text", None)
            sys.exit(EXIT_INPUT)
        plans = plans_for(result, loaded, api_url=api_url)
    if not plans:
        click.echo("nothing to publish: every page is in sync with what may be fixed")
        sys.exit(EXIT_OK)
    if not yes:
        sys.stdout.write("".join(plan.diff for plan in plans))
        click.echo(
            f"dry run: {len(plans)} page(s) would change; nothing written (pass --yes to publish)"
        )
        sys.exit(EXIT_OK)
    session = _login_session(
        loaded, api_url or plans[0].api_url if plan_path else api_url, allow_insecure_http
    )
    with Store(store_path) as store:
        run_id = store.start_run("publish", mapping)
        outcomes = publish_plans(session, plans, loaded, store, run_id)
        code = _report_outcomes(outcomes)
        store.finish_run(run_id, "ok" if code == EXIT_OK else f"exit {code}")
    edits = sum(o.status == "published" for o in outcomes)
    click.echo(f"run {run_id}: {edits} edit(s)")
    sys.exit(code)


def _replan(
    loaded: Mapping, plan: EditPlan, api_url: str | None, allow_insecure_http: bool
) -> list[EditPlan]:
    """A fresh plan for the plan's page, from its current revision."""
    from .live import session_for

    session = session_for(
        loaded, api_url=api_url or plan.api_url, allow_insecure_http=allow_insecure_http
    )
    fetched = session.fetch_revisions([plan.title])
    if fetched.problems:
        problem = fetched.problems[0]
        raise PageError(f"cannot replan: {problem.reason}: {problem.detail}", page=plan.title)
    context = CheckContext(loaded)
    result = CheckResult(mapping=loaded.path, pages=[context.check(fetched.revisions[0])])
    fresh = plans_for(result, loaded, api_url=api_url or plan.api_url)
    if fresh and fresh[0].base_revid != plan.base_revid:
        click.echo(
            f"{plan.title}: changed since the plan (r{plan.base_revid} -> "
            f"r{fresh[0].base_revid}); new plan:"
        )
    return fresh


@cli.command()
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@_STORE
@handle_errors
def history(limit: int, store_path: Path | None) -> None:
    """List recent runs and their edits, newest first.

    Example: wikisync history --limit 5
    """
    with Store(store_path) as store:
        runs = store.history(limit)
        if not runs:
            click.echo("no runs recorded yet")
            return
        click.echo(f"{'run':<22} {'mode':<8} {'status':<8} {'edits':>5}  started")
        for run in runs:
            click.echo(f"{run.id:<22} {run.mode:<8} {run.status:<8} {run.edits:>5}  {run.started}")
            for edit in store.edits_for_run(run.id):
                click.echo(
                    f"    {edit.page}: r{edit.old_revid} -> r{edit.new_revid}  "
                    f"{redact(edit.summary)}"
                )


@cli.command()
@click.argument("run_id")
@click.option("--yes", is_flag=True, help="Undo for real (without it: list what would be undone).")
@click.option(
    "--merge", is_flag=True, help="Let the wiki merge the undo with later edits to other lines."
)
@click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Mapping for the contact and credentials file (default: the run's).",
)
@_API_URL
@_INSECURE
@_STORE
@handle_errors
def revert(
    run_id: str,
    yes: bool,
    merge: bool,
    mapping_path: Path | None,
    api_url: str | None,
    allow_insecure_http: bool,
    store_path: Path | None,
) -> None:
    """Undo the edits of a run with the wiki's undo; refuses where later edits interfere.

    Example: wikisync revert 20261122-153012-ab12 --yes
    """
    with Store(store_path) as store:
        run = store.get_run(run_id)
        if run is None:
            raise InputError(f"no run {run_id!r} in {store.path}; see wikisync history")
        edits = [e for e in store.edits_for_run(run_id) if e.new_revid]
        if not edits:
            click.echo(f"run {run_id} made no edits; nothing to revert")
            return
        if not yes:
            for edit in edits:
                click.echo(f"would undo {edit.page} r{edit.new_revid} ({edit.summary})")
            click.echo("dry run: nothing written (pass --yes to revert)")
            return
        mapping_file = mapping_path or (Path(run.mapping) if run.mapping else None)
        if mapping_file is None or not mapping_file.is_file():
            raise InputError("name the mapping with --mapping (for contact and credentials)")
        loaded = load_mapping(mapping_file)
        session = _login_session(loaded, api_url or edits[0].api_url, allow_insecure_http)
        log_run = store.start_run("revert", mapping_file)
        outcomes = revert_run(
            session, store, run_id, log_run=log_run, bot_account=loaded.wiki.bot, merge=merge
        )
        code = _report_outcomes(outcomes)
        store.finish_run(log_run, "ok" if code == EXIT_OK else f"exit {code}")
        click.echo(
            f"run {log_run}: reverted {sum(o.status == 'reverted' for o in outcomes)} "
            f"edit(s) of run {run_id}"
        )
    sys.exit(code)


@cli.command()
@click.argument("jobs_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--once", is_flag=True, help="Run every job once and exit (for cron or systemd).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Logs on stderr: lines for people, or one JSON object a line.",
)
@click.option("--verbose", "-v", is_flag=True, help="Log debugging detail too.")
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="State and audit database (default: the jobs file's store, else WIKISYNC_STORE).",
)
@handle_errors
def run(
    jobs_file: Path, once: bool, log_format: str, verbose: bool, store_path: Path | None
) -> None:
    """Run the jobs of a jobs file on their schedules, until SIGTERM; --once runs each once.

    Exit (with --once): 0 when every job succeeded, else the worst job's code. One runner
    per jobs file: a second one exits 2 and says who holds the lock.

    Example: wikisync run mappings/miraheze/jobs.yaml --once --log-format json
    """
    from .jobs import run_jobs
    from .jobsfile import load_jobs
    from .logs import setup_logging

    setup_logging("json" if log_format == "json" else "text", verbose=verbose)
    jobs = load_jobs(jobs_file)
    sys.exit(run_jobs(jobs, once=once, store_path=store_path))


@cli.command("import")
@click.option("--api-url", required=True, help="The wiki's api.php URL.")
@click.option("--page", "title", required=True, help="Title of the page to import.")
@click.option(
    "--output",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the canonical YAML.",
)
@click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Take heading conventions, contact and credentials file from this mapping.",
)
@click.option("--contact", help="Operator contact for the User-Agent (or WIKISYNC_CONTACT).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option(
    "--allow-insecure-http", is_flag=True, help="Allow plain http to a host that is not loopback."
)
@handle_errors
def import_(
    api_url: str,
    title: str,
    output: Path,
    mapping_path: Path | None,
    contact: str | None,
    force: bool,
    allow_insecure_http: bool,
) -> None:
    """Turn a live page into canonical YAML, once, to adopt it.

    Example: wikisync import --api-url https://meta.miraheze.org/w/api.php
    --page "Tech:SRE 2021 Restructure" --output mappings/miraheze/canonical/sre.yaml
    """
    from .live import default_contact, import_page, open_session, write_canonical

    mapping = load_mapping(mapping_path) if mapping_path is not None else None
    credentials = mapping.wiki.credentials_file if mapping is not None else None
    session = open_session(
        api_url,
        contact=contact or (mapping.wiki.contact if mapping is not None else default_contact()),
        credentials_file=mapping.resolve(credentials) if mapping and credentials else None,
        allow_insecure_http=allow_insecure_http,
    )
    org = import_page(
        session, title, conventions=mapping.conventions if mapping is not None else None
    )
    write_canonical(org, output, force=force)
    units = org.walk()
    counts: dict[str, int] = {}
    for unit in units:
        counts[unit.kind] = counts.get(unit.kind, 0) + 1
    parts = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counts.items())
    click.echo(f"wrote {output}: {len(units)} units ({parts}) from {title}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="wikisync")
