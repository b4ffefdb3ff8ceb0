"""The web lineage explorer: static assets shipped in the package, served at `/`.

The page is plain JavaScript modules, CSS and SVG built on the HTTP API; nothing is fetched
from outside the collector. Only `/` and `/ui/...` are claimed, so `/api/v1`, `/docs` and the
health routes are untouched.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles


def assets_dir() -> Path:
    """The folder holding index.html, the CSS and the JavaScript modules."""
    return Path(str(resources.files("lineage") / "ui"))


def mount(app: FastAPI) -> None:
    """Serve the explorer's page at `/` and its assets under `/ui/`."""
    folder = assets_dir()
    index = folder / "index.html"

    @app.get("/", include_in_schema=False)
    def explorer() -> FileResponse:
        """The single page; views are chosen by the URL fragment (`#/node/...`)."""
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    app.mount("/ui", StaticFiles(directory=folder), name="ui")
