"""`nocontact doctor`: is everything in place? A calm checklist, with what to do for anything that is not.

Each check reads the system as it is (files, the running agent, the stores
the CA should be in, the system proxy setting); nothing is changed. A check
that cannot be made here (no systemd user session, no certutil, nothing to
ask yet) says so and is neither good nor bad. What is particular to one OS
(its service manager, its certificate stores) its module checks.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import ssl
import stat
import tempfile
import textwrap
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from cryptography import x509

from agent import ca
from agent import state as agent_state
from agent.commitment import loosenings, on_record
from agent.config import ConfigError, load_config
from agent.engine.policy import Policy
from agent.lists.builtin import builtin_lists
from agent.review import plural
from agent.state import State
from agent.system import firewall, sysproxy
from agent.system.account import Account, Runner, run_command
from agent.system.ca import CA_CERT
from agent.system.check import AGAIN, INSTALL_FIX, Check, start_hint
from agent.system.device_checks import device_checks
from agent.system.logcheck import urge_log
from agent.system.nss import CHROMIUMS, firefox_roots
from agent.system.oses import OsModule, for_system
from agent.system.proxysetting import ProxySetting, same_pac
from agent.system.record import InstallRecord, load
from agent.system.services import AGENT, DEFAULT_PAC_URL, DEFAULT_PROXY, PAC, SERVICES, ServiceUnit

LOW_DISK = 100 * 1024 * 1024  # below this, the urge log may not find room
# A page the agent answers itself on any watched host, without contacting it and without noting an urge.
PROBE_PATH = "/.well-known/nocontact/wait?id=0&t=doctor"
PROBE_MARK = "<title>nocontact</title>"


@dataclass
class Checkup:
    """What the checks look at: the account, the data directory, the running agent and where browsers go."""
    account: Account
    data_dir: Path
    state: State | None  # None: the agent is not running
    pac_url: str
    proxy: str
    installed: bool  # an install record exists: the system points at the PAC service

    @property
    def module(self) -> OsModule | None:
        return for_system(self.account.system)

    def start_hint(self, service: ServiceUnit = AGENT) -> str:
        return start_hint(self.module.start_command(self.account, service) if self.module else None, service)

    def run_install(self) -> str:
        """How to (re)install, as the start of a sentence: "again" only once it has run."""
        return "run `nocontact install` again" if self.installed else \
            "run `nocontact install` (`nocontact install --dry-run` shows what it changes, first)"


def checks(data_dir: Path, home: Path | None = None, *, system: str | None = None, run: Runner = run_command,
           which: Callable[[str], str | None] | None = None, env: Mapping[str, str] | None = None,
           browser: bool = False, state: State | Mapping | None = None, uid: int | None = None, registry=None,
           read_settings: Callable[[], list[ProxySetting]] | None = None) -> list[Check]:
    """Every check, in the order they build on each other.

    `state`: the running agent's (read from state.json if None; an empty mapping: not running).
    """
    data_dir = Path(data_dir)
    if state is None:
        state = agent_state.running(data_dir)
    elif isinstance(state, Mapping):
        state = State.from_dict(state) if state else None
    record = _record(data_dir)
    c = Checkup(
        account=Account.of(home=home, system=system, run=run, which=which, env=env, uid=uid, registry=registry),
        data_dir=data_dir, state=state,
        # Installed, the system points at the PAC service; run by hand, at the agent's own pages.
        pac_url=(record and record.pac_url) or (state and state.pac_url) or DEFAULT_PAC_URL,
        proxy=(state and state.proxy) or DEFAULT_PROXY, installed=record is not None,
    )
    pac_text, pac_check = _pac(c)
    found = [_config(c), *_service(c), _proxy(c, pac_text), pac_check, _ca(c), _reach(c), *_trust(c),
             _system_proxy(c, read_settings), *_browsers(c, pac_text, browser), _permissions(c), _disk(c),
             _urge_log(c), *device_checks(c.data_dir, c.state), *firewall.checks(c.account, c.data_dir)]
    # Before any install, "run install again" would puzzle: each OS's checks are told how to install instead.
    return found if c.installed else [replace(f, fix=INSTALL_FIX) if f.fix == AGAIN else f for f in found]


def _record(data_dir: Path) -> InstallRecord | None:
    try:
        return load(data_dir)
    except ValueError:
        return None


# --- the config, the service and the agent ---------------------------------------------


def _config(c: Checkup) -> Check:
    path = Path(c.state.config) if c.state and c.state.config else c.data_dir / "config.yaml"  # the one in use
    if not path.exists():
        return Check("Config", None, f"no config at {path} yet; the first start makes one from the default")
    try:
        config = load_config(path)
    except ConfigError as err:
        keeps = "the running nocontact keeps the last good config in force" if c.state else \
            "the last good config stays in force"
        return Check("Config", False, f"{path} has a mistake ({err.where()}); {keeps}",
                     "`nocontact check` shows what to fix; once it is fixed, it applies by itself.")
    in_force = on_record(c.data_dir)
    loosened = loosenings(in_force, config) if in_force else []
    if loosened:  # not wrong: a loosening waits by design; said so that the difference is no surprise
        return Check("Config", True, f"{path} reads well; what it loosens ({'; '.join(loosened)}) waits out the "
                                     "cooldown before it is in force (`nocontact status` shows when)")
    return Check("Config", True, f"{path} reads well")


def _service(c: Checkup) -> list[Check]:
    if c.module is None:
        return [Check(f"{service.heading} installed", None, f"nocontact does not install itself on {c.account.system} "
                      "yet") for service in SERVICES]
    return [check for service in SERVICES for check in c.module.service_checks(c.account, service)]


def _proxy(c: Checkup, pac: str | None) -> Check:
    if c.state is None:
        if not c.installed or pac is None:
            meanwhile = "browsing goes on as usual, but nothing is paused."
        elif "PROXY" not in pac:  # the all-direct file a stop that waited leaves
            meanwhile = "every site goes direct: it was stopped after waiting out its cooldown."
        else:
            meanwhile = ("watched sites do not load (the PAC service still sends them here) and everything else "
                         "works as usual.")
        return Check("Proxy answering", False, "nocontact is not running",
                     f"{c.start_hint()} While it is off, {meanwhile}")
    host, port = c.proxy.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError as err:
        return Check("Proxy answering", False, f"nothing answers at {c.proxy} ({err.strerror or err})",
                     "nocontact starts the proxy again by itself within seconds; if this stays, restart nocontact. "
                     + c.start_hint())
    return Check("Proxy answering", True, f"listening at {c.proxy}")


# --- the PAC file ------------------------------------------------------------------


def _table(pac: str, name: str) -> dict | None:
    match = re.search(rf"var {name} = (\{{.*?\}});", pac)
    try:
        return json.loads(match.group(1)) if match else None
    except ValueError:
        return None


def pac_route(pac: str, host: str) -> str | None:
    """Where nocontact's PAC file sends `host` ("PROXY h:p" or "DIRECT"); None if the file is not in its format."""
    watched, allowed = _table(pac, "WATCHED"), _table(pac, "ALLOWED")
    exact = _table(pac, "EXACT") or {}
    proxy = re.search(r'return watched \? "([^"]+)" : "DIRECT";', pac)
    if watched is None or allowed is None or proxy is None:
        return None
    name = host.lower().rstrip(".")
    is_watched = name in exact
    while True:
        if name in allowed:
            return "DIRECT"
        if name in watched:
            is_watched = True
        if "." not in name:
            break
        name = name.split(".", 1)[1]
    return proxy.group(1) if is_watched else "DIRECT"


