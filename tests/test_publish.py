"""Publishing against the real wiki, as a user runs it: plans, safety, idempotence, revert."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from .clirun import run_cli
from .mediawiki_server import MediaWikiServer

ROOT = Path(__file__).parent.parent
MIRAHEZE = ROOT / "mappings" / "miraheze"
PAGES = Path(__file__).parent / "data" / "pages"

pytestmark = pytest.mark.wiki


@pytest.fixture
def page(mediawiki: MediaWikiServer, fresh_title: str) -> str:
    """A fresh copy of the seed page with a position removed."""
    mediawiki.import_pages({fresh_title: (PAGES / "removed-position.wikitext").read_text()})
    return fresh_title


@pytest.fixture
def env(mediawiki: MediaWikiServer, tmp_path: Path) -> dict[str, str]:
    return {
        "WIKISYNC_USERNAME": mediawiki.bot_username,
        "WIKISYNC_PASSWORD": mediawiki.bot_password,
        "WIKISYNC_STORE": str(tmp_path / "store.sqlite3"),
    }


def mapping_for(tmp_path: Path, mediawiki: MediaWikiServer, title: str) -> str:
    text = (MIRAHEZE / "mapping.yaml").read_text()
    text = text.replace("https://meta.miraheze.org/w/api.php", mediawiki.api_url)
    text = text.replace("    - Tech:Organisation", f'    - "{title}"')
    for name in ("canonical/", "snapshots/", "domain-words.txt"):
        text = text.replace(f" {name}", f" {MIRAHEZE}/{name}")
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return str(path)


def revision_count(mediawiki: MediaWikiServer, title: str) -> int:
    answer = mediawiki.api(
        {
            "action": "query",
            "prop": "revisions",
            "titles": title,
            "rvlimit": "max",
            "rvprop": "ids",
            "formatversion": "2",
        }
    )
    return len(answer["query"]["pages"][0]["revisions"])


def changed_lines(old: str, new: str) -> list[str]:
    return [
        line
        for line in difflib.ndiff(old.splitlines(), new.splitlines())
        if line.startswith(("- ", "+ "))
    ]


def test_publish_fixes_slips_and_inserts_the_position_touching_nothing_else(
    mediawiki: MediaWikiServer, page: str, env: dict[str, str], tmp_path: Path
) -> None:
    mapping = mapping_for(tmp_path, mediawiki, page)
    old_revid, old = mediawiki.read(page)
    dry = run_cli("publish", mapping, env=env)
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout
    assert "+=== Position: Engineering Manager, Infrastructure" in dry.stdout
    assert mediawiki.read(page)[0] == old_revid  # a dry run writes nothing

    done = run_cli("publish", mapping, "--yes", env=env)
    assert done.returncode == 0, done.stderr
    new_revid, new = mediawiki.read(page)
    assert new_revid != old_revid
    assert f"published r{old_revid} -> r{new_revid}" in done.stdout
    removed = [line[2:] for line in changed_lines(old, new) if line.startswith("- ")]
    added = [line[2:] for line in changed_lines(old, new) if line.startswith("+ ")]
    # every removed line is a line with a slip, and comes back fixed
    assert len(removed) == 5
    for line in removed:
        assert any(slip in line for slip in ("cover ", "persons", "pro-active", "MediaWiki,"))
    inserted = (PAGES.parent / "edit" / "Tech_Organisation.fixed.wikitext").read_text()
    start = inserted.index("=== Position: Engineering Manager, Infrastructure")
    block = inserted[start : inserted.index("== Team: MediaWiki")].strip().splitlines()
    assert all(line in added for line in block if line)
    assert len(added) == len(removed) + len(block) + 1  # the block and one blank line after it

    check = run_cli("check", mapping, "--format", "json", env=env)
    kinds = {f["kind"] for p in json.loads(check.stdout)["pages"] for f in p["findings"]}
    assert kinds == {"typo"}  # only the dictionary typos that the mapping leaves to people

    again = run_cli("publish", mapping, "--yes", env=env)
    assert again.returncode == 0
    assert "nothing to publish" in again.stdout
    assert mediawiki.read(page)[0] == new_revid


def test_plan_then_human_edit_exits_4_and_keeps_the_human_text(
    mediawiki: MediaWikiServer, page: str, env: dict[str, str], tmp_path: Path
) -> None:
    mapping = mapping_for(tmp_path, mediawiki, page)
    plan = tmp_path / "plan.json"
    check = run_cli("check", mapping, "--save-plan", str(plan), env=env)
    assert check.returncode == 1 and plan.is_file()
    saved = json.loads(plan.read_text())
    assert mediawiki.bot_password not in plan.read_text()
    _, text = mediawiki.read(page)
    human = text.replace("that cover the", "that covers, as people wrote it, the")
    human_revid = mediawiki.edit_as_human(page, human, "fix it by hand")

    result = run_cli("publish", mapping, "--plan", str(plan), "--yes", env=env)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "changed since the plan" in result.stdout
    revid, now = mediawiki.read(page)
    assert revid == human_revid and now == human.rstrip()
    assert saved["base_revid"] != human_revid

    # --replan plans again from the human's revision and shows that diff (a dry run here)
    replan = run_cli("publish", mapping, "--plan", str(plan), "--replan", env=env)
    assert replan.returncode == 0
    assert f"changed since the plan (r{saved['base_revid']} -> r{human_revid})" in replan.stdout
    assert f"--- {page} (r{human_revid})" in replan.stdout
    assert mediawiki.read(page)[0] == human_revid


def test_plan_published_exactly(
    mediawiki: MediaWikiServer, page: str, env: dict[str, str], tmp_path: Path
) -> None:
    mapping = mapping_for(tmp_path, mediawiki, page)
    plan = tmp_path / "plan.json"
    run_cli("check", mapping, "--save-plan", str(plan), env=env)
    result = run_cli("publish", mapping, "--plan", str(plan), "--yes", env=env)
    assert result.returncode == 0, result.stderr
    assert mediawiki.read(page)[1] == json.loads(plan.read_text())["new_text"].rstrip()


def test_revert_restores_the_previous_text_exactly(
    mediawiki: MediaWikiServer, page: str, env: dict[str, str], tmp_path: Path
) -> None:
    mapping = mapping_for(tmp_path, mediawiki, page)
    _, before = mediawiki.read(page)
    assert run_cli("publish", mapping, "--yes", env=env).returncode == 0
    history = run_cli("history", env=env)
    assert history.returncode == 0
    run_id = history.stdout.splitlines()[1].split()[0]
    assert page in history.stdout
    result = run_cli("revert", run_id, "--yes", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert mediawiki.read(page)[1] == before


def test_revert_refuses_after_a_later_edit(
    mediawiki: MediaWikiServer, page: str, env: dict[str, str], tmp_path: Path
) -> None:
    mapping = mapping_for(tmp_path, mediawiki, page)
    assert run_cli("publish", mapping, "--yes", env=env).returncode == 0
    run_id = run_cli("history", env=env).stdout.splitlines()[1].split()[0]
    _, text = mediawiki.read(page)
    later = mediawiki.edit_as_human(page, text + "\nA later human line.", "later")
    result = run_cli("revert", run_id, "--yes", env=env)
    assert result.returncode == 4
    assert "no longer the latest revision" in result.stdout
    assert mediawiki.read(page)[0] == later


@pytest.mark.parametrize("template", ["{{nobots}}", "{{bots|deny=WikisyncBot}}"])
def test_nobots_is_honoured(
    mediawiki: MediaWikiServer, fresh_title: str, env: dict[str, str], tmp_path: Path, template: str
) -> None:
    text = template + "\n" + (PAGES / "seed.wikitext").read_text()
    mediawiki.import_pages({fresh_title: text})
    count = revision_count(mediawiki, fresh_title)
    mapping = mapping_for(tmp_path, mediawiki, fresh_title)
    result = run_cli("publish", mapping, "--yes", env=env)
    assert result.returncode == 3
    assert "refuses this bot" in result.stdout
    assert revision_count(mediawiki, fresh_title) == count


def test_read_only_wiki_writes_nothing(
    mediawiki: MediaWikiServer, page: str, env: dict[str, str], tmp_path: Path
) -> None:
    mapping = mapping_for(tmp_path, mediawiki, page)
    count = revision_count(mediawiki, page)
    mediawiki.set_readonly(True)
    try:
        result = run_cli("publish", mapping, "--yes", env=env)
    finally:
        mediawiki.set_readonly(False)
    assert result.returncode == 3, result.stdout + result.stderr
    assert revision_count(mediawiki, page) == count


def test_publish_without_login_is_refused(
    mediawiki: MediaWikiServer, page: str, tmp_path: Path
) -> None:
    mapping = mapping_for(tmp_path, mediawiki, page)
    result = run_cli(
        "publish", mapping, "--yes", env={"WIKISYNC_STORE": str(tmp_path / "s.sqlite3")}
    )
    assert result.returncode == 2
    assert "needs a login" in result.stderr
