"""The agent: the compiled policy, the urge log, the notifier and the secret, together.

The mitmproxy addon and the CLI talk to this object; it knows nothing of
mitmproxy. Slow work (SQLite commits) runs on one writer thread so the proxy's
event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from agent import pages, paths, secret
from agent.config import Config, load_config
from agent.notifier import Notifier
from agent.platforms import GENERIC, PLATFORMS
from agent.policy import Decision, Policy
from agent.store import UrgeLog

log = logging.getLogger("nocontact")

LABELS = {p.name: p.label for p in (*PLATFORMS, GENERIC)} | {"search": "a web search", "phone": "a chat link"}
CATEGORY_LABELS = {
    "dating": "a dating site",
    "social": "a social site",
    "people_search": "a people-search site",
    "viewers": "a profile viewer",
    "messaging": "a messaging app",
}


def describe(decision: Decision) -> str:
    """What a blocked URL would have led to, in words safe to show (alias, never a name)."""
    if decision.person:
        return f"{decision.person} ({LABELS.get(decision.platform or '', decision.platform)})"
    if decision.category:
        return f"{CATEGORY_LABELS.get(decision.category, 'a blocked site')} ({decision.site})"
    return f"a site you chose to block ({decision.site})"


class Agent:
    def __init__(self, config_path: Path, *, notifier: Notifier | None = None, database: Path | None = None):
        self.config_path = Path(config_path)
        self.config: Config = load_config(self.config_path)
        self.policy = Policy(self.config)
        self.urges = UrgeLog(database or paths.database_path())
        self.notifier = notifier or Notifier()
        self.secret = secret.load_or_create(paths.secret_path())
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="urge-log")
        self._log_failed = False
        # Set by the runner once the proxy listens.
        self.address: dict | None = None
        self.shutdown: Callable[[], None] | None = None

    def reload(self) -> None:
        """Apply the config file again; a bad one leaves the last good one in force (and raises)."""
        config = load_config(self.config_path)
        self.policy = Policy(config)
        self.config = config

    def token(self, urge_id: int) -> str:
        return secret.sign(self.secret, f"close:{urge_id}")

    def plan_for(self, decision: Decision) -> str | None:
        person = next((p for p in self.config.people if p.alias == decision.person), None)
        return (person.plan if person else None) or self.config.messages.plan

    def help_lines(self) -> list[pages.Help]:
        return [pages.Help(h.name, h.phone, h.url) for h in self.config.messages.help]

    async def record(self, decision: Decision, url: str, source: str = "proxy") -> int | None:
        """Commit the urge (off the event loop) and notify on a new one; None if the log failed."""
        repeat = self.urges.repeat(decision, source)  # in memory: no disk, no thread hop
        if repeat is not None:
            return repeat
        loop = asyncio.get_running_loop()
        try:
            urge_id, new = await loop.run_in_executor(self._writer, self.urges.record, decision, url, source)
        except Exception as err:  # a full disk or read-only log must not stop the blocking
            if not self._log_failed:
                self._log_failed = True
                log.error("The urge log could not be written (%s). Blocking goes on; nothing already logged is lost.", err)
            return None
        self._log_failed = False
        if new:
            self.notifier.notify(*pages.notification_text(describe(decision), urge_id))
        return urge_id

    async def close_urge(self, urge_id: int, token: str) -> bool:
        """The person chose "Close - I'm OK": record the urge as ridden out."""
        if not secret.verify(self.secret, f"close:{urge_id}", token):
            return False
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._writer, self.urges.set_outcome, urge_id, "closed")
        except Exception as err:
            log.error("The urge log could not be written (%s).", err)
            return False

    async def flush(self) -> None:
        """Write repeats counted in memory (called now and then by the runner)."""
        try:
            await asyncio.get_running_loop().run_in_executor(self._writer, self.urges.flush)
        except Exception as err:
            log.debug("Repeats could not be written yet (%s).", err)

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self.notifier.close()
        self.urges.close()
