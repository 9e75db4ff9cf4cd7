"""The browser harness of the front-end tests: Debian's Chromium under Playwright, a tab that records what it did.

Chromium comes from apt (`make test` installs it) and is launched from /usr/bin/chromium; no browser is ever
downloaded. Without it (or without the playwright package) the browser tests fail with the reason under CI and skip
with the reason elsewhere. Screenshots are written to var/artefacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = ROOT / "var" / "artefacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # npm, pinned by package-lock.json (`make test` installs it)
TIMEOUT_MS = 20_000

# Records, at the moment each happens, every answer phase change and what the answer showed at that moment.
PHASE_RECORDER = """
window.__phases = [];
document.addEventListener("tipkb:phase", (event) => {
  const el = event.target;
  window.__phases.push({
    phase: event.detail.phase,
    sources: el.querySelectorAll(".sources__item").length,
    cards: el.querySelectorAll(".project-card").length,
    markers: el.querySelectorAll(".message__body button.cite").length,
  });
});
"""


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_browser() -> None:
    """Fail (under CI) or skip (elsewhere) with the reason why the browser tests cannot run."""
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the `playwright` package is missing (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (apt-get install -y chromium; `make test` installs it)")
    if problems:
        message = "browser tests cannot run: " + "; ".join(problems)
        if _ci():
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Tab:
    """A page plus what it did: every request URL, uncaught script errors and opened dialogs."""

    page: Any
    base_url: str
    requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.page.wait_for_function("() => document.body.dataset.ready !== undefined", timeout=TIMEOUT_MS)

    def ask(self, question: str) -> Any:
        """Type a question, press Enter, wait for the answer; returns the answer element's locator."""
        before = self.page.locator(".turn").count()
        self.page.get_by_label("Your question").fill(question)
        self.page.get_by_label("Your question").press("Enter")
        answer = self.page.locator(".turn").nth(before).locator(".message--answer")
        answer.and_(self.page.locator('[data-phase="done"], [data-phase="error"]')).wait_for(timeout=TIMEOUT_MS)
        return answer

    def api_calls(self, path: str) -> list[str]:
        return [url for url in self.requests if urlsplit(url).path == path]

    def screenshot(self, name: str, *, full_page: bool = True) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def open_tab(browser: Any, base_url: str, *, width: int = 1280, height: int = 900) -> tuple[Any, Tab]:
    context = browser.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(PHASE_RECORDER)
    page = context.new_page()
    tab = Tab(page, base_url)
    page.on("request", lambda request: tab.requests.append(request.url))
    page.on("pageerror", lambda error: tab.page_errors.append(str(error)))

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return context, tab


def check_clean(tab: Tab) -> None:
    assert tab.page_errors == [], f"uncaught script errors: {tab.page_errors}"
    foreign = [url for url in tab.requests if not url.startswith((tab.base_url, "data:"))]
    assert foreign == [], f"the page must work offline, but it requested {foreign}"


def check_accessible(tab: Tab, *, context: str | None = None) -> None:
    """Run axe-core (WCAG 2.x A and AA rules) in the page as it is now; fail on any serious or critical violation.

    axe is evaluated through the DevTools protocol, not added as a <script>, so the page's CSP stays as served.
    Under CI a missing axe-core fails; elsewhere it skips with the reason.
    """
    if not AXE.exists():
        message = f"accessibility checks cannot run: {AXE} is missing (npm ci; `make test` installs it)"
        if _ci():
            pytest.fail(message)
        pytest.skip(message)
    if not tab.page.evaluate("() => typeof window.axe !== 'undefined'"):
        tab.page.evaluate(AXE.read_text(encoding="utf-8"))
    result = tab.page.evaluate(
        """async (selector) => {
          const scope = selector ? document.querySelector(selector) : document;
          const result = await window.axe.run(scope, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
          });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                          targets: v.nodes.slice(0, 5).map((n) => n.target.join(" "))}));
        }""",
        context,
    )
    assert result == [], f"accessibility violations (serious or critical) at {tab.page.url}: {result}"
