"""The OS modules, by the name platform.system() gives; what each of them offers install and doctor."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from agent.system import linux, macos, windows
from agent.system.account import Account
from agent.system.check import Check
from agent.system.proxysetting import ProxySetting
from agent.system.services import ServiceUnit
from agent.system.steps import Action, Step


class OsModule(Protocol):
    def plan(self, account: Account, data_dir: Path, pac_url: str, command: list[str]) -> list[Step]:
        """The steps for this OS's settings, each with its undo (after the CA and the PAC file)."""

    def trust_steps(self, account: Account, data_dir: Path) -> list[Step]:
        """The steps that trust the CA in data_dir, in the stores there are now (for a new CA)."""

    def trusts(self, step_id: str) -> bool:
        """Whether an install step (by its id) trusts the CA."""

    def repoint(self, step_id: str, undo: list[Action], url: str) -> list[Action]:
        """What points the setting an install step made at a new PAC address; none for other steps."""

    def proxy_settings(self, account: Account) -> list[ProxySetting]: ...

    def start_command(self, account: Account, service: ServiceUnit) -> str: ...

    def service_checks(self, account: Account, service: ServiceUnit) -> list[Check]: ...

    def trust_checks(self, account: Account, ours: str, ca_path: Path) -> list[Check]:
        """Whether the stores this OS's browsers read trust our CA (`ours`, PEM; kept at `ca_path`)."""


SYSTEMS: dict[str, OsModule] = {"Linux": linux, "Darwin": macos, "Windows": windows}


def for_system(name: str) -> OsModule | None:
    return SYSTEMS.get(name)
