"""The ``{{bots}}`` / ``{{nobots}}`` opt-out convention, read from a page's wikitext.

Editors mark pages that automated accounts should leave alone (see English Wikipedia's
Template:Bots). It is a courtesy the wiki does not enforce, so a well-behaved bot checks it
itself before saving. Only the wikitext is read: the templates need not exist on the wiki.

- ``{{nobots}}``, ``{{bots|allow=none}}``, ``{{bots|deny=all}}``: no bot may edit.
- ``{{bots|deny=A,B}}``: the listed bots may not edit.
- ``{{bots|allow=A,B}}``: only the listed bots may edit.
- ``{{bots}}``, ``{{bots|allow=all}}``, ``{{bots|deny=none}}``: every bot may edit.

Names are compared case-insensitively, without the ``@app`` part of a bot-password login.
A bot named explicitly wins over ``all``; when several templates appear, any denial counts.
"""

from __future__ import annotations

import re

import mwparserfromhell
from mwparserfromhell.nodes import Template

__all__ = ["bots_policy"]

_TEMPLATE_PREFIX = re.compile(r"^\s*template\s*:\s*", re.IGNORECASE)
_QUOTE_LIMIT = 80


def _name(raw: str) -> str:
    """A user or bot name for comparison: no ``@app``, underscores as spaces, case-folded."""
    bare = raw.partition("@")[0].replace("_", " ")
    return " ".join(bare.split()).casefold()


def _template_kind(template: Template) -> str | None:
    """``"bots"`` or ``"nobots"`` for those templates (first letter in either case), else None."""
    name = _TEMPLATE_PREFIX.sub("", template.name.strip_code()).replace("_", " ").strip()
    name = name[:1].lower() + name[1:]
    return name if name in ("bots", "nobots") else None


def _names(template: Template, key: str) -> set[str] | None:
    """The names listed in ``key=``, or None when the template has no such parameter."""
    if not template.has(key):
        return None
    value = template.get(key).value.strip_code()
    return {_name(part) for part in value.split(",") if part.strip()}


def _quote(template: Template) -> str:
    text = " ".join(str(template).split())
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 3] + "..."


def _verdict(template: Template, kind: str, me: str, shown: str) -> str | None:
    allow, deny = _names(template, "allow"), _names(template, "deny")
    where = f"the page has {_quote(template)}"
    if kind == "nobots" and allow is None and deny is None:
        return f"{where}, which asks all bots to stay away"
    if deny is not None and me in deny:
        return f"{where}, which denies {shown}"
    if allow is not None and me in allow:
        return None
    if deny is not None and "all" in deny:
        return f"{where}, which denies all bots"
    if allow is not None and "all" not in allow:
        if not allow - {"none"}:
            return f"{where}, which allows no bots"
        return f"{where}, which allows only the listed bots, not {shown}"
    return None


def bots_policy(text: str, username: str) -> str | None:
    """None when ``username`` may edit a page with this wikitext, else the reason it may not.

    Templates inside comments, ``<nowiki>`` and ``<pre>`` are text, not templates, and are
    ignored, as the wiki itself ignores them.
    """
    me = _name(username)
    shown = username.partition("@")[0].strip() or username
    for template in mwparserfromhell.parse(text).filter_templates():
        kind = _template_kind(template)
        if kind is None:
            continue
        reason = _verdict(template, kind, me, shown)
        if reason is not None:
            return reason
    return None
