"""/readyz on a SQLite store whose disk is full: 503 like the writes, 200 again once freed."""

from __future__ import annotations

import asyncio
import errno
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.events import ds, run_event, schema
from tests.reliability.conftest import AppClient

# room for the store's WAL file to grow to its checkpoint size (1000 pages) and more, so the
# events before the disk is filled never meet a full disk, whatever the page size
_HEADROOM = 16 << 20


@pytest.fixture
def small_disk(tmp_path: Path, sqlite_template: Path) -> Iterator[Path]:
    """A small tmpfs holding a copy of the store: a real file system that fills up (needs
    root, as on the project box)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    size_kib = (sqlite_template.stat().st_size + _HEADROOM) >> 10
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        shutil.copy(sqlite_template, mount_point / "lineage.db")
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _event(name: str) -> dict[str, object]:
    wide = schema(*[f"column_{i}" for i in range(50)])
    return run_event(name, inputs=[ds("ns", f"in_{name}", schema=wide)])


def _fill(path: Path) -> None:
    """Take every free byte of the disk `path` is on (unbuffered: a short write takes the
    last bytes, the next one fails)."""
    with path.open("wb", buffering=0) as out:
        chunk = b"\0" * 65536
        try:
            while True:
                out.write(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc


async def _until_ready(client: httpx.AsyncClient) -> httpx.Response:
    """/readyz, asked again while it is 503 (a loaded box may take a while to recover)."""
    deadline = time.monotonic() + 60
    while (ready := await client.get("/readyz")).status_code == 503:
        assert time.monotonic() < deadline, ready.text
        await asyncio.sleep(0.1)
    return ready


async def test_readyz_is_503_when_sqlite_cannot_write(
    app_client: AppClient, small_disk: Path
) -> None:
    async with app_client(database_url=f"sqlite:///{small_disk / 'lineage.db'}") as client:
        for i in range(5):
            assert (await client.post("/api/v1/lineage", json=_event(f"a{i}"))).status_code == 201
        filler = small_disk / "filler"
        _fill(filler)
        # a write that fits in pages the WAL file already has can still pass: write until
        # one needs a new page
        statuses = []
        while 503 not in statuses and len(statuses) < 500:
            response = await client.post("/api/v1/lineage", json=_event(f"b{len(statuses)}"))
            statuses.append(response.status_code)
        assert set(statuses) <= {201, 503}
        assert statuses[-1] == 503  # what the writes answer once the disk is full
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.headers["retry-after"]) == (503, "1")
        assert ready.json()["error"] == {
            "code": "store_unavailable",
            "message": "database unavailable while checking readiness: no space left on its disk",
        }
        filler.unlink()
        assert (await _until_ready(client)).status_code == 200
        assert (await client.post("/api/v1/lineage", json=_event("c"))).status_code == 201
