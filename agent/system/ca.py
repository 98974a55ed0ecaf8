"""This install's certificate authority: where it is, making it, and telling certificates apart."""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from agent import ca
from agent.config import Config, ConfigError, load_config
from agent.paths import ca_dir, default_config
from agent.system.account import Account
from agent.system.steps import Action, read_text

CA_CERT = Path("ca") / ca.CERT_FILE  # inside the data directory


def config_of(data_dir: Path) -> Config:
    """The config in `data_dir` (the shipped default if there is none yet), for the CA's reach."""
    path = data_dir / "config.yaml"
    try:
        return load_config(path if path.exists() else default_config())
    except ConfigError as err:
        raise ConfigError(f"the config has a mistake ({err.where()}); `nocontact check` shows what to fix, "
                          "and the CA is made once it is fixed") from None


def ensure_ca(data_dir: Path, config: Config | None = None) -> Path:
    """This install's CA, made for the config in `data_dir` if it does not exist yet."""
    folder = ca_dir(data_dir)
    if not (folder / ca.KEY_FILE).exists():
        ca.ensure(folder, config or config_of(data_dir))
    return data_dir / CA_CERT


def ca_pem(data_dir: Path) -> str | None:
    return read_text(data_dir / CA_CERT)


def fingerprint(pem: str | None) -> str:
    """SHA-1 of the certificate, upper-case hex, as `security` and Windows' certutil name it."""
    if pem is None:
        return "<SHA-1 of the new CA>"
    return hashlib.sha1(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()


def same_cert(pem_a: str | None, pem_b: str | None) -> bool:
    try:
        return bool(pem_a and pem_b) and ssl.PEM_cert_to_DER_cert(pem_a.strip()) == ssl.PEM_cert_to_DER_cert(
            pem_b.strip())
    except ValueError:
        return False


@dataclass(frozen=True)
class CreateCA(Action):
    op: ClassVar[str] = "ca"
    dir: str  # the CA's folder, inside the data directory

    def do(self, account: Account) -> None:
        ensure_ca(Path(self.dir).parent)

    def show(self) -> str:
        return f"create this install's certificate authority in {self.dir}"
