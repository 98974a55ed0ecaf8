"""macOS: LaunchAgents (launchd), the login keychain, and each network service's automatic proxy (networksetup).

Each setting is read, written by install's steps (with their undo), pointed at a new PAC address
(`repoint`), and checked. Not run in the tests here: their commands are recorded and asserted.
"""

from __future__ import annotations

import plistlib
import sys
from collections.abc import Sequence
from pathlib import Path

from agent.system.account import Account
from agent.system.ca import CA_CERT, ca_pem, fingerprint
from agent.system.check import AGAIN, Check, installed, start_hint
from agent.system.proxysetting import ProxySetting, same_pac
from agent.system.services import AGENT, SERVICES, ServiceUnit, templates_dir
from agent.system.steps import Action, Run, Step, file_step, note, run


def plist_path(home: Path, service: ServiceUnit = AGENT) -> Path:
    return home / "Library" / "LaunchAgents" / f"{service.label}.plist"


def keychain_path(home: Path) -> Path:
    return home / "Library" / "Keychains" / "login.keychain-db"


def _in_keychain(account: Account, sha1: str) -> bool:
    listing = account.out("security", "find-certificate", "-a", "-Z", str(keychain_path(account.home))) or ""
    return f"SHA-1 hash: {sha1}" in listing


# --- reading the proxy setting ----------------------------------------------------------


def read_proxy(account: Account) -> ProxySetting | None:
    """What `scutil --proxy` says: the automatic proxy (PAC) address, or a fixed HTTPS proxy."""
    out = account.out("scutil", "--proxy")
    if out is None:
        return None
    values = {}
    for line in out.splitlines():
        key, sep, value = line.partition(" : ")
        if sep:
            values[key.strip()] = value.strip()
    pac = values.get("ProxyAutoConfigURLString") if values.get("ProxyAutoConfigEnable") == "1" else None
    fixed = f"{values.get('HTTPSProxy')}:{values.get('HTTPSPort')}" if values.get("HTTPSEnable") == "1" else None
    return ProxySetting("macos", pac_url=pac, proxy=fixed)


def proxy_settings(account: Account) -> list[ProxySetting]:
    found = read_proxy(account) if sys.platform == "darwin" else None
    return [found] if found else []


# --- install ----------------------------------------------------------------------------


def plan(account: Account, data_dir: Path, pac_url: str, command: list[str]) -> list[Step]:
    return [*_keychain(account, data_dir), *_launchd(account, data_dir, command), *_networksetup(account, pac_url)]


def trust_steps(account: Account, data_dir: Path) -> list[Step]:
    """The step that trusts the CA in data_dir, for a new CA."""
    return _keychain(account, data_dir)


def trusts(step_id: str) -> bool:
    return step_id == "keychain"


def plist_text(command: Sequence[str], data_dir: Path, service: ServiceUnit = AGENT) -> str:
    template = plistlib.loads((templates_dir() / "macos" / f"{service.label}.plist").read_bytes())
    arguments = []
    for arg in template["ProgramArguments"]:
        arguments += list(command) if arg == "@EXECUTABLE@" else [arg]
    template["ProgramArguments"] = arguments
    template["EnvironmentVariables"]["NOCONTACT_HOME"] = str(data_dir)
    return plistlib.dumps(template).decode()


def _keychain(account: Account, data_dir: Path) -> list[Step]:
    keychain = str(keychain_path(account.home))
    sha1 = fingerprint(ca_pem(data_dir))
    return [Step("keychain", "Trust the nocontact CA in your login keychain (macOS asks for your password)",
                 [run("security", "add-trusted-cert", "-r", "trustRoot", "-k", keychain, str(data_dir / CA_CERT))],
                 [run("security", "delete-certificate", "-t", "-Z", sha1, keychain)],
                 in_place=_in_keychain(account, sha1))]


def _launchd(account: Account, data_dir: Path, command: list[str]) -> list[Step]:
    steps = []
    for service in SERVICES:
        path = plist_path(account.home, service)
        agent_file = file_step(f"{service.step}launchagent", f"Write the LaunchAgent for {service.what} ({path})",
                               path, plist_text(command, data_dir, service))
        target = f"gui/{account.uid}/{service.label}"
        loaded = account.ok("launchctl", "print", target)
        actions = [run("launchctl", "bootstrap", f"gui/{account.uid}", str(path))]
        if loaded:  # an older definition is loaded: unload it first
            actions.insert(0, run("launchctl", "bootout", target, check=False))
        steps += [agent_file, Step(f"{service.step}launchd", f"Start {service.what} now and at every login (launchd)",
                                   actions, [run("launchctl", "bootout", target, check=False)],
                                   in_place=loaded and agent_file.in_place)]
    return steps


def _networksetup_url(service: str, url: str) -> Run:
    return run("networksetup", "-setautoproxyurl", service, url)


def _networksetup(account: Account, pac_url: str) -> list[Step]:
    listing = account.out("networksetup", "-listallnetworkservices")
    if listing is None:
        return [note("networksetup", "The network services could not be listed (networksetup), so the system "
                                     "proxy is left alone.")]
    services = [line.lstrip("*").strip() for line in listing.splitlines()[1:] if line.strip()]
    steps = []
    for service in services:
        before = dict(line.split(": ", 1) for line in (account.out("networksetup", "-getautoproxyurl", service) or "")
                      .splitlines() if ": " in line)
        url, enabled = before.get("URL", "(null)"), before.get("Enabled", "No")
        if url in ("(null)", ""):
            undo = [run("networksetup", "-setautoproxystate", service, "off")]
        else:
            undo = [_networksetup_url(service, url)]
            if enabled != "Yes":
                undo.append(run("networksetup", "-setautoproxystate", service, "off"))
        steps.append(Step(f"networksetup:{service}",
                          f"Point the network service {service!r} at nocontact (automatic proxy, {pac_url})",
                          [_networksetup_url(service, pac_url)], undo,
                          in_place=same_pac(url, pac_url) and enabled == "Yes"))
    return steps


def repoint(step_id: str, undo: list[Action], url: str) -> list[Action]:
    """The actions that point the setting an install step made at `url`; none for other steps."""
    if step_id.startswith("networksetup:"):
        return [_networksetup_url(step_id.split(":", 1)[1], url)]
    return []


# --- doctor -----------------------------------------------------------------------------


def start_command(account: Account, service: ServiceUnit) -> str:
    return f"launchctl kickstart gui/{account.uid}/{service.label}"


def service_checks(account: Account, service: ServiceUnit) -> list[Check]:
    path = plist_path(account.home, service)
    found = installed(service, path.exists(), f"{'' if path.exists() else 'no '}LaunchAgent at {path}")
    printed = account.out("launchctl", "print", f"gui/{account.uid}/{service.label}")
    running = printed is not None and "state = running" in printed
    return [found, Check(f"{service.heading} running", running,
                         "launchd runs it" if running else "launchd does not run it now",
                         None if running else start_hint(start_command(account, service), service))]


def trust_checks(account: Account, ours: str, ca_path: Path) -> list[Check]:
    ok = _in_keychain(account, fingerprint(ours))
    return [Check("CA trusted: login keychain", ok, "present" if ok else "not in your login keychain",
                  None if ok else AGAIN)]