def watched_host(pac: str) -> str | None:
    """A host the PAC file sends to the proxy (for trying the route)."""
    watched = _table(pac, "WATCHED") or {}
    return next((h for h in sorted(watched) if pac_route(pac, h) not in (None, "DIRECT")), None)


def _pac(c: Checkup) -> tuple[str | None, Check]:
    if c.state is None and not c.installed:
        return None, Check("PAC file", None, "needs nocontact running (see above)")
    # Installed, the PAC service serves it whether the agent runs or not; run by hand, the agent does.
    restart = c.start_hint(PAC) if c.installed else "Restart nocontact. " + c.start_hint()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the PAC itself never goes via a proxy
    try:
        with opener.open(c.pac_url, timeout=5) as response:
            pac = response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as err:
        return None, Check("PAC file", False, f"{c.pac_url} does not load ({getattr(err, 'reason', err)})",
                           "Browsers go direct for every site while it does not load. " + restart)
    ours = f"PROXY {c.proxy}"
    host = watched_host(pac)
    if ours not in pac:
        if "PROXY" not in pac:
            return pac, Check("PAC file", False, f"{c.pac_url} sends everything direct: nocontact was stopped "
                                                 "after waiting out its cooldown, or has not run here yet",
                              "Start nocontact again when you want it back. " + c.start_hint())
        return pac, Check("PAC file", False, f"{c.pac_url} does not send watched sites to {c.proxy}",
                          "Another program may be answering at that address. " + restart)
    if host is None or pac_route(pac, host) != ours or pac_route(pac, "nocontact-doctor.invalid") != "DIRECT":
        return pac, Check("PAC file", False, f"{c.pac_url} loads, but does not route as expected",
                          "Restart nocontact so it writes a fresh PAC file. " + c.start_hint())
    return pac, Check("PAC file", True, f"{c.pac_url} sends watched sites to {c.proxy} and everything else direct")


