"""`nocontact doctor`: is everything in place? A calm checklist, with what to do for anything that is not.

Each check reads the system as it is (files, the running agent, the stores
the CA should be in, the system proxy setting); nothing is changed. A check
that cannot be made here (no systemd user session, no certutil, nothing to
ask yet) says so and is neither good nor bad.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import shutil
import socket
import ssl
import stat
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.config import ConfigError, load_config
from agent.system import sysproxy
from agent.system.install import (
    AGENT,
    CA_CERT,
    DEFAULT_PAC_URL,
    DEFAULT_PROXY,
    NICKNAME,
    PAC,
    SERVICES,
    SYSTEM_STORES,
    Runner,
    Service,
    agent_running,
    fingerprint,
    firefox_roots,
    keychain_path,
    load_record,
    nss_databases,
    plist_path,
    run_command,
    same_cert,
    unit_path,
)
from agent.system.sysproxy import same_pac

LOW_DISK = 100 * 1024 * 1024  # below this, the urge log may not find room
CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "brave-browser",
             "microsoft-edge")
# A page the agent answers itself on any watched host, without contacting it and without noting an urge.
PROBE_PATH = "/.well-known/nocontact/wait?id=0&t=doctor"
PROBE_MARK = "<title>nocontact</title>"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool | None  # None: not checked here (it does not apply, or needs something else first)
    detail: str
    fix: str | None = None  # what to do, in plain words, when ok is False


@dataclass
class _Context:
    data_dir: Path
    home: Path
    system: str
    run: Runner
    which: Callable[[str], str | None]
    env: Mapping[str, str]
    state: dict | None
    pac_url: str
    proxy: str
    uid: int
    registry: object

    def out(self, *argv: str) -> str | None:
        code, output = self.run(list(argv))
        return output if code == 0 else None

    installed: bool  # an install record exists: the system points at the PAC service

    def start_hint(self, service: Service = AGENT) -> str:
        return {
            "Linux": f"Start it with `systemctl --user start {service.unit}`",
            "Darwin": f"Start it with `launchctl kickstart gui/{self.uid}/{service.label}`",
            "Windows": f"Start it with `schtasks /Run /TN {service.task}`",
        }.get(self.system, "Start it with") + f" (or `nocontact {service.subcommand}` in a terminal)."


def checks(data_dir: Path, home: Path | None = None, *, system: str | None = None, run: Runner = run_command,
           which: Callable[[str], str | None] = shutil.which, env: Mapping[str, str] | None = None,
           browser: bool = False, state: dict | None = None, uid: int | None = None, registry=None,
           read_settings: Callable[[], list[sysproxy.ProxySetting]] | None = None) -> list[Check]:
    """Every check, in the order they build on each other. `state`: the running agent's state.json (read if None)."""
    data_dir = Path(data_dir)
    state = agent_running(data_dir) if state is None else state
    record = _record(data_dir)
    context = _Context(
        data_dir=data_dir, home=Path.home() if home is None else Path(home), system=system or platform.system(),
        run=run, which=which, env=os.environ if env is None else env, state=state or None,
        # Installed, the system points at the PAC service; run by hand, at the agent's own pages.
        pac_url=record.get("pac_url") or (state or {}).get("pac_url") or DEFAULT_PAC_URL,
        proxy=(state or {}).get("proxy") or DEFAULT_PROXY,
        uid=(os.getuid() if hasattr(os, "getuid") else 0) if uid is None else uid, registry=registry,
        installed=bool(record),
    )
    pac_text, pac_check = _pac(context)
    found = [_config(context), *_service(context), _proxy(context, pac_text), pac_check, _ca(context), *_trust(context),
             _system_proxy(context, read_settings), *_browsers(context, pac_text, browser),
             _permissions(context), _disk(context)]
    return found


def _record(data_dir: Path) -> dict:
    try:
        return load_record(data_dir) or {}
    except ValueError:
        return {}


# --- the config, the service and the agent ---------------------------------------------


def _config(c: _Context) -> Check:
    path = c.data_dir / "config.yaml"
    if not path.exists():
        return Check("Config", None, f"no config at {path} yet; the first start makes one from the default")
    try:
        load_config(path)
    except ConfigError as err:
        return Check("Config", False, f"{path} has a mistake ({err.where()}); the last good config stays in force",
                     "`nocontact check` shows what to fix; once it is fixed, it applies by itself.")
    return Check("Config", True, f"{path} reads well")



def _service(c: _Context) -> list[Check]:
    return [check for service in SERVICES for check in _one_service(c, service)]


