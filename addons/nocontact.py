"""The nocontact mitmproxy addons, around one agent.

Embedded by `nocontact run`, or on its own:

    mitmdump -s addons/nocontact.py [--set nocontact_config=PATH]

Each addon has one job: Passthrough (which connections are looked into: only those where a name
is under some rule are decrypted, and a stream that is neither TLS nor HTTP to such a host is
closed), PageActions (the block page's own actions), Block (the gentle page or a JSON 403, after
the urge is committed; a blocked request never reaches the origin) and SendHold (messages to the
person are held back). They answer in that order; one that answers ends the request's way for the
others. DeviceGuard has the last word on connections from the person's phones (devices.py). Every decision is made on each name a connection involves (the CONNECT target, the TLS
SNI, the URL, every Host header): see names.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import agent  # noqa: F401
except ImportError:  # run from a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mitmproxy import ctx, exceptions

from addons.block import Block
from addons.devices import DeviceGuard
from addons.page_actions import PageActions
from addons.passthrough import Passthrough
from addons.send_hold import SendHold
from agent import paths
from agent.agent import Agent
from agent.config import ConfigError


class NoContact:
    """The addons (mitmproxy runs an addon's `addons` too) sharing one agent.

    Given no agent (`mitmdump -s`), it makes one from the `nocontact_config` option, and closes it when done.
    """

    def __init__(self, agent: Agent | None = None):
        self.agent = agent
        self.standalone = agent is None
        self.addons = [Passthrough(agent), DeviceGuard(agent), PageActions(agent), Block(agent), SendHold(agent)]

    def load(self, loader) -> None:
        loader.add_option(
            "nocontact_config", str, "",
            "The nocontact config file (default: config.yaml in the nocontact data directory).",
        )

    def configure(self, updated: set[str]) -> None:
        if not self.standalone or not ({"nocontact_config"} & updated or self.agent is None):
            return
        path = Path(ctx.options.nocontact_config) if ctx.options.nocontact_config else paths.config_path()
        try:
            new = Agent(path)
        except ConfigError as err:
            raise exceptions.OptionsError(str(err)) from None
        if self.agent:
            self.agent.close()
        self.agent = new
        for addon in self.addons:
            addon.agent = new

    def done(self) -> None:
        if self.standalone and self.agent:
            self.agent.close()


addons = [NoContact()]
