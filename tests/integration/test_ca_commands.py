"""`nocontact ca`, `nocontact ca rotate` and doctor's word on the CA, as a person or a script uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mitmproxy.certs import CertStore

from agent import ca
from agent.config import parse_config
from agent.system.ca import CA_CERT, same_cert
from agent.system.doctor import checks
from agent.system.install import plan
from tests.conftest import TEST_CONFIG
from tests.integration.installing import PAC
from tests.integration.test_cli import nocontact

CHECK = "CA limited to watched sites"


@pytest.fixture
def home(tmp_path) -> Path:
    """A data directory with the test config and the CA made for it."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "config.yaml").write_text(TEST_CONFIG)
    ca.issue(home / "ca", ca.scope(parse_config(TEST_CONFIG)))
    return home


def doctor_check(home: Path) -> object:
    found = checks(home, home, state={}, system="Linux", run=lambda argv: (127, ""), which=lambda _: None, env={},
                   read_settings=lambda: [])
    return next(c for c in found if c.name == CHECK)


def test_ca_says_what_it_can_vouch_for(home):
    result = nocontact("ca", home=home)
    assert result.returncode == 0, result.stderr
    said = result.stdout
    assert f"{home / CA_CERT}" in said
    assert "can vouch only for these" in said and "and for no IP address" in said
    for label in ("platforms nocontact knows", "search engines", "dating sites", "your own sites and links"):
        assert label in said
    assert "mail.google.com" in said  # carved out, and said so
    assert "Everything the config watches is within it." in said


def test_ca_json_lists_everything(home):
    found = json.loads(nocontact("ca", "--json", home=home).stdout)
    assert found["constrained"] is True and found["ip_addresses"] is False
    assert "www.instagram.com" not in found["permitted"] and "instagram.com" in found["permitted"]
    assert {"blocked-site.test", "blog.test"} <= set(found["permitted"])
    assert found["counts"]["yours"] == 2 and sum(found["counts"].values()) == len(found["permitted"])
    assert "mail.google.com" in found["excluded"] and found["outside"] == []


def test_a_site_blocked_later_is_named_as_outside_until_rotated(home):
    (home / "config.yaml").write_text(TEST_CONFIG.replace("sites: [blocked-site.test]",
                                                          "sites: [blocked-site.test, later.test]"))
    said = nocontact("ca", home=home).stdout
    assert "Outside it, and watched by the config now: later.test." in said and "`nocontact ca rotate`" in said
    assert json.loads(nocontact("ca", "--json", home=home).stdout)["outside"] == ["later.test"]
    fix = doctor_check(home)
    assert fix.ok is False and "later.test" in fix.detail and "nocontact ca rotate" in fix.fix

    old = (home / CA_CERT).read_text()
    result = nocontact("ca", "rotate", "--yes", home=home)
    assert result.returncode == 0, result.stderr
    assert "nocontact is not installed here" in result.stdout
    assert not same_cert((home / CA_CERT).read_text(), old)
    assert json.loads(nocontact("ca", "--json", home=home).stdout)["outside"] == []
    assert doctor_check(home).ok is True


def test_rotate_asks_first(home):
    old = (home / CA_CERT).read_text()
    result = nocontact("ca", "rotate", home=home, stdin="no\n")
    assert result.returncode == 1 and "Nothing was changed." in result.stdout
    assert (home / CA_CERT).read_text() == old


def test_an_install_from_an_older_version_is_told_to_rotate(home):
    # The CA an earlier version left: made by mitmproxy itself, able to vouch for every site.
    for path in (home / "ca").iterdir():
        path.unlink()
    CertStore.create_store(home / "ca", "mitmproxy", 2048)
    check = doctor_check(home)
    assert check.ok is False and "can vouch for every site" in check.detail
    assert "nocontact ca rotate" in check.fix
    said = nocontact("ca", home=home).stdout
    assert "It can vouch for every site" in said and "`nocontact ca rotate`" in said
    assert nocontact("doctor", "--quick", home=home).returncode == 1
    steps = plan(home / "account", home, PAC, "/x", "Linux", run=lambda argv: (127, ""), which=lambda _: None,
                 root=False)
    (said,) = [s.description for s in steps if s.id == "note:ca-reach"]  # install says so too
    assert "nocontact ca rotate" in said

    assert nocontact("ca", "rotate", "--yes", home=home).returncode == 0
    assert doctor_check(home).ok is True
    assert json.loads(nocontact("ca", "--json", home=home).stdout)["constrained"] is True


def test_no_ca_yet(tmp_path):
    result = nocontact("ca", home=tmp_path / "empty")
    assert result.returncode == 1 and "nocontact run" in result.stderr and "Traceback" not in result.stderr
