"""`nocontact install` and `nocontact uninstall`: the service, the CA's trust and the system proxy.

`plan()` looks at this system (read-only) and returns the Steps that make
nocontact run from login, trust its CA where browsers look, and point the
system at its PAC URL. Each step carries the actions that do it and the
actions that undo it, with the values as they were before. `install()` runs
the steps that are not already in place and keeps, for each, its undo in an
install record (`install.json` in the data directory); `uninstall()` runs
those undos in reverse order and removes the record.

Every command goes through a runner (argv -> (exit code, output)) that tests
replace: they run the Linux commands for real and record the macOS and
Windows ones.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import platform
import plistlib
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import sysconfig
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import psutil

import agent
from agent.config import ConfigError, load_config
from agent.engine.policy import Policy
from agent.paths import ca_dir, default_config, pac_path, secure_ca, write_whole
from agent.sitelists import builtin_lists
from agent.system.sysproxy import config_home, same_pac
from agent.web.pac import PAC_PATH, pac_file
from agent.web.pac_server import DEFAULT_PORT as DEFAULT_PAC_PORT

Runner = Callable[[list[str]], tuple[int, str]]


@dataclass(frozen=True)
class Service:
    """One program started at login: its names for systemd, launchd and Task Scheduler."""
    unit: str
    label: str
    task: str
    subcommand: str  # the `nocontact` command it runs

    @property
    def arguments(self) -> list[str]:
        # Started again after a stop that did not wait, after 1 s and then longer while it keeps stopping
        # quickly (systemd and launchd would restart it every second, forever, were it stuck).
        return [self.subcommand, "--keep-running"]
    step: str  # prefix of its install steps' ids
    what: str  # in plain words


AGENT = Service("nocontact.service", "org.nocontact.agent", "nocontact", "run", "", "nocontact")
# Serves the PAC file on its own, so that browsers keep their routing while the agent is down.
PAC = Service("nocontact-pac.service", "org.nocontact.pac", "nocontact-pac", "pac-server", "pac-",
              "nocontact's PAC service")
SERVICES = (PAC, AGENT)  # the PAC service first: once the system points at it, it answers

NICKNAME = "nocontact CA"  # the name our CA carries in NSS databases
LABEL, TASK, UNIT = AGENT.label, AGENT.task, AGENT.unit
RECORD = "install.json"
DEFAULT_PROXY = "127.0.0.1:8080"  # where `nocontact run` listens by default, as the service runs it
DEFAULT_PAC_URL = f"http://127.0.0.1:{DEFAULT_PAC_PORT}{PAC_PATH}"  # the PAC service's
CA_CERT = Path("ca") / "mitmproxy-ca-cert.pem"
GNOME = "org.gnome.system.proxy"
KDE_GROUP = "Proxy Settings"
INTERNET_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
INTERNET_OPTION_SETTINGS_CHANGED = 39
INTERNET_OPTION_REFRESH = 37
# The system store, used only when running as root: Debian/Ubuntu, then Fedora/RHEL.
# (our file, the command that adds it, the command that rebuilds the store without it)
SYSTEM_STORES = (
    (Path("/usr/local/share/ca-certificates/nocontact.crt"), ["update-ca-certificates"],
     ["update-ca-certificates", "--fresh"]),  # without --fresh, the links to a removed file stay behind
    (Path("/etc/pki/ca-trust/source/anchors/nocontact.crt"), ["update-ca-trust", "extract"],
     ["update-ca-trust", "extract"]),
)


def run_command(argv: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run a command; its exit code and output (with the error output when it fails). 127 when not found."""
    if shutil.which(argv[0]) is None:
        return 127, f"{argv[0]}: not found"
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return 124, f"{argv[0]}: no answer after {timeout:.0f} seconds"
    except OSError as err:
        return 126, str(err)
    return done.returncode, done.stdout if done.returncode == 0 else (done.stdout + done.stderr).strip()


def refresh_internet_settings() -> None:
    """Tell Windows (WinINet: Edge, Chrome, the system) that the proxy settings changed."""
    import ctypes

    wininet = ctypes.windll.wininet
    wininet.InternetSetOptionW(None, INTERNET_OPTION_SETTINGS_CHANGED, None, 0)
    wininet.InternetSetOptionW(None, INTERNET_OPTION_REFRESH, None, 0)


# --- steps and actions ----------------------------------------------------------
#
# An action is a small JSON-able dict, so undos can be kept in the install record:
#   {"op": "run", "argv": [...], "check": bool}       a command (check: a failure counts)
#   {"op": "write", "path", "content", "encoding"}    write a file; content None removes it
#   {"op": "mkdir", "path"} / {"op": "rmdir", "path"} make a folder / remove it if empty
#   {"op": "reg", "name", "value", "type"}            HKCU Internet Settings value; value None deletes it
#   {"op": "refresh"}                                 Windows: the proxy settings changed
#   {"op": "ca", "dir"}                               create this install's CA (mitmproxy's format)
#   {"op": "drop_nssdb", "dir"}                       remove an NSS database we created, if nothing is left in it


@dataclass
class Step:
    id: str  # stable across runs: a repeated install skips what its record already holds
    description: str
    actions: list[dict] = field(default_factory=list)  # none: a note, said and not done
    undo: list[dict] = field(default_factory=list)
    in_place: bool = False  # already as install would leave it: nothing to do, nothing to undo
    rollback: list[dict] | None = None  # when the step does not work: what puts it back (None: the undo)


def _run(*argv: str, check: bool = True) -> dict:
    return {"op": "run", "argv": list(argv), "check": check}


def _removal(argv: Sequence[str], gone: Sequence[str], says: Sequence[str]) -> dict:
    """Run `argv` to remove something; when it does not work, it was gone already if `gone` (a read) fails
    saying one of `says` (not found, no such database). Any other answer is reported, not taken as done."""
    return {**_run(*argv), "gone": list(gone), "says": [s.lower() for s in says]}


def _write(path: Path, content: str | None, encoding: str = "utf-8") -> dict:
    return {"op": "write", "path": str(path), "content": content, "encoding": encoding}


