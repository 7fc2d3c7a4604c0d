"""The dashboard tests' browser: a real headless Chromium (Debian's `chromium`, installed with
apt-get when missing: no browser is downloaded at run time) driven by Playwright, one per
module, over the e2e stack with the demo region loaded (as `make demo` loads it)."""

import shutil
import subprocess
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.async_api import async_playwright

from deploy.demo import PRISONS
from deploy.demo_region.load import load_region
from tests.e2e.helpers import last_seq

CHROMIUM = "/usr/bin/chromium"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def ensure_chromium() -> str:
    """Debian's chromium, installed as the project installs system packages (as root)."""
    if shutil.which("chromium") is None:
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True,
                       capture_output=True)
    return shutil.which("chromium") or CHROMIUM


@dataclass
class Watch:
    """What the pages did wrong: console errors, uncaught exceptions, requests to any host
    but this machine (each is aborted and recorded)."""

    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def clean(self) -> None:
        assert not self.outside, f"requests left the machine: {self.outside}"
        assert not self.errors, f"console errors: {self.errors}"


@pytest.fixture(scope="module")
async def browser():
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=ensure_chromium(), headless=True,
                                           args=["--no-sandbox"])
        yield chromium
        await chromium.close()


async def open_context(browser, watch: Watch):
    """A fresh browser profile (its own cookies) whose every request is checked."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})

    async def guard(route):
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOOPBACK:
            await route.continue_()
        else:
            watch.outside.append(url)
            await route.abort()

    await context.route("**/*", guard)
    context.on("page", lambda page: _listen(page, watch))
    return context


def _listen(page, watch: Watch) -> None:
    page.on("console", lambda m: m.type == "error" and watch.errors.append(m.text))
    page.on("pageerror", lambda e: watch.errors.append(str(e)))


@pytest.fixture(scope="module")
async def demo(stack):
    """The demo region, loaded as `make demo` loads it (loading again writes nothing); its
    prisons, the first one with programs of several partners."""
    replies = await load_region(stack.nc)
    assert all(r["ok"] for r in replies), [r for r in replies if not r["ok"]][:3]
    await stack.caught_up(await last_seq(stack))
    return ("lapas-jember", *(p for p in PRISONS if p != "lapas-jember"))
