"""The benchmarks run in CI at a small size: they must work and print their figures (nothing timed is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.phone import need_phone

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("bench, expect", [
    ("bench.decide", "sanity: every decision is the expected one."),
    ("bench.watcher", "share of one core at a 1 s period"),
    ("bench.proxy", "sanity: every response had the expected status"),
    ("bench.barrier", "added cost per inspected send"),
    ("bench.log", "sanity: a damaged log was set aside and a fresh one started each time."),
    ("bench.flood", "sanity: every fresh request was answered"),
    ("bench.ca", "sanity: the constrained CA refused bank.test"),
    ("bench.footprint", "sanity: the PAC service served its file"),
    ("bench.rollback", "sanity: every rollback or deletion kept the looser config waiting"),
    ("bench.lists", "sanity: every sampled listed domain is blocked after the swap"),
    ("bench.devices", "sanity: every fetch came whole, with the origin's own certificate"),
])
def test_benchmark_runs_small(bench, expect, tmp_path):
    if bench == "bench.devices":
        need_phone()  # root and wireguard-go; a failure instead of a skip in CI
    result = subprocess.run([sys.executable, "-m", bench, "--small"], cwd=ROOT, capture_output=True, text=True,
                            timeout=240, env={**__import__("os").environ, "NOCONTACT_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert expect in result.stdout