def _read(path: Path, encoding: str = "utf-8") -> str | None:
    try:
        return path.read_text(encoding=encoding)
    except (OSError, UnicodeDecodeError):
        return None


def _new_dirs(path: Path) -> list[Path]:
    """The folders above `path` that do not exist yet, deepest first (to remove them again if empty)."""
    missing = []
    for parent in path.parents:
        if parent.exists():
            break
        missing.append(parent)
    return missing


def _file_step(step_id: str, description: str, path: Path, content: str, encoding: str = "utf-8",
               after_undo: Sequence[dict] = ()) -> Step:
    """Write a file; the undo puts back what was there (or removes it, and the folders made for it)."""
    before = _read(path, encoding) if path.exists() else None
    undo = [_write(path, before, encoding)]
    if before is None:
        undo += [{"op": "rmdir", "path": str(d)} for d in _new_dirs(path)]
    return Step(step_id, description, [_write(path, content, encoding)], undo + list(after_undo),
                in_place=before == content)


def _note(step_id: str, text: str) -> Step:
    return Step(f"note:{step_id}", text)


def _shell_quote(arg: str) -> str:
    """As a shell would need it; GVariant text like 'none' reads best in double quotes."""
    if "'" in arg and not any(c in arg for c in '"$`\\!'):
        return f'"{arg}"'
    return shlex.quote(arg)


def show(action: dict) -> str:
    """An action as the person reads it in the plan."""
    op = action["op"]
    if op == "run":
        return "$ " + " ".join(_shell_quote(a) for a in action["argv"])
    if op == "write":
        return f"remove {action['path']}" if action["content"] is None else f"write {action['path']}"
    if op == "link":
        return f"link {action['path']} -> {action['target']}"
    if op == "mkdir":
        return f"create the folder {action['path']}"
    if op == "rmdir":
        return f"remove the folder {action['path']} if it is empty"
    if op == "reg":
        where = rf"HKCU\{INTERNET_SETTINGS}\{action['name']}"
        return f"delete {where}" if action["value"] is None else f"set {where} = {action['value']}"
    if op == "refresh":
        return (f"tell Windows the proxy settings changed (InternetSetOption {INTERNET_OPTION_SETTINGS_CHANGED} "
                f"and {INTERNET_OPTION_REFRESH})")
    if op == "ca":
        return f"create this install's certificate authority in {action['dir']}"
    if op == "drop_nssdb":
        return f"remove the certificate database in {action['dir']} if nothing else is in it"
    raise ValueError(op)


# --- what is where ---------------------------------------------------------------


def templates_dir() -> Path:
    """`installers/` of the checkout, or its copy inside the installed wheel."""
    inside_wheel = Path(agent.__file__).parent / "_installers"
    return inside_wheel if inside_wheel.is_dir() else Path(agent.__file__).parent.parent / "installers"


def find_executable(system: str | None = None) -> list[str]:
    """The command that starts nocontact: the `nocontact` script if there is one, else this Python with -m agent."""
    if (system or platform.system()) == "Windows":
        # A console script opens a console window at every logon, and closing it would stop nocontact.
        windowless = Path(sys.executable).with_name("pythonw.exe")
        if windowless.is_file():
            return [str(windowless), "-m", "agent"]
    name = "nocontact.exe" if os.name == "nt" else "nocontact"
    candidates = [shutil.which("nocontact"), Path(sys.executable).parent / name,
                  Path(sysconfig.get_path("scripts")) / name,
                  Path(sysconfig.get_path("scripts", f"{os.name}_user")) / name]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return [os.path.abspath(candidate)]
    return [os.path.abspath(sys.executable), "-m", "agent"]


def unit_path(home: Path, env: Mapping[str, str] = os.environ, service: Service = AGENT) -> Path:
    return config_home(home, env) / "systemd" / "user" / service.unit


def plist_path(home: Path, service: Service = AGENT) -> Path:
    return home / "Library" / "LaunchAgents" / f"{service.label}.plist"


def keychain_path(home: Path) -> Path:
    return home / "Library" / "Keychains" / "login.keychain-db"


def task_file(data_dir: Path, service: Service = AGENT) -> Path:
    return data_dir / f"{service.task}-task.xml"


def routing(data_dir: Path) -> str:
    """The PAC file for the config in `data_dir` (the shipped default if there is none yet)."""
    config_file = data_dir / "config.yaml"
    try:
        config = load_config(config_file if config_file.exists() else default_config())
    except ConfigError as err:
        raise ConfigError(f"the config has a mistake ({err.where()}); `nocontact check` shows what to fix, "
                          "and install goes ahead once it is fixed") from None
    host, port = DEFAULT_PROXY.rsplit(":", 1)
    return pac_file(Policy(config, builtin_lists(config.block.categories)), host, int(port))


def firefox_roots(home: Path, env: Mapping[str, str] | None = None) -> list[tuple[str, Path]]:
    """(label, folder) where Firefox keeps its profiles: Linux (plain, snap, Flatpak), macOS, Windows."""
    roots = [("Firefox", home / ".mozilla" / "firefox"),
             ("Firefox (snap)", home / "snap" / "firefox" / "common" / ".mozilla" / "firefox"),
             ("Firefox (Flatpak)", home / ".var" / "app" / "org.mozilla.firefox" / ".mozilla" / "firefox"),
             ("Firefox", home / "Library" / "Application Support" / "Firefox" / "Profiles")]
    if env and env.get("APPDATA"):
        roots.append(("Firefox", Path(env["APPDATA"]) / "Mozilla" / "Firefox" / "Profiles"))
    return roots


def nss_databases(home: Path, existing: bool = False) -> list[tuple[str, Path]]:
    """(who reads it, folder) for each NSS certificate database browsers use; Chrome's first, even if missing."""
    found = []
    chrome = home / ".pki" / "nssdb"
    if not existing or (chrome / "cert9.db").exists():
        found.append(("Chrome and Chromium", chrome))
    for label, folder in (("Chromium (snap)", home / "snap" / "chromium" / "current" / ".pki" / "nssdb"),
                          ("Chromium (Flatpak)", home / ".var" / "app" / "org.chromium.Chromium" / ".pki" / "nssdb"),
                          ("Chrome (Flatpak)", home / ".var" / "app" / "com.google.Chrome" / ".pki" / "nssdb")):
        if (folder / "cert9.db").exists():
            found.append((label, folder))
    for label, profiles in firefox_roots(home):
        for db in sorted(profiles.glob("*/cert9.db")):
            found.append((f"{label} profile {db.parent.name}", db.parent))
    return found


