"""The person's config file: read, validate, explain what is wrong.

The schema is declared once with pydantic; every error names the file, the
line and the key, and says what was expected. Beside each rule stands how a
change to it counts (`Stricter`): agent/commitment.py lets a loosening wait.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
)

from agent import yamlmarks
from agent.apps import AppRule, load_presets, rules_from_config
from agent.engine.categories import CATEGORIES, CATEGORY_KEYS
from agent.engine.identity import Identity, ProfileError, email_key, phone_key
from agent.engine.platforms import GENERIC, recognise
from agent.engine.urls import UrlError, normalise_host, parse
from agent.errors import UserError
from agent.pasted import profile_identity

Text = Annotated[str, Field(min_length=1, max_length=200)]


class Stricter(Enum):
    """Which of two values of a rule is the stricter, for agent/commitment.py (loosening waits, tightening
    is instant). A field marked with none takes the new value at once; a section marked with none is
    compared field by field."""

    EITHER = "on in either"
    ALL = "every entry of either"
    BOTH = "only the entries in both"
    MORE = "the larger"
    LESS = "the smaller"
    LOWER_LIMIT = "the lower limit (none is no limit)"
    MORE_EACH = "every key of either, each with the larger value"
    BY_ALIAS = "every person of either (one removed stays), their entries compared one by one"
    STRONGER_ACTION = "every app of either, with the stronger action"
    BY_LIST = "every list of either (one removed stays), by address and category, their fields compared"
    CLOSE = "close over let_through"
    CLOSE_EACH = "every key of either, each with close over let_through"


class ConfigError(UserError):
    """A config that cannot be used; `str()` is the message for the person."""

    def where(self) -> str:
        """Only where the mistakes are (file:line: key), without the values: safe for a system log."""
        return "; ".join(": ".join(line.split(": ")[:2]) for line in str(self).splitlines())


def _profile(value: str, info: ValidationInfo) -> str:
    if (info.context or {}).get("file"):  # as the person wrote it: a link that reaches nobody is a mistake
        profile_identity(value)
        return value
    try:
        recognise(value)
    except ProfileError as err:  # also says when the text is no link at all
        raise ValueError(str(err)) from None
    return value


def _email(value: str) -> str:
    email_key(value)
    return value


def _phone(value: str) -> str:
    try:
        phone_key(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a phone number in international form; "
            "write it with the country code, like +44 7700 900123"
        ) from None
    return value


def _domain(value: str) -> str:
    host = normalise_host(value.split("://", 1)[-1].strip("/"))
    if "/" in host or "." not in host or " " in host:
        raise ValueError(f"{value!r} is not a domain name (expected something like example.com)")
    return host


def _url(value: str) -> str:
    try:
        GENERIC.profile(parse(value))  # the same reading the policy gives a URL prefix
    except UrlError as err:
        raise ValueError(f"{value!r} is not a web address: {err}") from None
    except ProfileError as err:
        raise ValueError(str(err)) from None
    return value


def _domain_or_url(value: str) -> str:
    return _url(value) if "/" in value.split("://", 1)[-1].rstrip("/") else _domain(value)


_SPAN = re.compile(r"(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?")


def _duration(value: Any, info: ValidationInfo) -> float:
    """"20m", "1h30m", "45s" -> seconds. In the file a length needs its unit; from code (a config kept in the
    log, a merged one, a section made in Python) a number is already seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool) and not (info.context or {}).get("file"):
        return float(value)
    match = _SPAN.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise ValueError(f"{value!r} is not a length of time; write it like 20m, 1h or 1h30m")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


