"""Which running program is an app the person chose to bar, and which browser was started around the proxy.

Pure: no psutil, no I/O except `load_presets`, which reads the shipped YAML. The
watcher turns each new process into a `Process` once and asks `AppMatcher.match`
and `bypass_flags`; both are cheap and never raise on odd input.

Matching, in order (the first that answers wins):

1. the process name, exact and case-insensitive, through one dict lookup; a name
   ending in ".exe" is also looked up without it, and a Linux name cut to 15
   characters by the kernel is looked up by that cut;
2. the executable path against the rules' path fragments;
3. the command line against the rules' command-line fragments.

Fragments are precompiled; a plain substring test on each fragment's longest
literal piece rules out nearly all of them before any regex runs (about 10 us for
a process that matches nothing, with every preset chosen). Among fragments, the
rule listed first in the config wins.

Fragments match where they stand as a whole: one that begins (ends) with a letter
or digit must not be glued to a letter, digit, ".", "_" or "-" on that side. So
"whatsapp" never matches "whatsapp-notes", and "telegram" never "telegraf".

The command line is first written in one canonical form, lower-case, arguments
joined by single spaces, with:

* `flatpak [opts] run [opts] APP[/branch] args` written as `flatpak run APP args`;
* Chromium's installed-web-app launches `--app=URL` and `--app-url=URL` (Edge and
  `chrome_proxy.exe` shortcuts) written as `--app=https://host/path`: `http://`
  becomes `https://`, a bare host gains `https://`, and a `/` follows the host.

So a web-app preset says `--app=https://web.whatsapp.com/` or
`--app-id=hnpfjngllnobngcgfapefoaidbinmjnm`: a browser only matches when it was
launched as that app window, never because it has some tab open (Chromium's tab
and helper processes carry `--type=...` and neither flag).

Helper processes of a barred app (Electron/Chromium children with `--type=`)
match the app too, so that `close` and `suspend` reach all of them; the caller can
tell them apart with `is_child_process` and count one urge per launch.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ACTIONS = ("notify", "close", "suspend")
MATCH_KEYS = ("names", "paths", "cmdline", "flatpak", "snap")
PRESET_KEYS = ("label", *MATCH_KEYS)
LINUX_COMM_LEN = 15  # Linux keeps the first 15 bytes of a process name

_WORD = "a-z0-9._-"  # characters that continue a name, a host or an id
_HOME = r"(?:^|/)(?:(?:var/)?home/[^/]+|users/[^/]+|root)"  # "~": /home/x, /Users/x, C:/Users/x, /root
_PATH_STAR = r"[^/]*"  # "*" in a path fragment: inside one folder name
_CMD_STAR = r"[^/\s]*"  # "*" in a command-line fragment: inside one argument and one URL part
_FLATPAK_ID = re.compile(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+){2,}$")
_SNAP_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


@dataclass(frozen=True)
class Process:
    """What the watcher read about one process (name, exe and cmdline as the OS gave them)."""

    pid: int
    name: str
    exe: str
    cmdline: tuple[str, ...]


@dataclass(frozen=True)
class AppRule:
    """One barred app: a preset or the person's own entry, already normalised for matching."""

    key: str  # preset name, or the custom entry's name
    label: str  # what the person reads
    action: str  # "notify" | "close" | "suspend"
    names: frozenset[str]  # lower-case process names
    paths: tuple[str, ...]  # lower-case path fragments, "/" for both separators, "~/" = any home
    cmdline: tuple[str, ...]  # lower-case command-line fragments


# ---------------------------------------------------------------- presets and config


def default_presets_path() -> Path:
    from agent.paths import shipped_dir  # late: keeps this module importable without platformdirs

    return shipped_dir() / "apps.yaml"


