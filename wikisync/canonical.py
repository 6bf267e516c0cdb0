"""Canonical data: the approved structure as YAML, read with file:line errors and written back.

The writer is what ``import`` uses to turn a live page into canonical data; it emits block
scalars so a diff of canonical data in git reads like a diff of prose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .model import CanonicalOrg, CanonicalUnit, OrgPage, Unit, UnitKind
from .yamlsource import LocatedYaml, load_model

__all__ = ["canonical_from_page", "dump_canonical", "load_canonical"]


def load_canonical(path: Path) -> CanonicalOrg:
    """Read and validate canonical data; unknown keys and wrong types name the line."""
    return load_model(CanonicalOrg, LocatedYaml(path), what="canonical data")


def _unit_from_page(unit: Unit) -> CanonicalUnit | None:
    if unit.kind in (UnitKind.SECTION, UnitKind.PAGE):
        return None
    children = [c for c in (_unit_from_page(child) for child in unit.children) if c is not None]
    return CanonicalUnit(
        kind=unit.kind.value,
        name=unit.name,
        qualifier=unit.qualifier,
        prose=[block.text for block in unit.prose] or None,
        bullets=[bullet.text for bullet in unit.bullets] or None,
        children=children,
    )


def _structural_units(unit: Unit) -> list[CanonicalUnit]:
    """Structural units under ``unit``, lifting those that sit inside plain sections."""
    out: list[CanonicalUnit] = []
    for child in unit.children:
        converted = _unit_from_page(child)
        if converted is not None:
            out.append(converted)
        else:
            out.extend(_structural_units(child))
    return out


def canonical_from_page(page: OrgPage, *, source: str | None = None) -> CanonicalOrg:
    """The canonical data a page states: its structural units with their text.

    Units inside plain sections (e.g. access roles under "Additional Access Roles") are
    lifted to the top, since canonical data only knows structural parents.
    """
    return CanonicalOrg(
        title=page.title, source=source or page.title, units=_structural_units(page.root)
    )


class _BlockDumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = ">" if len(data) > 80 and "\n" not in data and data == data.strip() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BlockDumper.add_representer(str, _str_presenter)


def dump_canonical(org: CanonicalOrg) -> str:
    """Canonical data as YAML, omitting empty fields; loads back to an equal model."""
    data: dict[str, Any] = org.model_dump(exclude_none=True, exclude_defaults=True)
    data["units"] = [_compact(u) for u in org.model_dump()["units"]]
    header = "# Canonical organisation data. Edit by hand; reviewed in git.\n"
    return header + yaml.dump(
        data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=88
    )


def _compact(unit: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in unit.items() if v is not None and k != "children"}
    if unit.get("children"):
        out["children"] = [_compact(child) for child in unit["children"]]
    return out
