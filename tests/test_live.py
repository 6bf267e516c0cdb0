"""``check`` and ``import`` against a real MediaWiki, run as a user would run them."""

from __future__ import annotations

import gc
import json
from collections import Counter
from pathlib import Path

import pytest

from wikisync.canonical import load_canonical
from wikisync.live import check_live
from wikisync.mapping import load_mapping
from wikisync.pipeline import CheckContext
from wikisync.wiki import WikiSession

from .cache_state import clear_caches
from .clirun import run_cli
from .mediawiki_server import MediaWikiServer

ROOT = Path(__file__).parent.parent
MIRAHEZE = ROOT / "mappings" / "miraheze"
PAGES = Path(__file__).parent / "data" / "pages"

pytestmark = pytest.mark.wiki


def write_mapping(
    tmp_path: Path,
    api_url: str,
    pages: str = "titles: [Tech:Organisation]",
    canonical: Path = MIRAHEZE / "canonical" / "sre-2021.yaml",
) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(
        f"wiki:\n  api_url: {api_url}\n  contact: tests@example.org\n"
        f"pages:\n  {pages}\ncanonical: {canonical}\n"
        f"spelling:\n  wordlist: {MIRAHEZE / 'domain-words.txt'}\n"
        "fix: [typo, wording, missing-position]\n"
    )
    return path


def bot_env(mediawiki: MediaWikiServer) -> dict[str, str]:
    return {
        "WIKISYNC_USERNAME": mediawiki.bot_username,
        "WIKISYNC_PASSWORD": mediawiki.bot_password,
    }


def findings_of(stdout: str) -> list[tuple[str, str | None, str | None]]:
    data = json.loads(stdout)
    return sorted(
        (f["kind"], f["found"], f["expected"]) for page in data["pages"] for f in page["findings"]
    )


def test_live_check_matches_the_offline_check(mediawiki: MediaWikiServer, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path, mediawiki.api_url)
    live = run_cli("check", str(mapping), "--format", "json", env=bot_env(mediawiki))
    assert live.returncode == 1, live.stderr
    offline = run_cli(
        "check", str(mapping), "--page-file", str(PAGES / "seed.wikitext"), "--format", "json"
    )
    assert findings_of(live.stdout) == findings_of(offline.stdout)
    page = json.loads(live.stdout)["pages"][0]
    revid, _text = mediawiki.read("Tech:Organisation")
    assert page["revid"] == revid


def test_anonymous_check_reads_too(mediawiki: MediaWikiServer, tmp_path: Path) -> None:
    mapping = write_mapping(tmp_path, mediawiki.api_url)
    result = run_cli("check", str(mapping), "--api-url", mediawiki.api_url)
    assert result.returncode == 1, result.stderr
    assert "respresents" in result.stdout


def test_wrong_password_exits_3_without_the_password(
    mediawiki: MediaWikiServer, tmp_path: Path
) -> None:
    mapping = write_mapping(tmp_path, mediawiki.api_url)
    secret = "0123456789abcdefghijklmnopqrstuv"
    result = run_cli(
        "check",
        str(mapping),
        env={
            "WIKISYNC_USERNAME": mediawiki.bot_username,
            "WIKISYNC_PASSWORD": secret,
            "WIKISYNC_DEBUG": "1",
        },
    )
    assert result.returncode == 3
    assert "login" in result.stderr.lower()
    assert secret not in result.stderr + result.stdout


def test_missing_page_is_reported_by_name(mediawiki: MediaWikiServer, tmp_path: Path) -> None:
    mapping = write_mapping(
        tmp_path, mediawiki.api_url, pages="titles: [Tech:Organisation, Tech:No such page]"
    )
    result = run_cli("check", str(mapping), "--format", "json")
    assert result.returncode == 2
    pages = {p["title"]: p for p in json.loads(result.stdout)["pages"]}
    assert pages["Tech:No such page"]["problem"].startswith("missing")
    assert pages["Tech:Organisation"]["findings"]


