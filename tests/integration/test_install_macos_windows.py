"""`nocontact install` / `uninstall` on macOS and Windows, which cannot run here.

macOS (launchctl, security, networksetup) and Windows (schtasks, certutil
-user, the registry): the exact commands and registry values are recorded
through the injected runner and a stand-in registry, and the files written
(LaunchAgents, task definitions) are read back.
"""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from agent.system import install, windows
from agent.system.ca import CA_CERT, fingerprint
from agent.system.install import plan
from tests.integration import installing
from tests.integration.installing import PAC, Recorder, Registry, changes

ca_source, data_dir = installing.ca_source, installing.data_dir  # shared fixtures, bound here for pytest


# --- macOS: commands recorded, not run here ---------------------------------------------


def test_macos_commands_and_plist(tmp_path, data_dir):
    home = tmp_path / "Users" / "sam"
    home.mkdir(parents=True)
    exe = "/Users/sam/Library/Python/3.12/bin/nocontact"
    ca = str(data_dir / CA_CERT)
    sha1 = fingerprint((data_dir / CA_CERT).read_text())
    keychain = str(home / "Library" / "Keychains" / "login.keychain-db")
    plist = home / "Library" / "LaunchAgents" / "org.nocontact.agent.plist"
    pac_plist = home / "Library" / "LaunchAgents" / "org.nocontact.pac.plist"
    runner = Recorder({
        ("networksetup", "-listallnetworkservices"): (0, "An asterisk (*) denotes that a network service is "
                                                         "disabled.\nWi-Fi\n*Thunderbolt Bridge\nUSB LAN\n"),
        ("networksetup", "-getautoproxyurl", "Wi-Fi"): (0, "URL: (null)\nEnabled: No\n"),
        ("networksetup", "-getautoproxyurl", "Thunderbolt Bridge"): (0, "URL: http://corp.example/wpad.dat\n"
                                                                        "Enabled: No\n"),
        ("networksetup", "-getautoproxyurl", "USB LAN"): (0, "URL: http://corp.example/wpad.dat\nEnabled: Yes\n"),
        ("security", "find-certificate"): (0, ""),
        ("launchctl", "print"): (113, "Could not find service"),
    })
    said = []
    assert install.install(data_dir, home, executable=exe, system="Darwin", yes=True, out=said.append, run=runner,
                           uid=501) == 0
    assert changes(runner.calls, ["networksetup", "-listallnetworkservices"], ["networksetup", "-getautoproxyurl"],
                   ["security", "find-certificate"], ["launchctl", "print"]) == [
        ["security", "add-trusted-cert", "-r", "trustRoot", "-k", keychain, ca],
        ["launchctl", "bootstrap", "gui/501", str(pac_plist)],  # the PAC service first: the system points at it
        ["launchctl", "bootstrap", "gui/501", str(plist)],
        ["networksetup", "-setautoproxyurl", "Wi-Fi", PAC],
        ["networksetup", "-setautoproxyurl", "Thunderbolt Bridge", PAC],
        ["networksetup", "-setautoproxyurl", "USB LAN", PAC],
    ]
    # The LaunchAgent is a valid plist (plutil -lint where there is one; here Python's plist parser).
    with plist.open("rb") as handle:
        agent = plistlib.load(handle)
    assert agent["Label"] == "org.nocontact.agent"
    assert agent["ProgramArguments"] == [exe, "run", "--keep-running"]
    assert agent["EnvironmentVariables"] == {"NOCONTACT_HOME": str(data_dir), "NOCONTACT_SERVICE": "launchd"}
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] == {"SuccessfulExit": False}
    with pac_plist.open("rb") as handle:
        pac_agent = plistlib.load(handle)
    assert pac_agent["Label"] == "org.nocontact.pac"
    assert pac_agent["ProgramArguments"] == [exe, "pac-server", "--keep-running"]
    assert pac_agent["EnvironmentVariables"]["NOCONTACT_HOME"] == str(data_dir)
    assert pac_agent["KeepAlive"] is True  # always: it only serves a file
    if shutil.which("plutil"):
        assert subprocess.run(["plutil", "-lint", str(plist), str(pac_plist)]).returncode == 0

    runner.calls.clear()
    assert install.uninstall(data_dir, yes=True, out=said.append, run=runner) == 0
    assert runner.calls == [  # newest first, each back to exactly what it was
        ["networksetup", "-setautoproxyurl", "USB LAN", "http://corp.example/wpad.dat"],
        ["networksetup", "-setautoproxyurl", "Thunderbolt Bridge", "http://corp.example/wpad.dat"],
        ["networksetup", "-setautoproxystate", "Thunderbolt Bridge", "off"],
        ["networksetup", "-setautoproxystate", "Wi-Fi", "off"],
        ["launchctl", "bootout", "gui/501/org.nocontact.agent"],
        ["launchctl", "bootout", "gui/501/org.nocontact.pac"],
        ["security", "delete-certificate", "-t", "-Z", sha1, keychain],
    ]
    assert not plist.exists() and not pac_plist.exists() and not (home / "Library").exists()
    assert not (data_dir / "proxy.pac").exists()


