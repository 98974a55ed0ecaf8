"""Browser: the person's own pages in real headless Chromium: the home page and what it links, local time,
chart labels a phone can read, and text that stands out from its background in light and dark mode."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from agent.web import pages
from agent.web.pages import Ask, Help
from tests.browser.test_browser import CHROMIUM, FLAGS, _require_browser

MIN_RATIO = 4.5  # WCAG AA for text
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
READABLE_PX = 12  # the smallest chart label a phone shows readably, in CSS pixels

# Every visible text and control on the page, its colour and the background it is drawn on (the backgrounds
# of it and its ancestors, composited, as the page's CSS computes them), and their WCAG contrast ratio.
CONTRAST_JS = """
() => {
  const parse = (value) => {
    const m = value && value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const background = (el) => {
    const chain = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) chain.unshift(node);
    let colour = [255, 255, 255, 1];
    for (const node of chain) {
      const own = parse(getComputedStyle(node).backgroundColor);
      if (own && own[3] > 0) colour = over(own, colour);
    }
    return colour;
  };
  const opacity = (el) => {
    let value = 1;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      value *= Number(getComputedStyle(node).opacity);
    }
    return value;
  };
  const controls = new Set(['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA', 'SUMMARY', 'LABEL']);
  const skipped = new Set(['SCRIPT', 'STYLE', 'TITLE', 'OPTION', 'HEAD']);
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (skipped.has(el.tagName.toUpperCase()) || (el.type === 'hidden')) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || style.display === 'none' || !el.getClientRects().length) continue;
    const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const tag = el.tagName.toUpperCase();
    if (!ownText && !controls.has(tag)) continue;
    const bg = background(el);
    const isSvg = el instanceof SVGElement;
    const colour = parse(isSvg ? style.fill : style.color);
    if (!colour) continue;
    const seen = over([colour[0], colour[1], colour[2], colour[3] * opacity(el)], bg);
    const words = (el.innerText || el.textContent || el.value || el.placeholder || '').trim().slice(0, 40);
    found.push({tag, words, colour: style.color, fill: style.fill, ratio: ratio(seen, bg)});
    if (el.placeholder) {
      const hint = parse(getComputedStyle(el, '::placeholder').color);
      if (hint) found.push({tag: tag + '::placeholder', words: el.placeholder, colour: '', fill: '',
                           ratio: ratio(over(hint, bg), bg)});
    }
  }
  return found;
}
"""

# How large each chart label is drawn: its font size in the chart's own units times the chart's scale.
LABELS_JS = """
() => [...document.querySelectorAll('svg text')].map(t => {
  const svg = t.ownerSVGElement, box = svg.getBoundingClientRect(), own = t.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  return {chart: svg.getAttribute('class'), words: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale,
          left: own.left, right: own.right, top: own.top, bottom: own.bottom,
          inside: own.left >= box.left - 0.5 && own.right <= box.right + 0.5};
})
"""


@pytest.fixture(scope="module")
def chromium():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as runner:
        browser = runner.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / "screenshots"


@pytest.fixture
def home(proxy) -> str:
    """The pages server of the shared running agent."""
    return proxy.agent.address["pages"]


def opened(chromium, **options):
    context = chromium.new_context(**options)
    return context, context.new_page()


def test_the_home_page_links_the_review_the_letters_the_status_and_the_devices(chromium, home):
    context, page = opened(chromium)
    try:
        assert page.goto(home + "/").status == 200
        assert page.inner_text("h1") == "nocontact"
        for name, heading in (("Looking back", "Looking back"), ("Unsent letters", "Unsent letters"),
                              ("Status", "nocontact is running"), ("Your phone and other devices", None)):
            page.goto(home + "/")
            with page.expect_navigation() as went:
                page.get_by_role("link", name=name).click()
            assert went.value.status == 200 and page.url.startswith(home), name
            if heading is None:  # the devices page is its own
                continue
            assert page.inner_text("h1") == heading
            page.get_by_role("link", name="nocontact's home page").click()  # and back
            page.wait_for_load_state()
            assert page.url == home + "/"
    finally:
        context.close()


def test_the_status_page_says_where_it_listens_and_what_is_waiting(chromium, home, proxy):
    context, page = opened(chromium)
    try:
        page.goto(home + "/status")
        text = page.inner_text("main")
        assert f"{proxy.address[0]}:{proxy.address[1]}" in text and proxy.pac_url in text
        waiting = [h for h in proxy.agent.cooldowns.active()]
        assert ("Nothing is waiting or open." in text) == (not waiting)
    finally:
        context.close()


def test_the_letters_page_shows_local_time(chromium, home, proxy):
    letter_id = proxy.agent.urges.add_letter(None, "J", "gmail", "", "kept, not sent")
    (kept,) = [letter for letter in proxy.agent.urges.letters() if letter["id"] == letter_id]
    zone = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kathmandu"  # UTC+05:45: a time in it is never the same as in UTC
    time.tzset()
    local = datetime.fromisoformat(kept["time"]).astimezone(ZoneInfo("Asia/Kathmandu"))
    in_utc = datetime.fromisoformat(kept["time"]).astimezone(UTC)
    context, page = opened(chromium)
    try:
        page.goto(home + "/letters")
        text = page.inner_text("main")
        assert local.strftime("%a %d %b %Y, %H:%M") in text
        assert in_utc.strftime("%H:%M") not in text and "UTC" not in text
    finally:
        context.close()
        if zone is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = zone
        time.tzset()


@pytest.mark.parametrize("where", ["phone", "desktop"])
def test_chart_labels_are_readable_on_a_phone_and_on_a_desktop(chromium, home, proxy, where, artifacts):
    proxy.fetch("https://www.instagram.com/casey.lindqvist/")  # an urge, so the heatmap has its legend of hours
    options = PHONE if where == "phone" else {"viewport": {"width": 1280, "height": 900}}
    context, page = opened(chromium, **options)
    try:
        page.goto(home + "/review")
        labels = page.evaluate(LABELS_JS)
        assert {label["chart"] for label in labels} == {"days", "heatmap"}
        for label in labels:
            assert READABLE_PX <= label["px"] <= 24, label
            assert label["inside"], label
        for chart in ("days", "heatmap"):
            boxes = [label for label in labels if label["chart"] == chart]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    apart = (a["right"] <= b["left"] + 0.5 or b["right"] <= a["left"] + 0.5
                             or a["bottom"] <= b["top"] + 0.5 or b["bottom"] <= a["top"] + 0.5)
                    assert apart, (a, b)
        page.screenshot(path=str(artifacts / f"review-{where}.png"), full_page=True)
    finally:
        context.close()


def block_pages() -> dict[str, str]:
    """Each gentle page, with every part it can show."""
    help_lines = [Help("A hotline", phone="1-800-799-7233", url="https://example.org/help")]
    ask = Ask(kind="person", name="J", token="t", minutes=20)
    return {
        "block": pages.block_page(urge_id=3, token="t", what="J (Instagram)", plan="If I want to check, I text Sam",
                                  help_lines=help_lines, ask=ask, note_url="http://127.0.0.1:9/review?note=3",
                                  about_person=True),
        "wait": pages.wait_page(hold_id=1, token="t", what="J", remaining=600, ready=False, window_minutes=10,
                                plan="text Sam", help_lines=help_lines, note="a note"),
        "ready": pages.wait_page(hold_id=1, token="t", what="J", remaining=0, ready=True, window_minutes=10,
                                 plan="text Sam", help_lines=help_lines, note="a note"),
        "closed": pages.closed_page(2, "a kind word"),
        "notice": pages.notice_page("This request is no longer waiting."),
    }


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_every_text_and_button_stands_out_from_its_background(chromium, home, proxy, scheme):
    proxy.fetch("https://www.instagram.com/casey.lindqvist/")  # an urge with its row, its note form and filters
    proxy.agent.urges.add_letter(None, "J", "gmail", "a subject", "kept, not sent")
    low = []
    # The gentle pages as they are drawn, their scripts kept still (the closed page would close its tab).
    context, page = opened(chromium, color_scheme=scheme, java_script_enabled=False)
    try:
        for name, html in block_pages().items():
            page.set_content(html)
            low += [(name, found) for found in _measured(page)]
    finally:
        context.close()
    context, page = opened(chromium, color_scheme=scheme)
    try:
        for path in ("/", "/review", "/letters", "/status", "/devices"):
            page.goto(home + path)
            low += [(path, found) for found in _measured(page)]
    finally:
        context.close()
    assert not low, low


def _measured(page) -> list[dict]:
    """The texts under MIN_RATIO on the page as it is, with every <details> opened."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    found = page.evaluate(CONTRAST_JS)
    assert len(found) >= 2  # the page was measured, not empty
    return [item for item in found if item["ratio"] < MIN_RATIO]
