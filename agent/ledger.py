"""The signed record of cooldown requests and of the config in force.

Each record carries an HMAC made with the install's secret; a record changed
outside nocontact fails the check, is set aside (never obeyed) and noted as a
guard event, so no edit in the data directory opens a window unseen.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields

from agent import secret
from agent.config import Config
from agent.cooldown import Hold
from agent.store import UrgeLog

_HOLD_FIELDS = {f.name for f in fields(Hold)}


class Ledger:
    def __init__(self, log: UrgeLog, key: bytes):
        self.log = log
        self.key = key

    def _sign(self, kind: str, data: str) -> str:
        return secret.sign(self.key, f"{kind}:{data}")

    def _verify(self, kind: str, data: str, sig: str) -> bool:
        return secret.verify(self.key, f"{kind}:{data}", sig)

    def save(self, hold: Hold, step: str | None = None) -> None:
        data = json.dumps(asdict(hold), sort_keys=True)
        self.log.save_hold(hold.id, data, self._sign("hold", data))
        if step:
            self.log.add_step(hold.id, hold.urge_id, f"{hold.kind}:{hold.name}", step)

    def holds(self) -> list[Hold]:
        found = []
        for hold_id, data, sig in self.log.load_holds():
            try:
                values = json.loads(data)
                valid = self._verify("hold", data, sig) and set(values) == _HOLD_FIELDS
            except ValueError:
                valid = False
            if not valid:
                self.log.add_event("tampered", f"cooldown request {hold_id} was changed outside nocontact; "
                                               "it was set aside")
                self.log.drop_hold(hold_id)
                continue
            found.append(Hold(**values))
        return found

    def save_config(self, config: Config) -> None:
        data = config.model_dump_json()
        self.log.put_state("config", data, self._sign("config", data))

    def config_in_force(self) -> Config | None:
        row = self.log.get_state("config")
        if row is None:
            return None
        data, sig = row
        if not self._verify("config", data, sig):
            self.log.add_event("tampered", "the record of the config in force was changed outside nocontact")
            return None
        try:
            return Config.model_validate(json.loads(data))
        except ValueError:
            return None

    def note_stop(self, waited: bool) -> None:
        """How this run ends: False from the start (a crash or a signal is no waited stop), True once
        a `nocontact stop` has waited out its cooldown. Uninstall goes ahead only on a signed True."""
        data = json.dumps({"waited": waited})
        self.log.put_state("stop", data, self._sign("stop", data))

    def stopped_after_waiting(self) -> bool:
        row = self.log.get_state("stop")
        if row is None:
            return False
        data, sig = row
        try:
            return self._verify("stop", data, sig) and json.loads(data) == {"waited": True}
        except ValueError:
            return False