# --- the CA ------------------------------------------------------------------------


def _ca_path(c: Checkup) -> Path:
    return Path(c.state.ca_cert) if c.state and c.state.ca_cert else c.data_dir / CA_CERT


def _our_pem(c: Checkup) -> str | None:
    try:
        pem = _ca_path(c).read_text()
        ssl.PEM_cert_to_DER_cert(pem)
        return pem
    except (OSError, ValueError):
        return None


def _ca(c: Checkup) -> Check:
    path = _ca_path(c)
    if _our_pem(c) is None:
        return Check("CA present", False, f"no readable CA certificate at {path}",
                     "Start nocontact once (it creates its CA), or run `nocontact install`.")
    return Check("CA present", True, str(path))


def _reach(c: Checkup) -> Check:
    """Whether the CA can vouch only for the sites nocontact reads, and for every one the config watches."""
    name = "CA limited to watched sites"
    pem = _our_pem(c)
    if pem is None:
        return Check(name, None, "needs the CA (see above)")
    reach = ca.reach(x509.load_pem_x509_certificate(pem.encode()))
    if not reach.constrained:
        return Check(name, False, "this install's CA can vouch for every site (an earlier version of nocontact made "
                                  "it): whoever copies its key could pretend to be any site to you, your bank and "
                                  "your mail included",
                     "Run `nocontact ca rotate`: it makes a CA that can vouch only for the sites nocontact reads, "
                     "and trusts it in place of this one.")
    path = c.data_dir / "config.yaml"
    try:
        config = load_config(path) if path.exists() else None
    except ConfigError:
        config = None  # said above; the CA is checked against the config once it reads well
    found = ca.outside(Policy(config, builtin_lists(config.block.categories)), reach) if config else []
    if found:
        shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        return Check(name, False, f"{len(found)} watched {'site is' if len(found) == 1 else 'sites are'} outside "
                                  f"what it can vouch for ({shown}): a blocked one is refused instead of showing "
                                  "the gentle page, the rest pass unread", "Run `nocontact ca rotate` to make a CA that covers them "
                                                 "(`nocontact ca` lists them).")
    return Check(name, True, f"it can vouch for {plural(len(reach.permitted), 'site')} nocontact reads, and no other")


def _trust(c: Checkup) -> list[Check]:
    ours = _our_pem(c)
    if ours is None:
        return [Check("CA trusted", None, "needs the CA (see above)")]
    return c.module.trust_checks(c.account, ours, _ca_path(c)) if c.module else []


# --- routing ------------------------------------------------------------------------


