"""Organisation pages made to size, for tests and benchmarks that need big pages."""

from __future__ import annotations

__all__ = ["organisation_text"]


def organisation_text(size: int) -> str:
    """Organisation-like wikitext of at least ``size`` characters (numbered teams, each with
    a position, duties, a link, a template and a tag)."""
    parts: list[str] = []
    total = 0
    number = 0
    while total < size:
        number += 1
        block = (
            f"== Team: Team {number}, Site Reliability Engineering ==\n"
            f"The team {number} looks after [[Tech:Server {number}|server {number}]] and its "
            "backups, monitoring and on-call rota.{{citation needed}}\n\n"
            f"=== Position: Engineering Manager, Team {number} ===\n"
            f"The Engineering Manager of team {number} leads the team and ensures:\n"
            "* appropriate task management for the team's tasks,\n"
            "* goals are met and kept on track,\n"
            "** including the ones set by the <b>Director</b>.\n\n"
        )
        parts.append(block)
        total += len(block)
    return "".join(parts)
