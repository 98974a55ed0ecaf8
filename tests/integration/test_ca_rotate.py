"""`nocontact ca rotate`: a new CA trusted where install trusted the old one, and the old one gone.

Linux for real (a temporary HOME, the real `certutil` on real NSS databases, as the install tests do);
macOS and Windows with their commands recorded and a stand-in registry.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from agent import ca
from agent.system import install
from agent.system.ca import CA_CERT, fingerprint, same_cert
from agent.system.nss import NICKNAME
from agent.system.record import load
from agent.system.rotate import rotate
from tests.integration import installing
from tests.integration import test_install_linux as on_linux
from tests.integration.installing import Recorder, Registry, changes
from tests.integration.test_install_linux import linux_install, linux_uninstall, nss_databases, nss_list

ca_source, data_dir = installing.ca_source, installing.data_dir  # shared fixtures, bound here for pytest
linux_home, executable = on_linux.linux_home, on_linux.executable


def held(folder: Path) -> str | None:
    """The nocontact CA an NSS database holds (PEM), or None."""
    done = subprocess.run(["certutil", "-d", f"sql:{folder}", "-L", "-n", NICKNAME, "-a"], capture_output=True,
                          text=True)
    return done.stdout if done.returncode == 0 else None


def test_rotation_replaces_the_trust_in_every_nss_database_install_wrote_to(linux_home, data_dir, executable):
    code, said = linux_install(data_dir, linux_home, executable)
    assert code == 0, said
    old_pem, old_key = (data_dir / CA_CERT).read_text(), (data_dir / "ca" / ca.KEY_FILE).read_bytes()
    before = {s.id for s in load(data_dir).steps}
    lines: list[str] = []
    assert rotate(data_dir, linux_home, yes=True, out=lines.append, run=Recorder(real=True), system="Linux",
                  root=False) == 0, lines
    said = "\n".join(lines)
    new_pem = (data_dir / CA_CERT).read_text()
    assert not same_cert(new_pem, old_pem)
    assert ca.reach(ca.load_cert(data_dir / "ca")).constrained
    for folder in nss_databases(linux_home):
        assert same_cert(held(folder), new_pem), folder  # the new one, under the one nickname
        nocontact = [line for line in nss_list(folder).splitlines() if line.startswith(NICKNAME)]
        assert [line.split() for line in nocontact] == [["nocontact", "CA", "C,,"]], folder  # and only it
        assert "take the old one out" in said and str(folder) in said
    # The old CA is gone: its key is nowhere in the data directory.
    assert not any(old_key in p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    assert sorted(p.name for p in data_dir.iterdir() if p.name.startswith("ca")) == ["ca"]
    assert {s.id for s in load(data_dir).steps} == before  # the record holds the same steps, now for the new CA
    # Uninstall takes the new one out where rotation put it.
    assert linux_uninstall(data_dir)[0] == 0
    assert all(held(folder) is None for folder in nss_databases(linux_home))


def test_rotation_without_an_install_only_replaces_the_ca(tmp_path, data_dir):
    old = (data_dir / CA_CERT).read_text()
    said: list[str] = []
    assert rotate(data_dir, tmp_path, yes=True, out=said.append, run=Recorder(), system="Linux") == 0
    assert not same_cert((data_dir / CA_CERT).read_text(), old)
    assert "nocontact is not installed here" in said[0]
    assert not (data_dir / "install.json").exists()


def test_saying_no_changes_nothing(tmp_path, data_dir):
    old = (data_dir / CA_CERT).read_text()
    said: list[str] = []
    assert rotate(data_dir, tmp_path, out=said.append, ask=lambda _: "n", run=Recorder(), system="Linux") == 1
    assert (data_dir / CA_CERT).read_text() == old and said[-1] == "Nothing was changed."


def test_macos_rotation_takes_the_old_ca_out_of_the_keychain_and_trusts_the_new(tmp_path, data_dir):
    home = tmp_path / "Users" / "sam"
    home.mkdir(parents=True)
    keychain = str(home / "Library" / "Keychains" / "login.keychain-db")
    answers = {("networksetup", "-listallnetworkservices"): (0, "An asterisk...\nWi-Fi\n"),
               ("networksetup", "-getautoproxyurl"): (0, "URL: (null)\nEnabled: No\n"),
               ("security", "find-certificate"): (0, ""), ("launchctl", "print"): (113, "Could not find service")}
    assert install.install(data_dir, home, executable="/x", system="Darwin", yes=True, out=lambda _: None,
                           run=Recorder(answers), uid=501) == 0
    old = fingerprint((data_dir / CA_CERT).read_text())
    runner = Recorder(answers)
    assert rotate(data_dir, home, yes=True, out=lambda _: None, run=runner, system="Darwin", uid=501) == 0
    new = fingerprint((data_dir / CA_CERT).read_text())
    assert new != old
    assert changes(runner.calls, ["security", "find-certificate"], ["networksetup"], ["launchctl", "print"]) == [
        ["security", "delete-certificate", "-t", "-Z", old, keychain],
        ["security", "add-trusted-cert", "-r", "trustRoot", "-k", keychain, str(data_dir / CA_CERT)],
    ]
    (step,) = [s for s in load(data_dir).steps if s.id == "keychain"]
    assert [a.record() for a in step.undo] == [
        {"op": "run", "argv": ["security", "delete-certificate", "-t", "-Z", new, keychain], "check": True}]


def test_windows_rotation_replaces_the_ca_in_the_root_store(tmp_path, data_dir):
    registry = Registry({"ProxyEnable": (0, 4)})
    answers = {("schtasks", "/Query"): (1, "ERROR: cannot find"), ("certutil", "-user", "-verifystore"): (1, "")}
    assert install.install(data_dir, tmp_path, executable="C:\\nocontact.exe", system="Windows", yes=True,
                           out=lambda _: None, run=Recorder(answers), registry=registry, refresh=lambda: None,
                           user="PC\\sam") == 0
    old = fingerprint((data_dir / CA_CERT).read_text())
    runner = Recorder(answers)
    assert rotate(data_dir, tmp_path, yes=True, out=lambda _: None, run=runner, system="Windows",
                  registry=registry) == 0
    new = fingerprint((data_dir / CA_CERT).read_text())
    assert changes(runner.calls, ["certutil", "-user", "-verifystore"]) == [
        ["certutil", "-user", "-delstore", "Root", old],
        ["certutil", "-user", "-addstore", "Root", str(data_dir / CA_CERT)],
    ]
    record = json.loads((data_dir / "install.json").read_text())
    (step,) = [s for s in record["steps"] if s["id"] == "root-store"]
    assert step["undo"][0]["argv"] == ["certutil", "-user", "-delstore", "Root", new]


def test_an_old_ca_that_cannot_be_taken_out_stays_in_the_record_for_uninstall(tmp_path, data_dir):
    home = tmp_path / "home"
    home.mkdir()
    answers = {("networksetup", "-listallnetworkservices"): (1, ""), ("security", "find-certificate"): (0, ""),
               ("launchctl", "print"): (113, "")}
    assert install.install(data_dir, home, executable="/x", system="Darwin", yes=True, out=lambda _: None,
                           run=Recorder(answers), uid=501) == 0
    old = fingerprint((data_dir / CA_CERT).read_text())
    refused = Recorder({**answers, ("security", "delete-certificate"): (51, "User canceled the operation.")})
    said: list[str] = []
    assert rotate(data_dir, home, yes=True, out=said.append, run=refused, system="Darwin", uid=501) == 1
    assert any("the old CA is still there" in line for line in said)
    (step,) = [s for s in load(data_dir).steps if s.id == "keychain"]
    removals = [a.argv[4] for a in step.undo]
    assert removals == [fingerprint((data_dir / CA_CERT).read_text()), old]  # the new one's, then the old one's