def _one_service(c: _Context, service: Service) -> list[Check]:
    install_fix = "Run `nocontact install`: it sets this up (see `nocontact install --dry-run` first)."
    title = "PAC service" if service is PAC else "Service"

    def installed(present: bool, detail: str) -> Check:
        return Check(f"{title} installed", present, detail, None if present else install_fix)

    if c.system == "Linux":
        path = unit_path(c.home, c.env, service)
        found = installed(path.exists(), f"{'' if path.exists() else 'no '}systemd user service at {path}")
        if not path.exists():
            return [found, Check(f"{title} running", None, "not installed, so not asked")]
        if c.which("systemctl") is None or c.run(["systemctl", "--user", "show-environment"])[0] != 0:
            return [found, Check(f"{title} running", None,
                                 "systemd's user manager cannot be asked here (no login session); "
                                 "the checks below say whether it answers")]
        active = (c.out("systemctl", "--user", "is-active", service.unit) or "").strip()
        return [found, Check(f"{title} running", active == "active", f"systemd says: {active or 'inactive'}",
                             None if active == "active" else
                             f"{c.start_hint(service)} If it stops again, `journalctl --user -u {service.unit}` "
                             "says why.")]
    if c.system == "Darwin":
        path = plist_path(c.home, service)
        found = installed(path.exists(), f"{'' if path.exists() else 'no '}LaunchAgent at {path}")
        printed = c.out("launchctl", "print", f"gui/{c.uid}/{service.label}")
        running = printed is not None and "state = running" in printed
        return [found, Check(f"{title} running", running,
                             "launchd runs it" if running else "launchd does not run it now",
                             None if running else c.start_hint(service))]
    if c.system == "Windows":
        listing = c.out("schtasks", "/Query", "/TN", service.task, "/FO", "LIST")
        found = installed(listing is not None,
                          f"{'' if listing else 'no '}Task Scheduler task '{service.task}'")
        running = listing is not None and "Running" in listing
        return [found, Check(f"{title} running", running if listing else None,
                             "the task is running" if running else "the task is not running now",
                             c.start_hint(service) if listing and not running else None)]
    return [Check(f"{title} installed", None, f"nocontact does not install itself on {c.system} yet")]


def _proxy(c: _Context, pac: str | None) -> Check:
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


def _pac(c: _Context) -> tuple[str | None, Check]:
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


def _ca_path(c: _Context) -> Path:
    return Path(c.state["ca_cert"]) if c.state and c.state.get("ca_cert") else c.data_dir / CA_CERT


def _our_pem(c: _Context) -> str | None:
    try:
        pem = _ca_path(c).read_text()
        ssl.PEM_cert_to_DER_cert(pem)
        return pem
    except (OSError, ValueError):
        return None


def _ca(c: _Context) -> Check:
    path = _ca_path(c)
    if _our_pem(c) is None:
        return Check("CA present", False, f"no readable CA certificate at {path}",
                     "Start nocontact once (it creates its CA), or run `nocontact install`.")
    return Check("CA present", True, str(path))


def _trust(c: _Context) -> list[Check]:
    ours = _our_pem(c)
    if ours is None:
        return [Check("CA trusted", None, "needs the CA (see above)")]
    again = "Run `nocontact install` again: it adds only what is missing."
    if c.system == "Darwin":
        sha1 = fingerprint(ours)
        listing = c.out("security", "find-certificate", "-a", "-Z", str(keychain_path(c.home))) or ""
        ok = f"SHA-1 hash: {sha1}" in listing
        return [Check("CA trusted: login keychain", ok, "present" if ok else "not in your login keychain",
                      None if ok else again)]
    if c.system == "Windows":
        ok = c.out("certutil", "-user", "-verifystore", "Root", fingerprint(ours)) is not None
        return [Check("CA trusted: your Root store", ok, "present" if ok else "not in your Root store",
                      None if ok else again)]
    if c.system != "Linux":
        return []
    if c.which("certutil") is None:
        return [Check("CA trusted by browsers", None, "certutil is not installed (Debian and Ubuntu: libnss3-tools; "
                                                      "Fedora: nss-tools), so browsers' stores cannot be checked")]
    found = []
    databases = nss_databases(c.home, existing=True)
    if not databases:
        return [Check("CA trusted by browsers", None if not _browsers_installed(c) else False,
                      "no browser certificate store found (Chrome's is ~/.pki/nssdb; Firefox keeps one per profile)",
                      again if _browsers_installed(c) else None)]
    for label, folder in databases:
        db = f"sql:{folder}"
        present = c.out("certutil", "-d", db, "-L", "-n", NICKNAME, "-a")
        listing = c.out("certutil", "-d", db, "-L") or ""
        trusted = "C" in (trust_flags(listing, NICKNAME) or "").split(",")[0]
        if present is None:
            found.append(Check(f"CA trusted: {label}", False, f"{folder} does not hold the nocontact CA", again))
        elif not same_cert(present, ours):
            found.append(Check(f"CA trusted: {label}", False, f"{folder} holds an older nocontact CA", again))
        elif not trusted:
            found.append(Check(f"CA trusted: {label}", False, f"{folder} holds the CA but does not trust it for sites",
                               f"certutil -d {shlex.quote(db)} -M -n {shlex.quote(NICKNAME)} -t C,,"))
        else:
            found.append(Check(f"CA trusted: {label}", True, str(folder)))
    for path, update, _ in SYSTEM_STORES:
        if path.exists():
            same = same_cert(path.read_text(errors="replace"), ours)
            found.append(Check("CA trusted: system store", same, str(path) if same else f"{path} holds an older CA",
                               None if same else f"sudo cp {shlex.quote(str(_ca_path(c)))} {shlex.quote(str(path))}"
                               f" && sudo {shlex.join(update)}"))
    return found


