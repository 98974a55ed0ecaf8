"""Windows: Task Scheduler tasks, your own Root certificate store, and the per-user Internet Settings.

Each setting is read, written by install's steps (with their undo), pointed at a new PAC address
(`repoint`), and checked. Not run in the tests here: their commands are recorded, and a stand-in
for winreg holds the registry values.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from xml.sax.saxutils import escape

from agent.system.account import Account
from agent.system.ca import CA_CERT, ca_pem, fingerprint
from agent.system.check import AGAIN, Check, installed, start_hint
from agent.system.proxysetting import ProxySetting, same_pac
from agent.system.services import AGENT, SERVICES, ServiceUnit, templates_dir
from agent.system.steps import Action, Step, file_step, removal, run

INTERNET_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
INTERNET_OPTION_SETTINGS_CHANGED = 39
INTERNET_OPTION_REFRESH = 37
REG_SZ = 1


def _winreg(account: Account) -> Any:
    if account.registry is not None:
        return account.registry
    import winreg

    return winreg


def read_values(registry: Any, names: Iterable[str]) -> dict[str, tuple[Any, int]] | None:
    """name -> (value, type) of the per-user Internet Settings values there are; None without the key."""
    try:
        key = registry.OpenKey(registry.HKEY_CURRENT_USER, INTERNET_SETTINGS)
    except OSError:
        return None
    found = {}
    try:
        for name in names:
            try:
                value, kind = registry.QueryValueEx(key, name)
            except OSError:
                continue
            found[name] = (value, kind)
    finally:
        registry.CloseKey(key)
    return found


@dataclass(frozen=True)
class RegistryValue(Action):
    """A per-user Internet Settings value; value None deletes it."""
    op: ClassVar[str] = "reg"
    name: str
    value: Any
    type: int | None

    def do(self, account: Account) -> None:
        registry = _winreg(account)
        key = registry.CreateKeyEx(registry.HKEY_CURRENT_USER, INTERNET_SETTINGS, 0, registry.KEY_SET_VALUE)
        try:
            if self.value is None:
                try:
                    registry.DeleteValue(key, self.name)
                except FileNotFoundError:
                    pass
            else:
                registry.SetValueEx(key, self.name, 0, self.type, self.value)
        finally:
            registry.CloseKey(key)

    def show(self) -> str:
        where = rf"HKCU\{INTERNET_SETTINGS}\{self.name}"
        return f"delete {where}" if self.value is None else f"set {where} = {self.value}"


def refresh_internet_settings() -> None:
    """Tell Windows (WinINet: Edge, Chrome, the system) that the proxy settings changed."""
    import ctypes

    wininet = ctypes.windll.wininet
    wininet.InternetSetOptionW(None, INTERNET_OPTION_SETTINGS_CHANGED, None, 0)
    wininet.InternetSetOptionW(None, INTERNET_OPTION_REFRESH, None, 0)


@dataclass(frozen=True)
class RefreshInternetSettings(Action):
    op: ClassVar[str] = "refresh"

    def do(self, account: Account) -> None:
        (account.refresh or refresh_internet_settings)()

    def show(self) -> str:
        return (f"tell Windows the proxy settings changed (InternetSetOption {INTERNET_OPTION_SETTINGS_CHANGED} "
                f"and {INTERNET_OPTION_REFRESH})")


def _autoconfig_url(url: str | None, kind: int | None = REG_SZ) -> RegistryValue:
    """Internet Settings' AutoConfigURL (None: deleted)."""
    return RegistryValue("AutoConfigURL", url, kind if url is not None else None)


def _in_root_store(account: Account, sha1: str) -> bool:
    return account.ok("certutil", "-user", "-verifystore", "Root", sha1)


# --- reading the proxy setting ----------------------------------------------------------


def read_proxy(registry: Any = None) -> ProxySetting | None:
    if registry is None:
        if sys.platform != "win32":
            return None
        import winreg as registry
    values = read_values(registry, ("ProxyEnable", "AutoConfigURL", "ProxyServer"))
    if values is None:
        return None

    def value(name: str) -> Any:
        return values[name][0] if name in values else None

    enabled = value("ProxyEnable") == 1
    return ProxySetting("windows", pac_url=value("AutoConfigURL") or None,
                        proxy=value("ProxyServer") if enabled else None)


