"""Read where the system sends web traffic, so the agent notices when it is taken out of the path.

Sources: GNOME (gsettings), KDE (kioslaverc), the proxy environment
variables, macOS (`scutil --proxy`) and Windows (the per-user Internet
Settings in the registry), each read by its OS module. Each reader returns
what it finds or nothing; a reader that cannot run on this system is skipped
quietly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from agent.system.account import Account, quick_read
from agent.system.oses import SYSTEMS
from agent.system.proxysetting import ProxySetting


def read_all(account: Account | None = None) -> list[ProxySetting]:
    """Every proxy setting this system has, from each source that answers."""
    account = Account(run=quick_read) if account is None else account
    return [setting for module in SYSTEMS.values() for setting in module.proxy_settings(account)]


class ProxyWatch:
    """Remembers which sources pointed at the agent; says when one of them stops doing so."""

    def __init__(self, pac_urls: Iterable[str], proxy: str, read: Callable[[], list[ProxySetting]] = read_all):
        self.pac_urls, self.proxy, self.read = frozenset(pac_urls), proxy, read  # the agent's own, the PAC service's
        self._pointing: set[str] = set()

    def check(self) -> list[str]:
        """Sources that pointed at the agent before and no longer do."""
        now = {s.source for s in self.read() if any(s.points_at(url, self.proxy) for url in self.pac_urls)}
        lost = sorted(self._pointing - now)
        self._pointing = now
        return lost