def trust_flags(listing: str, nickname: str) -> str | None:
    """The trust attributes (like "C,,") `certutil -L` shows for a nickname."""
    for line in listing.splitlines():
        rest = line[len(nickname):]
        if line.startswith(nickname) and rest[:1].isspace() and rest.split():
            return rest.split()[0]
    return None


def _browsers_installed(c: _Context) -> bool:
    return any(c.which(name) for name in (*CHROMIUMS, "firefox"))


# --- routing ------------------------------------------------------------------------


def _describe(setting: sysproxy.ProxySetting, ours: bool) -> str:
    if ours:
        return f"{setting.source}: nocontact"
    if setting.pac_url:
        return f"{setting.source}: automatic, {setting.pac_url}"
    if setting.proxy:
        return f"{setting.source}: fixed proxy {setting.proxy}"
    return f"{setting.source}: no proxy"


def _system_proxy(c: _Context, read_settings) -> Check:
    if read_settings is None:
        def run(argv: list[str]) -> str | None:
            return c.out(*argv)

        settings = sysproxy.read_all(env=c.env, home=c.home, run=run, registry=c.registry)
    else:
        settings = read_settings()
    pointing = [s for s in settings if s.points_at(c.pac_url, c.proxy)]
    detail = "; ".join(_describe(s, s in pointing) for s in settings) or "no system proxy setting was found"
    return Check("System proxy", bool(pointing), detail, None if pointing else
                 f"Run `nocontact install` again, or set the automatic proxy configuration (PAC) address to "
                 f"{c.pac_url} in your system's network settings.")


def _firefox_profiles(c: _Context) -> list[Path]:
    return [prefs.parent for _, root in firefox_roots(c.home, c.env) for prefs in sorted(root.glob("*/prefs.js"))]


def _firefox(c: _Context, profile: Path) -> Check:
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


def _chromium_binaries(c: _Context) -> list[str]:
    found: dict[str, str] = {}
    for name in CHROMIUMS:
        path = c.which(name)
        if path:
            found.setdefault(os.path.realpath(path), path)
    return list(found.values())


def headless_check(c: _Context, binary: str, pac: str | None) -> Check:
    """Load a page that nocontact answers itself, over HTTPS, as the system's proxy setting routes it.

    No proxy and no certificate flags: Chromium follows the desktop's setting (GNOME's or KDE's) and
    trusts what its certificate store trusts, as it does when the person opens it.
    """
    name = f"{Path(binary).name} (headless)"
    host = watched_host(pac) if pac else None
    if host is None:
        return Check(name, None, "needs nocontact running and its PAC file (see above)")
    with tempfile.TemporaryDirectory(prefix="nocontact-doctor-") as profile:
        code, dom = c.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
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
                 "otherwise run `nocontact install` again.")


def _browsers(c: _Context, pac: str | None, browser: bool) -> list[Check]:
    found = [_firefox(c, profile) for profile in _firefox_profiles(c)]
    binaries = _chromium_binaries(c) if c.system == "Linux" else []
    if browser:
        found += [headless_check(c, binary, pac) for binary in binaries]
    elif binaries:
        names = ", ".join(Path(b).name for b in binaries)
        found.append(Check("Chromium-family browsers", None,
                           f"{names}: they follow the system proxy setting (above); "
                           "`nocontact doctor` without --quick loads a page through nocontact in each to be sure"))
    return found


# --- the data directory -------------------------------------------------------------


def _permissions(c: _Context) -> Check:
    if c.system == "Windows":
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


def _disk(c: _Context) -> Check:
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


def render(found: list[Check]) -> str:
    """A plain checklist: ok, to do (with what to do), or not checked here."""
    width = max((len(c.name) for c in found), default=0)
    lines = ["nocontact doctor", ""]
    for check in found:
        mark = {True: "ok   ", False: "to do", None: "--   "}[check.ok]
        lines.append(f"  {mark}  {check.name.ljust(width)}  {check.detail}")
        if check.ok is False and check.fix:
            lines.append(f"  {'':5}  {'':{width}}  What to do: {check.fix}")
    todo = sum(1 for c in found if c.ok is False)
    lines.append("")
    lines.append("Everything checked is in place." if not todo else
                 f"{todo} {'thing' if todo == 1 else 'things'} to look at; what to do is under each. "
                 "The rest is in place.")
    return "\n".join(lines)


def as_json(found: list[Check]) -> dict:
    return {"ok": all(c.ok is not False for c in found), "checks": [asdict(c) for c in found]}
