"""The exact-sync 0.0.41 virtualenv: created on first use under the data dir, then reused.

exact-sync pins ``locust==1.1.0`` (gevent, flask) and forgets ``six`` and ``python-dateutil``,
so it cannot share Lamella's environment. It imports nothing from locust, so the package is
installed with ``--no-deps`` beside the libraries it does import.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

PACKAGE = "exact-sync==0.0.41"
RUNTIME = ["requests", "urllib3", "tqdm", "requests-toolbelt", "pillow", "six", "python-dateutil"]


def location() -> Path:
    """``$LAMELLA_EXACTSYNC_VENV``, else ``<LAMELLA_DATA_DIR or ./data>/.venv-exactsync``."""
    explicit = os.environ.get("LAMELLA_EXACTSYNC_VENV")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("LAMELLA_DATA_DIR", "data")).resolve() / ".venv-exactsync"


def _python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def _ready(python: Path) -> bool:
    if not python.exists():
        return False
    probe = [str(python), "-c", "import exact_sync.v1.api_client, six, dateutil, requests"]
    return subprocess.run(probe, capture_output=True, timeout=60).returncode == 0


def exactsync_python() -> Path:
    """The interpreter with exact-sync importable; skips the test when PyPI cannot be reached."""
    folder = location()
    python = _python(folder)
    if _ready(python):
        return python
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for args in (["--no-deps", PACKAGE], RUNTIME):
        done = subprocess.run(pip + args, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.skip(f"cannot install {PACKAGE} from PyPI: {done.stderr.strip()[-300:]}")
    if not _ready(python):
        pytest.skip(f"{PACKAGE} installed but does not import in {folder}")
    return python