def _said(setting: ProxySetting, ours: bool) -> str:
    if ours:
        return f"{setting.source}: nocontact"
    if setting.pac_url:
        return f"{setting.source}: automatic, {setting.pac_url}"
    if setting.proxy:
        return f"{setting.source}: fixed proxy {setting.proxy}"
    return f"{setting.source}: no proxy"


def _system_proxy(c: Checkup, read_settings) -> Check:
    settings = sysproxy.read_all(c.account) if read_settings is None else read_settings()
    pointing = [s for s in settings if s.points_at(c.pac_url, c.proxy)]
    detail = "; ".join(_said(s, s in pointing) for s in settings) or "no system proxy setting was found"
    return Check("System proxy", bool(pointing), detail, None if pointing else
                 f"{c.run_install().capitalize()}, or set the automatic proxy configuration (PAC) address to "
                 f"{c.pac_url} in your system's network settings.")


def _firefox_profiles(c: Checkup) -> list[Path]:
    roots = firefox_roots(c.account.home, c.account.env)
    return [prefs.parent for _, root in roots for prefs in sorted(root.glob("*/prefs.js"))]


def _firefox(c: Checkup, profile: Path) -> Check:
    prefs = dict(re.findall(r'user_pref\("([^"]+)",\s*"?([^")]*)"?\);', profile.joinpath("prefs.js").read_text(
        errors="replace")))
    kind = prefs.get("network.proxy.type", "5")
    name = f"Firefox profile {profile.name}"
    fix = ("In Firefox: Settings > Network Settings, choose 'Use system proxy settings' "
           f"(or 'Automatic proxy configuration URL' with {c.pac_url}).")
    if kind == "5":
        return Check(name, True, "uses the system proxy setting")
    if kind == "2":
        ok = same_pac(prefs.get("network.proxy.autoconfig_url"), c.pac_url)
        return Check(name, ok, "uses nocontact's PAC file" if ok else "uses another PAC file", None if ok else fix)
    what = {"0": "'No proxy'", "1": "a manual proxy", "4": "'Auto-detect'"}.get(kind, f"proxy type {kind}")
    return Check(name, False, f"is set to {what}, so it goes around nocontact", fix)


def _chromium_binaries(c: Checkup) -> list[str]:
    found: dict[str, str] = {}
    for name in CHROMIUMS:
        path = c.account.which(name)
        if path:
            found.setdefault(os.path.realpath(path), path)
    return list(found.values())


def headless_check(c: Checkup, binary: str, pac: str | None) -> Check:
    """Load a page that nocontact answers itself, over HTTPS, as the system's proxy setting routes it.

    No proxy and no certificate flags: Chromium follows the desktop's setting (GNOME's or KDE's) and
    trusts what its certificate store trusts, as it does when the person opens it.
    """
    name = f"{Path(binary).name} (headless)"
    host = watched_host(pac) if pac else None
    if host is None:
        return Check(name, None, "needs nocontact running and its PAC file (see above)")
    with tempfile.TemporaryDirectory(prefix="nocontact-doctor-") as profile:
        code, dom = c.account.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}",
                           # Nothing goes to the internet if the routing is wrong: it fails instead.
                           "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                           "--dump-dom", f"https://{host}{PROBE_PATH}"])
    if code == 0 and PROBE_MARK in dom:
        return Check(name, True, "a watched site came through nocontact over HTTPS, routed by the system proxy "
                                 "setting, with its CA trusted")
    return Check(name, False, "a watched site did not come through nocontact",
                 "If the checks above are fine, close this browser completely and open it again; "
                 f"otherwise {c.run_install()}.")


def _browsers(c: Checkup, pac: str | None, browser: bool) -> list[Check]:
    found = [_firefox(c, profile) for profile in _firefox_profiles(c)]
    binaries = _chromium_binaries(c) if c.account.system == "Linux" else []
    if browser:
        found += [headless_check(c, binary, pac) for binary in binaries]
    elif binaries:
        names = ", ".join(Path(b).name for b in binaries)
        found.append(Check("Chromium-family browsers", None,
                           f"{names}: they follow the system proxy setting (above); "
                           "`nocontact doctor` without --quick loads a page through nocontact in each to be sure"))
    return found


