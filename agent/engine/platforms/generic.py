"""Any other site: a profile is a host and a path prefix (flickr.com/photos/caseyl)."""

from __future__ import annotations

from collections.abc import Iterator

from agent.engine.identity import Identity, Platform, ProfileError
from agent.engine.platforms.base import word_set
from agent.engine.urls import Url


class GenericSite(Platform):
    """Any other site: the profile is its host plus a path prefix at a segment boundary.

    flickr.com/photos/caseyl reaches /photos/caseyl and everything under it, not
    /photos/caseyl2. A bare host means the whole site, subdomains included. Keys are
    "<host>/<segments>" (lower case), so `reaches` yields one key per prefix and the
    caller matches with dict lookups. A profile named in the query (profile.php?id=7)
    keeps that one parameter in its key, so other profiles on the site stay open.
    """

    name, label = "web", "a website"
    domains = ()
    prefixes = frozenset({"www", "m", "mobile", "web", "touch"})
    tracking = word_set("""
    ref ref_src ref_url fbclid gclid igshid igsh si mibextid share share_id src source from feature
    lang locale hl sk tab s t
    """)
    id_params = word_set("""
    id uid user userid user_id username u profile profile_id profileid member member_id memberid
    name handle screen_name pid
    """)
    max_pairs = 32

    def host(self, host: str) -> str:
        labels = host.split(".")
        while len(labels) > 2 and labels[0] in self.prefixes:
            labels = labels[1:]
        return ".".join(labels)

    def _pairs(self, url: Url) -> list[tuple[str, str]]:
        pairs = []
        for key, value in url.query[: self.max_pairs]:
            key = key.strip().lower()
            if key and key not in self.tracking and not key.startswith("utm_"):
                pairs.append((key, value.strip().lower()))
        return pairs

    @staticmethod
    def _with(path_key: str, pair: tuple[str, str]) -> str:
        base = path_key if "/" in path_key else path_key + "/"
        return f"{base}?{pair[0]}={pair[1]}" if pair[1] else f"{base}?{pair[0]}"

    def _path_keys(self, url: Url) -> list[str]:
        host = self.host(url.host)
        segs = [s.lower() for s in url.segments]
        return [host] + [f"{host}/{'/'.join(segs[:i])}" for i in range(1, len(segs) + 1)]

    def profile(self, url: Url) -> Identity:
        path_key = self._path_keys(url)[-1]
        pairs = self._pairs(url)
        if len(pairs) > 1:
            named = [p for p in pairs if p[0] in self.id_params]
            if len(named) != 1:
                names = ", ".join(k for k, _ in pairs)
                raise ProfileError(
                    f"{url.without_query()} names the page with several query parameters ({names}), and nocontact "
                    "cannot tell which one is the person; paste the shortest link that still opens the profile"
                )
            pairs = named
        return Identity(self.name, self._with(path_key, pairs[0]) if pairs else path_key)

    def reaches(self, url: Url) -> Iterator[Identity]:
        keys = self._path_keys(url)
        labels = keys[0].split(".")
        for i in range(1, max(1, len(labels) - 1)):  # blog.casey.com reaches a whole-site casey.com
            yield Identity(self.name, ".".join(labels[i:]))
        for key in keys:
            yield Identity(self.name, key)
        for pair in self._pairs(url):
            yield Identity(self.name, self._with(keys[-1], pair))