def load_presets(path: str | Path | None = None) -> dict[str, dict]:
    """The built-in presets, keyed by lower-case name.

    Each value is `{"label": str, "names": [...], "paths": [...], "cmdline": [...]}`;
    the file's `flatpak:` and `snap:` lists are already expanded into paths and
    command lines.
    """
    path = Path(path) if path is not None else default_presets_path()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of app presets by name")
    presets: dict[str, dict] = {}
    for name, body in data.items():
        key = str(name).strip().lower()
        where = f"{path}: preset {name!r}"
        if not isinstance(body, dict):
            raise ValueError(f"{where}: expected a mapping with label, names, paths and cmdline")
        _no_unknown_keys(body, PRESET_KEYS, where)
        label = body.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"{where}: label must be the name the person reads, like WhatsApp")
        matchers = _matchers(body, where)
        if not any(matchers.values()):
            raise ValueError(f"{where}: has nothing to match (names, paths, cmdline, flatpak or snap)")
        if key in presets:
            raise ValueError(f"{where}: listed twice")
        presets[key] = {"label": label.strip(), **matchers}
    return presets


def rules_from_config(entries: list | None, presets: Mapping[str, Mapping[str, Any]]) -> list[AppRule]:
    """The `apps:` section of the config, as rules in the order given.

    An entry is a preset name (`whatsapp`, action notify), a mapping
    `{preset: whatsapp, action: close}`, or the person's own app
    `{name: "My app", match: {names: [...], paths: [...], cmdline: [...]}, action: suspend}`.
    Raises ValueError with a message for the person.
    """
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ValueError("apps: expected a list of apps, like  apps: [whatsapp, {preset: telegram, action: close}]")
    rules: list[AppRule] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, 1):
        where = f"apps, entry {number}"
        rule = _rule(entry, presets, where)
        folded = rule.key.casefold()
        if folded in seen:
            raise ValueError(f"{where}: {rule.label} is already entry {seen[folded]}; keep one of them")
        seen[folded] = number
        rules.append(rule)
    return rules


def _rule(entry: Any, presets: Mapping[str, Mapping[str, Any]], where: str) -> AppRule:
    if isinstance(entry, str):
        return _preset_rule(entry, "notify", presets, where)
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an app name like whatsapp, or a mapping with preset: or name:")
    if "preset" in entry and "name" in entry:
        raise ValueError(f"{where}: use either preset: (a built-in app) or name: with match: (your own app), not both")
    action = _action(entry.get("action", "notify"), where)
    if "preset" in entry:
        _no_unknown_keys(entry, ("preset", "action"), where)
        if not isinstance(entry["preset"], str):
            raise ValueError(f"{where}: preset must be an app name like whatsapp")
        return _preset_rule(entry["preset"], action, presets, where)
    if "name" in entry:
        _no_unknown_keys(entry, ("name", "match", "action"), where)
        name = entry["name"]
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: name must be the app's name as you want to read it, like 'My app'")
        match = entry.get("match")
        if match is None:
            match = {}
        if not isinstance(match, dict):
            raise ValueError(f"{where} ({name}): match must be a mapping with names, paths or cmdline")
        _no_unknown_keys(match, MATCH_KEYS, f"{where} ({name}), match")
        matchers = _matchers(match, f"{where} ({name}), match", custom=True)
        if not any(matchers.values()):
            raise ValueError(
                f"{where} ({name}): says nothing to recognise the app by; give match: with names "
                "(like MyChat.exe), paths (like /opt/MyChat/) or cmdline (like --app=https://chat.example/)"
            )
        return _make_rule(name.strip(), name.strip(), action, matchers)
    raise ValueError(f"{where}: expected preset: (a built-in app) or name: with match: (your own app)")


def _preset_rule(name: str, action: str, presets: Mapping[str, Mapping[str, Any]], where: str) -> AppRule:
    key = name.strip().lower()
    preset = presets.get(key)
    if preset is None:
        known = sorted(presets)
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        raise ValueError(
            f"{where}: there is no built-in app called {name!r}.{hint} Built-in apps: {', '.join(known)}. "
            "For another app, describe it with name: and match:."
        )
    return _make_rule(key, str(preset["label"]), action, preset)


def _make_rule(key: str, label: str, action: str, matchers: Mapping[str, Any]) -> AppRule:
    return AppRule(
        key=key,
        label=label,
        action=action,
        names=frozenset(n.strip().lower() for n in matchers.get("names", ())),
        paths=_unique(normalise_path(p.strip()) for p in matchers.get("paths", ())),
        cmdline=_unique(c.strip().lower() for c in matchers.get("cmdline", ())),
    )


