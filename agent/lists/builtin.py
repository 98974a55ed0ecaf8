"""The built-in category lists (`config/lists/*.txt`): one domain a line, `#` comments."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from agent.engine.categories import BY_KEY
from agent.engine.urls import normalise_host
from agent.paths import list_file


def read_list(path: Path) -> list[str]:
    domains = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            domains.append(normalise_host(line))
    return domains


@cache
def builtin(category: str) -> tuple[str, ...]:
    if category not in BY_KEY:
        raise KeyError(category)
    path = list_file(category)
    return tuple(read_list(path)) if path.exists() else ()


def builtin_lists(categories: list[str]) -> dict[str, tuple[str, ...]]:
    """The built-in lists of `categories`, as `Policy` takes them."""
    return {name: builtin(name) for name in categories}
