"""The person's config file: read, validate, explain what is wrong.

The schema is declared once with pydantic; every error names the file, the
line and the key, and says what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from agent import yamlmarks
from agent.identity import Identity, ProfileError, email_key, phone_key
from agent.paths import CATEGORIES
from agent.platforms import GENERIC, recognise
from agent.urls import UrlError, normalise_host, parse

Text = Annotated[str, Field(min_length=1, max_length=200)]


class ConfigError(ValueError):
    """A config that cannot be used; `str()` is the message for the person."""


def _profile(value: str) -> str:
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
    profiles: list[ProfileUrl] = []
    names: list[Text] = []
    emails: list[Email] = []
    phones: list[Phone] = []
    plan: Text | None = None  # their own if-then plan, shown on block pages

    @property
    def identities(self) -> list[Identity]:
        found = [recognise(p) for p in self.profiles]
        found += [Identity("phone", phone_key(p)) for p in self.phones]
        return found


class Block(Strict):
    dating: bool = True
    social: bool = False
    people_search: bool = True
    viewers: bool = True
    messaging: bool = False
    sites: list[Domain] = []
    urls: list[UrlPrefix] = []

    @property
    def categories(self) -> list[str]:
        return [name for name in CATEGORIES if getattr(self, name)]


class Help(Strict):
    name: Text
    phone: Text | None = None
    url: Text | None = None


class Messages(Strict):
    plan: Text | None = None  # shown on every block page when no person has their own
    help: list[Help] = []  # the small "if you need someone" line


class Config(Strict):
    people: list[Person] = []
    block: Block = Block()
    allow: list[DomainOrUrl] = []
    messages: Messages = Messages()


# --- loading ---------------------------------------------------------------

_EXPECTED = {
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "list_type": "expected a list (lines starting with '- ')",
    "model_type": "expected a section of keys",
    "dict_type": "expected a section of keys",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long",
}


def _describe(err: dict[str, Any], model: type[BaseModel]) -> str:
    kind = err["type"]
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
        raise ConfigError(f"{source}:1: expected a section of keys (people, block, allow, messages)")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = next((lines[loc[:i]] for i in range(len(loc), -1, -1) if loc[:i] in lines), None)
            problems.append(f"{source}:{line}: {_dotted(loc)}: {_describe(err, Config)}")
        raise ConfigError("\n".join(problems)) from None


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot be read ({err})") from None
    return parse_config(text, str(path))
