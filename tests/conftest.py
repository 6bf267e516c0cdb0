"""Shared fixtures: one real MediaWiki per test run, and unique page titles.

Tests that need the wiki either take the ``mediawiki`` fixture or carry
``@pytest.mark.wiki`` (which pulls the fixture in). Without PHP and MediaWiki
installed they are skipped, except under CI (``CI=true`` or ``CI=1``), where a
missing wiki, or any skipped wiki test, fails the run: a skip must never pass
for a green build.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mediawiki_server import MediaWikiServer, missing_requirements

SEED_DIR = Path(__file__).resolve().parent / "data" / "wiki_seed"
SEED_INDEX = SEED_DIR / "pages.yaml"

_title_counter = itertools.count(1)


def running_in_ci() -> bool:
    """True when the ``CI`` environment variable is set to a true value."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def load_seed_pages(index: Path = SEED_INDEX) -> dict[str, str]:
    """Read ``{title: file}`` pairs from the seed index; files are relative to it."""
    if not index.is_file():
        return {}
    mapping = yaml.safe_load(index.read_text(encoding="utf-8")) or {}
    if not isinstance(mapping, dict):
        raise ValueError(f"{index} must map page titles to file names")
    return {
        str(title): (index.parent / str(name)).read_text(encoding="utf-8")
        for title, name in mapping.items()
    }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses the wiki, so ``-m "not wiki"`` deselects them all."""
    for item in items:
        if "mediawiki" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("wiki"):
            item.add_marker(pytest.mark.wiki)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under CI, turn a skipped wiki test into a failure (expected failures stay as they are)."""
    report = yield
    if (
        report.skipped
        and running_in_ci()
        and item.get_closest_marker("wiki") is not None
        and not hasattr(report, "wasxfail")
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"wiki test skipped while CI is set (skips are failures in CI): {reason}"
    return report


@pytest.fixture(scope="session")
def mediawiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaWikiServer]:
    """A running MediaWiki for the whole test run, seeded from tests/data/wiki_seed/."""
    missing = missing_requirements()
    if missing:
        reason = "MediaWiki test server unavailable; missing: " + ", ".join(missing)
        if running_in_ci():
            pytest.fail(reason + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(reason)
    # Under pytest's temp root, so the logs of the last few runs stay for inspection.
    server = MediaWikiServer(tmp_path_factory.mktemp("mediawiki"))
    with server:
        seed = load_seed_pages()
        if seed:
            server.import_pages(seed, summary="Seed pages for the test suite")
        yield server


@pytest.fixture(autouse=True)
def _wiki_marker_uses_server(request: pytest.FixtureRequest) -> None:
    """Give tests marked ``wiki`` the server, so they skip or fail like fixture users."""
    if request.node.get_closest_marker("wiki") is not None:
        request.getfixturevalue("mediawiki")


@pytest.fixture
def fresh_title(request: pytest.FixtureRequest) -> str:
    """A page title no other test uses: ``Test/<test name>/<counter>``."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_.") or "test"
    return f"Test/{name}/{next(_title_counter)}"
