"""The one kind of error whose message is for the person: what is wrong, and what to do about it.

The config's mistakes, a cooldown that cannot be granted yet, a URL that cannot be read, a command
given the wrong way: each subclasses `UserError`, so a caller (the CLI, a page) shows `str(err)` as it
is and nothing more. A ValueError, so code that checks what it was handed still catches these.
"""

from __future__ import annotations


class UserError(ValueError):
    """Something the person can put right or should know; `str()` is the message for them."""


class UsageError(UserError):
    """A command given the wrong way: the CLI shows its usage and exits with 2."""