def ca_pem(data_dir: Path) -> str | None:
    return _read(data_dir / CA_CERT)


def fingerprint(pem: str | None) -> str:
    """SHA-1 of the certificate, upper-case hex, as `security` and Windows' certutil name it."""
    if pem is None:
        return "<SHA-1 of the new CA>"
    return hashlib.sha1(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()


def same_cert(pem_a: str | None, pem_b: str | None) -> bool:
    try:
        return bool(pem_a and pem_b) and ssl.PEM_cert_to_DER_cert(pem_a.strip()) == ssl.PEM_cert_to_DER_cert(
            pem_b.strip())
    except ValueError:
        return False


def nss_listing(output: str) -> list[str]:
    """The certificate lines of `certutil -L` (without its header)."""
    return [line for line in output.splitlines()
            if line.strip() and not line.startswith("Certificate Nickname") and "SSL,S/MIME" not in line]


def ensure_ca(data_dir: Path) -> Path:
    """This install's CA, created (as mitmproxy does on first start) if it does not exist yet."""
    from mitmproxy.certs import CertStore

    folder = ca_dir(data_dir)
    if not (data_dir / CA_CERT).exists():
        CertStore.from_store(folder, "mitmproxy", 2048)
        secure_ca(folder)
    return data_dir / CA_CERT


# --- the plan ----------------------------------------------------------------------


@dataclass
class _Host:
    home: Path
    data_dir: Path
    pac_url: str
    command: list[str]  # how to start the agent, without "run"
    run: Runner
    which: Callable[[str], str | None]
    root: bool
    uid: int
    user: str
    env: Mapping[str, str]
    registry: object

    @property
    def ca_cert(self) -> Path:
        return self.data_dir / CA_CERT

    def ok(self, *argv: str) -> bool:
        return self.run(list(argv))[0] == 0

    def out(self, *argv: str) -> str | None:
        code, output = self.run(list(argv))
        return output if code == 0 else None


def plan(home: Path, data_dir: Path, pac_url: str, executable: str | Sequence[str],
         system: str = platform.system(), *, run: Runner = run_command,
         which: Callable[[str], str | None] = shutil.which, root: bool | None = None, uid: int | None = None,
         user: str | None = None, env: Mapping[str, str] | None = None, registry=None) -> list[Step]:
    """The steps that install nocontact on this system, each with its undo. Only reads; changes nothing."""
    command = [executable] if isinstance(executable, str | Path) else list(executable)
    host = _Host(
        home=Path(home), data_dir=Path(data_dir), pac_url=pac_url, command=[str(c) for c in command], run=run,
        which=which, root=(hasattr(os, "geteuid") and os.geteuid() == 0) if root is None else root,
        uid=(os.getuid() if hasattr(os, "getuid") else 0) if uid is None else uid,
        user=user or _windows_user(), env=os.environ if env is None else env, registry=registry,
    )
    ca = Step("ca", f"Create this install's certificate authority (CA) in {host.data_dir / 'ca'}",
              [{"op": "ca", "dir": str(host.data_dir / "ca")}], in_place=host.ca_cert.exists())
    ports = _ports_in_use(host)
    # What the PAC service serves until the agent first runs (the agent keeps it up to date after).
    pac = _file_step("pac-file", f"Write the routing the PAC service serves ({pac_path(host.data_dir)})",
                     pac_path(host.data_dir), routing(host.data_dir))
    # Once there, the agent keeps it (from the config in force, loosenings waiting their turn): never replaced.
    pac.in_place = pac.in_place or pac_path(host.data_dir).exists()
    if system == "Linux":
        return [*ports, ca, pac, *_nss(host), *_system_store(host), *_systemd(host), *_gnome(host), *_kde(host),
                _environment(host)]
    if system == "Darwin":
        return [*ports, ca, pac, *_keychain(host), *_launchd(host), *_networksetup(host)]
    if system == "Windows":
        return [*ports, ca, pac, *_root_store(host), *_task(host), *_internet_settings(host)]
    raise ConfigError(f"nocontact cannot install itself on {system} yet; `nocontact run` works there by hand")


def _ports_in_use(host: _Host) -> list[Step]:
    """A note for each port nocontact's services need that another program holds now."""
    proxy_host, proxy_port = DEFAULT_PROXY.rsplit(":", 1)
    pac = urllib.parse.urlsplit(host.pac_url)
    running = agent_running(host.data_dir) or {}
    notes = []
    for what, address, ours in (
        ("proxy", (proxy_host, int(proxy_port)), lambda: running.get("proxy") == DEFAULT_PROXY),
        ("PAC service", (pac.hostname or "127.0.0.1", pac.port or 80), lambda: "nocontact" in fetch_local(host.pac_url)),
    ):
        try:
            socket.create_connection(address, timeout=1).close()
        except OSError:
            continue  # free
        if not ours():
            notes.append(_note(f"port:{address[1]}", f"Another program listens on port {address[1]}, which "
                                                     f"nocontact's {what} needs: it starts once that port is "
                                                     "free. `nocontact doctor` shows how it stands."))
    return notes


def fetch_local(url: str) -> str:
    """The start of what a loopback URL answers (never through a proxy); empty when nothing does."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    try:
        with opener.open(url, timeout=2) as response:
            return response.read(4096).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def _windows_user() -> str:
    name = os.environ.get("USERNAME") or os.environ.get("USER") or "user"
    domain = os.environ.get("USERDOMAIN")
    return f"{domain}\\{name}" if domain else name


# Linux


def _nss(host: _Host) -> list[Step]:
    if host.which("certutil") is None:
        return [_note("nss", "certutil is not installed (Debian and Ubuntu: libnss3-tools; Fedora: nss-tools), so "
                             "Chrome's and Firefox's own certificate stores are left alone. Install it and run "
                             "`nocontact install` again: it adds only what is missing.")]
    ours = ca_pem(host.data_dir)
    steps = []
    for label, folder in nss_databases(host.home):
        db = f"sql:{folder}"
        add = _run("certutil", "-d", db, "-A", "-t", "C,,", "-n", NICKNAME, "-i", str(host.ca_cert))
        remove = _removal(["certutil", "-d", db, "-D", "-n", NICKNAME], ["certutil", "-d", db, "-L", "-n", NICKNAME],
                          ["could not find cert", "SEC_ERROR_BAD_DATABASE"])
        if not (folder / "cert9.db").exists():
            undo = [{"op": "drop_nssdb", "dir": str(folder)}]
            undo += [{"op": "rmdir", "path": str(d)} for d in [folder, *_new_dirs(folder)]]
            steps.append(Step(f"nssdb:{folder}", f"Create the certificate store {label} read ({folder})",
                              [{"op": "mkdir", "path": str(folder)},
                               _run("certutil", "-N", "-d", db, "--empty-password")], undo))
            steps.append(Step(f"nss:{folder}", f"Trust the nocontact CA in {label} ({folder})", [add], [remove]))
            continue
        present = host.out("certutil", "-d", db, "-L", "-n", NICKNAME, "-a")
        if present is not None and same_cert(present, ours):
            steps.append(Step(f"nss:{folder}", f"Trust the nocontact CA in {label} ({folder})", [add], [remove],
                              in_place=True))
        elif present is not None:  # an older CA of an earlier nocontact install: replaced
            steps.append(Step(f"nss:{folder}", f"Trust the nocontact CA in {label} ({folder}), in place of an "
                                               "older nocontact CA", [remove, add], [remove]))
        else:
            steps.append(Step(f"nss:{folder}", f"Trust the nocontact CA in {label} ({folder})", [add], [remove]))
    return steps


def _system_store(host: _Host) -> list[Step]:
    if not host.root:
        return []
    for path, update, rebuild in SYSTEM_STORES:
        if host.which(update[0]) and path.parent.is_dir():
            step = _file_step("system-ca", f"Trust the nocontact CA system-wide ({path}), as this runs as root",
                              path, ca_pem(host.data_dir) or "", after_undo=[_run(*rebuild)])
            step.actions.append(_run(*update))
            step.in_place = step.in_place and ca_pem(host.data_dir) is not None
            return [step]
    return [_note("system-ca", "This runs as root, but no system certificate store was found "
                               "(update-ca-certificates or update-ca-trust); browsers' own stores are used.")]


def unit_text(command: Sequence[str], data_dir: Path, service: Service = AGENT) -> str:
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


def user_manager(host: _Host) -> bool:
    """Whether systemd's user manager answers (it does not without a login session, e.g. in containers)."""
    return host.which("systemctl") is not None and host.ok("systemctl", "--user", "show-environment")


def _systemd(host: _Host) -> list[Step]:
    reachable = user_manager(host)
    reload = [_run("systemctl", "--user", "daemon-reload", check=False)] if reachable else []
    steps = []
    for service in SERVICES:
        path = unit_path(host.home, host.env, service)
        unit = _file_step(f"{service.step}unit", f"Write the systemd user service for {service.what} ({path})", path,
                          unit_text(host.command, host.data_dir, service), after_undo=reload)
        steps.append(unit)
        # The link that starts it at login, as `systemctl --user enable` makes it; removed on undo even
        # where systemctl cannot be asked then (an uninstall from a session without a user manager).
        link = path.parent / "default.target.wants" / service.unit
        unlink = [_write(link, None)] + ([] if link.parent.exists() else [{"op": "rmdir", "path": str(link.parent)}])
        if not reachable:
            steps.append(Step(f"{service.step}enable", f"Start {service.what} at every login (systemd user service)",
                              [{"op": "link", "path": str(link), "target": f"../{service.unit}"}], unlink,
                              in_place=link.is_symlink() and os.readlink(link) == f"../{service.unit}"))
            continue
        enabled = host.out("systemctl", "--user", "is-enabled", service.unit)
        active = host.out("systemctl", "--user", "is-active", service.unit)
        actions = [_run("systemctl", "--user", "daemon-reload"),
                   _run("systemctl", "--user", "enable", "--now", service.unit)]
        if active and active.strip() == "active" and not unit.in_place:
            actions.append(_run("systemctl", "--user", "restart", service.unit))
        running = (enabled or "").strip() == "enabled" and (active or "").strip() == "active"
        steps.append(Step(f"{service.step}service", f"Start {service.what} now and at every login (systemd user service)",
                          actions, [_run("systemctl", "--user", "disable", "--now", service.unit, check=False),
                                    *unlink],
                          in_place=unit.in_place and running,
                          rollback=[] if running else None))  # it ran before: a restart that did not work leaves it
    if not reachable:
        steps.append(_note("service", "systemd's user manager cannot be reached here (no login session), so the "
                                      "services are enabled but not started now. They start at your next login, "
                                      f"or now with: systemctl --user start {PAC.unit} {AGENT.unit}"))
    return steps


def _gvariant_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# The action that points each system setting at a PAC address: install's steps and repoint() share them.


def _gnome_url(url: str) -> dict:
    return _run("gsettings", "set", GNOME, "autoconfig-url", _gvariant_string(url))


def _kde_key(tool: str, key: str, value: str) -> dict:
    return _run(tool, "--file", "kioslaverc", "--group", KDE_GROUP, "--key", key, value)


def _networksetup_url(service: str, url: str) -> dict:
    return _run("networksetup", "-setautoproxyurl", service, url)


def _autoconfig_url(url: str | None, kind: int | None = 1) -> dict:
    """Internet Settings' AutoConfigURL (None: deleted); REG_SZ is 1."""
    return {"op": "reg", "name": "AutoConfigURL", "value": url, "type": kind if url is not None else None}


def _gnome(host: _Host) -> list[Step]:
    if host.which("gsettings") is None:
        return []
    mode = host.out("gsettings", "get", GNOME, "mode")
    url = host.out("gsettings", "get", GNOME, "autoconfig-url")
    if mode is None or url is None:
        return [_note("gnome", "GNOME's proxy settings are not available here, so they are left alone.")]
    mode, url = mode.strip(), url.strip()  # exactly as gsettings prints them: GVariant text, set back as is
    return [Step(
        "gnome", f"Point GNOME's proxy setting at nocontact (automatic, {host.pac_url}); now {mode}, {url}",
        [_gnome_url(host.pac_url), _run("gsettings", "set", GNOME, "mode", "auto")],
        [_run("gsettings", "set", GNOME, "mode", mode), _run("gsettings", "set", GNOME, "autoconfig-url", url)],
        in_place=mode == "'auto'" and same_pac(url.strip("'"), host.pac_url),
    )]


def _kde(host: _Host) -> list[Step]:
    tool = next((t for t in ("kwriteconfig6", "kwriteconfig5") if host.which(t)), None)
    if tool is None:
        return []
    path = config_home(host.home, host.env) / "kioslaverc"
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keys as KDE writes them
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return [_note("kde", f"KDE's proxy settings ({path}) could not be read, so they are left alone.")]
    section = parser[KDE_GROUP] if parser.has_section(KDE_GROUP) else {}
    wanted = {"ProxyType": "2", "Proxy Config Script": host.pac_url}
    refresh = ([_run("dbus-send", "--type=signal", "/KIO/Scheduler",
                     "org.kde.KIO.Scheduler.reparseSlaveConfiguration", "string:", check=False)]
               if host.which("dbus-send") else [])
    undo = [_kde_key(tool, key, "--delete" if section.get(key) is None else section[key]) for key in wanted]
    return [Step("kde", f"Point KDE's proxy setting at nocontact (automatic, {host.pac_url})",
                 [_kde_key(tool, key, value) for key, value in wanted.items()] + refresh, undo + refresh,
                 in_place=section.get("ProxyType") == "2" and same_pac(section.get("Proxy Config Script"),
                                                                       host.pac_url))]


def environment_file(home: Path, env: Mapping[str, str]) -> Path:
    return config_home(home, env) / "environment.d" / "60-nocontact.conf"


def _environment(host: _Host) -> Step:
    # Desktops other than GNOME and KDE: Chromium reads the PAC URL from auto_proxy, and systemd puts
    # environment.d's variables into the sessions it starts (from the next login).
    path = environment_file(host.home, host.env)
    text = f"# Written by `nocontact install`; `nocontact uninstall` removes it.\nauto_proxy={host.pac_url}\n"
    return _file_step("environment", f"Point the session's environment at nocontact from your next login "
                                     f"(auto_proxy in {path})", path, text)


# macOS (commands built and recorded in tests; not run here)


def plist_text(command: Sequence[str], data_dir: Path, service: Service = AGENT) -> str:
    template = plistlib.loads((templates_dir() / "macos" / f"{service.label}.plist").read_bytes())
    arguments = []
    for arg in template["ProgramArguments"]:
        arguments += list(command) if arg == "@EXECUTABLE@" else [arg]
    template["ProgramArguments"] = arguments
    template["EnvironmentVariables"]["NOCONTACT_HOME"] = str(data_dir)
    return plistlib.dumps(template).decode()


def _keychain(host: _Host) -> list[Step]:
    keychain = str(keychain_path(host.home))
    sha1 = fingerprint(ca_pem(host.data_dir))
    listing = host.out("security", "find-certificate", "-a", "-Z", keychain) or ""
    return [Step("keychain", "Trust the nocontact CA in your login keychain (macOS asks for your password)",
                 [_run("security", "add-trusted-cert", "-r", "trustRoot", "-k", keychain, str(host.ca_cert))],
                 [_run("security", "delete-certificate", "-t", "-Z", sha1, keychain)],
                 in_place=f"SHA-1 hash: {sha1}" in listing)]


def _launchd(host: _Host) -> list[Step]:
    steps = []
    for service in SERVICES:
        path = plist_path(host.home, service)
        agent_file = _file_step(f"{service.step}launchagent", f"Write the LaunchAgent for {service.what} ({path})",
                                path, plist_text(host.command, host.data_dir, service))
        target = f"gui/{host.uid}/{service.label}"
        loaded = host.ok("launchctl", "print", target)
        actions = [_run("launchctl", "bootstrap", f"gui/{host.uid}", str(path))]
        if loaded:  # an older definition is loaded: unload it first
            actions.insert(0, _run("launchctl", "bootout", target, check=False))
        steps += [agent_file, Step(f"{service.step}launchd", f"Start {service.what} now and at every login (launchd)",
                                   actions, [_run("launchctl", "bootout", target, check=False)],
                                   in_place=loaded and agent_file.in_place)]
    return steps


def _networksetup(host: _Host) -> list[Step]:
    listing = host.out("networksetup", "-listallnetworkservices")
    if listing is None:
        return [_note("networksetup", "The network services could not be listed (networksetup), so the system "
                                      "proxy is left alone.")]
    services = [line.lstrip("*").strip() for line in listing.splitlines()[1:] if line.strip()]
    steps = []
    for service in services:
        before = dict(line.split(": ", 1) for line in (host.out("networksetup", "-getautoproxyurl", service) or "")
                      .splitlines() if ": " in line)
        url, enabled = before.get("URL", "(null)"), before.get("Enabled", "No")
        if url in ("(null)", ""):
            undo = [_run("networksetup", "-setautoproxystate", service, "off")]
        else:
            undo = [_networksetup_url(service, url)]
            if enabled != "Yes":
                undo.append(_run("networksetup", "-setautoproxystate", service, "off"))
        steps.append(Step(f"networksetup:{service}",
                          f"Point the network service {service!r} at nocontact (automatic proxy, {host.pac_url})",
                          [_networksetup_url(service, host.pac_url)], undo,
                          in_place=same_pac(url, host.pac_url) and enabled == "Yes"))
    return steps


# Windows (commands and registry values built and recorded in tests; not run here)


def task_xml(command: Sequence[str], user: str, data_dir: Path, service: Service = AGENT) -> str:
    """A Task Scheduler definition from the template, as text; written as UTF-16, which schtasks expects.

    A task cannot set environment variables, so the data directory goes on the command line (`--home`).
    """
    text = (templates_dir() / "windows" / "nocontact-task.xml").read_text(encoding="utf-8")
    text = text[:text.index("<!--")] + text[text.index("-->") + 3:].lstrip()  # the template's notes, not the task's
    values = {"@TASK@": service.task, "@WHAT@": service.what, "@USER_ID@": user, "@COMMAND@": command[0],
              # Task Scheduler does not start a task again when it ends: nocontact does (--keep-running).
              "@ARGUMENTS@": subprocess.list2cmdline([*command[1:], "--home", str(data_dir), *service.arguments])}
    for placeholder, value in values.items():
        text = text.replace(placeholder, escape(value))
    return text.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)


