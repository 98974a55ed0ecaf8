"""The PAC file: only hosts that some rule can touch go through the proxy.

Generated from the compiled policy (the same sets `Policy.watches` reads), so
the browser's routing and `nocontact explain` always agree. Watched hosts get
`PROXY` with no `DIRECT` fallback: if the agent is down they fail closed, and
everything else keeps working.
"""

from __future__ import annotations

import json

from agent.policy import Policy

TEMPLATE = """// nocontact: routes only the hosts that a rule can touch through the local proxy.
var WATCHED = %(watched)s;
var ALLOWED = %(allowed)s;
function FindProxyForURL(url, host) {
  host = host.toLowerCase().replace(/\\.+$/, "");
  var watched = false;
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
        "allowed": table(policy.allowed_domains),
        "proxy": f"PROXY {proxy_host}:{proxy_port}",
    }