def test_macos_already_trusted_and_loaded_is_left_alone(tmp_path, data_dir):
    sha1 = fingerprint((data_dir / CA_CERT).read_text())
    runner = Recorder({("security", "find-certificate"): (0, f'SHA-1 hash: {sha1}\nkeychain: "login"\n'),
                       ("networksetup", "-listallnetworkservices"): (0, "An asterisk...\nWi-Fi\n"),
                       ("networksetup", "-getautoproxyurl"): (0, f"URL: {PAC}\nEnabled: Yes\n")})
    steps = {s.id: s for s in plan(tmp_path, data_dir, PAC, "/x", "Darwin", run=runner, uid=501)}
    assert steps["keychain"].in_place and steps["networksetup:Wi-Fi"].in_place


# --- Windows: commands and registry recorded, not run here -------------------------------



@pytest.mark.parametrize("before", [{"AutoConfigURL": ("http://corp.example/wpad.dat", 1)}, {}])
def test_windows_commands_registry_and_task(tmp_path, data_dir, before):
    exe = r"C:\Users\Sam Lee\AppData\Roaming\Python\Python312\Scripts\nocontact.exe"
    registry = Registry({**before, "ProxyEnable": (0, 4)})
    refreshed = []
    runner = Recorder({("schtasks", "/Query"): (1, "ERROR: The system cannot find the file specified."),
                       ("certutil", "-user", "-verifystore"): (1, "not found")})
    ca = str(data_dir / CA_CERT)
    sha1 = fingerprint((data_dir / CA_CERT).read_text())
    xml = data_dir / "nocontact-task.xml"
    pac_xml = data_dir / "nocontact-pac-task.xml"
    assert install.install(data_dir, tmp_path, executable=exe, system="Windows", yes=True, out=lambda _: None,
                           run=runner, registry=registry, refresh=lambda: refreshed.append(1),
                           user="DESKTOP-7\\sam") == 0
    assert changes(runner.calls, ["schtasks", "/Query"], ["certutil", "-user", "-verifystore"]) == [
        ["certutil", "-user", "-addstore", "Root", ca],
        ["schtasks", "/Create", "/XML", str(pac_xml), "/TN", "nocontact-pac", "/F"],
        ["schtasks", "/Run", "/TN", "nocontact-pac"],
        ["schtasks", "/Create", "/XML", str(xml), "/TN", "nocontact", "/F"],
        ["schtasks", "/Run", "/TN", "nocontact"],
    ]
    assert registry.values["AutoConfigURL"] == (PAC, Registry.REG_SZ)
    assert refreshed == [1]
    # The task definition: UTF-16 with its BOM, as schtasks reads it, and well-formed.
    raw = xml.read_bytes()
    assert raw.startswith(b"\xff\xfe")
    task = ET.fromstring(raw)
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert task.find("t:Actions/t:Exec/t:Command", ns).text == exe
    # A task cannot set environment variables: the data directory goes on the command line.
    assert task.find("t:Actions/t:Exec/t:Arguments", ns).text == f'--home "{data_dir}" run --keep-running'
    assert task.find("t:RegistrationInfo/t:URI", ns).text == "\\nocontact"
    pac_task = ET.fromstring(pac_xml.read_bytes())
    assert pac_task.find("t:Actions/t:Exec/t:Arguments", ns).text == f'--home "{data_dir}" pac-server --keep-running'
    assert pac_task.find("t:RegistrationInfo/t:URI", ns).text == "\\nocontact-pac"
    assert task.find("t:Triggers/t:LogonTrigger/t:UserId", ns).text == "DESKTOP-7\\sam"
    assert task.find("t:Principals/t:Principal/t:LogonType", ns).text == "InteractiveToken"
    assert task.find("t:Settings/t:ExecutionTimeLimit", ns).text == "PT0S"

    runner.calls.clear()
    assert install.uninstall(data_dir, yes=True, out=lambda _: None, run=runner, registry=registry,
                             refresh=lambda: refreshed.append(2)) == 0
    assert runner.calls == [
        ["schtasks", "/End", "/TN", "nocontact"],
        ["schtasks", "/Delete", "/TN", "nocontact", "/F"],
        ["schtasks", "/End", "/TN", "nocontact-pac"],
        ["schtasks", "/Delete", "/TN", "nocontact-pac", "/F"],
        ["certutil", "-user", "-delstore", "Root", sha1],
    ]
    assert registry.values == {**before, "ProxyEnable": (0, 4)}  # exactly as before: restored, or deleted
    assert refreshed == [1, 2] and not xml.exists() and not pac_xml.exists()


def test_windows_runs_the_windowless_python_when_there_is_one(tmp_path, monkeypatch):
    # Windows cannot run here: a folder laid out like a Windows Python stands in for it.
    python = tmp_path / "Python312" / "python.exe"
    python.parent.mkdir()
    python.write_text("")
    monkeypatch.setattr(install.sys, "executable", str(python))
    assert install.find_executable("Windows") == install.find_executable("Linux")  # no pythonw.exe: as elsewhere
    (python.parent / "pythonw.exe").write_text("")
    assert install.find_executable("Windows") == [str(python.parent / "pythonw.exe"), "-m", "agent"]


def test_windows_task_without_a_nocontact_script_runs_python(data_dir):
    text = windows.task_xml([r"C:\Program Files\Python312\pythonw.exe", "-m", "agent"], "sam", Path(r"C:\nc"))
    task = ET.fromstring(text.encode("utf-16"))
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert task.find("t:Actions/t:Exec/t:Command", ns).text == r"C:\Program Files\Python312\pythonw.exe"
    assert task.find("t:Actions/t:Exec/t:Arguments", ns).text == r"-m agent --home C:\nc run --keep-running"
