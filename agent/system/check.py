"""One line of `nocontact doctor`, and the words the checks of every OS share."""

from __future__ import annotations

from dataclasses import dataclass

from agent.system.services import ServiceUnit

INSTALL_FIX = "Run `nocontact install`: it sets this up (see `nocontact install --dry-run` first)."
AGAIN = "Run `nocontact install` again: it adds only what is missing."


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool | None  # None: not checked here (it does not apply, or needs something else first)
    detail: str
    fix: str | None = None  # what to do, in plain words, when ok is False


def installed(service: ServiceUnit, present: bool, detail: str) -> Check:
    return Check(f"{service.heading} installed", present, detail, None if present else INSTALL_FIX)


def start_hint(command: str | None, service: ServiceUnit) -> str:
    """How to start a service: the OS's command for it (None: none known here), or by hand."""
    start = f"Start it with `{command}`" if command else "Start it with"
    return f"{start} (or `nocontact {service.subcommand}` in a terminal)."
