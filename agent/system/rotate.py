"""`nocontact ca rotate`: a new CA in place of the old one, trusted where install trusted the old one.

The new CA is made for the config as it is now (agent/ca.py: what it can vouch for), swapped in
for the old one, and the old one's key is removed. Where the install record says install trusted
the CA (browsers' NSS databases, the system store, the login keychain, the Root store), the old
one's trust is undone with the recorded undo and the new one is trusted by the same install
step, made afresh; the record then holds the new step's undo, so an uninstall removes the new CA.
A running agent switches to the new CA by itself (agent/run.py watches the CA's files).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agent import ca, state
from agent.config import Config
from agent.system.account import Account, Runner, run_command
from agent.system.ca import CA_CERT, config_of
from agent.system.install import confirm
from agent.system.oses import for_system
from agent.system.record import load, save
from agent.system.steps import Step


def _plan_text(folder: Path, limits: ca.Scope, old: list[Step]) -> str:
    lines = ["nocontact ca rotate will:",
             f"  1. Make a new certificate authority (CA) in {folder} that can vouch only for "
             f"{len(limits.names)} sites, the ones nocontact may need to read (`nocontact ca` lists them), and for "
             "no IP address."]
    if old:
        lines.append("  2. Trust it where install trusted the old one, in place of the old one:")
        for step in old:
            lines.append(f"       - {step.description}: take the old one out")
            lines += [f"           {action.show()}" for action in step.undo]
            lines.append("         and trust the new one there as install does")
    else:
        lines.append("  2. Nothing to trust: nocontact is not installed here (`nocontact install` trusts the CA).")
    lines.append(f"  3. Remove the old CA, its key included, from {folder}.")
    return "\n".join(lines)


def rotate(data_dir: Path, home: Path | None = None, *, config: Config | None = None, yes: bool = False,
           out: Callable[[str], None] = print, ask: Callable[[str], str] = input, run: Runner = run_command,
           system: str | None = None, **facts) -> int:
    """Put a new CA in place of this install's, trusted where the old one was; 0 when all of it is done.

    `facts` stand in for this account's own (which, root, uid, user, env, registry), as for install.
    """
    data_dir = Path(data_dir)
    config = config or config_of(data_dir)
    account = Account.of(home=home, system=system, run=run, **facts)
    record = load(data_dir)
    module = for_system(account.system)
    old = [s for s in record.steps if module.trusts(s.id)] if record and module else []
    folder = data_dir / "ca"
    limits = ca.scope(config)
    out(_plan_text(folder, limits, old))
    if not yes and not confirm(ask):
        out("Nothing was changed.")
        return 1

    ca.replace(folder, config)
    problems: list[str] = []
    left: dict[str, list] = {}  # step id -> the undo of an old trust that could not be taken out
    for step in old:
        errors = step.put_back(account)
        if errors:
            left[step.id] = step.undo
            problems.append(f"{step.description}: the old CA is still there ({errors[0]})")
    fresh = {s.id: s for s in module.trust_steps(account, data_dir)} if module else {}
    for step in old:
        new = fresh.get(step.id)
        if new is None or not new.actions:  # the store is gone since (a removed browser profile)
            replacement = Step(step.id, step.description, undo=left[step.id]) if step.id in left else None
        else:
            error = None if new.in_place else new.do(account)
            if error:
                problems.append(f"{new.description}: {error}")
            replacement = Step(new.id, new.description, undo=([] if error else new.undo) + left.get(step.id, []))
        record.steps = [s for s in record.steps if s.id != step.id] if replacement is None else [
            replacement if s.id == step.id else s for s in record.steps]
    if record is not None:
        save(data_dir, record)

    running = state.running(data_dir) is not None
    out(f"The new CA is in place ({data_dir / CA_CERT}); the old one and its key are gone.")
    out("nocontact is running and switches to it by itself within a few seconds." if running else
        "nocontact uses it from its next start.")
    if problems:
        out("These could not be done:")
        out("\n".join(f"  - {p}" for p in problems))
        out("`nocontact doctor` shows how each store stands; `nocontact install` trusts the new CA where it is "
            "still missing.")
        return 1
    if old:
        out("Browsers that are open now may need closing and opening again before they trust it.")
    out("A phone or another device you gave the old CA needs this new one instead.")
    return 0