Duration = Annotated[Any, AfterValidator(_duration)]
ProfileUrl = Annotated[str, AfterValidator(_profile)]
Email = Annotated[str, AfterValidator(_email)]
Phone = Annotated[str, AfterValidator(_phone)]
Domain = Annotated[str, AfterValidator(_domain)]
UrlPrefix = Annotated[str, AfterValidator(_url)]
DomainOrUrl = Annotated[str, AfterValidator(_domain_or_url)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Person(Strict):
    alias: Annotated[str, Field(min_length=1, max_length=40)]
    profiles: Annotated[list[ProfileUrl], Stricter.ALL] = []
    names: Annotated[list[Text], Stricter.ALL] = []
    emails: Annotated[list[Email], Stricter.ALL] = []
    phones: Annotated[list[Phone], Stricter.ALL] = []
    plan: Text | None = None  # their own if-then plan, shown on block pages

    @property
    def identities(self) -> list[Identity]:
        found = [recognise(p) for p in self.profiles]
        found += [Identity("phone", phone_key(p)) for p in self.phones]
        return found


class _Block(Strict):
    @property
    def categories(self) -> list[str]:
        """The keys of the categories switched on."""
        return [key for key in CATEGORY_KEYS if getattr(self, key)]


# One true/false switch a category (from the categories table), then the person's own sites and URLs.
Block = create_model(
    "Block",
    __base__=_Block,
    **{category.key: (Annotated[bool, Stricter.EITHER], category.on_by_default) for category in CATEGORIES},
    sites=(Annotated[list[Domain], Stricter.ALL], []),
    urls=(Annotated[list[UrlPrefix], Stricter.ALL], []),
)


class Help(Strict):
    name: Text
    phone: Text | None = None
    url: Text | None = None


class Messages(Strict):
    plan: Text | None = None  # shown on every block page when no person has their own
    help: list[Help] = []  # the small "if you need someone" line


class Escalate(Strict):
    factor: Annotated[float, Field(ge=1, le=10), Stricter.MORE] = 2.0  # the delay grows this much per window in 24 h
    max: Annotated[Duration, Stricter.MORE] = 7200.0


class Cooldown(Strict):
    """The only way through a block: ask, wait `delay` out, then a `window` opens (agent/cooldown.py)."""

    delay: Annotated[Duration, Stricter.MORE] = 1200.0  # 20 minutes: urges crest and fade within 15-30
    window: Annotated[Duration, Stricter.LESS] = 600.0
    # `escalate: false` keeps the delay the same however many windows were opened
    escalate: Annotated[Escalate, BeforeValidator(lambda v: {"factor": 1} if v is False else {} if v is True else v)] = Escalate()
    daily_limit: Annotated[Annotated[int, Field(ge=0, le=100)] | None, Stricter.LOWER_LIMIT] = 3  # windows a day
    delays: Annotated[dict[str, Duration], Stricter.MORE_EACH] = {}  # per person alias, category or barred app


_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)")


def _quiet_hours(value: Any) -> tuple[dt.time, dt.time] | None:
    if value is None:
        return None
    if isinstance(value, list | tuple) and len(value) == 2:  # an already-read config (kept as JSON)
        try:
            return tuple(v if isinstance(v, dt.time) else dt.time.fromisoformat(v) for v in value)
        except (TypeError, ValueError):
            pass
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a span of hours; write it like \"23:00-07:00\"")
    h1, m1, h2, m2 = map(int, match.groups())
    return dt.time(h1, m1), dt.time(h2, m2)


class Notify(Strict):
    """Desktop notifications (agent/notifier.py)."""

    enabled: bool = True
    min_interval: Duration = 120.0  # one notification per target at most this often
    # e.g. "23:00-07:00": none then; read as (start, end) local times, which may wrap midnight
    quiet_hours: Annotated[Any, AfterValidator(_quiet_hours)] = None


@lru_cache(maxsize=1)
def _presets() -> dict:
    return load_presets()


def _apps(entries: list) -> list:
    rules_from_config(entries, _presets())  # raises ValueError with a message for the person
    return entries


class BarrierFamilies(Strict):
    """Hold back messages and payments to the person. Off unless turned on: it means reading (on this
    machine only) what is sent through these services."""

    email: Annotated[bool, Stricter.EITHER] = False
    social_messages: Annotated[bool, Stricter.EITHER] = False
    payments: Annotated[bool, Stricter.EITHER] = False

    @property
    def families(self) -> list[str]:
        return [name for name in ("email", "social_messages", "payments") if getattr(self, name)]


