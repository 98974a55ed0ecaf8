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

import heapq
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from agent.paths import write_whole

if TYPE_CHECKING:  # the PAC service reads the file and never builds a policy: it stays small
    from agent.engine.policy import Policy

PAC_PATH = "/proxy.pac"  # where the agent's pages and the PAC service serve it
SERVICE_PORT = 8082  # where the PAC service answers, unless told otherwise
PAC_TYPE = "application/x-ns-proxy-autoconfig"
# Sent with the PAC file by both servers. A PAC file is JavaScript: a web page could include it
# as a script and read its tables. nosniff makes the browser refuse it as a script (its type is
# not a script's), and the resource policy refuses it to every other origin. Browsers fetch
# their PAC file themselves, outside any page, and are not affected.
PAC_HEADERS = {"X-Content-Type-Options": "nosniff", "Cross-Origin-Resource-Policy": "same-origin"}

TEMPLATE = """// nocontact: routes only the hosts that a rule can touch through the local proxy.
// WATCHED: domains, with their subdomains; EXACT: single hosts; ALLOWED: parts of watched domains never routed.
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


def routing_tables(policy: Policy) -> tuple[set[str], set[str], set[str]]:
    """(watched domains, exact hosts, allowed domains) as the PAC file needs them, and no more.

    The PAC file can be read by anything on the machine, and the allow list can name a
    hotline, a shelter or a co-parenting app. Everything not watched goes direct anyway, so
    an allowed domain is written only where it carves a part out of a watched domain (the
    allow list wins there, so routing needs it; such a name is part of a watched site, not
    one of the person's own places). A watched domain or host under an allowed domain is
    left out instead of being carved out again. The routing of every host stays the same.
    """
    allowed = policy.allowed_domains
    if not allowed:
        return policy.watched_domains, policy.watched_hosts, set()

    def suffixes(host: str) -> list[str]:  # not the engine's cached one: these are list entries, asked once
        parts = host.split(".")
        return [".".join(parts[i:]) for i in range(len(parts))]

    def under_allowed(host: str) -> bool:
        return any(suffix in allowed for suffix in suffixes(host))

    watched = {domain for domain in policy.watched_domains if not under_allowed(domain)}
    exact = {host for host in policy.watched_hosts if not under_allowed(host)}
    carved = {domain for domain in allowed
              if not any(s in allowed for s in suffixes(domain)[1:])  # not under another allowed domain
              and any(s in watched for s in suffixes(domain)[1:])}
    return watched, exact, carved


_PLAIN_NAME = re.compile(r"[a-z0-9_.-]*")  # nothing in it for JSON to escape
RUN = 8192  # names sorted at a time


def table(names: set[str]) -> str:
    """`{"name":1,...}` in sorted order, the same text as one json.dumps of it, but made a name at a time: with
    subscribed lists a table holds hundreds of thousands of names, and one call that sorts or encodes them all
    holds the interpreter, and with it the proxy's event loop, for a noticeable moment (the file is made on a
    worker thread, which shares the interpreter)."""
    listed = list(names)
    runs = [sorted(listed[start:start + RUN]) for start in range(0, len(listed), RUN)]
    return "{" + ",".join(f'"{name}":1' if _PLAIN_NAME.fullmatch(name) else f"{json.dumps(name)}:1"
                          for name in heapq.merge(*runs)) + "}"


def pac_file(policy: Policy, proxy_host: str, proxy_port: int) -> str:
    watched, exact, allowed = routing_tables(policy)
    return TEMPLATE % {
        "watched": table(watched),
        "exact": table(exact),
        "allowed": table(allowed),
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

