"""The PAC file: only hosts that some rule can touch go through the proxy.

Generated from the compiled policy (the same sets `Policy.watches` reads), so
the browser's routing and `nocontact explain` always agree. Watched hosts get
`PROXY` with no `DIRECT` fallback: if the agent is down they fail closed, and
everything else keeps working.

The running agent also keeps a copy in the data directory (`proxy.pac`), which
the PAC service (`nocontact pac-server`) serves on its own: the routing must
outlive the agent, or a browser that cannot fetch the PAC file goes direct for
every site.
"""

from __future__ import annotations

import json
from pathlib import Path

from agent.engine.policy import Policy
from agent.paths import write_whole

PAC_PATH = "/proxy.pac"  # where the agent's pages and the PAC service serve it

TEMPLATE = """// nocontact: routes only the hosts that a rule can touch through the local proxy.
// WATCHED: domains, with their subdomains; EXACT: single hosts; ALLOWED: domains never routed.
var WATCHED = %(watched)s;
var EXACT = %(exact)s;
var ALLOWED = %(allowed)s;
function FindProxyForURL(url, host) {
  host = host.toLowerCase().replace(/\\.+$/, "");
  var watched = EXACT.hasOwnProperty(host);
  for (var name = host; ; ) {
    if (ALLOWED.hasOwnProperty(name)) return "DIRECT";
    if (WATCHED.hasOwnProperty(name)) watched = true;
    var dot = name.indexOf(".");
    if (dot < 0) break;
    name = name.substring(dot + 1);
  }
  return watched ? "%(proxy)s" : "DIRECT";
}
"""


def pac_file(policy: Policy, proxy_host: str, proxy_port: int) -> str:
    def table(domains: set[str]) -> str:
        return json.dumps(dict.fromkeys(sorted(domains), 1), separators=(",", ":"))

    return TEMPLATE % {
        "watched": table(policy.watched_domains),
        "exact": table(policy.watched_hosts),
        "allowed": table(policy.allowed_domains),
        "proxy": f"PROXY {f'[{proxy_host}]' if ':' in proxy_host else proxy_host}:{proxy_port}",  # IPv6 in brackets
    }


def direct_pac(why: str) -> str:
    """A PAC file that sends everything direct, saying why."""
    return f'// {why}: everything goes direct.\nfunction FindProxyForURL(url, host) {{\n  return "DIRECT";\n}}\n'


# Written when nocontact stops after waiting out its cooldown: the person chose to stop, so nothing is held back.
STOPPED = direct_pac("nocontact is stopped (it waited out its cooldown)")


def write_pac_file(path: Path, text: str) -> None:
    """Replace the PAC file at once (a reader never sees half of it)."""
    write_whole(path, text.encode("utf-8"))

