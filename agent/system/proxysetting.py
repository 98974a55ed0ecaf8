"""What one source of the system's proxy setting says, as each OS module reads it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProxySetting:
    source: str  # "gnome", "kde", "environment", "macos", "windows"
    pac_url: str | None = None
    proxy: str | None = None  # host:port of a fixed proxy

    def points_at(self, pac_url: str, proxy: str) -> bool:
        return same_pac(self.pac_url, pac_url) or (self.proxy or "").removeprefix("http://").rstrip("/") == proxy


def same_pac(a: str | None, b: str | None) -> bool:
    """The same PAC address, whatever its version query (the agent adds ?v=... so browsers fetch it again)."""
    return bool(a and b) and a.split("?", 1)[0] == b.split("?", 1)[0]
