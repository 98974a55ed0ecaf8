"""Loosening waits, tightening is instant: compare two configs, rule by rule.

`stricter(old, new)` keeps, for every rule, whichever of the two is stricter,
as the schema in agent/config.py marks beside each field (`Stricter`): a person
or profile in either, a category on in either, an allow entry only if both have
it, the longer delay, the shorter window, the lower daily limit. When that
equals `new`, the change only tightens and applies at once; otherwise the
stricter mix applies now and `new` waits out the cooldown.

`loosenings(old, new)` says the same in words, one short phrase a loosened rule,
for the wait's name and the commands; `on_record` reads the config in force from
its signed record, for the commands that do not run the agent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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


# --- what a loosening is, in words ------------------------------------------------------------------
# Said where a looser config waits (`nocontact status`, `check`), so the person sees what the wait is
# for. Never a name, a handle or a profile: what is about the person is counted, under their alias.


def length(seconds: float) -> str:
    """A length of time as the config writes it: 20m, 1h30m, 45s."""
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n) or "0s"


def _words(value: Any) -> str:
    return "no limit" if value is None else f"x{value:g}" if isinstance(value, float) else str(value).replace("_", " ")


# Each marked field by its place in the schema (list positions left out): what it is called, and how its
# values read. A field missing here is called by its place, so a new rule is never said as nothing (and
# tests/unit/test_loosening.py asks for words for each).
LABELS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "people": ("", str),
    "people.profiles": ("profile", str),
    "people.names": ("name searched for", str),
    "people.emails": ("email", str),
    "people.phones": ("phone number", str),
    "block.sites": ("", str),
    "block.urls": ("address of your own", str),
    "allow": ("", str),
    "cooldown.delay": ("the wait", length),
    "cooldown.window": ("a window", length),
    "cooldown.escalate.factor": ("the wait's growth after each window", _words),
    "cooldown.escalate.max": ("the longest wait", length),
    "cooldown.daily_limit": ("windows a day", _words),
    "cooldown.delays": ("the wait for", length),
    "apps": ("", _words),
    "barrier.email": ("emails to them", str),
    "barrier.social_messages": ("messages to them", str),
    "barrier.payments": ("payments to them", str),
    "lists": ("", str),
    "lists.every": ("fetched every", length),
    "devices.pinned_apps": ("pinned apps on devices:", _words),
    "devices.pinned_apps_for": ("pinned apps on", _words),
}


def _label(place: str) -> tuple[str, Callable[[Any], str]]:
    return LABELS.get(place, (place, _words))


def _counted(count: int, noun: str) -> str:
    """"1 profile", "2 names searched for": the first word takes the plural."""
    head, _, tail = noun.partition(" ")
    return " ".join(filter(None, (str(count), head if count == 1 else head + ("es" if head.endswith("ss") else "s"),
                                  tail)))


def _off(rule: Stricter, place: str, who: str, old: Any, new: Any) -> list[str]:
    from agent.engine.categories import BY_KEY

    category = BY_KEY.get(place.removeprefix("block.")) if place.startswith("block.") else None
    if category:
        return [f"{category.plural} no longer paused"]
    held = _label(place)[0]
    return [f"{who}{held} no longer held back" if place.startswith("barrier.") else f"{who}{held}: off"]


def _taken_out(rule: Stricter, place: str, who: str, old: list, new: list) -> list[str]:
    gone = [entry for entry in old if entry not in new]
    if place == "block.sites":  # the person's own choice of sites, named as they wrote them
        return [f"{', '.join(gone)} no longer paused"]
    return [f"{who}{_counted(len(gone), _label(place)[0])} {'no longer paused' if place.startswith('block.') else 'taken out'}"]


def _added(rule: Stricter, place: str, who: str, old: list, new: list) -> list[str]:
    added = ", ".join(entry for entry in new if entry not in old)
    return [f"{added} never paused (allow)" if place == "allow" else f"{who}{place}: {added} added"]


def _value(rule: Stricter, place: str, who: str, old: Any, new: Any) -> list[str]:
    label, shown = _label(place)
    return [f"{who}{label} {shown(old)} -> {shown(new)}"]


def _each(rule: Stricter, place: str, who: str, old: dict, new: dict) -> list[str]:
    """A value per key: each key loosened, or taken out (it then follows the value for all)."""
    label, shown = _label(place)
    kept = RULES[rule](old, new)
    return [f"{who}{label} {key} {shown(value)} -> {shown(new[key]) if key in new else 'as for the rest'}"
            for key, value in old.items() if kept.get(key) != new.get(key)]


def _by_key(key: Callable[[dict], Any], name: Callable[[dict], str], model_of: Callable[[], type[BaseModel]],
            gone_words: str) -> Callable[..., list[str]]:
    """Entries matched by `key`: one taken out is said by `name`; one in both, field by field."""
    def said(rule: Stricter, place: str, who: str, old: list[dict], new: list[dict]) -> list[str]:
        after = {key(entry): entry for entry in new}
        found = []
        for entry in old:
            if key(entry) not in after:
                found.append(f"{name(entry)} {gone_words}")
            else:
                found += _loosened(model_of(), entry, after[key(entry)], place, f"{name(entry)}: ")
        return found
    return said


def _apps(rule: Stricter, place: str, who: str, old: list, new: list) -> list[str]:
    after = {_app_key(entry): entry for entry in new}
    found = []
    for entry in old:
        now = after.get(_app_key(entry))
        if now is None:
            found.append(f"{_app_key(entry)} no longer barred")
        elif ACTION_STRENGTH[_app_action(entry)] > ACTION_STRENGTH[_app_action(now)]:
            found.append(f"{_app_key(entry)}: {_app_action(entry)} -> {_app_action(now)}")
    return found


SAID: dict[Stricter, Callable[..., list[str]]] = {
    Stricter.EITHER: _off,
    Stricter.ALL: _taken_out,
    Stricter.BOTH: _added,
    Stricter.MORE: _value,
    Stricter.LESS: _value,
    Stricter.LOWER_LIMIT: _value,
    Stricter.CLOSE: _value,
    Stricter.MORE_EACH: _each,
    Stricter.CLOSE_EACH: _each,
    Stricter.BY_ALIAS: _by_key(lambda p: p["alias"], lambda p: p["alias"], lambda: Person,
                               "taken out (their profiles and searches no longer paused)"),
    Stricter.BY_LIST: _by_key(lambda s: (s["url"], s["category"]), lambda s: f"the list {s['url']} ({s['category']})",
                              lambda: Subscription, "no longer followed"),
    Stricter.STRONGER_ACTION: _apps,
}


def _loosened(model: type[BaseModel], old: dict, new: dict, place: str = "", who: str = "") -> list[str]:
    found = []
    for name, field in model.model_fields.items():
        here = f"{place}.{name}" if place else name
        rule = next((mark for mark in field.metadata if isinstance(mark, Stricter)), None)
        if rule is not None:
            if RULES[rule](old[name], new[name]) != new[name]:
                found += SAID.get(rule, _value)(rule, here, who, old[name], new[name])
        elif isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            found += _loosened(field.annotation, old[name], new[name], here, who)
    return found


def loosenings(old: Config, new: Config) -> list[str]:
    """What `new` relaxes compared with `old`, one short phrase each ("the wait 20m -> 1m", "dating sites no
    longer paused"); empty when it relaxes nothing."""
    return _loosened(Config, old.model_dump(), new.model_dump())


def on_record(data_dir: Path) -> Config | None:
    """The config in force as its signed record says, for a command that does not run the agent: the newest
    copy that verifies of those beside the log and outside the data directory (the agent writes them
    whenever what is in force changes). None when none verifies: nothing to compare with."""
    from agent import highwater, secret

    key = secret.load(data_dir / "secret") or secret.load(highwater.guard_dir(data_dir) / "secret")
    if key is None:
        return None
    found = [highwater.read_file(path, place, key) for place, path in highwater.places(data_dir).items()]
    newest = max((f for f in found if f.valid and f.mark.config), key=lambda f: f.mark.seq, default=None)
    try:
        return Config.model_validate(newest.mark.config) if newest else None
    except ValueError:  # a record from a version whose schema differs: nothing to compare with
        return None
