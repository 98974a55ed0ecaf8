"""`nocontact run`: mitmproxy embedded, the pages server, and the config watcher, in one loop."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
from mitmproxy import ctx, exceptions, options
from mitmproxy.tools.dump import DumpMaster

from addons.devices import ResolverAfterUs
from addons.leaf_names import NamesOnly
from addons.nocontact import NoContact
from agent import ca, paths, state
from agent.agent import Agent
from agent.config import ConfigError
from agent.device_runner import run_devices
from agent.engine.policy import Policy
from agent.lists.builtin import builtin_lists
from agent.lists.subscriptions import keep_lists
from agent.system.install import fetch_local, repoint
from agent.system.record import installed_pac_url
from agent.system.sysproxy import ProxyWatch
from agent.watcher import Watcher
from agent.web.pac import PAC_PATH, STOPPED, pac_file, write_pac_file
from agent.web.pages import ca_outside_text, config_kept_text
from agent.web.server import PagesServer

log = logging.getLogger("nocontact")

CONFIG_POLL_SECONDS = 2.0
OUTSIDE_TOLD = "outside-told"  # in the CA's folder: how many sites outside it the person was last told of


class Ready:
    """Signals once the proxy listens; starts what needs the real port."""

    def __init__(self, on_ready: Callable[[tuple[str, int]], None]):
        self.on_ready = on_ready

    def running(self) -> None:
        addrs = ctx.master.addons.get("proxyserver").listen_addrs()
        self.on_ready(addrs[0][:2])


def build_master(agent: Agent, host: str, port: int, sets: list[str], confdir: Path) -> DumpMaster:
    opts = options.Options(listen_host=host, listen_port=port, confdir=str(confdir))
    master = DumpMaster(opts, with_termlog=True, with_dumper=False)
    master.addons.remove(master.addons.get("dnsresolver"))
    master.addons.remove(master.addons.get("tlsconfig"))
    # Our DNS answers for devices come first; leaves carry names only, as the CA's constraints want.
    master.addons.add(NoContact(agent), ResolverAfterUs(), NamesOnly())
    # lazy: a blocked host is never contacted upstream (no DNS, no TCP). No names copied from the upstream
    # certificate: a leaf carries only the name asked for, which the CA's name constraints allow.
    opts.update(connection_strategy="lazy", upstream_cert=False, termlog_verbosity="warn")
    if sets:
        try:
            opts.set(*sets)
        except exceptions.OptionsError as err:
            raise ConfigError(f"--set: {err}") from None
    return master


# Repeats counted in memory are written each second (a commit, a few ms, only when some came), so a kill
# loses at most a second of them; the same look notices a removed log.
FLUSH_SECONDS = 1.0
TICK_SECONDS = 1.0
SAVE_EVERY_TICKS = 10


async def keep_time(agent: Agent) -> None:
    """Credit cooldown waits each second; save the credit now and then (a restart resumes from it)."""
    ticks = 0
    while True:
        await asyncio.sleep(TICK_SECONDS)
        agent.tick()
        ticks += 1
        if ticks % SAVE_EVERY_TICKS == 0:
            agent.save_progress()


async def flush_repeats(agent: Agent) -> None:
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        await agent.flush()


WATCHDOG_SECONDS = 0.5  # a listener that stopped shows in its state: a look costs nothing
PROBE_SECONDS = 15.0  # a connection to the proxy costs it a little work, so it is tried less often


async def _answers(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
    except (OSError, TimeoutError):
        return False
    writer.close()
    return True


async def watch_proxy(agent: Agent, master) -> None:
    """Guard the guard: if the proxy stops, note it and bring it back (within about 2 s; within about
    PROBE_SECONDS when its listener is still there but no longer answers)."""
    while agent.address is None:
        await asyncio.sleep(WATCHDOG_SECONDS)
    host, port = agent.address["proxy"].rsplit(":", 1)
    # A restart must come back on the same port, also when the first start chose a free one.
    master.options.update(listen_port=int(port))
    proxyserver = master.addons.get("proxyserver")
    probed = asyncio.get_running_loop().time()
    while True:
        await asyncio.sleep(WATCHDOG_SECONDS)
        # The computer's own proxy: a device's listener that cannot start is said apart (run_devices).
        own = [instance for instance in proxyserver.servers if instance.mode.type_name != "wireguard"]
        running = all(instance.is_running for instance in own) and len(own)
        if running and asyncio.get_running_loop().time() - probed < PROBE_SECONDS:
            continue
        probed = asyncio.get_running_loop().time()
        if running and await _answers(host, int(port)):
            continue
        log.warning("The proxy stopped answering; starting it again.")
        agent.guard_event("proxy", "the proxy stopped answering and was started again")
        await proxyserver.servers.update([])  # drop what is left of the old listener
        await proxyserver.setup_servers()


async def keep_running(job, agent: Agent) -> None:
    """Run a background job; if it fails, say so (the kind of error only) and start it again."""
    while True:
        try:
            await job(agent)
            return
        except asyncio.CancelledError:
            raise
        except Exception as err:
            log.error("A background task of nocontact stopped (%s); starting it again.", type(err).__name__)
            await asyncio.sleep(1)


BYPASS_ONLY_SECONDS = 5.0


async def watch_processes(agent: Agent) -> None:
    """Each period, look at the processes that appeared; bar what the person chose to bar.

    With no app barred, only browsers started around the proxy are looked for: they run for long, so
    a look every few seconds notices them, and far fewer short-lived processes are read meanwhile.
    """
    agent.watcher = Watcher(agent.matcher, lambda host: agent.policy.watches(host), own_pid=os.getpid())
    reported: set[int] = set()
    while True:
        agent.watcher.matcher = agent.matcher  # the config may have changed
        found = await asyncio.to_thread(agent.watcher.scan)
        for rule, process in found.apps:
            await agent.app_started(rule, process)
        for process, what in found.bypasses:
            if process.pid not in reported:
                reported.add(process.pid)
                agent.guard_event("bypass", f"{process.name} was {what}")
        period = agent.config.watcher.period
        await asyncio.sleep(period if agent.matcher.rules else max(period, BYPASS_ONLY_SECONDS))


SYSTEM_PROXY_SECONDS = 30.0


async def watch_system_proxy(agent: Agent, data_dir: Path) -> None:
    """Note when a system proxy setting that pointed at the agent stops doing so, or the PAC service stops.

    Either way browsers go direct for every site, with the agent itself still running.
    """
    while agent.address is None:
        await asyncio.sleep(0.2)
    installed = await asyncio.to_thread(installed_pac_url, data_dir)
    watch = ProxyWatch({agent.address["pac_url"], installed} - {None}, agent.address["proxy"])
    answered = False
    while True:
        for source in await asyncio.to_thread(watch.check):
            agent.guard_event("proxy_setting", f"the {source} proxy setting no longer points at nocontact")
        if installed:
            answers = (await asyncio.to_thread(fetch_local, installed)).startswith("// nocontact")
            if answered and not answers:
                agent.guard_event("pac_service", "the PAC service stopped answering, so browsers go direct")
            answered = answers
        await asyncio.sleep(SYSTEM_PROXY_SECONDS)


PAC_FILE_SECONDS = 2.0


async def keep_pac_file(agent: Agent, path: Path, pointer: ThreadPoolExecutor) -> None:
    """Keep the data directory's PAC file (served by the PAC service) in step with the policy in force.

    Written again when the policy changes (a reload, a looser config that waited) and when the
    file was changed or removed by anything else.
    """
    while agent.address is None:
        await asyncio.sleep(0.2)
    host, port = agent.address["proxy"].rsplit(":", 1)
    written: tuple | None = None
    pointed: str | None = None
    while True:
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            stamp = None
        policy = agent.policy
        if written != (policy, stamp):
            # Made on a worker thread: with subscribed lists it can hold hundreds of thousands of domains.
            text = await asyncio.to_thread(pac_file, policy, host, int(port))
            # Written on the loop: no write is still going when a stop writes its own.
            write_pac_file(path, text)
            written = (policy, path.stat().st_mtime_ns)
            # On one thread of its own, which a stop waits for: no late pointing can follow the stop's own.
            pointed = await asyncio.get_running_loop().run_in_executor(pointer, point_browsers_at, path.parent, text,
                                                                       pointed)
        await asyncio.sleep(PAC_FILE_SECONDS)


def point_browsers_at(data_dir: Path, text: str, pointed: str | None = None) -> str | None:
    """Point the system settings install made at this version of the PAC file; the address pointed at.

    Browsers keep a PAC file for hours unless its address changes, so each new content gets its own
    `?v=`: the settings change, and browsers fetch the file again at once.
    """
    base = installed_pac_url(data_dir)
    if not base:
        return pointed
    url = f"{base.split('?', 1)[0]}?v={hashlib.sha256(text.encode()).hexdigest()[:10]}"
    if url != pointed:
        repoint(data_dir, url)
    return url


async def watch_config(agent: Agent) -> None:
    """Reload the config when its file changes; a bad one keeps the last good one."""
    def stamp() -> float | None:
        try:
            return agent.config_path.stat().st_mtime_ns
        except OSError:
            return None

    seen = stamp()
    while True:
        await asyncio.sleep(CONFIG_POLL_SECONDS)
        now = stamp()
        if now == seen:
            continue
        seen = now
        try:
            # Reading and checking the file, and compiling the policy it puts in force (long with big lists),
            # happen off the loop; adopting it on the loop, beside the proxy. A list that changed meanwhile
            # makes adopt compile again, with the lists as they are now.
            text, config = await asyncio.to_thread(agent.read_config)
            planned, lists_seen = agent.config_after(config), agent.lists.changes
            policy = await asyncio.to_thread(Policy, planned, agent.lists.for_policy(planned))
            outcome = agent.adopt(config, text, policy if agent.lists.changes == lists_seen else None)
            agent.config_problem = None
            if outcome == "pending":
                log.warning("The config was changed to loosen a rule. The stricter part applies now; the looser part "
                            "waits out the cooldown (`nocontact status` shows when).")
            else:
                log.warning("Config reloaded.")
            if agent.address:
                await asyncio.to_thread(say_outside, agent, Path(agent.address["ca_cert"]).parent)
        except ConfigError as err:
            # Where, not what: the log may leave the data directory (journald), the values must not.
            log.warning("The changed config has a mistake (%s), so the last good one stays in force. "
                        "`nocontact check` shows what to fix.", err.where())
            # Run as a service, nobody reads that log: a gentle note too, once for each mistake.
            if agent.config_problem != err.where():
                agent.notifier.notify(*config_kept_text(), target="config")
            agent.config_problem = err.where()


CA_POLL_SECONDS = 2.0


async def watch_ca(master, confdir: Path) -> None:
    """Sign with a new CA as soon as `nocontact ca rotate` puts one in place: no restart is needed."""
    def stamp() -> tuple[int, int] | None:
        try:
            found = (confdir / ca.KEY_FILE).stat()
        except OSError:
            return None
        return found.st_ino, found.st_mtime_ns

    seen = stamp()
    while True:
        await asyncio.sleep(CA_POLL_SECONDS)
        now = stamp()
        if now is None or now == seen:  # None: never let mitmproxy make a CA of its own in the gap
            continue
        seen = now
        master.addons.get("tlsconfig").configure({"confdir"})  # reads the CA files again
        log.warning("A new CA is in place: new connections use it.")


def say_outside(agent: Agent, confdir: Path) -> None:
    """Say when the config watches sites this install's CA cannot vouch for (how many, never which): in the log
    each time, and in one gentle notification whenever there are more of them than were last told."""
    cert = ca.load_cert(confdir)
    # What a rotation can cover, as `nocontact ca` counts it: subscribed lists stay outside any CA (README).
    policy = Policy(agent.config, builtin_lists(agent.config.block.categories))
    found = ca.outside(policy, ca.reach(cert)) if cert else []
    told_file = confdir / OUTSIDE_TOLD
    try:
        told = max(0, int(told_file.read_text(encoding="ascii").strip() or 0))
    except (OSError, ValueError):
        told = 0
    # Told once it is said (not while quiet hours hold it back), or where notifications are off.
    said = len(found) > told and (agent.notifier.notify(*ca_outside_text(len(found)), target="guard:ca-outside")
                                  or not agent.notifier.enabled)
    if said or len(found) < told:
        try:
            paths.write_whole(told_file, str(len(found)).encode())
        except OSError:  # a full or read-only disk: told again next time, nothing worse
            pass
    if found:
        log.warning("%d watched %s outside what this install's CA can vouch for: a blocked one is refused (with a "
                    "notification) instead of showing the gentle page, the rest pass unread. `nocontact ca` lists "
                    "them; `nocontact ca rotate` widens the CA.", len(found),
                    "site is" if len(found) == 1 else "sites are")


async def serve(
    agent: Agent, host: str, port: int, pages_port: int | None, sets: list[str],
    announce: Callable[[str], None] = print, extra_addons: tuple = (), pac_path: Path | None = None,
    confdir: Path | None = None,
) -> bool:
    """Run until stopped; True when the stop waited out its cooldown.

    `pac_path`: where to keep the PAC file for the PAC service (the data directory's). `confdir`: the CA's
    folder (the data directory's `ca/`).
    """
    pac_path = paths.pac_path() if pac_path is None else pac_path
    confdir = paths.ca_dir() if confdir is None else confdir
    ca.ensure(confdir, agent.config)  # before mitmproxy would make a CA that can vouch for every site
    say_outside(agent, confdir)
    master = build_master(agent, host, port, sets, confdir)
    master.addons.add(*extra_addons)
    pages: PagesServer | None = None
    data_dir = paths.home()

    def on_ready(address: tuple[str, int]) -> None:
        nonlocal pages
        proxy_host = "127.0.0.1" if address[0] in ("0.0.0.0", "::", "") else address[0]
        wanted = pages_port if pages_port is not None else (address[1] + 1 if port else 0)
        pages = PagesServer(agent, proxy_host, wanted, proxy_host, address[1], loop=asyncio.get_running_loop())
        pages.start()
        paths.secure_ca(confdir)  # mitmproxy has just made the CA on a first start
        info = state.State(
            pid=os.getpid(),
            started=psutil.Process().create_time(),  # tells this process from a later one with its pid
            proxy=f"{proxy_host}:{address[1]}",
            pac_url=f"http://{proxy_host}:{pages.port}{PAC_PATH}",
            pages=f"http://{proxy_host}:{pages.port}",
            ca_cert=str(confdir / "mitmproxy-ca-cert.pem"),
            config=str(agent.config_path),
        )
        state.write(data_dir, info)
        agent.address = info.as_dict()
        announce(
            "nocontact is running.\n"
            f"  proxy   {info.proxy}\n  PAC     {info.pac_url}\n  CA      {info.ca_cert}\n"
            "Stop with Ctrl+C."
        )

    master.addons.add(Ready(on_ready))
    waited = False

    def stop_after_waiting() -> None:
        nonlocal waited
        waited = True
        master.shutdown()

    agent.shutdown = stop_after_waiting
    loop = asyncio.get_running_loop()
    def stop_by_signal(number: int) -> None:
        # A signal cannot wait out a cooldown; it is noted so the review shows it.
        agent.note_event("stopped", "stopped at once by a signal (Ctrl+C, or the service being stopped)")
        agent.stopped_by_signal = number
        master.shutdown()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop_by_signal, int(sig))
        except (NotImplementedError, RuntimeError):
            pass  # Windows, or not the main thread (tests)
    pointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nocontact-pac")
    jobs = [lambda agent: keep_pac_file(agent, pac_path, pointer), watch_config, flush_repeats, keep_time,
            lambda agent: watch_system_proxy(agent, pac_path.parent), watch_processes,
            lambda agent: watch_proxy(agent, master), lambda agent: watch_ca(master, confdir), keep_lists]
    jobs.append(lambda agent: run_devices(agent, master))
    background = [asyncio.create_task(keep_running(job, agent)) for job in jobs]
    try:
        await master.run()
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        pointer.shutdown(wait=True)
        if pages:
            pages.stop()
        state.remove(data_dir)
        if waited:  # the person waited to stop it: nothing is held back until it runs again
            write_pac_file(pac_path, STOPPED)
            point_browsers_at(pac_path.parent, STOPPED)
        # Any other end (a signal, a crash) leaves the PAC file as it is: watched sites fail closed
        # until the service manager has started the agent again, and everything else goes on.
    return waited