LIST_SCHEMES = ("https", "http", "file")
_LIST_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
# Decisions about barred apps carry the category "app"; a list of that name would be taken for one.
RESERVED_LIST_NAMES = ("app",)
MIN_LIST_PERIOD = 3600.0  # a list's host is asked at most hourly


def _list_url(value: str) -> str:
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme not in LIST_SCHEMES:
        raise ValueError(f"{value!r} is not a list address; it starts with https://, http:// or file://")
    if scheme == "file" and not parts.path.startswith("/"):
        raise ValueError(f"{value!r} names no whole path to a file; write it like file:///home/me/my-list.txt")
    if scheme != "file" and not parts.hostname:
        raise ValueError(f"{value!r} names no host; write it like https://example.org/list.txt")
    return value.strip()


def _list_category(value: str) -> str:
    if value in CATEGORY_KEYS:
        return value
    if not _LIST_NAME.fullmatch(value) or value in RESERVED_LIST_NAMES:
        raise ValueError(f"{value!r} is neither a category ({', '.join(CATEGORY_KEYS)}) nor a name of your own "
                         "(lower-case letters, digits, - and _, like my-sites)")
    return value


def _list_period(value: float) -> float:
    if value < MIN_LIST_PERIOD:
        raise ValueError("is too often; a list is fetched at most once an hour (write 1h or more)")
    return value


class Subscription(Strict):
    """A list of domains fetched from `url` that feeds `category` (a built-in one, or a name of the person's own,
    which blocks like block.sites). The address and the category are what the entry is; agent/lists/subscriptions.py
    keeps the copies."""

    url: Annotated[str, AfterValidator(_list_url)]
    category: Annotated[str, AfterValidator(_list_category)]
    every: Annotated[Duration, AfterValidator(_list_period), Stricter.LESS] = 86400.0  # how often it is fetched

    @property
    def key(self) -> tuple[str, str]:
        return self.url, self.category


class Watcher(Strict):
    period: Duration = 1.0  # how often new processes are looked at


PinnedApps = Literal["let_through", "close"]


class Devices(Strict):
    """Phones and other devices joined through WireGuard (`nocontact devices add`)."""

    # Apps that pin their certificates (most social and messaging apps) cannot be read through the tunnel.
    # let_through: they work, and a person's profile is blocked in the device's browser only.
    # close: their connections to a watched site are closed; use the device's browser for that site.
    pinned_apps: Annotated[PinnedApps, Stricter.CLOSE] = "let_through"
    pinned_apps_for: Annotated[dict[Annotated[str, Field(max_length=32)], PinnedApps], Stricter.CLOSE_EACH] = {}
    quiet_after: Duration = 1800.0  # a device seen before and silent this long is noted, calmly

    def pinned_apps_on(self, device: str) -> str:
        return self.pinned_apps_for.get(device, self.pinned_apps)


class Config(Strict):
    people: Annotated[list[Person], Stricter.BY_ALIAS] = []
    block: Block = Block()
    allow: Annotated[list[DomainOrUrl], Stricter.BOTH] = []  # a new exception waits
    messages: Messages = Messages()
    cooldown: Cooldown = Cooldown()
    # `notify: false` turns desktop notifications off
    notify: Annotated[Notify, BeforeValidator(lambda v: {"enabled": v} if isinstance(v, bool) else v)] = Notify()
    # barred apps: presets or your own matchers
    apps: Annotated[list[Any], AfterValidator(_apps), Stricter.STRONGER_ACTION] = []
    watcher: Watcher = Watcher()
    barrier: BarrierFamilies = BarrierFamilies()
    # domain lists fetched from where the person chose; off unless written
    lists: Annotated[list[Subscription], Stricter.BY_LIST] = []
    devices: Devices = Devices()

    def app_rules(self) -> list[AppRule]:
        return rules_from_config(self.apps, _presets())

    def unknown_delay_targets(self) -> list[str]:
        known = {p.alias for p in self.people} | set(CATEGORY_KEYS) | {r.key for r in self.app_rules()}
        known |= {s.category for s in self.lists}
        return [name for name in self.cooldown.delays if name not in known]


