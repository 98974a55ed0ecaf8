"""Coverage of a built-in list against a reference list: `python -m bench.coverage [--category C] [REFERENCE]`.

The reference is a domain list kept outside the repository (by default the merged public dating lists in
/work/shared/data/dating_domains_union.txt, or $NOCONTACT_COVERAGE_REFERENCE). It measures the curated
list and is never a source for it: only counts are printed, never the domains the list is missing.

A reference domain counts as covered when the policy, built with that one category, blocks it as a
category site: the domain itself or a parent domain is listed. A timing of the decisions is printed too.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from agent.config import parse_config
from agent.engine.policy import Policy
from agent.lists.builtin import builtin

DEFAULT_REFERENCE = Path("/work/shared/data/dating_domains_union.txt")


def read_domains(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.strip().lower() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def run(category: str, reference: Path) -> int:
    if not reference.is_file():
        print(f"bench.coverage: no reference list at {reference}; pass one as an argument")
        return 2
    domains = read_domains(reference)
    listed = builtin(category)
    policy = Policy(parse_config(f"block: {{{category}: true}}"), lists={category: listed})
    t0 = time.perf_counter()
    covered = sum(policy.decide(f"https://{domain}/").category == category for domain in domains)
    elapsed = time.perf_counter() - t0
    print(f"bench.coverage: built-in {category} list, {len(listed):,} entries")
    print(f"reference {reference.name}: {len(domains):,} domains")
    print(f"covered: {covered:,} of {len(domains):,} ({100 * covered / max(1, len(domains)):.1f}%)")
    print(f"decided in {elapsed * 1000:.1f} ms ({elapsed / max(1, len(domains)) * 1e6:.1f} us a domain)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coverage", description=__doc__.split("\n", 1)[0])
    parser.add_argument("reference", nargs="?", type=Path,
                        default=Path(os.environ.get("NOCONTACT_COVERAGE_REFERENCE", DEFAULT_REFERENCE)))
    parser.add_argument("--category", default="dating")
    args = parser.parse_args(argv)
    return run(args.category, args.reference)


if __name__ == "__main__":
    sys.exit(main())