def _root_store(host: _Host) -> list[Step]:
    sha1 = fingerprint(ca_pem(host.data_dir))
    return [Step("root-store", "Trust the nocontact CA in your own Root certificate store (Windows asks once)",
                 [_run("certutil", "-user", "-addstore", "Root", str(host.ca_cert))],
                 [_removal(["certutil", "-user", "-delstore", "Root", sha1],
                           ["certutil", "-user", "-verifystore", "Root", sha1], ["cannot find", "not found"])],
                 in_place=host.ok("certutil", "-user", "-verifystore", "Root", sha1))]


def _task(host: _Host) -> list[Step]:
    steps = []
    for service in SERVICES:
        path = task_file(host.data_dir, service)
        definition = _file_step(f"{service.step}task-file", f"Write the Task Scheduler definition for {service.what} "
                                f"({path})", path, task_xml(host.command, host.user, host.data_dir, service),
                                encoding="utf-16")
        exists = host.ok("schtasks", "/Query", "/TN", service.task)
        steps += [definition, Step(f"{service.step}task", f"Start {service.what} at every logon, and now "
                                   "(Task Scheduler, as you)",
                                   [_run("schtasks", "/Create", "/XML", str(path), "/TN", service.task, "/F"),
                                    _run("schtasks", "/Run", "/TN", service.task)],
                                   [_run("schtasks", "/End", "/TN", service.task, check=False),
                                    _removal(["schtasks", "/Delete", "/TN", service.task, "/F"],
                                             ["schtasks", "/Query", "/TN", service.task],
                                             ["cannot find", "does not exist"])],
                                   in_place=exists and definition.in_place)]  # a changed definition: again
    return steps


