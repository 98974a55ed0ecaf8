"""Real host firewalls (ufw, firewalld) for the tests, each in namespaces of its own: the machine's firewall is
never touched.

`UfwBox()` starts a process with `unshare --net --mount`: its network namespace has iptables/nftables rules of its
own, and its mount namespace sees a temporary copy of /etc/ufw, a copy of /etc/default/ufw without the sysctl file
and kernel modules ufw would load at `enable` (both reach outside a network namespace), and a private /run (ufw's
lock). `box.run` is a runner for Account: `ufw` runs inside both namespaces (nsenter), anything else as usual.

`FirewalldBox()` runs firewalld itself in such a pair of namespaces, on a private system D-Bus (its own
dbus-daemon, on a socket in a temporary folder) and with its permanent configuration in a temporary copy of
/etc/firewalld (`--system-config`); `box.run` gives `firewall-cmd` that bus. With no polkit on that bus, firewalld
lets root alone change it, as the tests run.

No `ip netns add`: a namespace unshare makes has no name in /run/netns and goes with its last process, so a killed
run leaves nothing behind. Both need root, unshare and nsenter (util-linux), and ufw, or firewalld and dbus-daemon;
without them a test skips, or fails when NOCONTACT_REQUIRE_WIREGUARD is set (CI), as tests/phone.py does.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from agent.system.account import run_command

REQUIRED = bool(os.environ.get("NOCONTACT_REQUIRE_WIREGUARD"))
PACKAGES = {"unshare": "util-linux", "nsenter": "util-linux", "ufw": "ufw", "firewalld": "firewalld",
            "firewall-cmd": "firewalld", "firewall-offline-cmd": "firewalld", "dbus-daemon": "dbus-daemon"}
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


class BoxError(RuntimeError):
    """The namespaces or the firewall in them could not be set up; the message says what to check."""


def need(*tools: str) -> None:
    """Skip the test unless root and `tools` are here; fail instead when NOCONTACT_REQUIRE_WIREGUARD is set."""
    reason = None
    if os.geteuid() != 0:
        reason = "a firewall in namespaces of its own needs root"
    for tool in ("unshare", "nsenter", *tools):
        if reason is None and shutil.which(tool) is None:
            reason = f"no {tool} on this machine (apt-get install --no-install-recommends {PACKAGES[tool]})"
    if reason:
        if REQUIRED:
            pytest.fail(f"a real host firewall is required here (NOCONTACT_REQUIRE_WIREGUARD is set): {reason}")
        pytest.skip(reason)


class _Box:
    """A temporary folder and the processes that hold the namespaces; always taken down again."""

    tools: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="nocontact-firewall-"))
        self.processes: list[subprocess.Popen] = []

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        for process in reversed(self.processes):  # only what this box started, by its own id
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)

    def wrap(self, argv: list[str]) -> list[str]:
        raise NotImplementedError

    def run(self, argv: list[str]) -> tuple[int, str]:
        """The runner for Account: this box's firewall tool in the box, anything else as usual."""
        return run_command(self.wrap(list(argv)) if argv and argv[0] in self.tools else list(argv))

    def __call__(self, *argv: str) -> str:
        """Run the firewall tool in the box as a person would; its output (a failure raises)."""
        code, output = self.run(list(argv))
        if code:
            raise BoxError(f"`{shlex.join(argv)}` failed in the box (exit {code}): {output}")
        return output


class UfwBox(_Box):
    tools = ("ufw",)

    def _start(self) -> None:
        etc = self.folder / "ufw"
        shutil.copytree("/etc/ufw", etc, symlinks=True)
        # Whatever ufw's defaults say, nothing that reaches outside a network namespace: no sysctl file, no modules.
        default = Path("/etc/default/ufw").read_text()
        default = re.sub(r"(?m)^IPT_SYSCTL=.*$", "IPT_SYSCTL=", default)
        default = re.sub(r"(?m)^IPT_MODULES=.*$", 'IPT_MODULES=""', default)
        (self.folder / "default-ufw").write_text(default)
        script = (f"mount --bind {shlex.quote(str(etc))} /etc/ufw && "
                  f"mount --bind {shlex.quote(str(self.folder / 'default-ufw'))} /etc/default/ufw && "
                  "mount -t tmpfs tmpfs /run && echo ready && exec sleep infinity")
        holder = subprocess.Popen(["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", script],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.processes.append(holder)
        if holder.stdout.readline().strip() != "ready":
            holder.wait(5)
            raise BoxError(f"the namespaces for ufw could not be made: {holder.stderr.read().strip()}")
        self.pid = holder.pid
        self.conf = etc / "ufw.conf"  # what /etc/ufw/ufw.conf is inside the box

    def wrap(self, argv: list[str]) -> list[str]:
        return ["nsenter", f"--target={self.pid}", "--net", "--mount", "--", *argv]

    def enable(self) -> None:
        self("ufw", "--force", "enable")


class FirewalldBox(_Box):
    tools = ("firewall-cmd", "firewall-offline-cmd")

    def _start(self) -> None:
        socket = self.folder / "bus"
        config = self.folder / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=socket))
        bus = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile",
                                "--print-address=1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.processes.append(bus)
        self.address = bus.stdout.readline().strip()
        if not self.address:
            raise BoxError(f"the private D-Bus did not start: {bus.stderr.read().strip()}")
        etc = self.folder / "etc"
        shutil.copytree("/etc/firewalld", etc, symlinks=True)
        self.log = self.folder / "firewalld.log"
        script = ("mount -t tmpfs tmpfs /run && exec firewalld --nofork --nopid --log-target console "
                  f"--system-config {shlex.quote(str(etc))}")
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "LANG": "C.UTF-8",
               "DBUS_SYSTEM_BUS_ADDRESS": self.address}
        with self.log.open("w") as log:
            self.processes.append(subprocess.Popen(["unshare", "--net", "--mount", "--propagation", "private",
                                                    "sh", "-c", script], env=env, stdout=log, stderr=log))
        self.etc = etc
        deadline = time.monotonic() + 30
        while self.run(["firewall-cmd", "--state"])[1].strip() != "running":
            if self.processes[-1].poll() is not None or time.monotonic() > deadline:
                raise BoxError(f"firewalld did not start in its namespaces: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def wrap(self, argv: list[str]) -> list[str]:
        if argv[0] == "firewall-offline-cmd":  # firewalld's files, as the box's firewalld keeps them
            return [argv[0], "--system-config", str(self.etc), *argv[1:]]
        return ["env", f"DBUS_SYSTEM_BUS_ADDRESS={self.address}", *argv]

    def stop(self) -> None:
        """Stop firewalld (its private D-Bus stays): what it keeps for its next start is in its files."""
        self.processes[-1].terminate()
        self.processes[-1].wait(15)
