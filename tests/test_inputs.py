"""Bad input: every case is one line naming the file (and line), exit code 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikisync.canonical import load_canonical
from wikisync.errors import InputError
from wikisync.mapping import load_mapping
from wikisync.pipeline import read_page_file

from .clirun import run_cli

ROOT = Path(__file__).parent.parent
MIRAHEZE = ROOT / "mappings" / "miraheze"

GOOD_MAPPING = f"""\
wiki:
  api_url: https://wiki.example.org/w/api.php
  contact: ops@example.org
pages:
  titles: [Tech:Organisation]
canonical: {MIRAHEZE / "canonical" / "sre-2021.yaml"}
snapshot: {MIRAHEZE / "snapshots" / "Tech_Organisation.wikitext"}
spelling:
  enabled: false
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


BAD_MAPPINGS = [
    # (name, text, expected line, words in the message)
    ("malformed.yaml", GOOD_MAPPING + "fix: [typo\n", 11, "malformed YAML"),
    ("unknown-key.yaml", GOOD_MAPPING + "fixes: [typo]\n", 10, "unknown key 'fixes'"),
    (
        "nested-unknown.yaml",
        GOOD_MAPPING.replace("  contact:", "  contakt:"),
        3,
        "unknown key 'wiki.contakt'",
    ),
    (
        "wrong-type.yaml",
        GOOD_MAPPING.replace("enabled: false", "enabled: [x]"),
        9,
        "spelling.enabled",
    ),
    ("bad-fix-kind.yaml", GOOD_MAPPING + "fix: [extra-team]\n", 10, "cannot be fixed"),
    (
        "missing-canonical.yaml",
        GOOD_MAPPING.replace(str(MIRAHEZE / "canonical" / "sre-2021.yaml"), "nowhere.yaml"),
        6,
        "canonical file not found",
    ),
    ("duplicate.yaml", GOOD_MAPPING + "canonical: x.yaml\n", 10, "duplicate key 'canonical'"),
    ("bad-url.yaml", GOOD_MAPPING.replace("https://wiki", "ftp://wiki"), 2, "wiki.api_url"),
    (
        "bad-rule.yaml",
        GOOD_MAPPING + "conventions:\n  rules:\n    - {kind: team}\n",
        12,
        "exactly one of",
    ),
    ("not-a-mapping.yaml", "- just\n- a list\n", 1, "YAML mapping"),
    ("path-key.yaml", GOOD_MAPPING + "path: elsewhere.yaml\n", 10, "unknown key 'path'"),
]


@pytest.mark.parametrize(
    ("name", "text", "line", "words"), BAD_MAPPINGS, ids=[b[0] for b in BAD_MAPPINGS]
)
def test_bad_mapping_is_one_line_with_file_and_line(
    tmp_path: Path, name: str, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as caught:
        load_mapping(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "text", "line", "words"), BAD_MAPPINGS[:3], ids=[b[0] for b in BAD_MAPPINGS[:3]]
)
def test_bad_mapping_through_the_command(
    tmp_path: Path, name: str, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, name, text)
    result = run_cli("check", str(path), "--offline")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert f"{path}:{line}:" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_canonical_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "canon.yaml", "units:\n  - kind: team\n    name: A\n    colour: red\n")
    with pytest.raises(InputError, match=r"canon\.yaml:4: unknown key 'units\.0\.colour'"):
        load_canonical(path)
    path = write(tmp_path, "canon2.yaml", "units:\n  - kind: squad\n    name: A\n")
    with pytest.raises(InputError, match=r"canon2\.yaml:2: units\.0\.kind"):
        load_canonical(path)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "page is empty"),
        (b"   \n\n", "page is empty"),
        (b"== Team: A ==\n\x00\x01\x02", "binary"),
        (b"== Team: A ==\n\xff\xfe broken", "not valid UTF-8"),
        (b"x" * (2 * 1024 * 1024 + 1), "too big"),
    ],
    ids=["empty", "blank", "nul", "invalid-utf8", "huge"],
)
def test_bad_page_file(tmp_path: Path, content: bytes, words: str) -> None:
    mapping = write(tmp_path, "m.yaml", GOOD_MAPPING)
    page = write(tmp_path, "page.wikitext", content)
    with pytest.raises(InputError, match=words):
        read_page_file(page, "T")
    result = run_cli("check", str(mapping), "--page-file", str(page))
    assert result.returncode == 2, result.stderr
    assert str(page) in result.stderr
    assert result.stderr.count("\n") == 1


def test_missing_files_through_the_command(tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path / "nope.yaml"), "--offline")
    assert result.returncode == 2
    assert "nope.yaml: YAML file not found" in result.stderr
    mapping = write(tmp_path, "m.yaml", GOOD_MAPPING)
    result = run_cli("check", str(mapping), "--page-file", str(tmp_path / "gone.wikitext"))
    assert result.returncode == 2
    assert "gone.wikitext: page file not found" in result.stderr


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        load_mapping(tmp_path)
    result = run_cli("check", str(tmp_path), "--offline")
    assert result.returncode == 2
    assert "is a directory" in result.stderr
    assert "Traceback" not in result.stderr
