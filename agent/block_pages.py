"""What the agent answers in place of a blocked page: the gentle page, the wait page, and their buttons' tokens.

`BlockPages` is a part of `Agent` (its cooldowns, config, secret and urge log); it holds no state of its own
beyond the paths to return to, so the agent stays one object for the addon and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from agent import secret
from agent.apps import AppRule
from agent.config import Config
from agent.cooldown import CooldownError, Cooldowns, Hold
from agent.engine import categories
from agent.engine.platforms import GENERIC, PLATFORMS
from agent.engine.policy import Decision
from agent.engine.urls import normalise_host
from agent.web import answer, pages
from agent.web.answer import Answer
from agent.web.forms import form_int

LABELS = {p.name: p.label for p in (*PLATFORMS, GENERIC)} | {"search": "a web search", "phone": "a chat link"}
# How long the buttons of a page we show keep working: a block page or a wait page left open for
# an evening still works, a link found in the history the next day does not (a wait page's own
# buttons last for its wait and window on top of this).
PAGE_TOKEN_SECONDS = 6 * 3600


def target_words(decision: Decision) -> str:
    """What a blocked URL would have led to, in words safe to show (alias, never a name)."""
    if decision.person:
        return f"{decision.person} ({LABELS.get(decision.platform or '', decision.platform)})"
    if decision.category:
        category = categories.BY_KEY.get(decision.category)
        return f"{category.label if category else 'a blocked site'} ({decision.site})"
    return f"a site you chose to block ({decision.site})"


class BlockPages:
    # The agent's own, which these pages read (set by Agent.__init__).
    config: Config
    cooldowns: Cooldowns
    secret: bytes
    address: dict | None
    app_rules: list[AppRule]
    _backs: dict[int, str]  # urge id -> the path it was blocked at
    _wall: Callable[[], float]

    async def block_answer(self, decision: Decision, url: str, back: str, wants_page: bool,
                           source: str = "proxy") -> Answer:
        """Record the urge, then what to show: the gentle page, or a small JSON body for a background call.

        `url` is what the log keeps (no query string); `back` is the path to return to once a window opens;
        `source` is "proxy" for the computer, or the device's name.
        """
        urge_id, waiting = await self._record(decision, url, source)
        what = target_words(decision)
        if not wants_page:
            return Answer(403, pages.block_json(what), "json")
        host = urlsplit(url).hostname or ""  # the page's buttons work on the site they are shown on only
        return answer.page(403, pages.block_page(
            urge_id=urge_id or 0,
            token=self.token(self._close_action(urge_id), host) if urge_id else self._close_later(waiting, host),
            what=what, plan=self._plan(decision.person), help_lines=self._help_lines(),
            ask=self._ask(decision, urge_id, back, host) if urge_id else None,
            note_url=self._note_url(urge_id) if urge_id else None,
            about_person=decision.person is not None,
        ))

    def wait_answer(self, hold_id: str, token: str, host: str, note: str | None = None) -> Answer:
        """The wait asked for on a block page; once its window is open, back to where it was blocked."""
        if not self.valid_hold(hold_id, token, host):
            return answer.refused()
        self.cooldowns.tick()
        hold = self.cooldowns.holds[int(hold_id)]
        if not hold.active:
            return answer.notice("This request is no longer waiting.")
        if hold.state == "open":  # a short page first, then on to where it was paused
            return answer.page(200, pages.looked_page(
                hold_id=hold.id, token=token, back=hold.back or "/", urge_id=hold.urge_id,
                note_url=self._note_url(hold.urge_id) if hold.urge_id else None))
        return answer.page(200, pages.wait_page(
            hold_id=hold.id, token=token, what=self.describe_target(hold.kind, hold.name),
            remaining=hold.remaining, ready=hold.state == "ready", window_minutes=max(1, round(hold.window / 60)),
            plan=self._plan(hold.name if hold.kind == "person" else None), help_lines=self._help_lines(), note=note,
            reason=hold.reason, longer=self.cooldowns.longer_because(hold.kind, hold.name, hold.needed),
        ))

    def _note_url(self, urge_id: int) -> str | None:
        """The review page, opened at this urge's note form (only where the pages server runs)."""
        if not self.address or "pages" not in self.address:
            return None
        return f"{self.address['pages']}/review?note={urge_id}#urge-{urge_id}"

    # The tokens of our pages' buttons: for one action, on one host, for a while.

    def token(self, action: str, host: str, lifetime: float = PAGE_TOKEN_SECONDS) -> str:
        return secret.issue(self.secret, action, normalise_host(host.lower()), self._wall() + lifetime)

    def token_valid(self, action: str, host: str, token: str | None) -> bool:
        return secret.check(self.secret, action, normalise_host(host.lower()), token, self._wall())

    def hold_token(self, hold_id: int, host: str) -> str:
        """The wait page's token: it lasts the wait and the window, and fits this one request only (numbers
        are never given twice, and the time it was asked is signed too)."""
        hold = self.cooldowns.holds[hold_id]
        return self.token(f"hold:{hold.id}:{hold.requested!r}", host,
                          hold.remaining + hold.window + PAGE_TOKEN_SECONDS)

    def valid_hold(self, hold_id: str | None, token: str | None, host: str) -> bool:
        hold = self.cooldowns.holds.get(form_int(hold_id))
        return hold is not None and self.token_valid(f"hold:{hold.id}:{hold.requested!r}", host, token)

    def _ask(self, decision: Decision, urge_id: int, back: str, host: str) -> pages.Ask:
        """What the block page offers as its quiet second choice."""
        kind, name = self.targets(decision)[0]
        # Where to return when a window opens; kept here, not in the page (it may name the person).
        if len(self._backs) > 1000:
            self._backs.clear()
        self._backs[urge_id] = back if back.startswith("/") and not back.startswith("//") else "/"
        waiting = next((h for h in self.cooldowns.active() if h.target == (kind, name)), None)
        delay = self.cooldowns.delay_for(kind, name)
        return pages.Ask(
            kind, name, self.token(f"ask:{urge_id}:{kind}:{name}", host),
            minutes=max(1, round(delay / 60)), longer=self.cooldowns.longer_because(kind, name, delay),
            limit_reached=self.cooldowns.windows_left_today() == 0,
            waiting_id=waiting.id if waiting else None,
            waiting_token=self.hold_token(waiting.id, host) if waiting else "",
        )

    def ask_for(self, form: dict[str, str], host: str) -> Hold:
        """A request to open a target, posted from its block page on `host`."""
        urge, kind, name = form_int(form.get("urge")), form.get("kind", ""), form.get("name", "")
        if urge is None or not self.token_valid(f"ask:{urge}:{kind}:{name}", host, form.get("token")):
            raise CooldownError(answer.NOT_VALID)
        back = self._backs.get(urge, "/")
        reason = (form.get("reason") or "").strip()[:200] or None
        return self.cooldowns.request(kind, name, reason=reason, urge_id=urge, back=back)

    def describe_target(self, kind: str, name: str) -> str:
        if kind == "category":
            category = categories.BY_KEY.get(name)
            return category.plural if category else name
        if kind == "app":
            return next((r.label for r in self.app_rules if r.key == name), name)
        if kind == "barrier":
            return f"messages to {name}"
        if kind == "device":
            return f"removing the device {name}"
        return {"person": name, "site": name, "config": "the looser config", "stop": "stopping nocontact"}[kind]

    def _plan(self, alias: str | None) -> str | None:
        """The person's own plan where one is written for them, else the general one."""
        person = next((p for p in self.config.people if p.alias == alias), None)
        return (person.plan if person else None) or self.config.messages.plan

    def _help_lines(self) -> list[pages.Help]:
        return [pages.Help(h.name, h.phone, h.url) for h in self.config.messages.help]
