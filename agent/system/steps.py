"""Install steps and the actions that do and undo them.

An action is a small typed object: `do()` changes the system, `show()` says exactly what it
does in the plan the person reads. `record()` gives it as a JSON-able dict (`{"op": ...}`),
the form in which undos are kept in the install record; the actions that know a setting of
one OS live in that OS's module.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from agent.paths import write_whole
from agent.system.account import Account


@dataclass(frozen=True)
class Action:
    op: ClassVar[str]  # its name in the install record

    def do(self, account: Account) -> str | None:
        """Carry it out; what went wrong in a few words (or an OSError), None when it worked."""
        raise NotImplementedError

    def show(self) -> str:
        raise NotImplementedError

    def record(self) -> dict:
        return {"op": self.op, **dataclasses.asdict(self)}

    @classmethod
    def from_record(cls, data: dict) -> Action:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def attempt(action: Action, account: Account) -> str | None:
    """Carry out one action; a short description of what went wrong, or None."""
    try:
        return action.do(account)
    except (OSError, ValueError) as err:
        return f"{action.show()}: {err}"


def _shell_quote(arg: str) -> str:
    """As a shell would need it; GVariant text like 'none' reads best in double quotes."""
    if "'" in arg and not any(c in arg for c in '"$`\\!'):
        return f'"{arg}"'
    return shlex.quote(arg)


@dataclass(frozen=True)
class Run(Action):
    """A command. `check`: its failure counts. A removal also has a read (`gone`) that, failing with one of
    `says` (not found, no such database), shows the thing was gone already; any other answer is reported."""
    op: ClassVar[str] = "run"
    argv: list[str]
    check: bool = True
    gone: list[str] | None = None
    says: list[str] = field(default_factory=list)

    def do(self, account: Account) -> str | None:
        code, output = account.run(list(self.argv))
        if code and self.gone:
            read, said = account.run(list(self.gone))
            if read != 0 and any(phrase in said.lower() for phrase in self.says):
                return None  # a removal whose target is already gone (a deleted profile, say): done
        if code and self.check:
            return f"{shlex.join(self.argv)} did not work (exit {code}): {output.strip()[:300]}"
        return None

    def show(self) -> str:
        return "$ " + " ".join(_shell_quote(a) for a in self.argv)

    def record(self) -> dict:
        data = {"op": self.op, "argv": list(self.argv), "check": self.check}
        return data | ({"gone": list(self.gone), "says": list(self.says)} if self.gone else {})


def run(*argv: str, check: bool = True) -> Run:
    return Run(list(argv), check)


def removal(argv: Sequence[str], gone: Sequence[str], says: Sequence[str]) -> Run:
    """Run `argv` to remove something; done already when `gone` fails saying one of `says`."""
    return Run(list(argv), True, list(gone), [s.lower() for s in says])


@dataclass(frozen=True)
class WriteFile(Action):
    """Write a file whole; content None removes it."""
    op: ClassVar[str] = "write"
    path: str
    content: str | None
    encoding: str = "utf-8"

    def do(self, account: Account) -> None:
        path = Path(self.path)
        if self.content is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_whole(path, self.content.encode(self.encoding or "utf-8"))

    def show(self) -> str:
        return f"remove {self.path}" if self.content is None else f"write {self.path}"


@dataclass(frozen=True)
class Link(Action):
    op: ClassVar[str] = "link"
    path: str
    target: str

    def do(self, account: Account) -> None:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        path.symlink_to(self.target)

    def show(self) -> str:
        return f"link {self.path} -> {self.target}"


@dataclass(frozen=True)
class MakeDir(Action):
    op: ClassVar[str] = "mkdir"
    path: str

    def do(self, account: Account) -> None:
        Path(self.path).mkdir(parents=True, exist_ok=True)

    def show(self) -> str:
        return f"create the folder {self.path}"


@dataclass(frozen=True)
class RemoveDir(Action):
    """Remove a folder, if it is empty."""
    op: ClassVar[str] = "rmdir"
    path: str

    def do(self, account: Account) -> None:
        path = Path(self.path)
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()

    def show(self) -> str:
        return f"remove the folder {self.path} if it is empty"


@dataclass(frozen=True)
class Unknown(Action):
    """An action in an install record that this version does not know (a newer nocontact wrote it)."""
    op: ClassVar[str] = "?"
    data: dict

    def do(self, account: Account) -> str:
        return f"unknown action {self.data.get('op')!r}"

    def show(self) -> str:
        return f"an action this version does not know ({self.data.get('op')!r})"

    def record(self) -> dict:
        return dict(self.data)


def decode(data: dict, kinds: Iterable[type[Action]]) -> Action:
    """An action from its record, given the kinds of action there are."""
    kind = next((k for k in kinds if k.op == data.get("op")), None)
    return Unknown(dict(data)) if kind is None else kind.from_record(data)


GENERAL = (Run, WriteFile, Link, MakeDir, RemoveDir)


@dataclass
class Step:
    id: str  # stable across runs: a repeated install skips what its record already holds
    description: str
    actions: list[Action] = field(default_factory=list)  # none: a note, said and not done
    undo: list[Action] = field(default_factory=list)
    in_place: bool = False  # already as install would leave it: nothing to do, nothing to undo
    rollback: list[Action] | None = None  # when the step does not work: what puts it back (None: the undo)

    def do(self, account: Account) -> str | None:
        """Carry out the actions up to the first that does not work, and then put the step back as it was;
        what went wrong, or None."""
        error = next((e for e in (attempt(a, account) for a in self.actions) if e), None)
        if error:
            for action in self.undo if self.rollback is None else self.rollback:
                attempt(action, account)
        return error

    def put_back(self, account: Account) -> list[str]:
        """Carry out every undo action; what went wrong."""
        return [e for e in (attempt(a, account) for a in self.undo) if e]

    def show(self, undo: bool = False) -> list[str]:
        return [a.show() for a in (self.undo if undo else self.actions)]


def note(step_id: str, text: str) -> Step:
    return Step(f"note:{step_id}", text)


def read_text(path: Path, encoding: str = "utf-8") -> str | None:
    try:
        return path.read_text(encoding=encoding)
    except (OSError, UnicodeDecodeError):
        return None


def new_dirs(path: Path) -> list[Path]:
    """The folders above `path` that do not exist yet, deepest first (to remove them again if empty)."""
    missing = []
    for parent in path.parents:
        if parent.exists():
            break
        missing.append(parent)
    return missing


def file_step(step_id: str, description: str, path: Path, content: str, encoding: str = "utf-8",
              after_undo: Sequence[Action] = ()) -> Step:
    """Write a file; the undo puts back what was there (or removes it, and the folders made for it)."""
    before = read_text(path, encoding) if path.exists() else None
    undo: list[Action] = [WriteFile(str(path), before, encoding)]
    if before is None:
        undo += [RemoveDir(str(d)) for d in new_dirs(path)]
    return Step(step_id, description, [WriteFile(str(path), content, encoding)], undo + list(after_undo),
                in_place=before == content)
