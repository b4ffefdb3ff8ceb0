"""The `replicas` compose profile is a valid compose file with two replicas and a balancer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_replicas_profile_is_valid_and_lists_two_replicas_and_a_balancer() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed: `apt-get install -y docker-compose`")
    command = [binary, "--profile", "replicas"]
    subprocess.run([*command, "config", "-q"], cwd=ROOT, check=True)
    services = subprocess.run(
        [*command, "config", "--services"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    assert set(services) == {"postgres", "collector", "migrate", "replica-1", "replica-2", "lb"}