def _action(value: Any, where: str) -> str:
    if isinstance(value, str) and value.strip().lower() in ACTIONS:
        return value.strip().lower()
    raise ValueError(
        f"{where}: unknown action {value!r}; choose notify (a gentle notification), "
        "close (the app is asked to quit, then stopped) or suspend (paused until its window opens)"
    )


def _no_unknown_keys(mapping: Mapping, allowed: Iterable[str], where: str) -> None:
    unknown = [str(k) for k in mapping if k not in allowed]
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; expected one of: {', '.join(allowed)}")


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: expected a list of non-empty texts")
    return [v.strip() for v in value]


def _matchers(body: Mapping[str, Any], where: str, custom: bool = False) -> dict[str, list[str]]:
    names = _strings(body.get("names"), f"{where}: names")
    paths = _strings(body.get("paths"), f"{where}: paths")
    cmdline = _strings(body.get("cmdline"), f"{where}: cmdline")
    for name in names:
        if "/" in name or "\\" in name:
            raise ValueError(
                f"{where}: names: {name!r} looks like a path; names are program names like "
                "Signal.exe; put folders under paths"
            )
    if custom:
        for kind, fragments in (("paths", paths), ("cmdline", cmdline)):
            for fragment in fragments:
                if sum(ch.isalnum() for ch in fragment) < 3:
                    raise ValueError(
                        f"{where}: {kind}: {fragment!r} is too short to recognise one app by; "
                        "write at least three letters or digits of it"
                    )
    for app_id in _strings(body.get("flatpak"), f"{where}: flatpak"):
        if not _FLATPAK_ID.match(app_id):
            raise ValueError(f"{where}: flatpak: {app_id!r} is not a Flatpak app id like org.telegram.desktop")
        paths += [f"/var/lib/flatpak/app/{app_id}/", f"~/.local/share/flatpak/app/{app_id}/", f"~/.var/app/{app_id}/"]
        cmdline.append(f"flatpak run {app_id}")
    for snap in _strings(body.get("snap"), f"{where}: snap"):
        if not _SNAP_NAME.match(snap):
            raise ValueError(f"{where}: snap: {snap!r} is not a Snap name like telegram-desktop")
        paths += [f"/snap/{snap}/", f"/var/lib/snapd/snap/{snap}/"]
    return {"names": names, "paths": paths, "cmdline": cmdline}


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


# ---------------------------------------------------------------- matching


def normalise_path(path: str) -> str:
    """Lower-case, "/" for both separators, no doubled separators."""
    return re.sub(r"/{2,}", "/", path.lower().replace("\\", "/"))


def command_text(cmdline: Iterable[str]) -> str:
    """The command line in the canonical form that `cmdline` fragments are matched against."""
    args = [_unquote(a.strip()).lower() for a in cmdline if a and a.strip()]
    args = _canonical_flatpak(args)
    for i, arg in enumerate(args):
        for flag in ("--app=", "--app-url="):
            if arg.startswith(flag):
                args[i] = "--app=" + _canonical_url(arg[len(flag) :])
                break
    return " ".join(args)


def is_child_process(process: Process) -> bool:
    """A Chromium/Electron helper (renderer, GPU, utility...): its parent is the app itself."""
    return any(a.lower().startswith("--type=") for a in process.cmdline or ())