def test_prefix_selects_many_pages(mediawiki: MediaWikiServer, tmp_path: Path) -> None:
    seed = (PAGES / "seed.wikitext").read_text()
    titles = [f"Org copies/{i:02d}" for i in range(12)]
    mediawiki.import_pages({t: seed for t in titles})
    mapping = write_mapping(tmp_path, mediawiki.api_url, pages='prefix: "Org copies/"')
    result = run_cli("check", str(mapping), "--format", "json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [p["title"] for p in data["pages"]] == titles
    assert len({len(p["findings"]) for p in data["pages"]}) == 1


def test_many_pages_are_read_in_batches_after_a_short_first_read(
    mediawiki: MediaWikiServer, tmp_path: Path
) -> None:
    """Checking starts after a 5-title read; then full batches of 50, each title once."""
    seed = (PAGES / "seed.wikitext").read_text()
    titles = [f"Org batch/{i:02d}" for i in range(60)]
    mediawiki.import_pages({t: seed for t in titles})
    mapping = write_mapping(tmp_path, mediawiki.api_url, pages='prefix: "Org batch/"')
    since = len(mediawiki.api_requests())
    result = run_cli("check", str(mapping), "--format", "json")  # anonymous: 50 a request
    assert result.returncode == 1, result.stderr
    reads = [q["params"]["titles"].split("|") for q in mediawiki.content_queries(since)]
    # (the wiki's request log shortens long parameters, so the middle batch is seen by ends)
    assert len(reads) == 3
    assert reads[0] == titles[:5] and reads[1][0] == titles[5] and reads[2] == titles[55:]
    data = json.loads(result.stdout)
    assert [p["title"] for p in data["pages"]] == titles
    assert len({json.dumps(p["findings"]) for p in data["pages"]}) == 1


def test_import_restructure_gives_canonical_that_matches(
    mediawiki: MediaWikiServer, tmp_path: Path
) -> None:
    output = tmp_path / "imported.yaml"
    result = run_cli(
        "import",
        "--api-url",
        mediawiki.api_url,
        "--page",
        "Tech:SRE 2021 Restructure",
        "--output",
        str(output),
    )
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
    imported = load_canonical(output)
    bundled = load_canonical(MIRAHEZE / "canonical" / "sre-2021.yaml")

    def shape(units: list) -> list:  # type: ignore[type-arg]
        return [(u.kind, u.full_name, shape(u.children)) for u in units if u.kind != "access-role"]

    assert shape(imported.units) == shape(bundled.units)
    # the restructure page compared with its own import is in sync
    mapping = write_mapping(
        tmp_path, mediawiki.api_url, pages='titles: ["Tech:SRE 2021 Restructure"]', canonical=output
    )
    check = run_cli("check", str(mapping), "--format", "json")
    assert check.returncode == 0, check.stdout
    # and the imported text is the approved text, word for word
    context = CheckContext(load_mapping(mapping))
    for mine, theirs in zip(context.canonical.walk(), bundled.walk(), strict=False):
        if mine.prose and theirs.prose:
            assert " ".join(mine.prose).split() == " ".join(theirs.prose).split()


def test_import_refuses_to_overwrite(mediawiki: MediaWikiServer, tmp_path: Path) -> None:
    output = tmp_path / "exists.yaml"
    output.write_text("keep me\n")
    result = run_cli(
        "import",
        "--api-url",
        mediawiki.api_url,
        "--page",
        "Tech:SRE 2021 Restructure",
        "--output",
        str(output),
    )
    assert result.returncode == 2
    assert output.read_text() == "keep me\n"
    missing = run_cli(
        "import",
        "--api-url",
        mediawiki.api_url,
        "--page",
        "Nope",
        "--output",
        str(tmp_path / "n.yaml"),
    )
    assert missing.returncode == 2
    assert "Nope" in missing.stderr


def test_live_check_leaves_no_reference_cycles(mediawiki: MediaWikiServer, tmp_path: Path) -> None:
    """What a check leaves is frozen out of the collector's way; that is safe only because
    a check makes no reference cycles (each would be kept until unfrozen)."""
    seed = (PAGES / "seed.wikitext").read_text()
    titles = [f"Org cycles/{i:02d}" for i in range(8)]
    mediawiki.import_pages(
        {t: seed.replace("Nominated", f"Nominated ({i})", 1) for i, t in enumerate(titles)}
    )
    mapping = write_mapping(tmp_path, mediawiki.api_url, pages='prefix: "Org cycles/"')
    context = CheckContext(load_mapping(mapping))
    session = WikiSession.connect(mediawiki.api_url, contact="tests@example.org")
    gc.collect()
    frozen_before = gc.get_freeze_count()
    result = check_live(context, gateway=session)
    assert [page.title for page in result.pages] == titles
    assert all(page.findings for page in result.pages)
    assert gc.get_freeze_count() > frozen_before
    del result, context  # and with the caches: cycles inside kept objects become garbage
    clear_caches()
    gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        found = gc.collect()
        kinds = Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert found == 0, kinds.most_common(10)
