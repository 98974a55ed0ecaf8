"""Loosening waits, tightening is instant: compare two configs, rule by rule.

`stricter(old, new)` keeps, for every rule, whichever of the two is stricter,
as the schema in agent/config.py marks beside each field (`Stricter`): a person
or profile in either, a category on in either, an allow entry only if both have
it, the longer delay, the shorter window, the lower daily limit. When that
equals `new`, the change only tightens and applies at once; otherwise the
stricter mix applies now and `new` waits out the cooldown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from agent.config import Config, Person, Stricter, Subscription

ACTION_STRENGTH = {"notify": 0, "suspend": 1, "close": 2}


def _all(old: list, new: list) -> list:
    return list(new) + [item for item in old if item not in new]


def _lower_limit(old: int | None, new: int | None) -> int | None:
    return new if old is None else old if new is None else min(old, new)


def _more_each(old: dict, new: dict) -> dict:
    merged = {**old, **new}
    for name, value in old.items():
        merged[name] = max(value, merged[name])
    return merged


def _by_alias(old: list[dict], new: list[dict]) -> list[dict]:
    before = {p["alias"]: p for p in old}
    merged = [_merge(Person, before.pop(p["alias"]), p) if p["alias"] in before else p for p in new]
    return merged + list(before.values())  # a person removed stays until the wait is over


def _by_list(old: list[dict], new: list[dict]) -> list[dict]:
    before = {(s["url"], s["category"]): s for s in old}
    merged = [_merge(Subscription, before.pop(key), s) if (key := (s["url"], s["category"])) in before else s
              for s in new]
    return merged + list(before.values())  # a list removed is still fetched and followed until the wait is over


def _app_key(entry: Any) -> str:
    if isinstance(entry, str):
        return entry.casefold()
    return str(entry.get("preset") or entry.get("name")).casefold()


def _app_action(entry: Any) -> str:
    return "notify" if isinstance(entry, str) else str(entry.get("action", "notify")).strip().lower()


def _stronger_action(old: list, new: list) -> list:
    """Every app barred in either; for one in both, the stronger action."""
    before = {_app_key(e): e for e in old}
    merged = []
    for entry in new:
        previous = before.pop(_app_key(entry), None)
        if previous is not None and ACTION_STRENGTH[_app_action(previous)] > ACTION_STRENGTH[_app_action(entry)]:
            entry = previous
        merged.append(entry)
    return merged + list(before.values())


def _close(old: str, new: str) -> str:
    return "close" if "close" in (old, new) else new


def _close_each(old: dict, new: dict) -> dict:
    return {key: _close(old.get(key, new.get(key)), new.get(key, old.get(key))) for key in {**old, **new}}


RULES: dict[Stricter, Callable[[Any, Any], Any]] = {
    Stricter.EITHER: lambda old, new: old or new,
    Stricter.ALL: _all,
    Stricter.BOTH: lambda old, new: [entry for entry in new if entry in old],
    Stricter.MORE: max,
    Stricter.LESS: min,
    Stricter.LOWER_LIMIT: _lower_limit,
    Stricter.MORE_EACH: _more_each,
    Stricter.BY_ALIAS: _by_alias,
    Stricter.STRONGER_ACTION: _stronger_action,
    Stricter.BY_LIST: _by_list,
    Stricter.CLOSE: _close,
    Stricter.CLOSE_EACH: _close_each,
}


def _merge(model: type[BaseModel], old: dict, new: dict) -> dict:
    """The stricter of two dumps of `model`, field by field as the schema marks them."""
    merged = {}
    for name, field in model.model_fields.items():
        rule = next((mark for mark in field.metadata if isinstance(mark, Stricter)), None)
        if rule is not None:
            merged[name] = RULES[rule](old[name], new[name])
        elif isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            merged[name] = _merge(field.annotation, old[name], new[name])
        else:
            merged[name] = new[name]  # no rule: a change applies at once
    return merged


def stricter(old: Config, new: Config) -> Config:
    return Config.model_validate(_merge(Config, old.model_dump(), new.model_dump()))


def loosens(old: Config, new: Config) -> bool:
    """Does `new` relax any rule of `old`?"""
    return stricter(old, new).model_dump() != new.model_dump()
