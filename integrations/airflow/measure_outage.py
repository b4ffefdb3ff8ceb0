"""Measure what a collector outage costs a DAG run, with default and recommended transports.

Scenarios (each runs ``warehouse_build``, 5 tasks + 1 query child, 13 events, with
``airflow dags test`` in a fresh AIRFLOW_HOME):

* ``up``: a real collector (``lineage serve`` of the project venv, or ``--up-url``);
* ``refused``: nothing listens on the port (connection refused at once);
* ``blackhole``: a socket that completes TCP handshakes but never reads or answers (a hung
  collector, a stuck proxy): every request waits for its timeout.

and two transports: ``recommended`` (airflow.env: timeout 2 s, no retries) and ``default``
(type/url/endpoint only: openlineage-python's 5 s timeout and 5 retries with backoff).

    python integrations/airflow/measure_outage.py --work-dir /tmp/outage \
        [--scenario up --scenario refused ...] [--transport recommended ...] [--dag DAG]
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_examples

SCENARIOS = ("up", "refused", "blackhole")
TRANSPORTS = ("recommended", "default")


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Blackhole:
    """A listening socket that never accepts: connects succeed, requests are never answered."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        """Stop listening."""
        self.sock.close()


class Collector:
    """``lineage serve`` on a temporary SQLite database."""

    def __init__(self, work_dir: Path) -> None:
        port = free_port()
        lineage = Path(sys.executable).with_name("lineage")
        if not lineage.exists():
            lineage = Path("lineage")
        db = work_dir / "collector.db"
        self.process = subprocess.Popen(
            [
                *(str(lineage), "serve", "--host", "127.0.0.1", "--port", str(port)),
                *("--database-url", f"sqlite:///{db}"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError("collector did not start")

    def close(self) -> None:
        """Stop the server."""
        self.process.terminate()
        self.process.wait(timeout=10)


_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z")


def emission_wait(log: Path) -> tuple[int, float]:
    """(events lost, seconds the DAG run was blocked sending them), read from the Airflow log.

    The provider logs "Failed to emit" once per lost event after its last attempt (urllib3 logs
    a "Retrying" warning per retry before that), and "expired and will be terminated" when its
    emitting child process outlives ``[openlineage] execution_timeout`` (10 s) and is killed,
    which loses that process's events too. The gap from the last other log line to each of
    these is the time blocked. Unlike wall time it does not depend on how busy the machine is.
    """
    lost, waited, previous = 0, 0.0, None
    for line in log.read_text().splitlines():
        match = _STAMP.match(line)
        if not match or "Retrying (Retry(" in line:
            continue
        stamp = datetime.fromisoformat(match.group(1))
        if previous is not None and ("Failed to emit" in line or "expired and will be" in line):
            lost += 1
            waited += (stamp - previous).total_seconds()
        previous = stamp
    return lost, waited


def measure(
    scenario: str, transport: str, work_dir: Path, dag: str, up_url: str | None
) -> tuple[float, int, float]:
    """(wall time, lost events, seconds blocked on them) of one ``airflow dags test``."""
    target: Blackhole | Collector | None = None
    if scenario == "up":
        if up_url:
            url = up_url
        else:
            target = Collector(work_dir)
            url = target.url
    elif scenario == "refused":
        url = f"http://127.0.0.1:{free_port()}"
    else:
        target = Blackhole()
        url = target.url
    try:
        results = run_examples.run_examples(
            work_dir, url, recommended=transport == "recommended", dags=(dag,)
        )
    finally:
        if target is not None:
            target.close()
    (result,) = results
    if not result.as_expected:
        print(f"  ! {dag} exit {result.returncode}, see {result.log}", file=sys.stderr)
    return (result.seconds, *emission_wait(result.log))


def main(argv: list[str] | None = None) -> int:
    """Run the requested scenario x transport grid and print a Markdown table row per cell."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--scenario", action="append", choices=SCENARIOS)
    parser.add_argument("--transport", action="append", choices=TRANSPORTS)
    parser.add_argument("--dag", default="warehouse_build")
    parser.add_argument("--up-url", help="use this running collector for the 'up' scenario")
    args = parser.parse_args(argv)
    base = args.work_dir or Path(tempfile.mkdtemp(prefix="lineage-outage-"))
    run_examples.ensure_venv()
    print("| collector | transport | wall time | lost (events / killed senders) | time blocked |")
    print("|---|---|---|---|---|")
    for scenario in args.scenario or SCENARIOS:
        for transport in args.transport or TRANSPORTS:
            seconds, lost, blocked = measure(
                scenario, transport, base / f"{scenario}-{transport}", args.dag, args.up_url
            )
            print(
                f"| {scenario} | {transport} | {seconds:.1f} s | {lost} | {blocked:.1f} s |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
