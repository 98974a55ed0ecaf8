"""Loosening waits, tightening is instant: compare two configs, rule by rule.

`stricter(old, new)` keeps, for every rule, whichever of the two is stricter:
a person or profile in either, a category on in either, an allow entry only
if both have it, the longer delay, the shorter window, the lower daily limit.
When that equals `new`, the change only tightens and applies at once;
otherwise the stricter mix applies now and `new` waits out the cooldown.
"""

from __future__ import annotations

from typing import Any

from agent.config import Config


def _union(old: list, new: list) -> list:
    return list(new) + [item for item in old if item not in new]


def _people(old: list[dict], new: list[dict]) -> list[dict]:
    before = {p["alias"]: p for p in old}
    merged = []
    for person in new:
        previous = before.pop(person["alias"], None)
        if previous:
            person = {**person, **{key: _union(previous[key], person[key])
                                   for key in ("profiles", "names", "emails", "phones")}}
        merged.append(person)
    return merged + list(before.values())  # a person removed stays until the wait is over


def _limit(old: int | None, new: int | None) -> int | None:
    return new if old is None else old if new is None else min(old, new)


def _cooldown(old: dict, new: dict) -> dict:
    delays = {**old["delays"], **new["delays"]}
    for name, seconds in old["delays"].items():
        delays[name] = max(seconds, delays[name])
    return {
        "delay": max(old["delay"], new["delay"]),
        "window": min(old["window"], new["window"]),
        "escalate": {key: max(old["escalate"][key], new["escalate"][key]) for key in ("factor", "max")},
        "daily_limit": _limit(old["daily_limit"], new["daily_limit"]),
        "delays": delays,
    }


ACTION_STRENGTH = {"notify": 0, "suspend": 1, "close": 2}


def _app_key(entry: Any) -> str:
    if isinstance(entry, str):
        return entry.casefold()
    return str(entry.get("preset") or entry.get("name")).casefold()


def _app_action(entry: Any) -> str:
    return "notify" if isinstance(entry, str) else entry.get("action", "notify")


def _apps(old: list, new: list) -> list:
    """Every app barred in either; for one in both, the stronger action."""
    before = {_app_key(e): e for e in old}
    merged = []
    for entry in new:
        previous = before.pop(_app_key(entry), None)
        if previous is not None and ACTION_STRENGTH[_app_action(previous)] > ACTION_STRENGTH[_app_action(entry)]:
            entry = previous
        merged.append(entry)
    return merged + list(before.values())


def stricter(old: Config, new: Config) -> Config:
    a, b = old.model_dump(), new.model_dump()
    merged: dict[str, Any] = {
        "people": _people(a["people"], b["people"]),
        "block": {
            **{key: a["block"][key] or b["block"][key] for key in a["block"] if isinstance(a["block"][key], bool)},
            "sites": _union(a["block"]["sites"], b["block"]["sites"]),
            "urls": _union(a["block"]["urls"], b["block"]["urls"]),
        },
        "allow": [entry for entry in b["allow"] if entry in a["allow"]],
        "messages": b["messages"],
        "notify": b["notify"],
        "apps": _apps(a["apps"], b["apps"]),
        "watcher": b["watcher"],
        "barrier": {key: a["barrier"][key] or b["barrier"][key] for key in a["barrier"]},
        "cooldown": _cooldown(a["cooldown"], b["cooldown"]),
    }
    return Config.model_validate(merged, context={"seconds": True})


def loosens(old: Config, new: Config) -> bool:
    """Does `new` relax any rule of `old`?"""
    return stricter(old, new).model_dump() != new.model_dump()