# --- the data directory -------------------------------------------------------------


def _permissions(c: Checkup) -> Check:
    if c.account.system == "Windows":
        return Check("Data directory private", None, "Windows keeps it private to your account by its own rules")
    wrong = []
    try:
        if stat.S_IMODE(c.data_dir.stat().st_mode) != 0o700:
            wrong.append((c.data_dir, "700"))
    except OSError:
        return Check("Data directory private", False, f"{c.data_dir} cannot be read", "Run `nocontact run` once.")
    for path in (c.data_dir / "nocontact.sqlite3", c.data_dir / "secret", c.data_dir / "ca" / "mitmproxy-ca.pem",
                 c.data_dir / "ca" / "mitmproxy-ca.p12"):
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            wrong.append((path, "600"))
    if not wrong:
        return Check("Data directory private", True, f"{c.data_dir} is yours alone (0700; the log and keys 0600)")
    detail = ", ".join(f"{p} is {oct(stat.S_IMODE(p.stat().st_mode))[2:]}" for p, _ in wrong)
    fix = " && ".join(f"chmod {mode} {shlex.quote(str(p))}" for p, mode in wrong)
    return Check("Data directory private", False, f"others can read in it: {detail}", fix)


def _urge_log(c: Checkup) -> Check:
    """Does the log read, and which damaged logs were set aside beside it (agent/system/logcheck.py)."""
    return urge_log(c.data_dir / "nocontact.sqlite3")


def _disk(c: Checkup) -> Check:
    try:
        free = shutil.disk_usage(c.data_dir).free
    except OSError:
        return Check("Disk space", None, f"{c.data_dir} cannot be measured")
    detail = f"{free // (1024 * 1024)} MB free where the log is kept"
    if free >= LOW_DISK:
        return Check("Disk space", True, detail)
    return Check("Disk space", False, detail,
                 "Free some space on that disk when you can: the blocking goes on regardless, but below 100 MB "
                 "new urges may not find room in the log.")


# --- showing it ---------------------------------------------------------------------


ROOM = 30  # the fewest columns a check's words get beside the names; fewer, and they go under the name


def render(found: list[Check], columns: int | None = None) -> str:
    """A plain checklist: ok, to do (with what to do), or not checked here; wrapped at `columns` (the terminal's)."""
    columns = columns or shutil.get_terminal_size().columns
    width = max((len(c.name) for c in found), default=0)
    beside = 2 + 5 + 2 + width + 2  # where the words start: after the mark and the longest name
    indent = " " * (beside if columns - beside >= ROOM else 4 + 5)

    def wrapped(first: str, text: str) -> list[str]:
        if len(first) > len(indent):  # the name is wider than the words' column: they start below it
            return [first.rstrip(), *wrapped(indent, text)]
        # Paths, addresses and `commands` are never broken: a long one gets a line of its own.
        whole = re.sub(r"`[^`]*`", lambda m: m.group().replace(" ", "\0"), text)
        return [line.replace("\0", " ") for line in textwrap.wrap(
            whole, columns - 1, initial_indent=first.ljust(len(indent)), subsequent_indent=indent,
            break_long_words=False, break_on_hyphens=False)]

    lines = ["nocontact doctor", ""]
    for check in found:
        mark = {True: "ok   ", False: "to do", None: "--   "}[check.ok]
        lines += wrapped(f"  {mark}  {check.name.ljust(width)}  ", check.detail)
        if check.ok is False and check.fix:
            lines += wrapped("", f"What to do: {check.fix}")
    todo = sum(1 for c in found if c.ok is False)
    lines.append("")
    lines += textwrap.wrap("Everything checked is in place." if not todo else
                           f"{todo} {'thing' if todo == 1 else 'things'} to look at; what to do is under each. "
                           "The rest is in place.", columns - 1, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines)


def as_json(found: list[Check]) -> dict:
    return {"ok": all(c.ok is not False for c in found), "checks": [asdict(c) for c in found]}
