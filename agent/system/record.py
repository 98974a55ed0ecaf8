"""The install record (`install.json` in the data directory): what install did, and how to undo each step.

Kept as JSON, each undo action as its `{"op": ...}` record, so that an uninstall by a later
version puts back what an earlier one changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from agent.config import ConfigError
from agent.paths import write_whole
from agent.system import firewall, nss, windows
from agent.system.ca import CreateCA
from agent.system.steps import GENERAL, Step, decode

RECORD = "install.json"
KINDS = (*GENERAL, CreateCA, nss.DropDatabase, windows.RegistryValue, windows.RefreshInternetSettings,
         firewall.ClosePermanentPort)


@dataclass
class InstallRecord:
    pac_url: str | None  # the PAC service's address install pointed the system at
    system: str = ""
    installed: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    steps: list[Step] = field(default_factory=list)  # each with its undo, oldest first
    version: int = 1

    def as_dict(self) -> dict:
        return {"version": self.version, "system": self.system, "installed": self.installed, "pac_url": self.pac_url,
                "steps": [{"id": s.id, "description": s.description, "undo": [a.record() for a in s.undo]}
                          for s in self.steps]}

    @classmethod
    def from_dict(cls, data: dict) -> InstallRecord:
        steps = [Step(s["id"], s.get("description", ""), undo=[decode(a, KINDS) for a in s.get("undo", [])])
                 for s in data.get("steps", [])]
        return cls(data.get("pac_url"), data.get("system", ""), data.get("installed", ""), steps,
                   data.get("version", 1))


def record_path(data_dir: Path) -> Path:
    return Path(data_dir) / RECORD


def load(data_dir: Path) -> InstallRecord | None:
    try:
        return InstallRecord.from_dict(json.loads(record_path(data_dir).read_text()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ConfigError(f"the install record {record_path(data_dir)} cannot be read ({err})") from None


def save(data_dir: Path, record: InstallRecord) -> None:
    write_whole(record_path(data_dir), json.dumps(record.as_dict(), indent=2).encode(), mode=0o600)


def installed_pac_url(data_dir: Path) -> str | None:
    """The PAC service's URL that `nocontact install` pointed the system at, if it did."""
    try:
        return (load(data_dir) or InstallRecord(None)).pac_url
    except ConfigError:
        return None
