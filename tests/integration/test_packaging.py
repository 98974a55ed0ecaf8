"""The wheel carries the shipped config and lists, so an installed agent finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_default_config_lists_and_addon(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=240)
    (wheel,) = tmp_path.glob("nocontact-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "agent/_config/default.yaml" in names
    for category in ("dating", "social", "people_search", "viewers", "messaging"):
        assert f"agent/_config/lists/{category}.txt" in names
    assert "addons/nocontact.py" in names
    assert "agent/_config/apps.yaml" in names
    for template in ("linux/nocontact.service", "macos/org.nocontact.agent.plist", "windows/nocontact-task.xml"):
        assert f"agent/_installers/{template}" in names
    assert any(n.endswith("entry_points.txt") for n in names)
