"""This install's certificate authority (CA): it can vouch only for the sites nocontact reads.

Browsers trust the CA so that nocontact can show its gentle page over HTTPS. Its key sits in the
data directory, so the CA carries critical X.509 name constraints: a dNSName subtree for each
site nocontact may need to decrypt (a subtree covers the name and its subdomains), and no IP
address at all (excluded 0.0.0.0/0 and ::/0). Someone who copies the key can then impersonate
those sites and no other: not the person's bank, not their mail. Browsers enforce name
constraints on roots trusted locally, and so does `openssl verify`.

What a new CA vouches for (`scope`): what nocontact reads for anyone (the platforms it knows,
search engines, redirectors, archives and caches, the dating, social, people-search and viewer
lists), and what this config turns on (the messaging list and the contact barrier's services,
where the person's own conversations, mail and money are), and the person's own sites and
links. Each name is kept as it is unless a name above it is kept too: grouping by registrable
domain would widen search.yahoo.com to yahoo.com (Yahoo Mail) or teams.live.com to live.com
(Outlook), for a handful of names fewer. A search engine watched on a few hosts only still
needs its bare domain (google.com), which a name constraint cannot give without its subdomains;
their hosts for mail, accounts, files and messages are carved out (excluded subtrees).

A host the config watches later, outside the CA's reach, is refused rather than intercepted
with a certificate the browser would reject; `nocontact ca rotate` makes a wider CA.

mitmproxy reads the CA from its confdir (`ca/` in the data directory) in its own files, which
`issue` writes as mitmproxy's CertStore.create_store does; mitmproxy signs its leaf
certificates with it as before.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from agent.barrier import services as barrier_services
from agent.config import Config
from agent.engine.categories import CATEGORIES, ENDINGS
from agent.engine.platforms import PLATFORMS
from agent.engine.policy import Policy
from agent.engine.search import SEARCH_ENGINES, watched_hosts
from agent.engine.urls import host_suffixes, normalise_host
from agent.engine.wrappers import WRAPPER_DOMAINS
from agent.lists.builtin import builtin
from agent.paths import secure_ca

log = logging.getLogger("nocontact")

KEY_FILE = "mitmproxy-ca.pem"  # key and certificate: what mitmproxy loads
CERT_FILE = "mitmproxy-ca-cert.pem"  # the certificate alone: what browsers and devices trust
KEY_SIZE = 2048  # mitmproxy's own default
LIFETIME = datetime.timedelta(days=10 * 365)  # as mitmproxy's own CA
ANY_IP = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))

# Lists that hold the person's own conversations: vouched for only once the config blocks them.
ONLY_WHEN_ON = ("messaging",)
# Where the reach comes from, in the order a name is counted (a name needed by two is counted under the first).
SOURCES = {
    "platforms": "platforms nocontact knows",
    "search": "search engines",
    "wrappers": "redirectors, archives and caches",
    **{category.key: category.plural for category in CATEGORIES},
    "barrier": "services the contact barrier reads",
    "yours": "your own sites and links",
}
# Search domains vouched for whole (their bare name is a search host), and their hosts that hold mail,
# accounts, files, payments and messages: carved out unless this config reads them.
CARVED_OUT = {
    "google.com": ("accounts", "myaccount", "mail", "inbox", "contacts", "calendar", "drive", "docs", "photos",
                   "keep", "pay", "payments", "wallet", "passwords", "messages", "voice", "chat", "meet", "takeout",
                   "families", "security", "myactivity", "one", "fi", "admin"),
    "yandex.": ("mail", "passport", "id", "disk", "money", "pay", "messenger", "360"),
    "baidu.com": ("pan", "passport", "wallet", "yun"),
}


def _hosts(domains) -> set[str]:
    """The hosts of search and wrapper domains the engine watches: the domain, or its few search hosts."""
    return {host for domain in domains for host in (watched_hosts(domain) or (domain,))}


def _carved_labels(domain: str) -> tuple[str, ...]:
    return next((labels for key, labels in CARVED_OUT.items()
                 if domain == key or (key.endswith(".") and domain.startswith(key))), ())


@dataclass(frozen=True)
class Scope:
    """What a CA made for a config can vouch for."""
    names: dict[str, str]  # name (with its subdomains) -> the source that needs it
    carved: frozenset[str]  # hosts under those names it must not vouch for

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(SOURCES, 0)
        for source in self.names.values():
            found[source] += 1
        return {source: n for source, n in found.items() if n}


def sources(config: Config) -> dict[str, set[str]]:
    """Every name nocontact may read with this config, by where the need comes from (names may repeat)."""
    found = {"platforms": {d for platform in PLATFORMS for d in platform.readable_domains},
             "search": _hosts(SEARCH_ENGINES), "wrappers": _hosts(WRAPPER_DOMAINS)}
    on = set(config.block.categories)
    for category in CATEGORIES:
        if category.key in on or category.key not in ONLY_WHEN_ON:
            found[category.key] = set(builtin(category.key)) | set(category.endings)
    found["barrier"] = set(barrier_services.hosts(config.barrier.families))
    # Whatever else the policy watches: block.sites, the hosts of block.urls, profile links on other sites.
    policy = Policy(config, {})
    found["yours"] = policy.watched_domains | policy.watched_hosts
    return found


def scope(config: Config) -> Scope:
    """The names a new CA for `config` vouches for, each kept unless a name above it is, and the carve-outs."""
    first: dict[str, str] = {}
    for source, names in sources(config).items():
        for name in names:
            name = normalise_host(name)
            if "." in name or name in ENDINGS:  # never a whole top-level domain, but one made for a category
                first.setdefault(name, source)
    names = {n: s for n, s in first.items() if not any(up in first for up in host_suffixes(n)[1:])}
    read = {n for n, s in first.items() if s not in ("search", "wrappers")}
    carved = set()
    for domain in names:
        if domain in read:
            continue  # a rule of this config reads all of it
        for label in _carved_labels(domain):
            host = f"{label}.{domain}"
            if not any(n == host or n.endswith("." + host) for n in read):
                carved.add(host)
    return Scope(names, frozenset(carved))


# --- reading a CA's reach ------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """Which names a CA can vouch for, as its name constraints say."""
    permitted: frozenset[str] | None  # dNSName subtrees; None: any name (no constraint)
    excluded: frozenset[str] = frozenset()
    ips: bool = True  # whether it can vouch for an IP address

    @property
    def constrained(self) -> bool:
        return self.permitted is not None

    def vouches(self, host: str) -> bool:
        """Whether a certificate for `host` signed by this CA is one browsers accept."""
        host = normalise_host(host)
        if _is_ip(host):
            return self.ips
        suffixes = host_suffixes(host)
        if any(s in self.excluded for s in suffixes):
            return False
        return self.permitted is None or any(s in self.permitted for s in suffixes)

    def covers(self, domain: str) -> bool:
        """Whether it vouches for `domain` and every name under it."""
        domain = normalise_host(domain)
        return self.vouches(domain) and domain not in self._above_excluded

    @cached_property
    def _above_excluded(self) -> frozenset[str]:
        return frozenset(up for name in self.excluded for up in host_suffixes(name)[1:])


UNCONSTRAINED = Reach(None)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4)
def reach(cert: x509.Certificate) -> Reach:
    """The reach of a CA certificate (cached: asked at every TLS connection)."""
    try:
        constraints = cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return UNCONSTRAINED

    def dns(subtrees) -> frozenset[str]:
        return frozenset(n.value.lower().lstrip(".") for n in subtrees or () if isinstance(n, x509.DNSName))

    permitted = constraints.permitted_subtrees
    has_dns = any(isinstance(n, x509.DNSName) for n in permitted or ())
    return Reach(dns(permitted) if has_dns else None, dns(constraints.excluded_subtrees),
                 ips=not any(isinstance(n, x509.IPAddress) for n in constraints.excluded_subtrees or ()))


def load_cert(folder: Path) -> x509.Certificate | None:
    """The CA certificate in a confdir, or None when there is none (or it cannot be read)."""
    try:
        return x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())
    except (OSError, ValueError):
        return None


def outside(policy: Policy, ca: Reach) -> list[str]:
    """The names `policy` watches that `ca` cannot vouch for, each wholly or in part."""
    found = [d for d in policy.watched_domains if policy.watches(d) and not ca.covers(d)]
    found += [h for h in policy.watched_hosts if policy.watches(h) and not ca.vouches(h)]
    return sorted(set(found))


# --- a watched connection the CA cannot vouch for --------------------------------------------


@lru_cache(maxsize=2)
def _signing(store) -> Reach:
    """The reach of the CA a mitmproxy CertStore signs with (a new store when mitmproxy reads a new CA)."""
    return reach(x509.load_pem_x509_certificate(store.default_ca.to_pem()))


_notes: set[asyncio.Task] = set()  # urges being noted (kept referenced until done)


def outside_reach(agent, names: Iterable[str]) -> str | None:
    """What to do with a watched TLS connection whose names the CA mitmproxy signs with may not vouch for: a
    leaf certificate outside the CA's name constraints would be refused by the browser, so none is offered.

    None: intercept as usual (the CA vouches for every watched name). "through": let it pass untouched (a
    window the person waited for is open on what it blocks, or no rule blocks the site as a whole: a search
    engine or a platform a newer version reads is not taken from the person for want of a certificate;
    `nocontact doctor` asks for a rotation). "refuse": close it before any handshake; the urge (with its
    gentle notification) is noted for each name a rule blocks.
    """
    from mitmproxy import ctx

    master = getattr(ctx, "master", None)
    tlsconfig = master.addons.get("tlsconfig") if master else None
    if getattr(tlsconfig, "certstore", None) is None:
        return None
    try:
        signing = _signing(tlsconfig.certstore)
        watched = [name for name in names if agent.policy.watches(name)]
        found = [name for name in watched if not signing.vouches(name)]
        blocked = [d for d in (agent.policy.decide(f"https://{name}/") for name in found) if d.blocked]
        # Untouched only when a waited-for window is open on every watched name of the connection: another
        # name (the CONNECT target behind an outside SNI, say) must not ride through on that window.
        opened = len(blocked) == len(watched) and all(agent.is_open(d) for d in blocked)
    except Exception as err:  # our own mistake: intercepted as before
        log.warning("nocontact could not compare a connection with its CA (%s).", type(err).__name__)
        return None
    if not found:
        return None
    if opened or not blocked:
        return "through"
    for decision in blocked:
        try:
            task = asyncio.get_running_loop().create_task(agent.record(decision, decision.url))
        except RuntimeError:  # no loop (not inside the proxy): nothing to note with
            break
        _notes.add(task)
        task.add_done_callback(_notes.discard)
    return "refuse"


# --- making one ----------------------------------------------------------------------------


def certificate(key: rsa.RSAPrivateKey, limits: Scope) -> x509.Certificate:
    """A root certificate for `key` that can vouch only for `limits`, never for an IP address."""
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mitmproxy"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nocontact")])
    constraints = x509.NameConstraints(
        permitted_subtrees=[x509.DNSName(n) for n in sorted(limits.names)],
        excluded_subtrees=[*(x509.DNSName(h) for h in sorted(limits.carved)), *(x509.IPAddress(n) for n in ANY_IP)],
    )
    return (x509.CertificateBuilder()
            .serial_number(x509.random_serial_number())
            .subject_name(name).issuer_name(name)
            .not_valid_before(now - datetime.timedelta(days=2)).not_valid_after(now + LIFETIME)
            .public_key(key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(constraints, critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))


def issue(folder: Path, limits: Scope, key_size: int = KEY_SIZE) -> x509.Certificate:
    """Make a new CA in `folder`, in the files mitmproxy reads and offers devices; the key files 0600."""
    from mitmproxy.certs import DEFAULT_DHPARAM

    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = certificate(key, limits)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    none = serialization.NoEncryption()
    files = {
        KEY_FILE: key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, none)
        + pem,
        "mitmproxy-ca.p12": pkcs12.serialize_key_and_certificates(b"mitmproxy", key, cert, None, none),
        CERT_FILE: pem,
        "mitmproxy-ca-cert.cer": pem,  # the same, named as Android wants it
        "mitmproxy-ca-cert.p12": pkcs12.serialize_key_and_certificates(b"mitmproxy", None, cert, None, none),
        "mitmproxy-dhparam.pem": DEFAULT_DHPARAM,
    }
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for name, data in files.items():
        path = folder / name
        path.unlink(missing_ok=True)
        # Created private: the key is never readable by others, not even for a moment.
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(data)
        if name not in ("mitmproxy-ca.pem", "mitmproxy-ca.p12"):
            os.chmod(path, 0o644)
    secure_ca(folder)
    return cert


def ensure(folder: Path, config: Config) -> bool:
    """Make this install's CA in `folder` if there is none yet (before mitmproxy would make one that can vouch
    for every site); True when it was made."""
    if (folder / KEY_FILE).exists():
        return False
    issue(folder, scope(config))
    return True


def replace(folder: Path, config: Config) -> x509.Certificate:
    """Put a new CA for `config` in place of the one in `folder`, and remove the old one, key and all.

    The new one is made beside it and swapped in by renaming, so mitmproxy never finds half a CA.
    """
    new, old = folder.with_name(folder.name + ".new"), folder.with_name(folder.name + ".old")
    for leftover in (new, old):
        shutil.rmtree(leftover, ignore_errors=True)
    cert = issue(new, scope(config))
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return cert