class AppMatcher:
    """Answers "is this process one of the barred apps?" for each new process."""

    def __init__(self, rules: Iterable[AppRule]):
        self.rules = tuple(rules)
        self._by_name: dict[str, AppRule] = {}
        self._by_comm: dict[str, AppRule] = {}  # names longer than 15, by their first 15 characters
        self._paths: list[tuple[str, re.Pattern[str], AppRule]] = []
        self._cmdline: list[tuple[str, re.Pattern[str], AppRule]] = []
        for rule in self.rules:  # in config order: an earlier entry wins
            for name in sorted(rule.names):
                self._by_name.setdefault(name, rule)
                if len(name) > LINUX_COMM_LEN:
                    self._by_comm.setdefault(name[:LINUX_COMM_LEN], rule)
            self._paths += [(_literal(f), re.compile(_fragment_regex(f, _PATH_STAR)), rule) for f in rule.paths]
            self._cmdline += [(_literal(f), re.compile(_fragment_regex(f, _CMD_STAR)), rule) for f in rule.cmdline]

    def match(self, process: Process) -> AppRule | None:
        name = (process.name or "").strip().lower()
        if name:
            rule = self._by_name.get(name)
            if rule is None and name.endswith(".exe"):
                rule = self._by_name.get(name[:-4])
            if rule is None and len(name) == LINUX_COMM_LEN:
                rule = self._by_comm.get(name)
            if rule is not None:
                return rule
        if self._paths and process.exe:
            rule = _first(self._paths, normalise_path(process.exe))
            if rule is not None:
                return rule
        if self._cmdline and process.cmdline:
            return _first(self._cmdline, command_text(process.cmdline))
        return None


def _first(checks: list[tuple[str, re.Pattern[str], AppRule]], text: str) -> AppRule | None:
    # the plain substring test is fast and rules out nearly every fragment before its regex runs
    for literal, regex, rule in checks:
        if literal in text and regex.search(text):
            return rule
    return None


def _literal(fragment: str) -> str:
    """The longest piece of a fragment that must appear as it is."""
    body = fragment[1:] if fragment.startswith("~/") else fragment
    return max(body.split("*"), key=len)


def _fragment_regex(fragment: str, star: str) -> str:
    home = fragment.startswith("~/")
    body = fragment[1:] if home else fragment
    regex = star.join(re.escape(part) for part in body.split("*"))
    if home:
        regex = _HOME + regex
    elif body[:1].isalnum():
        regex = f"(?<![{_WORD}])" + regex
    if body[-1:].isalnum():
        regex += f"(?![{_WORD}])"
    return regex


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _canonical_flatpak(args: list[str]) -> list[str]:
    if not args or _basename(args[0]) != "flatpak":
        return args
    i = 1
    while i < len(args) and args[i].startswith("-"):
        i += 1
    if i >= len(args) or args[i] != "run":
        return args
    j = i + 1
    while j < len(args) and args[j].startswith("-"):
        j += 1
    if j >= len(args):
        return args
    return ["flatpak", "run", args[j].split("/", 1)[0], *args[j + 1 :]]


def _canonical_url(value: str) -> str:
    url = _unquote(value.strip())
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    elif "://" not in url:
        url = "https://" + url
    scheme, rest = url.split("://", 1)
    cut = min((rest.find(c) for c in "/?#" if c in rest), default=-1)
    if cut == -1:
        rest += "/"
    elif rest[cut] != "/":
        rest = rest[:cut] + "/" + rest[cut:]
    return f"{scheme}://{rest}"


# ---------------------------------------------------------------- guarding the guard

CHROMIUM_BROWSERS = frozenset(
    {
        # Linux and Windows (".exe" is dropped before the lookup)
        "chrome", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
        "google-chrome-beta", "google-chrome-unstable", "msedge", "microsoft-edge",
        "microsoft-edge-stable", "microsoft-edge-beta", "microsoft-edge-dev", "brave",
        "brave-browser", "brave-browser-stable", "brave-browser-beta", "brave-browser-nightly",
        "opera", "opera-beta", "opera-developer", "vivaldi", "vivaldi-bin", "vivaldi-stable",
        "thorium", "ungoogled-chromium",
        # macOS main binaries
        "google chrome", "google chrome beta", "google chrome dev", "google chrome canary",
        "microsoft edge", "microsoft edge beta", "microsoft edge dev", "microsoft edge canary",
        "brave browser", "brave browser beta", "brave browser nightly", "arc",
    }
)  # fmt: skip


def is_chromium_browser(process: Process) -> bool:
    name = (process.name or "").strip().lower()
    return name.removesuffix(".exe") in CHROMIUM_BROWSERS


