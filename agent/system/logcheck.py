"""The doctor's look at the urge log: does it read, and which damaged logs were set aside beside it.

The log is only read (SQLite's quick check, on a read-only connection): nothing is
changed, and a running agent goes on writing meanwhile.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agent import logfile
from agent.system.check import Check

NAME = "Urge log"
MENDS = ("Start or restart nocontact: it sets a damaged log aside, kept for recovery, and begins a fresh one. "
         "Blocking does not depend on the log. `nocontact wipe` removes it instead.")


def urge_log(path: Path) -> Check:
    """Whether the log reads well, and what was set aside beside it."""
    aside = _set_aside_words(logfile.set_aside_logs(path))
    if not path.exists():
        return Check(NAME, None, "no log yet; the first start makes one" + aside)
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            db.execute("PRAGMA busy_timeout=5000")
            logfile.check(db)
        finally:
            db.close()
    except sqlite3.DatabaseError as err:
        if logfile.is_damage(err):
            return Check(NAME, False, f"{path} is damaged and cannot be read ({err}){aside}", MENDS)
        return Check(NAME, None, f"{path} could not be looked at just now ({err}){aside}")
    return Check(NAME, True, f"{path} reads well{aside}")


def _set_aside_words(found: list[Path]) -> str:
    if not found:
        return ""
    one = len(found) == 1
    it, was = ("it", "it was") if one else ("them", "they were")
    names = ", ".join(str(p) + (f" (set aside {when:%d %b %Y %H:%M} UTC)" if (when := logfile.set_aside_time(p))
                                else "") for p in found)
    return (f". Set aside earlier because {was} damaged: {names}. Kept in case you want to recover urges from {it} "
            "with any SQLite tool; nothing was lost from blocking, which never depends on the log. Delete "
            f"{it} whenever you like; `nocontact wipe` removes {it} along with the log")