def read_registry(registry, name: str) -> tuple[object, int] | None:
    """(value, type) of a per-user Internet Settings value, or None when it is absent."""
    try:
        key = registry.OpenKey(registry.HKEY_CURRENT_USER, INTERNET_SETTINGS)
    except OSError:
        return None
    try:
        value, kind = registry.QueryValueEx(key, name)
        return value, kind
    except OSError:
        return None
    finally:
        registry.CloseKey(key)


def _internet_settings(host: _Host) -> list[Step]:
    registry = host.registry
    if registry is None:
        import winreg as registry
        host.registry = registry
    before = read_registry(registry, "AutoConfigURL")
    restore = _autoconfig_url(None) if before is None else _autoconfig_url(*before)
    return [Step("internet-settings", f"Point your Internet Settings at nocontact (setup script {host.pac_url})",
                 [_autoconfig_url(host.pac_url, registry.REG_SZ), {"op": "refresh"}],
                 [restore, {"op": "refresh"}],
                 in_place=before is not None and same_pac(str(before[0]), host.pac_url))]


# --- doing and undoing ----------------------------------------------------------------


@dataclass
class _Doer:
    run: Runner
    registry: object = None
    refresh: Callable[[], None] | None = None

    def __call__(self, action: dict) -> str | None:
        """Carry out one action; a short description of what went wrong, or None."""
        op = action["op"]
        try:
            if op == "run":
                code, output = self.run(action["argv"])
                if code and action.get("gone"):
                    read, said = self.run(action["gone"])
                    if read != 0 and any(phrase in said.lower() for phrase in action.get("says", ())):
                        return None  # a removal whose target is already gone (a deleted profile, say): done
                if code and action.get("check", True):
                    return f"{shlex.join(action['argv'])} did not work (exit {code}): {output.strip()[:300]}"
            elif op == "write":
                path = Path(action["path"])
                if action["content"] is None:
                    path.unlink(missing_ok=True)
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    write_whole(path, action["content"].encode(action.get("encoding") or "utf-8"))
            elif op == "link":
                path = Path(action["path"])
                path.parent.mkdir(parents=True, exist_ok=True)
                path.unlink(missing_ok=True)
                path.symlink_to(action["target"])
            elif op == "mkdir":
                Path(action["path"]).mkdir(parents=True, exist_ok=True)
            elif op == "rmdir":
                path = Path(action["path"])
                if path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            elif op == "drop_nssdb":
                self._drop_nssdb(Path(action["dir"]))
            elif op == "ca":
                ensure_ca(Path(action["dir"]).parent)
            elif op == "reg":
                self._registry(action["name"], action["value"], action["type"])
            elif op == "refresh":
                (self.refresh or refresh_internet_settings)()
            else:
                return f"unknown action {op!r}"
        except (OSError, ValueError) as err:
            return f"{show(action)}: {err}"
        return None

    def _drop_nssdb(self, folder: Path) -> None:
        code, output = self.run(["certutil", "-d", f"sql:{folder}", "-L"])
        if code == 0 and not nss_listing(output):
            for name in ("cert9.db", "key4.db", "pkcs11.txt"):
                (folder / name).unlink(missing_ok=True)

    def _registry(self, name: str, value, kind) -> None:
        registry = self.registry
        if registry is None:
            import winreg as registry
        key = registry.CreateKeyEx(registry.HKEY_CURRENT_USER, INTERNET_SETTINGS, 0, registry.KEY_SET_VALUE)
        try:
            if value is None:
                try:
                    registry.DeleteValue(key, name)
                except FileNotFoundError:
                    pass
            else:
                registry.SetValueEx(key, name, 0, kind, value)
        finally:
            registry.CloseKey(key)