def bypass_flags(process: Process, watches: Callable[[str], bool]) -> str | None:
    """A short description of a proxy-bypassing switch the browser was started with, or None.

    Judged only for Chromium-family browsers' main processes (helpers with
    `--type=` repeat the parent's switches; Firefox has no such switches; other
    Electron apps are not browsers the person can point anywhere, and barred
    ones are handled by the app rules). Follows Chromium's own order:
    `--no-proxy-server` wins, then `--proxy-pac-url` (not judged: it may point at
    any PAC, ours included), then `--proxy-auto-detect`, then `--proxy-server`,
    whose `--proxy-bypass-list` only counts next to it. A `--proxy-server` that
    names some other proxy is not judged; `direct://` is. `watches(host)` says
    whether the agent watches a host (a bypass entry like `*.instagram.com` is
    asked about `instagram.com`); `*` alone covers every site.
    """
    if not is_chromium_browser(process) or is_child_process(process):
        return None
    switches = chromium_switches(process.cmdline or ())
    if "no-proxy-server" in switches:
        return "started with --no-proxy-server"
    if "proxy-pac-url" in switches:
        return None
    if "proxy-auto-detect" in switches:
        return "started with --proxy-auto-detect, which looks for another proxy on the network"
    if "proxy-server" not in switches:
        return None
    direct = _direct_in(switches["proxy-server"])
    if direct == "first":
        return "started with --proxy-server=direct://"
    if direct == "fallback":
        return "started with a --proxy-server list that falls back to direct://"
    covered = _bypass_covers(switches.get("proxy-bypass-list", ""), watches)
    if covered is not None:
        return f"started with a proxy bypass list that covers {covered}"
    return None


def chromium_switches(cmdline: Iterable[str]) -> dict[str, str]:
    """Switch name (lower-case) -> value (quotes removed), the last one winning, as Chromium reads them."""
    args = [a for a in cmdline if isinstance(a, str)]
    windows = bool(args) and ("\\" in args[0] or args[0].lower().endswith(".exe"))
    prefixes = ("--", "-", "/") if windows else ("--", "-")
    switches: dict[str, str] = {}
    for arg in args[1:]:
        arg = arg.strip()
        if arg == "--":  # Chromium stops reading switches here
            break
        prefix = next((p for p in prefixes if arg.startswith(p)), None)
        if prefix is None:
            continue
        name, _, value = arg[len(prefix) :].partition("=")
        if name:
            switches[name.lower()] = _unquote(value.strip())
    return switches


def _direct_in(proxy_server: str) -> str | None:
    """Whether a proxy rule goes straight out: "first" (always), "fallback" (once the proxy fails) or None."""
    found = None
    for rule in _unquote(proxy_server.strip()).lower().split(";"):
        scheme, sep, servers = rule.partition("=")
        if not sep or "://" in scheme:
            scheme, servers = "", rule
        if scheme.strip() == "ftp":
            continue
        entries = [_unquote(e.strip()) for e in servers.split(",") if e.strip()]
        if entries and entries[0] == "direct://":
            return "first"
        if "direct://" in entries:
            found = "fallback"
    return found


def _bypass_covers(bypass_list: str, watches: Callable[[str], bool]) -> str | None:
    for entry in re.split(r"[,;]", _unquote(bypass_list.strip()).lower()):
        entry = _unquote(entry.strip())
        if not entry or entry.startswith("<"):  # <local>, <-loopback>
            continue
        if "://" in entry:
            entry = entry.split("://", 1)[1]
        if entry.startswith("[") or "/" in entry:  # IPv6 literal, CIDR range
            continue
        host = entry.rsplit(":", 1)[0] if entry.count(":") == 1 else entry
        if host == "*":
            return "every site"
        host = host.lstrip("*").lstrip(".").rstrip(".")
        if not host or "*" in host:  # a wildcard in the middle is not judged
            continue
        try:
            if watches(host):
                return host
        except Exception:  # a broken callback must not stop the watcher
            continue
    return None


__all__ = [
    "ACTIONS",
    "AppMatcher",
    "AppRule",
    "CHROMIUM_BROWSERS",
    "Process",
    "bypass_flags",
    "chromium_switches",
    "command_text",
    "default_presets_path",
    "is_child_process",
    "is_chromium_browser",
    "load_presets",
    "normalise_path",
    "rules_from_config",
]
