"""The block page's own actions, on the blocked site's origin under /.well-known/nocontact/.

close (the urge was ridden out), ask (to open the target after a wait), wait (the wait page),
cancel and open. Each acts only on a signed POST from the same origin; a GET shows only the wait.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from mitmproxy import http

from addons.responses import fail_closed, response
from agent.agent import Agent
from agent.cooldown import CooldownError
from agent.web import answer, pages
from agent.web.answer import Answer
from agent.web.forms import form_int, same_origin

DEFAULT_PORTS = {"http": 80, "https": 443}


class PageActions:
    name = "nocontact-page-actions"

    def __init__(self, agent: Agent | None = None):
        self.agent = agent  # standalone, set once the config is read

    async def request(self, flow: http.HTTPFlow) -> None:
        request = flow.request
        if flow.response or flow.error or not flow.live or not request.path.startswith(pages.PREFIX):
            return
        if self.agent.policy.watches(request.pretty_host):  # our pages live only where we answer
            with fail_closed(self.agent, flow):
                flow.response = response(await self._act(request))

    async def _act(self, request: http.Request) -> Answer:
        agent, host = self.agent, request.pretty_host  # tokens fit the host they were issued on only
        path = request.path.split("?", 1)[0]
        if path == pages.WAIT_PATH and request.method == "GET":
            return agent.wait_answer(request.query.get("id", ""), request.query.get("t", ""), host)
        form = dict(parse_qsl(request.get_text(strict=False) or "")) if request.method == "POST" else {}
        # "null": our pages send no referrer, so Chromium hides their origin.
        if not form or not same_origin(request.headers, _origin(request), null_origin=True):
            return answer.refused()
        if path == pages.CLOSE_PATH:
            urge = form_int(form.get("urge"))
            ok = urge is not None and await agent.close_urge(urge, form.get("token", ""), host)
            return answer.page(200 if ok else 403, pages.closed_page(urge if ok else 0))
        if path == pages.ASK_PATH:
            try:
                hold = agent.ask_for(form, host)
            except CooldownError as err:
                return answer.notice(str(err), 403)
            return answer.see(f"{pages.WAIT_PATH}?id={hold.id}&t={agent.hold_token(hold.id, host)}")
        if path in (pages.CANCEL_PATH, pages.OPEN_PATH) and agent.valid_hold(form.get("id"), form.get("token"), host):
            hold_id = int(form["id"])
            try:
                if path == pages.CANCEL_PATH:
                    agent.cooldowns.cancel(hold_id)
                    return answer.page(200, pages.closed_page(hold_id))
                agent.cooldowns.open(hold_id)
                # The wait page of an open window is a short page first ("You chose to look"), then on.
                return answer.see(f"{pages.WAIT_PATH}?id={hold_id}&t={form['token']}")
            except CooldownError as err:
                return agent.wait_answer(form["id"], form["token"], host, note=str(err))
        return answer.refused()


def _origin(request: http.Request) -> str:
    port = "" if request.port == DEFAULT_PORTS.get(request.scheme) else f":{request.port}"
    return f"{request.scheme}://{request.pretty_host}{port}"
