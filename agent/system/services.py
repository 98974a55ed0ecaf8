"""The programs nocontact starts at login, and where they answer once started."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import agent
from agent.web.pac import PAC_PATH
from agent.web.pac_server import DEFAULT_PORT as DEFAULT_PAC_PORT

DEFAULT_PROXY = "127.0.0.1:8080"  # where `nocontact run` listens by default, as the service runs it
DEFAULT_PAC_URL = f"http://127.0.0.1:{DEFAULT_PAC_PORT}{PAC_PATH}"  # the PAC service's


@dataclass(frozen=True)
class ServiceUnit:
    """One program started at login: its names for systemd, launchd and Task Scheduler."""
    unit: str
    label: str
    task: str
    subcommand: str  # the `nocontact` command it runs
    step: str  # prefix of its install steps' ids
    what: str  # in plain words
    heading: str  # the start of doctor's lines about it

    @property
    def arguments(self) -> list[str]:
        # Started again after a stop that did not wait, after 1 s and then longer while it keeps stopping
        # quickly (systemd and launchd would restart it every second, forever, were it stuck).
        return [self.subcommand, "--keep-running"]


AGENT = ServiceUnit("nocontact.service", "org.nocontact.agent", "nocontact", "run", "", "nocontact", "Service")
# Serves the PAC file on its own, so that browsers keep their routing while the agent is down.
PAC = ServiceUnit("nocontact-pac.service", "org.nocontact.pac", "nocontact-pac", "pac-server", "pac-",
                  "nocontact's PAC service", "PAC service")
SERVICES = (PAC, AGENT)  # the PAC service first: once the system points at it, it answers


def templates_dir() -> Path:
    """`installers/` of the checkout, or its copy inside the installed wheel."""
    inside_wheel = Path(agent.__file__).parent / "_installers"
    return inside_wheel if inside_wheel.is_dir() else Path(agent.__file__).parent.parent / "installers"