def proxy_settings(account: Account) -> list[ProxySetting]:
    found = read_proxy(account.registry)
    return [found] if found else []


# --- install ----------------------------------------------------------------------------


def plan(account: Account, data_dir: Path, pac_url: str, command: list[str]) -> list[Step]:
    return [*_root_store(account, data_dir), *_task(account, data_dir, command), *_internet_settings(account, pac_url)]


def trust_steps(account: Account, data_dir: Path) -> list[Step]:
    """The step that trusts the CA in data_dir, for a new CA."""
    return _root_store(account, data_dir)


def trusts(step_id: str) -> bool:
    return step_id == "root-store"


def task_file(data_dir: Path, service: ServiceUnit = AGENT) -> Path:
    return data_dir / f"{service.task}-task.xml"


def task_xml(command: Sequence[str], user: str, data_dir: Path, service: ServiceUnit = AGENT) -> str:
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


def _root_store(account: Account, data_dir: Path) -> list[Step]:
    sha1 = fingerprint(ca_pem(data_dir))
    return [Step("root-store", "Trust the nocontact CA in your own Root certificate store (Windows asks once)",
                 [run("certutil", "-user", "-addstore", "Root", str(data_dir / CA_CERT))],
                 [removal(["certutil", "-user", "-delstore", "Root", sha1],
                          ["certutil", "-user", "-verifystore", "Root", sha1], ["cannot find", "not found"])],
                 in_place=_in_root_store(account, sha1))]


def _task(account: Account, data_dir: Path, command: list[str]) -> list[Step]:
    steps = []
    for service in SERVICES:
        path = task_file(data_dir, service)
        definition = file_step(f"{service.step}task-file", f"Write the Task Scheduler definition for {service.what} "
                               f"({path})", path, task_xml(command, account.user, data_dir, service),
                               encoding="utf-16")
        exists = account.ok("schtasks", "/Query", "/TN", service.task)
        steps += [definition, Step(f"{service.step}task", f"Start {service.what} at every logon, and now "
                                   "(Task Scheduler, as you)",
                                   [run("schtasks", "/Create", "/XML", str(path), "/TN", service.task, "/F"),
                                    run("schtasks", "/Run", "/TN", service.task)],
                                   [run("schtasks", "/End", "/TN", service.task, check=False),
                                    removal(["schtasks", "/Delete", "/TN", service.task, "/F"],
                                            ["schtasks", "/Query", "/TN", service.task],
                                            ["cannot find", "does not exist"])],
                                   in_place=exists and definition.in_place)]  # a changed definition: again
    return steps


def _internet_settings(account: Account, pac_url: str) -> list[Step]:
    registry = _winreg(account)
    before = (read_values(registry, ("AutoConfigURL",)) or {}).get("AutoConfigURL")
    restore = _autoconfig_url(None) if before is None else _autoconfig_url(*before)
    return [Step("internet-settings", f"Point your Internet Settings at nocontact (setup script {pac_url})",
                 [_autoconfig_url(pac_url, registry.REG_SZ), RefreshInternetSettings()],
                 [restore, RefreshInternetSettings()],
                 in_place=before is not None and same_pac(str(before[0]), pac_url))]


def repoint(step_id: str, undo: list[Action], url: str) -> list[Action]:
    """The actions that point the setting an install step made at `url`; none for other steps."""
    if step_id == "internet-settings":
        return [_autoconfig_url(url), RefreshInternetSettings()]
    return []


# --- doctor -----------------------------------------------------------------------------


def start_command(account: Account, service: ServiceUnit) -> str:
    return f"schtasks /Run /TN {service.task}"


def service_checks(account: Account, service: ServiceUnit) -> list[Check]:
    listing = account.out("schtasks", "/Query", "/TN", service.task, "/FO", "LIST")
    found = installed(service, listing is not None, f"{'' if listing else 'no '}Task Scheduler task '{service.task}'")
    running = listing is not None and "Running" in listing
    return [found, Check(f"{service.heading} running", running if listing else None,
                         "the task is running" if running else "the task is not running now",
                         start_hint(start_command(account, service), service) if listing and not running else None)]


def trust_checks(account: Account, ours: str, ca_path: Path) -> list[Check]:
    ok = _in_root_store(account, fingerprint(ours))
    return [Check("CA trusted: your Root store", ok, "present" if ok else "not in your Root store",
                  None if ok else AGAIN)]
