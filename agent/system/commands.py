"""The `nocontact install`, `uninstall` and `doctor` commands: the gate that makes uninstalling wait, and
the guard that keeps them in the person's own account."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from agent import paths, secret, state
from agent.config import ConfigError
from agent.ledger import Ledger
from agent.store import UrgeLog
from agent.system import doctor
from agent.system.install import install, uninstall
from agent.system.record import load


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


def not_under_sudo(env: Mapping[str, str] = os.environ) -> None:
    """Install and uninstall act on one person's own account; under sudo they would act on root's."""
    if hasattr(os, "geteuid") and os.geteuid() == 0 and env.get("SUDO_USER"):
        raise ConfigError(f"nocontact sets itself up in your own account (your login, your browsers, your proxy "
                          f"setting), so run it as {env['SUDO_USER']}, without sudo; it needs no administrator "
                          "rights.")


def cmd_install(args) -> int:
    not_under_sudo()
    return install(paths.home(), dry_run=args.dry_run, yes=args.yes)


def cmd_uninstall(args) -> int:
    not_under_sudo()
    data_dir = paths.home()
    if not args.dry_run and not nothing_installed(data_dir):
        refusal = uninstall_refusal(state.running(data_dir) is not None, stopped_after_waiting(data_dir))
        if refusal:
            raise ConfigError(refusal)
    return uninstall(data_dir, dry_run=args.dry_run, yes=args.yes)


def nothing_installed(data_dir: Path) -> bool:
    """Whether no install record names anything to put back: then uninstalling changes nothing, and need not wait."""
    try:
        record = load(data_dir)
    except ValueError:
        return False  # a damaged record: the gate applies, and uninstall says what it can
    return not record or not record.steps


def stopped_after_waiting(data_dir: Path) -> bool:
    """Whether the signed record in the log says the agent's last run ended with a stop that waited."""
    key = secret.load(paths.secret_path())
    if key is None or not paths.database_path().exists():
        return False
    log = UrgeLog(paths.database_path())
    try:
        return Ledger(log, key).stopped_after_waiting()
    finally:
        log.close()


def cmd_doctor(args) -> int:
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
