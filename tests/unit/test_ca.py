"""The CA's reach: what a new CA for a config may vouch for, its name constraints, and reading a CA's reach."""

from __future__ import annotations

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from agent import ca
from agent.config import parse_config
from agent.engine.categories import CATEGORY_KEYS
from agent.engine.policy import Policy
from agent.engine.urls import host_suffixes
from agent.lists.builtin import builtin_lists
from tests.conftest import TEST_CONFIG

EVERYTHING_ON = (
    "people:\n  - alias: J\n    profiles: ['https://www.instagram.com/casey.lindqvist/', 'https://casey-blog.test/about']\n"
    "    names: ['Casey Lindqvist']\n"
    "block:\n" + "".join(f"  {key}: true\n" for key in CATEGORY_KEYS)
    + "  sites: [own-site.test]\n  urls: ['https://forum.test/u/casey']\n"
    "barrier: {email: true, social_messages: true, payments: true}\n"
)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def scope_of(text: str) -> ca.Scope:
    return ca.scope(parse_config(text))


def test_a_new_ca_covers_what_nocontact_reads_for_anyone_even_with_nobody_set_up_yet():
    limits = scope_of("people: []\n")
    reach = ca.Reach(frozenset(limits.names), limits.carved, ips=False)
    for host in ("www.instagram.com", "instagram.com", "m.facebook.com", "x.com", "www.google.com", "google.de",
                 "images.google.co.uk", "www.bing.com", "duckduckgo.com", "search.yahoo.com", "web.archive.org",
                 "www-instagram-com.translate.goog", "tinder.com", "www.hinge.co", "spokeo.com",
                 "web.whatsapp.com", "www.flirty.dating"):  # a platform nocontact knows, so it is read for anyone
        assert reach.vouches(host), host
    counts = limits.counts()
    assert {"platforms", "search", "wrappers", "dating", "social", "people_search", "viewers"} <= set(counts)
    assert "yours" not in counts and "barrier" not in counts


def test_mail_banks_and_the_rest_of_the_internet_are_out_of_reach():
    limits = scope_of(TEST_CONFIG)
    reach = ca.Reach(frozenset(limits.names), limits.carved, ips=False)
    for host in ("bank.test", "docs.python.org", "www.chase.com", "mail.google.com", "accounts.google.com",
                 "myaccount.google.com", "drive.google.com", "messages.google.com", "mail.yandex.ru",
                 "passport.yandex.com", "pan.baidu.com", "mail.yahoo.com", "login.yahoo.com", "outlook.live.com",
                 "www.paypal.com", "icloud.com", "www.apple.com", "signal.org", "1.2.3.4", "::1", "com", "date"):
        assert not reach.vouches(host), host


def test_each_name_is_kept_as_it_is_never_widened_to_its_registrable_domain():
    names = scope_of(TEST_CONFIG).names
    for name in ("search.yahoo.com", "safelinks.protection.outlook.com", "webcache.googleusercontent.com"):
        assert name in names
    for wider in ("yahoo.com", "outlook.com", "googleusercontent.com", "live.com", "apple.com"):
        assert wider not in names
    assert not any(up in names for name in names for up in host_suffixes(name)[1:])  # nothing covered twice
    # No whole top-level domain but those made for dating alone (every site under them is blocked).
    assert {name for name in names if "." not in name} == {"dating", "singles"}


def test_the_persons_own_sites_and_links_are_in_reach():
    limits = scope_of(EVERYTHING_ON)
    assert {name for name, source in limits.names.items() if source == "yours"} == {
        "own-site.test", "forum.test", "casey-blog.test"}


def test_the_messaging_list_and_the_barriers_services_only_once_turned_on():
    off, on = scope_of(TEST_CONFIG), scope_of(EVERYTHING_ON)
    for name in ("signal.org", "viber.com", "paypal.com", "mail.yahoo.com", "outlook.live.com", "icloud.com"):
        assert name not in off.names and name in on.names, name
    # Read by this config: no longer carved out of google.com.
    assert {"mail.google.com", "messages.google.com"} <= off.carved
    assert not {"mail.google.com", "messages.google.com"} & on.carved
    assert "accounts.google.com" in on.carved


def test_a_ca_made_for_a_config_vouches_for_everything_its_policy_watches():
    for text in (TEST_CONFIG, EVERYTHING_ON, "people: []\n"):
        config = parse_config(text)
        limits = ca.scope(config)
        reach = ca.Reach(frozenset(limits.names), limits.carved, ips=False)
        assert ca.outside(Policy(config, builtin_lists(config.block.categories)), reach) == []


def test_a_site_added_later_is_outside_and_named():
    limits = scope_of(TEST_CONFIG)
    reach = ca.Reach(frozenset(limits.names), limits.carved, ips=False)
    later = parse_config(TEST_CONFIG.replace("sites: [blocked-site.test]", "sites: [blocked-site.test, later.test]"))
    assert ca.outside(Policy(later, builtin_lists(later.block.categories)), reach) == ["later.test"]
    whole_google = parse_config(TEST_CONFIG.replace("sites: [blocked-site.test]", "sites: [google.com]"))
    # Watched whole, but its mail and accounts are carved out: outside in part, so named.
    assert "google.com" in ca.outside(Policy(whole_google, {}), reach)


def test_the_certificate_carries_critical_name_constraints_and_no_ip(key):
    limits = scope_of(TEST_CONFIG)
    cert = ca.certificate(key, limits)
    extension = cert.extensions.get_extension_for_class(x509.NameConstraints)
    assert extension.critical
    permitted = extension.value.permitted_subtrees
    assert {n.value for n in permitted} == set(limits.names)
    excluded = extension.value.excluded_subtrees
    assert {n.value for n in excluded if isinstance(n, x509.IPAddress)} == {
        ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")}
    assert {n.value for n in excluded if isinstance(n, x509.DNSName)} == set(limits.carved)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_reach_read_back_from_the_certificate(key):
    limits = scope_of(TEST_CONFIG)
    reach = ca.reach(ca.certificate(key, limits))
    assert reach.constrained and not reach.ips
    assert reach.permitted == frozenset(limits.names) and reach.excluded == limits.carved
    assert reach.vouches("WWW.Instagram.COM.") and not reach.vouches("bank.test")
    assert reach.covers("instagram.com") and not reach.covers("google.com")  # google.com: mail carved out
    assert reach.vouches("google.com") and not reach.vouches("mail.google.com")


def test_a_ca_without_constraints_vouches_for_everything(key):
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "mitmproxy")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    reach = ca.reach(cert)
    assert not reach.constrained and reach.ips
    assert reach.vouches("bank.test") and reach.vouches("10.0.0.1") and reach.covers("google.com")