# --- loading ---------------------------------------------------------------

_EXPECTED = {
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list (lines starting with '- ')",
    "model_type": "expected a section of keys",
    "dict_type": "expected a section of keys",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
    "int_type": "expected a whole number",
    "float_type": "expected a number",
}


def _not_as_meant(kind: str, value: Any, key: Any) -> str | None:
    """What to write when the YAML read, but not as the person meant: `dating:true`, `dating true`, `-alias: J`."""
    if kind == "extra_forbidden" and isinstance(key, str) and key.startswith("-"):
        return f"unknown key; a list item needs a space after its dash: - {key[1:]}"
    if kind == "list_type" and isinstance(value, dict) and any(str(k).startswith("-") for k in value):
        first = next(str(k) for k in value if str(k).startswith("-"))
        return f"expected a list; a list item needs a space after its dash: - {first[1:]}"
    if kind in ("model_type", "dict_type") and isinstance(value, str):
        key, colon, rest = value.partition(":")
        if colon and re.fullmatch(r"\w+", key) and rest and not rest[0].isspace():
            return f"expected a section of keys, not the text {value!r}; write a space after the colon: {key}: {rest}"
        key, space, rest = value.partition(" ")
        if space and re.fullmatch(r"\w+", key):
            return (f"expected a section of keys, not the text {value!r}; a key needs a colon and a space after "
                    f"it: {key}: {rest.strip()}")
    return None


def _describe(err: dict[str, Any], model: type[BaseModel]) -> str:
    kind = err["type"]
    meant = _not_as_meant(kind, err.get("input"), err["loc"][-1] if err["loc"] else None)
    if meant:
        return meant
    if kind == "extra_forbidden":
        return f"unknown key (expected one of: {', '.join(_siblings(err['loc'], model))})"
    if kind == "missing":
        return "is required here"
    if kind == "value_error":
        return str(err["ctx"]["error"])
    return _EXPECTED.get(kind, err["msg"].lower())


def _siblings(loc: tuple[Any, ...], model: type[BaseModel]) -> list[str]:
    """The keys allowed beside the unknown key at `loc`."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        args = getattr(annotation, "__args__", ())
        model = next((a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)), model)
    return list(model.model_fields)


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_config(text: str, source: str = "config") -> Config:
    try:
        data, lines = yamlmarks.load(text)
    except yamlmarks.YamlError as err:
        where = f"{source}:{err.line}" if err.line else source
        raise ConfigError(f"{where}: {err.message}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: expected a section of keys ({', '.join(Config.model_fields)})")
    def where(loc: tuple) -> str:
        line = next((lines[loc[:i]] for i in range(len(loc), -1, -1) if loc[:i] in lines), None)
        return f"{source}:{line}: {_dotted(loc)}"

    try:
        config = Config.model_validate(data, context={"file": True})
    except ValidationError as exc:
        problems = [f"{where(tuple(err['loc']))}: {_describe(err, Config)}" for err in exc.errors()]
        raise ConfigError("\n".join(problems)) from None
    unknown = config.unknown_delay_targets()
    if unknown:
        known = sorted({p.alias for p in config.people} | set(CATEGORY_KEYS) | {r.key for r in config.app_rules()}
                       | {s.category for s in config.lists})
        raise ConfigError("\n".join(
            f"{where(('cooldown', 'delays', name))}: neither a person's alias, a category nor a barred app "
            f"(expected one of: {', '.join(known)})" for name in unknown
        ))
    return config


def load_config(path: Path) -> Config:
    try:
        with open(path, encoding="utf-8") as file:  # read no more than a config can be: a wrong file may be huge
            text = file.read(yamlmarks.MAX_CHARS + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot be read ({err})") from None
    return parse_config(text, str(path))
