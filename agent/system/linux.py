"""Linux: systemd user units, the system certificate store, and GNOME's, KDE's and the session's proxy setting.

Each setting is read (for doctor and the agent's watch), written by install's steps (with their
undo), pointed at a new PAC address (`repoint`), and checked. The browsers' own certificate
stores are in nss.py.
"""

from __future__ import annotations

import configparser
import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from agent.system import nss
from agent.system.account import Account
from agent.system.ca import ca_pem, same_cert
from agent.system.check import Check, installed, start_hint
from agent.system.proxysetting import ProxySetting, same_pac
from agent.system.services import AGENT, PAC, SERVICES, ServiceUnit, templates_dir
from agent.system.steps import Action, Link, RemoveDir, Run, Step, WriteFile, file_step, note, run

GNOME = "org.gnome.system.proxy"
KDE_GROUP = "Proxy Settings"
# The system store, used only when running as root: Debian/Ubuntu, then Fedora/RHEL.
# (our file, the command that adds it, the command that rebuilds the store without it)
SYSTEM_STORES = (
    (Path("/usr/local/share/ca-certificates/nocontact.crt"), ["update-ca-certificates"],
     ["update-ca-certificates", "--fresh"]),  # without --fresh, the links to a removed file stay behind
    (Path("/etc/pki/ca-trust/source/anchors/nocontact.crt"), ["update-ca-trust", "extract"],
     ["update-ca-trust", "extract"]),
)


def config_home(home: Path, env: Mapping[str, str]) -> Path:
    """Where desktop settings live ($XDG_CONFIG_HOME, else ~/.config)."""
    return Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"


def unit_path(home: Path, env: Mapping[str, str] = os.environ, service: ServiceUnit = AGENT) -> Path:
    return config_home(home, env) / "systemd" / "user" / service.unit


def environment_file(home: Path, env: Mapping[str, str]) -> Path:
    return config_home(home, env) / "environment.d" / "60-nocontact.conf"


