"""The commands that read or change the urge log: urges (and notes), review, letters, export, wipe."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta

from tabulate import tabulate

from agent import logfile, paths, tally
from agent.commands.output import FORMATS, add_output_options, print_one, print_records
from agent.errors import UsageError, UserError
from agent.review import plural, urges_line
from agent.store import FILTERS, OUTCOMES, TRIGGERS, UrgeLog

EXPORT_FIELDS = ["id", "time", "last_time", "target", "person", "platform", "category", "site", "url", "rule",
                 "source", "outcome", "repeats", "steps", "note", "trigger", "feeling", "intensity_before",
                 "intensity_after"]
LETTER_FIELDS = ["id", "time", "urge_id", "person", "service", "subject", "text"]


def moment(text: str) -> datetime:
    """`7d`, `12h`, `30m`, `2w`, or a date like 2026-11-01 -> the moment it names."""
    match = re.fullmatch(r"(\d+)\s*([mhdw])", text.strip())
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match.group(2)]
        return datetime.now(UTC) - timedelta(**{unit: int(match.group(1))})
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a span like 7d, 12h, 30m or a date like 2026-11-01"
        ) from None
    return found if found.tzinfo else found.astimezone()


def _days_or_date(text: str) -> int | datetime:
    """`30d` -> 30 (whole local days); anything else as --since reads it."""
    match = re.fullmatch(r"(\d+)\s*d", text.strip())
    return int(match.group(1)) if match else moment(text)


def category(text: str) -> str:
    """A category as a person writes it ("people-search", "people search sites", "dating") -> its key."""
    from agent.engine.categories import CATEGORIES

    words = text.strip().lower().replace("-", " ").replace("_", " ")
    for found in CATEGORIES:
        names = (found.key, found.plural, found.label.split(" ", 1)[1])
        if words in {name.replace("-", " ").replace("_", " ") for name in names}:
            return found.key
    return text.strip()  # a list of the person's own, by its own name


def _log() -> UrgeLog:
    return UrgeLog(paths.database_path())


def _selected(args) -> list[dict]:
    """The urges the filters name (--since, --until, --person, --category, --source, --outcome), as records
    with the steps of any cooldown request made from them ("requested 05:10, cancelled 05:12")."""
    chosen = {key: getattr(args, key, None) for key in FILTERS}
    with _log() as log:
        urges = log.urges(since=args.since, until=getattr(args, "until", None), **chosen)
        steps = log.steps()
    by_urge: dict[int, list[str]] = {}
    for when, _, urge_id, _, step in steps:
        if urge_id is not None:
            local = datetime.fromisoformat(when).astimezone().strftime("%H:%M")
            by_urge.setdefault(urge_id, []).append(f"{step} {local}")
    return [u.as_json() | {"steps": ", ".join(by_urge.get(u.id, [])), "_urge": u} for u in urges]


def _print_records(records: list[dict], output: str) -> None:
    print_records([{k: v for k, v in r.items() if k != "_urge"} for r in records], output, EXPORT_FIELDS)


def cmd_urges(args) -> int:
    if getattr(args, "action", None) == "note":
        return cmd_note(args)
    records = _selected(args)
    if args.output:
        _print_records(records, args.output)
        return 0
    urges = [r["_urge"] for r in records]
    if not urges:
        print("No urges logged in this period.")
        return 0
    rows = [
        (r["id"], r["_urge"].time.astimezone().strftime("%a %d %b %H:%M"), r["target"], r["source"], r["outcome"],
         r["repeats"], r["steps"], " · ".join(str(r[k]) for k in ("trigger", "note") if r[k]) or "")
        for r in records
    ]
    print(tabulate(rows, headers=["id", "when", "what", "source", "outcome", "repeats", "asked to open", "note"]))
    print(f"\n{urges_line(urges)}")
    return 0


def cmd_note(args) -> int:
    if args.words is not None and args.text is not None:
        raise UsageError("give the note once: nocontact urges note ID \"in your words\"")
    for option, value in (("--before", args.before), ("--after", args.after)):
        if value is not None and not 0 <= value <= 10:
            raise UserError(f"{option} is how strong the urge was, a whole number from 0 to 10")
    fields = {key: value for key, value in (
        ("trigger", args.trigger), ("feeling", args.feeling), ("intensity_before", args.before),
        ("intensity_after", args.after), ("note", args.words if args.words is not None else args.text))
        if value is not None}
    if not fields:
        raise UsageError("say what to note: nocontact urges note ID \"in your words\", or --trigger, --feeling, "
                         "--before, --after")
    with _log() as log:
        try:
            found = log.add_note(args.id, **fields)
        except ValueError as err:
            raise UserError(str(err)) from None
    if not found:
        raise UserError(f"there is no urge {args.id} (nocontact urges lists them with their ids)")
    print(f"Noted on urge {args.id}.")
    return 0


def cmd_review(args) -> int:
    from agent.review import last_days, render_terminal, review_of

    now = datetime.now(UTC)
    local = now.astimezone().tzinfo
    if isinstance(args.since, int):
        since, until = last_days(args.since, now=now, tz=local)
    else:
        since, until = args.since, now
    with _log() as log:  # the log counts its urges (SQL); none is loaded
        counts, events = tally.of_log(log, since, until), log.events(since, until)
    review = review_of(counts, events, since=since, until=until, tz=local)
    print(json.dumps(review.as_json(), indent=2, ensure_ascii=False) if args.json else render_terminal(review))
    return 0


def cmd_letters(args) -> int:
    """Unsent letters: messages to the person that were held back. They are never sent anywhere."""
    if args.action in ("show", "delete") and args.id is None:
        raise UsageError(f"say which letter: nocontact letters {args.action} ID")
    with _log() as log:
        if args.action == "delete":
            if not log.delete_letter(args.id):
                raise UserError(f"there is no letter {args.id}")
            print(f"Letter {args.id} is deleted.")
            return 0
        letters = log.letters()
    if args.action == "show":
        letter = next((x for x in letters if x["id"] == args.id), None)
        if letter is None:
            raise UserError(f"there is no letter {args.id} (nocontact letters lists them)")
        if args.output:
            print_one(letter, args.output)
        else:
            when = datetime.fromisoformat(letter["time"]).astimezone().strftime("%a %d %b %Y %H:%M")
            print(f"To {letter['person']}, through {letter['service']}, {when} (held back, not sent)")
            if letter["subject"]:
                print(f"Subject: {letter['subject']}")
            print(f"\n{letter['text'] or ''}")
        return 0
    if args.output:
        print_records(letters, args.output, LETTER_FIELDS)
    elif not letters:
        print("No unsent letters.")
    else:
        rows = [(x["id"], datetime.fromisoformat(x["time"]).astimezone().strftime("%a %d %b %H:%M"), x["person"],
                 x["service"], (x["subject"] or (x["text"] or "")[:40]).replace("\n", " ")) for x in letters]
        print(tabulate(rows, headers=["id", "when", "to", "through", "about"]))
        print("\nThese were written and kept, never sent. `nocontact letters show ID` reads one.")
    return 0


def cmd_export(args) -> int:
    _print_records(_selected(args), args.output or "csv")
    return 0


def cmd_wipe(args) -> int:
    phrase = "wipe my log"
    path = paths.database_path()
    aside = logfile.set_aside_logs(path)
    if not args.yes:
        also = (f", and {plural(len(aside), 'damaged copy', 'damaged copies')} of it set aside earlier"
                if aside else "")
        print(f"This removes every urge, note and step from the log for good{also}. Your config stays.\n"
              f"Type '{phrase}' to go on: ", end="", flush=True)
        if sys.stdin.readline().strip() != phrase:
            print("Nothing was removed.")
            return 1
    # A damaged log is set aside and a fresh one started, as nocontact's own start does; then both go.
    with UrgeLog(path, mend=True) as log:
        log.wipe()
    gone = logfile.remove_set_aside(path)
    also = f" {plural(len(gone), 'damaged copy', 'damaged copies')} of it went too." if gone else ""
    print(f"The log is empty now.{also}")
    return 0


def add_commands(sub) -> None:
    """Add `urges` (with `urges note`), `review`, `letters`, `export` and `wipe` to the subparsers."""

    def with_filters(p):
        p.add_argument("--since", type=moment, default=None, metavar="SPAN", help="e.g. 7d, 12h, or a date")
        p.add_argument("--until", type=moment, default=None, metavar="SPAN", help="e.g. 1d, or a date")
        p.add_argument("--person", help="only urges about this alias")
        p.add_argument("--category", type=category, help="only this category (dating, people-search, ...)")
        p.add_argument("--source", help="only this source (proxy, process, ..., or a device's name: phone)")
        p.add_argument("--outcome", choices=OUTCOMES)
        return p

    urges = with_filters(sub.add_parser("urges", help="list the urge log, or add a note to an urge"))
    add_output_options(urges)
    urge_actions = urges.add_subparsers(dest="action", required=False, metavar="[note ID]")
    note = urge_actions.add_parser("note", help="add or change your own notes on an urge")
    note.add_argument("id", type=int, metavar="ID")
    note.add_argument("words", nargs="?", metavar="TEXT", help="what led here, or anything else, in your words")
    note.add_argument("--trigger", choices=TRIGGERS, help="what set it off")
    note.add_argument("--feeling", help="a word or two")
    note.add_argument("--before", type=int, metavar="0-10", help="how strong it was, before")
    note.add_argument("--after", type=int, metavar="0-10", help="how strong it is, after")
    note.add_argument("--text", help=argparse.SUPPRESS)  # the words, as given before they came as TEXT
    urges.set_defaults(func=cmd_urges)

    review = sub.add_parser("review", help="how it is going: urges per day and hour, ridden out, trends")
    review.add_argument("--since", type=_days_or_date, default=30, metavar="SPAN", help="e.g. 30d (default), or a date")
    review.add_argument("--json", action="store_true")
    review.set_defaults(func=cmd_review)

    letters = sub.add_parser("letters", help="messages to them that were held back, kept as unsent letters")
    letters.add_argument("action", nargs="?", choices=("list", "show", "delete"), default="list")
    letters.add_argument("id", nargs="?", type=int, metavar="ID")
    add_output_options(letters)
    letters.set_defaults(func=cmd_letters)

    export = with_filters(sub.add_parser("export", help="the log as CSV or JSON, for you or your therapist"))
    add_output_options(export)  # CSV unless asked otherwise
    export.add_argument("--format", dest="output", choices=FORMATS, help=argparse.SUPPRESS)  # as before --json
    export.set_defaults(func=cmd_export)

    wipe = sub.add_parser("wipe", help="remove the urge log for good (the config stays)")
    wipe.add_argument("--yes", action="store_true", help="do not ask to type the confirmation")
    wipe.set_defaults(func=cmd_wipe)
