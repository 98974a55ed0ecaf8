"""Platforms of work: LinkedIn, GitHub and Gravatar (the avatar and profile behind an email address)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from agent.engine.identity import Identity
from agent.engine.platforms.base import Site, nth, word_set
from agent.engine.urls import Url


class LinkedIn(Site):
    name, label = "linkedin", "LinkedIn"
    domains = ("linkedin.com", "lnkd.in")
    regional = True  # uk.linkedin.com, de.linkedin.com ...
    example = "https://www.linkedin.com/in/name/"
    short_links = ("lnkd.in",)
    redirects = {"linkedin.com": (("/redir/redirect", ("url",)), ("/safety/go", ("url",)))}
    handle_re = re.compile(r"[\w-]{3,100}")  # slugs may hold any letters (percent-decoded)
    reserved = word_set("""
    me
    """)
    search_paths = (("search/results", ("keywords",)),)

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if domain == "linkedin.com" and labels == ["badges"]:  # the profile badge: badges.linkedin.com/profile?vanityname=
            yield from map(self.handle, url.params("vanityname"))
        if domain != "linkedin.com" or labels:
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:1] == ["in"]:  # /in/<slug>/, /in/<slug>/recent-activity/all/, /detail/contact-info/
            yield self.handle(nth(segs, 1))
        elif low[:2] == ["mwlite", "in"]:
            yield self.handle(nth(segs, 2))
        elif low[:4] == ["voyager", "api", "identity", "profiles"]:  # XHR: .../profiles/<slug>/profileView
            yield self.handle(nth(segs, 4))
        if low[:1] == ["voyager"]:
            yield from map(self.handle, url.params("memberIdentity", "vanityName"))
            for text in url.params("variables"):  # Rest.li, not JSON: (vanityName:casey-lindqvist)
                yield from map(self.handle, re.findall(r"vanityName:([^,()]+)", text))

    def searches(self, url: Url) -> Iterator[str]:
        yield from super().searches(url)
        low = [s.lower() for s in url.segments]
        if low[:2] == ["pub", "dir"] and len(low) > 3:  # the public directory: /pub/dir/<first>/<last>
            yield f"{url.segments[2]} {url.segments[3]}"
        first, last = url.param("firstName"), url.param("lastName")  # /pub/dir/?firstName=&lastName=
        if first and last:
            yield f"{first} {last}"


class GitHub(Site):
    """github.com/<user>, its repos and pages, and <user>.github.io: one namespace, no case."""

    name, label = "github", "GitHub"
    domains = ("github.com", "github.io", "githubusercontent.com")
    example = "https://github.com/name"
    handle_re = re.compile(r"[a-z0-9][a-z0-9-]{0,38}")
    reserved = word_set("""
    about pricing features login join logout settings notifications explore topics trending
    marketplace search new organizations enterprise enterprises security site apps pulls issues
    codespaces collections events readme team customer-stories contact dashboard account blog
    sponsors orgs users stars github resources solutions copilot home mobile premium-support
    nonprofit education watching signup password_reset session sessions auth showcases git-guides
    open-source partners why-github trust-center discover starred mine robots favicon manifest
    opensearch api raw gist www status support docs skills models repos codes sitemap webhooks
    """)
    search_paths = (("search", ("q",)),)

    def normalise(self, raw: str) -> str:
        return super().normalise(raw).split(".")[0]  # github.com/<user>.keys, .gpg, .atom

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if domain == "github.io":  # <user>.github.io/<anything>
            if len(labels) == 1:
                yield self.handle(labels[0])
        elif domain == "githubusercontent.com":  # raw.githubusercontent.com/<user>/<repo>/...
            if labels in (["raw"], ["gist"]) or labels == ["avatars"] and low[:1] != ["u"]:  # avatars.../<user>
                yield self.handle(nth(segs, 0))
        elif labels == ["api"]:  # api.github.com/users/<user>, /orgs/<org>, /repos/<user>/<repo>
            if low[:1] in (["users"], ["orgs"], ["repos"]):
                yield self.handle(nth(segs, 1))
        elif labels == ["gist"]:
            yield self.handle(nth(segs, 0))
        elif not labels and segs:
            if low[0] in ("orgs", "sponsors", "users", "stars"):  # /orgs/<org>/people, /sponsors/<user>
                yield self.handle(nth(segs, 1))
            else:  # /<user>, /<user>/<repo>/..., /<user>?tab=repositories
                yield self.handle(segs[0])


class Gravatar(Site):
    """gravatar.com: a profile and an avatar for an email address, named by the address's hash or a username.

    An avatar is asked for by the MD5 or SHA-256 of the address (trimmed, lower case), so the person's
    configured emails reach their avatar and profile without any profile link (`email_keys`).
    """

    name, label = "gravatar", "Gravatar"
    domains = ("gravatar.com",)
    read_for = frozenset({"gravatar"})  # an email or a Gravatar link: avatars elsewhere are not decrypted for less
    example = "https://gravatar.com/name"
    mirror_labels = Site.mirror_labels | frozenset("en secure s 0 1 2 api".split())
    handle_re = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
    hash_re = re.compile(r"[0-9a-f]{32}|[0-9a-f]{64}")
    reserved = word_set("""
    avatar profile profiles connect login signup support site about pricing blog developers docs
    privacy terms settings me account apps dashboard robots favicon userimage v3 api
    """)

    @staticmethod
    def email_keys(email: str) -> tuple[str, str]:
        """The keys an avatar request uses for `email`: its MD5 and SHA-256 hashes."""
        raw = email.strip().lower().encode()
        return "hash:" + hashlib.md5(raw, usedforsecurity=False).hexdigest(), "hash:" + hashlib.sha256(raw).hexdigest()

    @classmethod
    def avatar_url(cls, email: str) -> str:
        """Where a service asked for `email`'s avatar (unavatar.io/<email>) gets it from."""
        return f"https://gravatar.com/avatar/{cls.email_keys(email)[0].removeprefix('hash:')}"

    formats = frozenset("json xml vcf qr php jpg jpeg png gif webp".split())  # /<hash>.json, /avatar/<hash>.jpg

    def key(self, raw: str) -> str | None:
        raw = self.normalise(raw)
        base, dot, ext = raw.rpartition(".")
        if dot and ext in self.formats:
            raw = base
        if self.hash_re.fullmatch(raw):
            return f"hash:{raw}"
        return super().key(raw)

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:1] == ["avatar"]:  # /avatar/<hash>[.jpg]?s=200
            yield self.handle(nth(segs, 1))
        elif low[:2] == ["v3", "profiles"]:  # api.gravatar.com/v3/profiles/<hash or name>
            yield self.handle(nth(segs, 2))
        elif low[:1] in (["profile"], ["profiles"]):
            yield self.handle(nth(segs, 1))
        elif segs:  # /<name>, /<hash>, /<hash>.json (.xml, .vcf, .qr)
            yield self.handle(segs[0])
