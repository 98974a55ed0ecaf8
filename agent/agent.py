"""The agent: the compiled policy, the urge log, the notifier and the secret, together.

The mitmproxy addon and the CLI talk to this object; it knows nothing of
mitmproxy. Slow work (SQLite commits) runs on one writer thread so the proxy's
event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from agent import highwater, paths, secret, watcher
from agent.apps import AppMatcher, AppRule, Process, is_child_process
from agent.barrier.barrier import Barrier, Send
from agent.block_pages import BlockPages, target_words
from agent.bounded import within
from agent.commitment import loosenings, loosens, stricter
from agent.config import Config, ConfigError, load_config, parse_config
from agent.cooldown import AUTOMATIC, CooldownError, Cooldowns, Hold
from agent.engine import categories
from agent.engine.policy import Decision, Policy
from agent.ledger import Ledger
from agent.lists.subscriptions import Subscriptions
from agent.notifier import Notifier
from agent.store import Pending, UrgeLog
from agent.tunnels import Tunnels
from agent.watcher import Watcher
from agent.web import pages

log = logging.getLogger("nocontact")

# A new block page waits this long for its urge to be written; a disk that hangs must not hang the page.
COMMIT_WAIT = 0.5


class Agent(BlockPages):
    def __init__(self, config_path: Path, *, notifier: Notifier | None = None, database: Path | None = None,
                 monotonic: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time):
        self.config_path = Path(config_path)
        try:
            text, config = self.read_config()
            problem = None
        except ConfigError as err:  # kept to see whether a last good config is on record
            text, config, problem = "", None, err
        database = Path(database or paths.database_path())
        self.notifier = notifier or Notifier()
        # The running agent's log mends itself: a damaged file is set aside, a removed one started afresh.
        self.urges = UrgeLog(database, clock=wall, mend=True, on_new_file=self._log_file_changed)
        # The secret and the commitment record are kept outside the data directory too, and the record
        # beside the log: deleting or putting back the log (or the secret) does not loosen anything.
        guard = highwater.guard_dir(database.parent)
        kept = secret.keep(paths.secret_path(), guard / "secret")
        self.secret, self._wall = kept.key, wall
        self.ledger = Ledger(self.urges, self.secret, highwater.places(database.parent), wall=wall,
                             home=str(database.parent))
        try:
            self.ledger.note_stop(False)  # running: until a stop has waited, this run has not
        except sqlite3.Error as err:  # a full disk must not keep the agent down; uninstall still asks it to run first
            log.error("The log could not note this start (%s).", type(err).__name__)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="urge-log")
        self._log_failed = False
        self._closes_later: dict[str, tuple[str, Pending]] = {}  # close token -> (its action, urge waiting for disk)
        self._backs: dict[int, str] = {}  # urge id -> the path it was blocked at
        self._app_pids: dict[str, set[int]] = {}  # barred app -> processes seen (to resume, or look at again)
        self._suspended: set[int] = set()
        self.watcher: Watcher | None = None
        self.tunnels = Tunnels(database.parent, clock=wall)  # the person's phones; the runner starts them
        begun = self.ledger.start(kept.copy_existed)
        in_force = begun.in_force
        # A config file with a mistake at start: the last good config (signed, in the log) stays in
        # force, as it would for a running agent, and the file is read again once it changes.
        self.config_problem: str | None = None
        if config is None:
            if in_force is None:  # nothing to fall back on: a first start with a mistake
                self.urges.close()
                raise problem
            config, self.config_problem = in_force, problem.where()
        self.cooldowns = Cooldowns(config.cooldown, begun.holds, monotonic=monotonic, wall=wall,
                                   on_change=self._hold_changed, next_id=begun.next_hold, opened=begun.opened)
        self.lists = Subscriptions(database.parent / "lists", wall=wall)  # the subscribed lists' copies
        self.config, self.policy = config, Policy(config, self.lists.for_policy(config))
        if self.config_problem:
            self._apply(config)  # as it was: a looser change still waiting keeps waiting
        else:
            self._adopt(config, text, in_force)
        found = "; ".join(note for note in (kept.note, begun.note) if note)
        if found:  # kept in the record as well, where deleting the log does not erase it
            try:
                self._writer.submit(self.ledger.note, "tampered", found).result()
            except (sqlite3.Error, OSError) as err:
                log.error("The log could not note what was found at start (%s).", type(err).__name__)
            self.notifier.notify(*pages.guard_text(found), target="guard:tampered")
        # Set by the runner once the proxy listens.
        self.address: dict | None = None
        self.shutdown: Callable[[], None] | None = None
        self.stopped_by_signal: int | None = None  # set when a signal, not a waited stop, ended the run

    # --- the config, and the commitment: loosening waits ------------------------

    def read_config(self) -> tuple[str, Config]:
        """The config file's text and its validated contents; ConfigError when it has a mistake."""
        config = load_config(self.config_path)
        return self.config_path.read_text(encoding="utf-8"), config

    def reload(self) -> str:
        """Read the config file again: "applied", or "pending" when it loosens and must wait.

        A bad file raises ConfigError and leaves the config in force untouched.
        """
        text, config = self.read_config()
        return self.adopt(config, text)

    def adopt(self, config: Config, text: str, policy: Policy | None = None) -> str:
        """`policy`: compiled off the loop for `config_after(config)`, used if that is still what applies."""
        return self._adopt(config, text, self.config, policy)

    def config_after(self, new: Config) -> Config:
        """What adopting `new` puts in force at once: all of it, or only what it tightens."""
        return new if self.config is None or not loosens(self.config, new) else stricter(self.config, new)

    def _adopt(self, new: Config, text: str, in_force: Config | None, policy: Policy | None = None) -> str:
        pending = next((h for h in self.cooldowns.active() if h.kind == "config"), None)
        if in_force is None or not loosens(in_force, new):
            if pending:
                self.cooldowns.cancel(pending.id)  # the looser change was taken back
            self._apply(new, policy)
            return "applied"
        self._apply(stricter(in_force, new), policy)
        what = "; ".join(loosenings(in_force, new)) or "a looser config"  # what the wait is for, in words
        if pending and (pending.payload == text or self._no_looser_than(pending, new)):
            if (pending.payload, pending.name) != (text, what):  # a later save that loosens nothing more
                self.cooldowns.revise(pending.id, what, text)  # waits on, with the time already waited
        else:
            self.cooldowns.request("config", what, payload=text)
        return "pending"

    def _no_looser_than(self, pending: Hold, new: Config) -> bool:
        """Does `new` loosen nothing beyond what the waiting config `pending` loosens?"""
        try:
            return not loosens(parse_config(pending.payload or "", str(self.config_path)), new)
        except ConfigError:
            return False

    def _apply(self, config: Config, policy: Policy | None = None) -> None:
        if policy is None or policy.config != config:  # none compiled, or for a config no longer the one
            policy = Policy(config, self.lists.for_policy(config))
        self.config, self.policy = config, policy
        self.app_rules = config.app_rules()
        self.matcher = AppMatcher(self.app_rules)
        families = config.barrier.families
        old = getattr(self, "barrier", None)
        self.barrier = Barrier(config.people, families) if families and config.people else None
        if old is not None and self.barrier is not None:
            # Ids learnt from the services' own responses (in memory only) are carried over while the
            # handle or id they were learnt through is still configured: an inbox is loaded once per
            # page, so learning afresh would leave a gap until the next load; a person removed from the
            # config takes theirs along.
            self.barrier.keep_learnt(old)
        self.cooldowns.settings = config.cooldown
        self.notifier.settings = config.notify
        self._writer.submit(self.ledger.save_config, config)

    # --- cooldowns -------------------------------------------------------------

    def _hold_changed(self, hold: Hold, step: str) -> None:
        # Ordered with every other write on the writer thread; never on the event loop.
        self._writer.submit(self.ledger.save, hold, step)
        if hold.kind == "app" and step == "opened":
            self.window_opened(hold)
        elif hold.kind == "app" and step in ("expired", "cancelled"):
            self._window_closed(hold.name)
        if hold.kind not in AUTOMATIC and step in ("opened", "expired") and hold.opened is not None:
            what = self.describe_target(hold.kind, hold.name)
            self.notifier.notify(*pages.window_text(what, step == "opened", round(hold.window / 60)),
                                 target=f"window:{hold.kind}:{hold.name}:{step}")

    def tick(self) -> None:
        """Credit waiting time; apply a looser config or a stop whose wait is over."""
        for hold in self.cooldowns.tick():
            if hold.state != "ready":
                continue
            if hold.kind == "config" and hold.payload is not None:
                try:
                    self._apply(parse_config(hold.payload, str(self.config_path)))
                    log.warning("The looser config waited out its cooldown and is now in force.")
                except ConfigError:
                    pass  # it was valid when asked for; a later edit has taken its place
                self.cooldowns.finish(hold.id)
            elif hold.kind == "device":
                self.cooldowns.finish(hold.id)
                self.tunnels.remove(hold.name)
                self.note_event("device", f"device {hold.name} was removed after waiting out its cooldown")
            elif hold.kind == "stop":
                self.cooldowns.finish(hold.id)
                self.note_event("stopped", "stopped after waiting out its cooldown")
                self._writer.submit(self.ledger.note_stop, True)  # what `nocontact uninstall` asks for
                if self.shutdown:
                    self.shutdown()

    def remove_device(self, name: str) -> Hold:
        """Removing a device is a loosening: it waits, then its listener stops and its key no longer joins."""
        if name not in self.tunnels.devices:
            raise CooldownError(f"there is no device called {name!r}")
        return self.cooldowns.request("device", name)

    def note_event(self, kind: str, detail: str) -> None:
        """A guard event: something that weakened the protection, noted calmly in the log."""
        self._writer.submit(self.urges.add_event, kind, detail)

    def guard_event(self, kind: str, detail: str) -> None:
        """A guard event the person hears about too, gently."""
        self.note_event(kind, detail)
        self.notifier.notify(*pages.guard_text(detail), target=f"guard:{kind}")

    def settle(self) -> None:
        """Wait until every write queued so far is committed."""
        self._writer.submit(lambda: None).result()

    # --- the contact barrier ---------------------------------------------------

    async def message_to_person(self, send: Send, url: str) -> bool:
        """A send to a configured person was seen: True when it must be held back.

        It goes only when a window is open for every configured person it is addressed to; it is then
        recorded as contact, apart from looks. Otherwise it is held: an urge (source message) and an
        unsent letter for each person it would have reached without a window, and a gentle note.
        """
        people = send.people or (send.person,)
        closed = [person for person in people if not self.cooldowns.is_open("barrier", person)]
        loop = asyncio.get_running_loop()
        kept = True
        for person in closed or people:
            decision = Decision(url, "block", "person", person=person, platform=send.service,
                                rule=f"barrier: {send.family}" + (" (sent in a window: contact)" if not closed else ""))
            urge_id = await self.record(decision, url, source="message" if closed else "contact", notify=False)
            if not closed:
                if urge_id is not None:
                    await loop.run_in_executor(self._writer, self.urges.set_outcome, urge_id, "overridden")
                continue
            try:
                if urge_id is None:
                    raise OSError("the log could not be written")
                await loop.run_in_executor(self._writer, self.urges.add_letter, urge_id, person, send.service,
                                           send.subject, send.text)
            except Exception as err:
                kept = False
                log.error("An unsent letter could not be kept (%s).", type(err).__name__)
        if not closed:
            return False
        # Say the words are saved only when they were.
        self.notifier.notify(*pages.held_text(kept, (self.address or {}).get("pages")), target=f"barrier:{closed[0]}")
        return True

    # --- barred apps ---------------------------------------------------------

    async def app_started(self, rule: AppRule, process: Process) -> None:
        """A barred app appeared: an urge (source process), a note, and the chosen action."""
        if self.cooldowns.is_open("app", rule.key):
            return
        self._app_pids.setdefault(rule.key, set()).add(process.pid)
        if not is_child_process(process):  # helpers of the same app are one urge
            decision = Decision(f"app:{rule.key}", "block", "category", category="app",
                                rule=f"apps: {rule.key} ({rule.action})", site=rule.key)
            urge_id = await self.record(decision, f"process:{process.name}", source="process")
            if urge_id is not None:
                self.notifier.notify(*pages.app_text(rule.label, rule.action, urge_id), target=f"app:{rule.key}")
        loop = asyncio.get_running_loop()
        if rule.action == "close":
            await loop.run_in_executor(None, watcher.close, process.pid)
        elif rule.action == "suspend" and await loop.run_in_executor(None, watcher.suspend, process.pid):
            self._suspended.add(process.pid)

    def window_opened(self, hold: Hold) -> None:
        """A window for an app: what was suspended runs again."""
        for pid in self._app_pids.get(hold.name, set()) & self._suspended:
            watcher.resume(pid)
            self._suspended.discard(pid)

    def _window_closed(self, key: str) -> None:
        # The app's processes are looked at again on the next tick, so the action applies again.
        for pid in self._app_pids.pop(key, set()):
            if self.watcher:
                self.watcher.forget(pid)

    def save_progress(self) -> None:
        """Persist the time credited so far (a restart credits from here, not from the last step)."""
        for hold in self.cooldowns.active():
            self._writer.submit(self.ledger.save, hold)

    def targets(self, decision: Decision) -> list[tuple[str, str]]:
        """The cooldown targets a blocked decision belongs to, most specific first."""
        if decision.person:
            return [("person", decision.person)]
        found = [("site", decision.site)] if decision.site else []
        return found + ([("category", decision.category)] if decision.category else [])

    def is_open(self, decision: Decision) -> bool:
        return any(self.cooldowns.is_open(kind, name) for kind, name in self.targets(decision))

    def resolve_target(self, text: str) -> tuple[str, str]:
        """An alias, a category or a site, as `explain` reports it."""
        if any(p.alias == text for p in self.config.people):
            return "person", text
        if text in categories.BY_KEY or any(sub.category == text for sub in self.config.lists):
            return "category", text
        if text.startswith("barrier:") and any(p.alias == text[len("barrier:"):] for p in self.config.people):
            return "barrier", text[len("barrier:"):]
        app = next((r for r in self.app_rules if text.casefold() in (r.key.casefold(), r.label.casefold())), None)
        if app:
            return "app", app.key
        decision = self.policy.decide(text if "/" in text or "." not in text else f"https://{text}/")
        if decision.blocked and decision.site:
            return "site", decision.site
        raise CooldownError(f"{text!r} is not blocked: name a person's alias, a category, a blocked site or a barred app")

    async def record(self, decision: Decision, url: str, source: str = "proxy", notify: bool = True) -> int | None:
        """Commit the urge (off the event loop) and notify on a new one; None if it could not be written, or
        not within COMMIT_WAIT (a hung disk: it is written when the disk answers)."""
        return (await self._record(decision, url, source, notify))[0]

    async def _record(self, decision: Decision, url: str, source: str = "proxy",
                      notify: bool = True) -> tuple[int | None, Pending | None]:
        """(urge id, None), or (None, the urge still waiting for the disk), or (None, None) when it was not kept."""
        taken, new = self.urges.take(decision, url, source)  # in memory: no disk, no thread hop
        if isinstance(taken, int):
            return taken, None
        if taken is None:  # too many urges wait for the disk already: counted, and noted once it answers
            return None, None
        if new:
            self._writer.submit(self.urges.commit, taken)
        try:
            urge_id = await within(taken.committed, COMMIT_WAIT)
        except TimeoutError:
            if new:
                log.warning("The disk is slow to answer: an urge waits in memory and is written once it does.")
                if notify:
                    self._notify_urge(decision, 0)
            return None, taken
        except Exception as err:  # a full disk or read-only log must not stop the blocking
            if not self._log_failed:
                self._log_failed = True
                log.error("The urge log could not be written (%s). Blocking goes on; nothing already logged is lost.", err)
            return None, None
        self._log_failed = False
        if new and notify:
            self._notify_urge(decision, urge_id)
        return urge_id, None

    def _notify_urge(self, decision: Decision, urge_id: int) -> None:
        kind, name = self.targets(decision)[0]
        self.notifier.notify(*pages.notification_text(target_words(decision), urge_id), target=f"{kind}:{name}")

    def _close_later(self, waiting: Pending | None, host: str) -> str:
        """A close token for a page shown before its urge was written: the close is written after the urge."""
        if waiting is None:
            return ""
        if len(self._closes_later) > 1000:
            self._closes_later.clear()
        action = f"close:later:{id(waiting)}:{waiting.time!r}"
        token = self.token(action, host)
        self._closes_later[token] = (action, waiting)
        return token

    def _close_action(self, urge_id: int) -> str:
        """Closing urge `urge_id` of this log file (a fresh file numbers from 1 again)."""
        return f"close:{self.urges.began}:{urge_id}"

    def _log_file_changed(self, kind: str, detail: str) -> None:
        """The log's file was damaged and set aside, or removed: a fresh one took its place (on the writer)."""
        self.notifier.notify(*pages.guard_text(detail), target=f"guard:{kind}")

    async def close_urge(self, urge_id: int, token: str, host: str) -> bool:
        """The person chose "Close - I'm OK" on a page on `host`: record the urge as ridden out."""
        later = self._closes_later.get(token) if urge_id == 0 else None
        if later and self.token_valid(later[0], host, token):
            del self._closes_later[token]
            waiting = later[1]
            # After the urge's own commit, on the same writer: its id is known by then.
            self._writer.submit(lambda: waiting.committed.exception() is None
                                and self.urges.set_outcome(waiting.committed.result(), "closed"))
            return True
        if not self.token_valid(self._close_action(urge_id), host, token):
            return False
        try:
            return await within(self._writer.submit(self.urges.set_outcome, urge_id, "closed"), COMMIT_WAIT)
        except TimeoutError:
            return True  # written when the disk answers
        except Exception as err:
            log.error("The urge log could not be written (%s).", err)
            return False

    async def flush(self) -> None:
        """Write repeats counted in memory, and notice a removed log (called each second by the runner)."""
        try:
            await asyncio.get_running_loop().run_in_executor(self._writer, self.urges.flush)
        except Exception as err:
            log.debug("Repeats could not be written yet (%s).", err)

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self.notifier.close()
        self.urges.close()

