"""NSS certificate databases, where Chrome, Chromium and Firefox keep the CAs they trust, and Firefox's profiles.

Where they are (Linux, snap, Flatpak, macOS and Windows Firefox profiles), the steps that trust
our CA in each with `certutil` (libnss3-tools), and the checks that it is trusted.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from agent.system.account import Account
from agent.system.ca import CA_CERT, ca_pem, same_cert
from agent.system.check import AGAIN, Check
from agent.system.steps import Action, MakeDir, RemoveDir, Step, new_dirs, note, removal, run

NICKNAME = "nocontact CA"  # the name our CA carries in NSS databases
CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "brave-browser",
             "microsoft-edge")
DATABASE_FILES = ("cert9.db", "key4.db", "pkcs11.txt")


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


def nss_listing(output: str) -> list[str]:
    """The certificate lines of `certutil -L` (without its header)."""
    return [line for line in output.splitlines()
            if line.strip() and not line.startswith("Certificate Nickname") and "SSL,S/MIME" not in line]


def trust_flags(listing: str, nickname: str) -> str | None:
    """The trust attributes (like "C,,") `certutil -L` shows for a nickname."""
    for line in listing.splitlines():
        rest = line[len(nickname):]
        if line.startswith(nickname) and rest[:1].isspace() and rest.split():
            return rest.split()[0]
    return None


@dataclass(frozen=True)
class DropDatabase(Action):
    """Remove an NSS database we created, if nothing is left in it."""
    op: ClassVar[str] = "drop_nssdb"
    dir: str

    def do(self, account: Account) -> None:
        folder = Path(self.dir)
        code, output = account.run(["certutil", "-d", f"sql:{folder}", "-L"])
        if code == 0 and not nss_listing(output):
            for name in DATABASE_FILES:
                (folder / name).unlink(missing_ok=True)

    def show(self) -> str:
        return f"remove the certificate database in {self.dir} if nothing else is in it"


# --- install --------------------------------------------------------------------------


def trust_steps(account: Account, data_dir: Path, existing: bool = False) -> list[Step]:
    """Trust our CA in each NSS database (Chrome's is created when missing, unless `existing`), replacing an
    older one of ours."""
    if account.which("certutil") is None:
        return [note("nss", "certutil is not installed (Debian and Ubuntu: libnss3-tools; Fedora: nss-tools), so "
                            "Chrome's and Firefox's own certificate stores are left alone. Install it and run "
                            "`nocontact install` again: it adds only what is missing.")]
    ours = ca_pem(data_dir)
    steps = []
    for label, folder in nss_databases(account.home, existing):
        db = f"sql:{folder}"
        add = run("certutil", "-d", db, "-A", "-t", "C,,", "-n", NICKNAME, "-i", str(data_dir / CA_CERT))
        remove = removal(["certutil", "-d", db, "-D", "-n", NICKNAME], ["certutil", "-d", db, "-L", "-n", NICKNAME],
                         ["could not find cert", "SEC_ERROR_BAD_DATABASE"])
        trust = f"Trust the nocontact CA in {label} ({folder})"
        if not (folder / "cert9.db").exists():
            undo: list[Action] = [DropDatabase(str(folder))]
            undo += [RemoveDir(str(d)) for d in [folder, *new_dirs(folder)]]
            steps.append(Step(f"nssdb:{folder}", f"Create the certificate store {label} read ({folder})",
                              [MakeDir(str(folder)), run("certutil", "-N", "-d", db, "--empty-password")], undo))
            steps.append(Step(f"nss:{folder}", trust, [add], [remove]))
            continue
        present = account.out("certutil", "-d", db, "-L", "-n", NICKNAME, "-a")
        if present is not None and same_cert(present, ours):
            steps.append(Step(f"nss:{folder}", trust, [add], [remove], in_place=True))
        elif present is not None:  # an older CA of an earlier nocontact install: replaced
            steps.append(Step(f"nss:{folder}", f"{trust}, in place of an older nocontact CA", [remove, add], [remove]))
        else:
            steps.append(Step(f"nss:{folder}", trust, [add], [remove]))
    return steps


# --- doctor ---------------------------------------------------------------------------


def browsers_installed(account: Account) -> bool:
    return any(account.which(name) for name in (*CHROMIUMS, "firefox"))


def not_checkable(account: Account) -> Check | None:
    """Why the browsers' stores cannot be checked here (no certutil, no store at all), or None."""
    if account.which("certutil") is None:
        return Check("CA trusted by browsers", None, "certutil is not installed (Debian and Ubuntu: libnss3-tools; "
                                                     "Fedora: nss-tools), so browsers' stores cannot be checked")
    if nss_databases(account.home, existing=True):
        return None
    browsers = browsers_installed(account)
    return Check("CA trusted by browsers", None if not browsers else False,
                 "no browser certificate store found (Chrome's is ~/.pki/nssdb; Firefox keeps one per profile)",
                 AGAIN if browsers else None)


def trust_checks(account: Account, ours: str) -> list[Check]:
    """Whether each NSS database holds our CA (`ours`, PEM) and trusts it for sites."""
    found = []
    for label, folder in nss_databases(account.home, existing=True):
        db = f"sql:{folder}"
        name = f"CA trusted: {label}"
        present = account.out("certutil", "-d", db, "-L", "-n", NICKNAME, "-a")
        listing = account.out("certutil", "-d", db, "-L") or ""
        trusted = "C" in (trust_flags(listing, NICKNAME) or "").split(",")[0]
        if present is None:
            found.append(Check(name, False, f"{folder} does not hold the nocontact CA", AGAIN))
        elif not same_cert(present, ours):
            found.append(Check(name, False, f"{folder} holds an older nocontact CA", AGAIN))
        elif not trusted:
            found.append(Check(name, False, f"{folder} holds the CA but does not trust it for sites",
                               f"certutil -d {shlex.quote(db)} -M -n {shlex.quote(NICKNAME)} -t C,,"))
        else:
            found.append(Check(name, True, str(folder)))
    return found
