"""The code-version probe on a real git repository: the repository is found once per process,
the commit, branch and dirty state are read again for each run."""

from __future__ import annotations

import subprocess
from pathlib import Path

from lineage.emit.facets import PRODUCER, MLCodeVersionRunFacet
from lineage.emit.probes import code_version


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(root), *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _facet(entry: str, **fields: object) -> MLCodeVersionRunFacet:
    return MLCodeVersionRunFacet(entryPoint=entry, producer=PRODUCER, **fields)


def test_code_version_follows_commits_edits_and_detached_heads(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    script = root / "src" / "train.py"
    script.parent.mkdir()
    _git(root, "init", "-q", "-b", "main")
    script.write_text("print('train')\n")
    # no commit yet
    assert code_version(str(script)) == _facet("src/train.py", gitBranch="main", dirty=False)

    _git(root, "remote", "add", "origin", "https://user:secret@example.com/ml.git")
    _git(root, "add", "src/train.py")
    _git(root, "commit", "-q", "-m", "one")
    first = _git(root, "rev-parse", "HEAD")
    # the remote was looked up with the repository, before it was added: kept for the process
    assert code_version(str(script)) == _facet(
        "src/train.py", gitCommit=first, gitBranch="main", dirty=False
    )

    script.write_text("print('train more')\n")
    assert code_version(str(script)).dirty is True
    _git(root, "commit", "-q", "-am", "two")
    second = _git(root, "rev-parse", "HEAD")
    _git(root, "checkout", "-q", "--detach", first)
    assert code_version(str(script)) == _facet(
        "src/train.py", gitCommit=first, gitBranch=None, dirty=False
    )
    assert second != first


def test_code_version_strips_credentials_from_the_remote(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    script = root / "train.py"
    script.write_text("print('train')\n")
    _git(root, "init", "-q", "-b", "dev")
    _git(root, "remote", "add", "origin", "https://user:secret@example.com/ml.git")
    _git(root, "add", "train.py")
    _git(root, "commit", "-q", "-m", "one")
    assert code_version(str(script)) == _facet(
        "train.py",
        gitCommit=_git(root, "rev-parse", "HEAD"),
        gitBranch="dev",
        dirty=False,
        repoUrl="https://example.com/ml.git",
    )


def test_code_version_outside_a_repository(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("print('train')\n")
    assert code_version(str(script)) == _facet(str(script))
