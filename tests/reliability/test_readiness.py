"""/readyz on a SQLite store whose disk is full: 503 like the writes, 200 again once freed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.events import ds, run_event, schema
from tests.reliability.conftest import AppClient


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB tmpfs: a real file system that fills up (needs root, as on the project box)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _event(name: str) -> dict[str, object]:
    wide = schema(*[f"column_{i}" for i in range(50)])
    return run_event(name, inputs=[ds("ns", f"in_{name}", schema=wide)])


async def test_readyz_is_503_when_sqlite_cannot_write(
    app_client: AppClient, small_disk: Path, sqlite_template: Path
) -> None:
    shutil.copy(sqlite_template, small_disk / "lineage.db")
    async with app_client(database_url=f"sqlite:///{small_disk / 'lineage.db'}") as client:
        for i in range(5):
            assert (await client.post("/api/v1/lineage", json=_event(f"a{i}"))).status_code == 201
        filler = small_disk / "filler"
        with filler.open("wb") as out:  # take every free byte
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass
        statuses = [
            (await client.post("/api/v1/lineage", json=_event(f"b{i}"))).status_code
            for i in range(20)
        ]
        assert 503 in statuses  # what the writes answer once the disk is full
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.headers["retry-after"]) == (503, "1")
        assert ready.json()["error"] == {
            "code": "store_unavailable",
            "message": "database unavailable while checking readiness: database or disk is full",
        }
        filler.unlink()
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.post("/api/v1/lineage", json=_event("c"))).status_code == 201
