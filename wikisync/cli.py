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
from .errors import EXIT_INPUT, WikisyncError
from .mapping import load_mapping
from .pipeline import CheckContext, CheckResult, read_page_file
from .redaction import redact
from .report import FORMATS, render

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


@cli.command()
@click.argument("mapping", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--page-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Check this local wikitext file instead of the live page.",
)
@click.option(
    "--offline", is_flag=True, help="Check the snapshot bundled with the mapping; no network."
)
@click.option("--api-url", help="Use this wiki API instead of the mapping's (staging, tests).")
@click.option(
    "--allow-insecure-http", is_flag=True, help="Allow plain http to a host that is not loopback."
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--color/--no-color", default=None, help="Force colours on or off.")
@handle_errors
def check(
    mapping: Path,
    page_file: Path | None,
    offline: bool,
    api_url: str | None,
    allow_insecure_http: bool,
    fmt: str,
    color: bool | None,
) -> None:
    """Report what is wrong with the mapping's pages. Exit 0 in sync, 1 findings.

    Example: wikisync check mappings/miraheze/mapping.yaml --offline
    """
    loaded = load_mapping(mapping)
    context = CheckContext(loaded)
    if page_file is not None and offline:
        raise click.UsageError("--page-file and --offline exclude each other")
    if page_file is not None or offline:
        title = loaded.pages.titles[0] if loaded.pages.titles else ""
        if page_file is None:
            if loaded.snapshot is None:
                raise click.UsageError("the mapping has no snapshot for --offline; use --page-file")
            page_file = loaded.resolve(loaded.snapshot)
        revisions = [read_page_file(page_file, title)]
        result = CheckResult(mapping=mapping, pages=[context.check(r) for r in revisions])
    else:
        from .live import check_live

        result = check_live(
            context,
            api_url=api_url,
            allow_insecure_http=allow_insecure_http,
            progress=sys.stderr.isatty() and fmt == "text",
        )
    _emit(result, fmt, color)
    sys.exit(result.exit_code)


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