def record_path(data_dir: Path) -> Path:
    return Path(data_dir) / RECORD


def load_record(data_dir: Path) -> dict | None:
    try:
        return json.loads(record_path(data_dir).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise ConfigError(f"the install record {record_path(data_dir)} cannot be read ({err})") from None


def installed_pac_url(data_dir: Path) -> str | None:
    """The PAC service's URL that `nocontact install` pointed the system at, if it did."""
    try:
        return (load_record(data_dir) or {}).get("pac_url")
    except ConfigError:
        return None


def _save_record(data_dir: Path, record: dict) -> None:
    write_whole(record_path(data_dir), json.dumps(record, indent=2).encode(), mode=0o600)


def _dry_run_or_declined(dry_run: bool, yes: bool, ask, out) -> int | None:
    """The exit code when nothing is to be changed (a dry run, or the person said no); None to go on."""
    if dry_run:
        out("This was a dry run: nothing was changed.")
        return 0
    if not yes and not _confirm(ask):
        out("Nothing was changed.")
        return 1
    return None


def _confirm(ask: Callable[[str], str]) -> bool:
    try:
        return ask("Go ahead? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def describe(steps: Sequence[Step], title: str, undo: bool = False) -> str:
    """The plan as the person reads it: each step and exactly what it runs or writes."""
    lines = [title]
    number = 0
    for step in steps:
        actions = step.undo if undo else step.actions
        if step.in_place or not actions:
            continue
        number += 1
        lines.append(f"  {number}. {'Undo: ' if undo else ''}{step.description}")
        lines += [f"       {show(a)}" for a in actions]
    done = [s for s in steps if s.in_place]
    if done:
        lines.append("Already in place:")
        lines += [f"  - {s.description}" for s in done]
    notes = [s for s in steps if not s.actions and not s.in_place and not undo]
    if notes:
        lines.append("Good to know:")
        lines += [f"  - {s.description}" for s in notes]
    return "\n".join(lines)


def install(data_dir: Path, home: Path | None = None, *, pac_url: str = DEFAULT_PAC_URL,
            executable: str | Sequence[str] | None = None, system: str | None = None, dry_run: bool = False,
            yes: bool = False, out: Callable[[str], None] = print, ask: Callable[[str], str] = input,
            run: Runner = run_command, refresh: Callable[[], None] | None = None, **options) -> int:
    """Make nocontact always on; 0 when everything is in place, 1 when a step could not be done.

    `options` go to `plan()` (which, root, uid, user, env, registry). A second install adds only what is
    missing or was changed since, and keeps the values from before the first one.
    """
    data_dir, home = Path(data_dir), Path.home() if home is None else Path(home)
    system = system or platform.system()
    record = load_record(data_dir)
    command = executable or find_executable(system)
    steps = plan(home, data_dir, pac_url, command, system, run=run, **options)  # a config mistake stops here
    todo = [s for s in steps if s.actions and not s.in_place]
    out(describe(steps, "nocontact install will:" if todo else "nocontact install:"))
    if not todo:
        out("Everything is already in place; nothing to change.")
        return 0
    stop = _dry_run_or_declined(dry_run, yes, ask, out)
    if stop is not None:
        return stop
    if not (data_dir / CA_CERT).exists():  # made only once the person said yes; the trust steps then name it
        ensure_ca(data_dir)
        steps = plan(home, data_dir, pac_url, command, system, run=run, **options)
        todo = [s for s in steps if s.actions and not s.in_place]
    record = record or {"version": 1, "system": system, "installed": datetime.now(UTC).isoformat(timespec="seconds"),
                        "pac_url": pac_url, "steps": []}
    recorded = {s["id"] for s in record["steps"]}
    do = _Doer(run, options.get("registry"), refresh)
    problems = []
    for step in todo:
        error = next((e for e in map(do, step.actions) if e), None)  # stops at the first that does not work
        if error:  # put this step back as it was; the others stand
            for action in step.undo if step.rollback is None else step.rollback:
                do(action)
            problems.append(f"{step.description}: {error}")
            continue
        if step.id not in recorded:  # a repeated install keeps the values from before the first one
            record["steps"].append({"id": step.id, "description": step.description, "undo": step.undo})
            recorded.add(step.id)
        _save_record(data_dir, record)
    if problems:
        out("Most of it is done. These steps could not be done, and were left as they were:")
        out("\n".join(f"  - {p}" for p in problems))
        out("`nocontact doctor` shows what is in place and what to do about the rest.")
        return 1
    out("Done. nocontact starts when you log in, and your browsers go through it. "
        "`nocontact doctor` checks it any time; `nocontact uninstall` puts everything back as it was.")
    return 0


def uninstall(data_dir: Path, *, dry_run: bool = False, yes: bool = False, out: Callable[[str], None] = print,
              ask: Callable[[str], str] = input, run: Runner = run_command, registry=None,
              refresh: Callable[[], None] | None = None) -> int:
    """Undo what the install record holds, newest first; 0 when everything is back as it was.

    This only undoes: whether the cooldown allows it is for the caller to ask first (`uninstall_refusal`).
    """
    data_dir = Path(data_dir)
    record = load_record(data_dir)
    if not record or not record.get("steps"):
        record_path(data_dir).unlink(missing_ok=True)
        out(f"nocontact is not installed here (no install record in {data_dir}), so there is nothing to put back.")
        return 0
    steps = [Step(s["id"], s["description"], undo=s["undo"]) for s in reversed(record["steps"])]
    out(describe(steps, "nocontact uninstall will put back:", undo=True))
    stop = _dry_run_or_declined(dry_run, yes, ask, out)
    if stop is not None:
        return stop
    do = _Doer(run, registry, refresh)
    left, problems = [], []
    for step in steps:
        errors = [e for e in map(do, step.undo) if e]
        if errors:
            left.append(step)
            problems.append(f"{step.description}: {errors[0]}")
    if left:
        record["steps"] = [s for s in record["steps"] if s["id"] in {step.id for step in left}]
        _save_record(data_dir, record)
        out("Most of it is back as it was. These could not be put back yet:")
        out("\n".join(f"  - {p}" for p in problems))
        out("Running `nocontact uninstall` again tries them once more.")
        return 1
    record_path(data_dir).unlink(missing_ok=True)
    out(f"Everything nocontact changed is back as it was. Your config, your log and this install's CA stay "
        f"in {data_dir}; remove that folder too if you want them gone.")
    return 0


# --- pointing the system at a new version of the PAC file ------------------------------


def repoint(data_dir: Path, url: str, *, run: Runner = run_command, registry=None,
            refresh: Callable[[], None] | None = None) -> None:
    """Point each system setting install made at `url`: the PAC service's address with a new version.

    Browsers fetch a PAC file again when its address changes, and otherwise keep the one they have
    for hours (Chromium: 12 h), so a change of the rules, a stop that waited or a start would not
    reach them. What install recorded to put back is left as it is.
    """
    record = load_record(data_dir) or {}
    do = _Doer(run, registry, refresh)
    for step in record.get("steps", []):
        step_id, undo = step["id"], step["undo"]
        tools = [a["argv"] for a in undo if a["op"] == "run"]
        if step_id == "gnome":
            actions = [_gnome_url(url)]
        elif step_id == "kde" and tools:  # the kwriteconfig install used, and its reparse signal
            actions = [_kde_key(tools[0][0], "Proxy Config Script", url), *(a for a in undo if a["op"] == "run"
                                                                             and a["argv"][0] == "dbus-send")]
        elif step_id.startswith("networksetup:"):
            actions = [_networksetup_url(step_id.split(":", 1)[1], url)]
        elif step_id == "internet-settings":
            actions = [_autoconfig_url(url), {"op": "refresh"}]
        else:
            continue
        for action in actions:
            do(action)


# --- the cooldown gate for uninstall -----------------------------------------------


def agent_running(data_dir: Path) -> dict | None:
    """The running agent's state.json, or None when it is not running."""
    try:
        info = json.loads((Path(data_dir) / "state.json").read_text())
        # Not os.kill(pid, 0): on Windows that sends Ctrl+C. A reused pid is told apart by its start time.
        started = psutil.Process(int(info["pid"])).create_time()
        return info if abs(started - float(info.get("started", started))) < 1 else None
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        return None


def uninstall_refusal(running: bool, stopped_after_waiting: bool) -> str | None:
    """Why uninstalling must wait, or None when it may go ahead.

    Uninstalling loosens, so it waits like `nocontact stop`: it goes ahead only while the agent is not running
    and the signed record of its last run says that run ended with a stop that waited out its cooldown.
    A crash, a signal, a killed process, a wiped or removed log: none of them is such a stop.
    """
    if running:
        return ("nocontact is running. Uninstalling loosens your protection, so it waits out the cooldown like "
                "any loosening: ask with `nocontact stop`, and once it has stopped by itself, run "
                "`nocontact uninstall` again.")
    if not stopped_after_waiting:
        return ("Uninstalling loosens your protection, so it goes ahead after a stop that waited out the "
                "cooldown. Start nocontact (logging out and in does it), ask with `nocontact stop`, and run "
                "`nocontact uninstall` once it has stopped by itself.")
    return None


# --- the CLI ---------------------------------------------------------------------------


def not_under_sudo(env: Mapping[str, str] = os.environ) -> None:
    """Install and uninstall act on one person's own account; under sudo they would act on root's."""
    if hasattr(os, "geteuid") and os.geteuid() == 0 and env.get("SUDO_USER"):
        raise ConfigError(f"nocontact sets itself up in your own account (your login, your browsers, your proxy "
                          f"setting), so run it as {env['SUDO_USER']}, without sudo; it needs no administrator "
                          "rights.")


def cmd_install(args) -> int:
    from agent import paths

    not_under_sudo()
    return install(paths.home(), dry_run=args.dry_run, yes=args.yes)


def cmd_uninstall(args) -> int:
    from agent import paths

    not_under_sudo()
    data_dir = paths.home()
    if not args.dry_run:
        refusal = uninstall_refusal(agent_running(data_dir) is not None, stopped_after_waiting(data_dir))
        if refusal:
            raise ConfigError(refusal)
    return uninstall(data_dir, dry_run=args.dry_run, yes=args.yes)


def stopped_after_waiting(data_dir: Path) -> bool:
    """Whether the signed record in the log says the agent's last run ended with a stop that waited."""
    from agent import paths, secret
    from agent.ledger import Ledger
    from agent.store import UrgeLog

    key = secret.load(paths.secret_path())
    if key is None or not paths.database_path().exists():
        return False
    log = UrgeLog(paths.database_path())
    try:
        return Ledger(log, key).stopped_after_waiting()
    finally:
        log.close()


def cmd_doctor(args) -> int:
    from agent import paths
    from agent.system import doctor

    found = doctor.checks(paths.home(), Path.home(), browser=not args.quick)
    print(json.dumps(doctor.as_json(found), indent=2) if args.json else doctor.render(found))
    return 0 if all(c.ok is not False for c in found) else 1


def add_commands(sub) -> None:
    """Add `install`, `uninstall` and `doctor` to the `nocontact` subparsers."""
    install_parser = sub.add_parser("install", help="run from login, trust the CA and point the system at nocontact")
    install_parser.add_argument("--dry-run", action="store_true", help="print every step; change nothing")
    install_parser.add_argument("--yes", action="store_true", help="do not ask before changing anything")
    install_parser.set_defaults(func=cmd_install)
    uninstall_parser = sub.add_parser("uninstall", help="put back everything install changed (after the cooldown)")
    uninstall_parser.add_argument("--dry-run", action="store_true", help="print what would be put back; change nothing")
    uninstall_parser.add_argument("--yes", action="store_true", help="do not ask before changing anything")
    uninstall_parser.set_defaults(func=cmd_uninstall)
    doctor_parser = sub.add_parser("doctor", help="check that everything is in place, with a fix for what is not")
    doctor_parser.add_argument("--json", action="store_true")
    doctor_parser.add_argument("--quick", action="store_true",
                               help="skip loading a page through nocontact in each Chromium found (headless)")
    doctor_parser.set_defaults(func=cmd_doctor)
