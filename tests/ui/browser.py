"""A real collector subprocess and Debian's headless Chromium, shared by the UI tests and
the render benchmark (benchmarks/ui_render.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import Server

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "apt-get update && apt-get install -y chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def collector(database: Path) -> Iterator[str]:
    """`lineage serve` on a SQLite file; yields its base URL and stops it afterwards."""
    server = Server(f"sqlite:///{database}").start().wait_ready()
    try:
        yield server.url
    finally:
        server.stop()


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install it with `{INSTALL_HINT}`")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
