"""One set of output options for every command that prints data, declared once (as sqlite-utils does):

- `--json`: one JSON document: an array of objects, or the object itself where the command prints one thing
  (`status`, `letters show ID`);
- `--nl`: one JSON object a line (newline-delimited JSON), for `grep`, `jq -c` and line-by-line reading;
- `--csv`: a header row, then one row an object; a list or an object inside a field is written as JSON.

Without any of them a command prints words for a person. The choice is `args.output` ("json", "nl", "csv" or None).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

FORMATS = ("json", "nl", "csv")
_HELP = {
    "json": "print one JSON array (or the one object, where there is one)",
    "nl": "print one JSON object a line",
    "csv": "print CSV: a header row, then one row each",
}


def add_output_options(parser: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS,
                       after_action: bool = False) -> None:
    """Add `--json`, `--nl` and `--csv` (those of `formats`) to `parser`. For the parser of an action given after
    the command (`lists update --json`), `after_action` keeps what was given before the action."""
    group = parser.add_mutually_exclusive_group()
    for name in formats:
        group.add_argument(f"--{name}", dest="output", action="store_const", const=name, help=_HELP[name],
                           default=argparse.SUPPRESS if after_action else None)


def print_records(records: list[dict[str, Any]], output: str, fields: list[str] | None = None) -> None:
    """`records` in the format `output` names; `fields` are the CSV columns (default: the first record's keys)."""
    if output == "json":
        print(json.dumps(records, indent=2, ensure_ascii=False))
    elif output == "nl":
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
    elif output == "csv":
        columns = fields or (list(records[0]) if records else [])
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value
                          for key, value in record.items()} for record in records)
    else:
        raise ValueError(f"no such output format: {output}")


def print_one(record: dict[str, Any], output: str, fields: list[str] | None = None) -> None:
    """One thing: `--json` prints the object itself; `--nl` and `--csv` print it as they print one of many."""
    if output == "json":
        print(json.dumps(record, indent=2, ensure_ascii=False))
    else:
        print_records([record], output, fields)