def _kioslaverc(path: Path, keep_case: bool = True) -> Mapping[str, str] | None:
    """KDE's proxy settings ({} when there are none), or None when the file cannot be read."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    if keep_case:
        parser.optionxform = str  # keys as KDE writes them
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    return parser[KDE_GROUP] if parser.has_section(KDE_GROUP) else {}


# --- reading the proxy setting ----------------------------------------------------------


def read_gnome(account: Account) -> ProxySetting | None:
    def get(key: str, schema: str = GNOME) -> str | None:
        out = account.out("gsettings", "get", schema, key)
        return out.strip().strip("'") if out is not None else None

    mode = get("mode")
    if mode == "auto":
        return ProxySetting("gnome", pac_url=get("autoconfig-url") or None)
    if mode == "manual":
        host, port = get("host", f"{GNOME}.https"), get("port", f"{GNOME}.https")
        return ProxySetting("gnome", proxy=f"{host}:{port}" if host else None)
    return ProxySetting("gnome") if mode is not None else None


def read_kde(home: Path, env: Mapping[str, str] | None = None) -> ProxySetting | None:
    path = config_home(home, {} if env is None else env) / "kioslaverc"
    section = _kioslaverc(path, keep_case=False) if path.exists() else None
    if section is None:
        return None
    kind = section.get("ProxyType", "0")
    if kind == "2":
        return ProxySetting("kde", pac_url=section.get("Proxy Config Script") or None)
    if kind == "1":
        return ProxySetting("kde", proxy=(section.get("httpsProxy") or "").replace(" ", ":") or None)
    return ProxySetting("kde")


def read_environment(env: Mapping[str, str]) -> ProxySetting | None:
    """The session's variables: auto_proxy (a PAC URL, which Chromium reads outside GNOME and KDE) or a proxy."""
    value = next((env[k] for k in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY") if env.get(k)), None)
    if env.get("auto_proxy") or value:
        return ProxySetting("environment", pac_url=env.get("auto_proxy") or None, proxy=value)
    return None


def proxy_settings(account: Account) -> list[ProxySetting]:
    found = [read_gnome(account), read_kde(account.home, account.env), read_environment(account.env)]
    return [setting for setting in found if setting is not None]


# --- install ----------------------------------------------------------------------------


def plan(account: Account, data_dir: Path, pac_url: str, command: list[str]) -> list[Step]:
    return [*nss.trust_steps(account, data_dir), *_system_store(account, data_dir),
            *_systemd(account, data_dir, command), *_gnome(account, pac_url), *_kde(account, pac_url),
            _environment(account, pac_url)]


def trust_steps(account: Account, data_dir: Path) -> list[Step]:
    """The steps that trust the CA in data_dir where it can be trusted now (stores that exist), for a new CA."""
    return [*nss.trust_steps(account, data_dir, existing=True), *_system_store(account, data_dir)]


def trusts(step_id: str) -> bool:
    """Whether an install step trusts the CA (in a browser's store, or the system's)."""
    return step_id.startswith("nss:") or step_id == "system-ca"


def _system_store(account: Account, data_dir: Path) -> list[Step]:
    if not account.root:
        return []
    for path, update, rebuild in SYSTEM_STORES:
        if account.which(update[0]) and path.parent.is_dir():
            step = file_step("system-ca", f"Trust the nocontact CA system-wide ({path}), as this runs as root",
                             path, ca_pem(data_dir) or "", after_undo=[run(*rebuild)])
            step.actions.append(run(*update))
            step.in_place = step.in_place and ca_pem(data_dir) is not None
            return [step]
    return [note("system-ca", "This runs as root, but no system certificate store was found "
                              "(update-ca-certificates or update-ca-trust); browsers' own stores are used.")]


def unit_text(command: Sequence[str], data_dir: Path, service: ServiceUnit = AGENT) -> str:
    """A systemd user unit from its template, with the real command and data directory."""
    def quote(arg: str, expands: bool) -> str:
        # % is a specifier everywhere; $ is expanded in ExecStart= only (systemd.service(5), systemd.exec(5)).
        arg = arg.replace("%", "%%").replace("$", "$$" if expands else "$")
        if not any(c in arg for c in " \t\"'\\;"):
            return arg
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'

    exec_start = "ExecStart=" + " ".join(quote(a, True) for a in [*command, *service.arguments])
    environment = "Environment=" + " ".join(quote(a, False) for a in (f"NOCONTACT_HOME={data_dir}",
                                                                       "NOCONTACT_SERVICE=systemd"))
    lines = (templates_dir() / "linux" / service.unit).read_text().splitlines()
    lines = [exec_start if line.startswith("ExecStart=") else environment if line.startswith("Environment=") else line
             for line in lines]
    return "\n".join(lines) + "\n"


def user_manager(account: Account) -> bool:
    """Whether systemd's user manager answers (it does not without a login session, e.g. in containers)."""
    return account.which("systemctl") is not None and account.ok("systemctl", "--user", "show-environment")


def _systemd(account: Account, data_dir: Path, command: list[str]) -> list[Step]:
    reachable = user_manager(account)
    reload = [run("systemctl", "--user", "daemon-reload", check=False)] if reachable else []
    steps = []
    for service in SERVICES:
        path = unit_path(account.home, account.env, service)
        unit = file_step(f"{service.step}unit", f"Write the systemd user service for {service.what} ({path})", path,
                         unit_text(command, data_dir, service), after_undo=reload)
        steps.append(unit)
        # The link that starts it at login, as `systemctl --user enable` makes it; removed on undo even
        # where systemctl cannot be asked then (an uninstall from a session without a user manager).
        link = path.parent / "default.target.wants" / service.unit
        unlink: list[Action] = [WriteFile(str(link), None)]
        if not link.parent.exists():
            unlink.append(RemoveDir(str(link.parent)))
        if not reachable:
            steps.append(Step(f"{service.step}enable", f"Start {service.what} at every login (systemd user service)",
                              [Link(str(link), f"../{service.unit}")], unlink,
                              in_place=link.is_symlink() and os.readlink(link) == f"../{service.unit}"))
            continue
        enabled = account.out("systemctl", "--user", "is-enabled", service.unit)
        active = account.out("systemctl", "--user", "is-active", service.unit)
        actions = [run("systemctl", "--user", "daemon-reload"),
                   run("systemctl", "--user", "enable", "--now", service.unit)]
        if active and active.strip() == "active" and not unit.in_place:
            actions.append(run("systemctl", "--user", "restart", service.unit))
        running = (enabled or "").strip() == "enabled" and (active or "").strip() == "active"
        steps.append(Step(f"{service.step}service",
                          f"Start {service.what} now and at every login (systemd user service)", actions,
                          [run("systemctl", "--user", "disable", "--now", service.unit, check=False), *unlink],
                          in_place=unit.in_place and running,
                          rollback=[] if running else None))  # it ran before: a restart that did not work leaves it
    if not reachable:
        steps.append(note("service", "systemd's user manager cannot be reached here (no login session), so the "
                                     "services are enabled but not started now. They start at your next login, "
                                     f"or now with: systemctl --user start {PAC.unit} {AGENT.unit}"))
    return steps


def _gvariant_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# The actions that point a setting at a PAC address: install's steps and repoint() share them.


def _gnome_url(url: str) -> Run:
    return run("gsettings", "set", GNOME, "autoconfig-url", _gvariant_string(url))


def _kde_key(tool: str, key: str, value: str) -> Run:
    return run(tool, "--file", "kioslaverc", "--group", KDE_GROUP, "--key", key, value)


def _gnome(account: Account, pac_url: str) -> list[Step]:
    if account.which("gsettings") is None:
        return []
    mode = account.out("gsettings", "get", GNOME, "mode")
    url = account.out("gsettings", "get", GNOME, "autoconfig-url")
    if mode is None or url is None:
        return [note("gnome", "GNOME's proxy settings are not available here, so they are left alone.")]
    mode, url = mode.strip(), url.strip()  # exactly as gsettings prints them: GVariant text, set back as is
    return [Step(
        "gnome", f"Point GNOME's proxy setting at nocontact (automatic, {pac_url}); now {mode}, {url}",
        [_gnome_url(pac_url), run("gsettings", "set", GNOME, "mode", "auto")],
        [run("gsettings", "set", GNOME, "mode", mode), run("gsettings", "set", GNOME, "autoconfig-url", url)],
        in_place=mode == "'auto'" and same_pac(url.strip("'"), pac_url),
    )]


def _kde(account: Account, pac_url: str) -> list[Step]:
    tool = next((t for t in ("kwriteconfig6", "kwriteconfig5") if account.which(t)), None)
    if tool is None:
        return []
    path = config_home(account.home, account.env) / "kioslaverc"
    section = _kioslaverc(path)
    if section is None:
        return [note("kde", f"KDE's proxy settings ({path}) could not be read, so they are left alone.")]
    wanted = {"ProxyType": "2", "Proxy Config Script": pac_url}
    refresh = ([run("dbus-send", "--type=signal", "/KIO/Scheduler", "org.kde.KIO.Scheduler.reparseSlaveConfiguration",
                    "string:", check=False)] if account.which("dbus-send") else [])
    undo = [_kde_key(tool, key, "--delete" if section.get(key) is None else section[key]) for key in wanted]
    return [Step("kde", f"Point KDE's proxy setting at nocontact (automatic, {pac_url})",
                 [_kde_key(tool, key, value) for key, value in wanted.items()] + refresh, undo + refresh,
                 in_place=section.get("ProxyType") == "2" and same_pac(section.get("Proxy Config Script"), pac_url))]


def _environment(account: Account, pac_url: str) -> Step:
    # Desktops other than GNOME and KDE: Chromium reads the PAC URL from auto_proxy, and systemd puts
    # environment.d's variables into the sessions it starts (from the next login).
    path = environment_file(account.home, account.env)
    text = f"# Written by `nocontact install`; `nocontact uninstall` removes it.\nauto_proxy={pac_url}\n"
    return file_step("environment", f"Point the session's environment at nocontact from your next login "
                                    f"(auto_proxy in {path})", path, text)


def repoint(step_id: str, undo: list[Action], url: str) -> list[Action]:
    """The actions that point the setting an install step made at `url`; none for other steps."""
    commands = [a for a in undo if isinstance(a, Run)]
    if step_id == "gnome":
        return [_gnome_url(url)]
    if step_id == "kde" and commands:  # the kwriteconfig install used, and its reparse signal
        return [_kde_key(commands[0].argv[0], "Proxy Config Script", url),
                *(a for a in commands if a.argv[0] == "dbus-send")]
    return []


# --- doctor -----------------------------------------------------------------------------


def start_command(account: Account, service: ServiceUnit) -> str:
    return f"systemctl --user start {service.unit}"


def service_checks(account: Account, service: ServiceUnit) -> list[Check]:
    path = unit_path(account.home, account.env, service)
    found = installed(service, path.exists(), f"{'' if path.exists() else 'no '}systemd user service at {path}")
    running = f"{service.heading} running"
    if not path.exists():
        return [found, Check(running, None, "not installed, so not asked")]
    if not user_manager(account):
        return [found, Check(running, None, "systemd's user manager cannot be asked here (no login session); "
                                            "the checks below say whether it answers")]
    active = (account.out("systemctl", "--user", "is-active", service.unit) or "").strip()
    return [found, Check(running, active == "active", f"systemd says: {active or 'inactive'}",
                         None if active == "active" else
                         f"{start_hint(start_command(account, service), service)} If it stops again, "
                         f"`journalctl --user -u {service.unit}` says why.")]


def trust_checks(account: Account, ours: str, ca_path: Path) -> list[Check]:
    """The browsers' NSS databases, then the system store (where an earlier install as root put our CA)."""
    not_checkable = nss.not_checkable(account)
    if not_checkable:
        return [not_checkable]
    found = nss.trust_checks(account, ours)
    for path, update, _ in SYSTEM_STORES:
        if path.exists():
            same = same_cert(path.read_text(errors="replace"), ours)
            found.append(Check("CA trusted: system store", same, str(path) if same else f"{path} holds an older CA",
                               None if same else f"sudo cp {shlex.quote(str(ca_path))} {shlex.quote(str(path))}"
                               f" && sudo {shlex.join(update)}"))
    return found

