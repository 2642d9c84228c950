"""
Shared fixtures for the sample's own test suite.

The suite exercises ``utils/`` the way TXO scripts use it, without network
access. txo-codemod runs it as the verification gate after each phase, so
it must pass on v2.1 and after every phase. Where the v3 plan changes
behaviour on purpose, a test states both behaviours, keyed on the phases
recorded in ``.txo-codemod/ledger.json`` (no ledger = v2.1).
"""

import atexit
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from utils.exceptions import HelpfulError
from utils.logger import setup_logger

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LEDGER = PROJECT_ROOT / ".txo-codemod" / "ledger.json"

# The utils modules set the logger up on import, with a log file under the
# current directory; point it at a throw-away directory first so running the
# suite leaves no logs/ behind in the project.
_LOG_DIR = tempfile.mkdtemp(prefix="txo-sample-logs-")
atexit.register(shutil.rmtree, _LOG_DIR, True)
setup_logger(log_dir=_LOG_DIR)

# A phase counts from the moment txo-codemod records it ("applying"): the
# gate runs this suite before the entry becomes "applied".
_ACTIVE_STATES = {"applying", "applied"}

SAMPLE_CONFIG = {
    "global": {
        "api-base-url": "https://api.example.com/v2.0/",
        "tenant-id": "00000000-0000-0000-0000-000000000000",
        "client-id": "11111111-1111-1111-1111-111111111111",
        "oauth-scope": "https://api.example.com/.default",
        "company-id": "22222222-2222-2222-2222-222222222222",
    },
    "script-behavior": {
        "api-delay-seconds": 0,
        "api-timeouts": {"rest": 60, "async-max-wait": 300, "async-poll-interval": 5},
        "retry-strategy": {"max-retries": 2, "backoff-factor": 2.0, "respect-retry-after": True},
        "rate-limiting": {"enabled": False, "calls-per-second": 10, "burst-size": 1},
        "circuit-breaker": {"enabled": False, "failure-threshold": 5, "timeout-seconds": 60},
    },
}


def applied_phases() -> frozenset:
    """The phases of the v3 plan applied to this project (empty on v2.1)."""
    if not LEDGER.exists():
        return frozenset()
    entries = json.loads(LEDGER.read_text(encoding="utf-8"))["entries"]
    return frozenset(e["phase"] for e in entries if e["state"] in _ACTIVE_STATES)


@pytest.fixture
def migrated():
    """``migrated(n)``: whether phase ``n`` of the v3 plan is applied."""
    phases = applied_phases()
    return lambda phase: phase in phases


@pytest.fixture
def library_error(migrated):
    """
    What a library function does when it cannot go on: v2.1 ends the
    process (``SystemExit``), phase 2 makes it raise ``HelpfulError``.
    """
    def expect():
        if migrated(2):
            return pytest.raises(HelpfulError)
        return pytest.raises(SystemExit)
    return expect


def check_stopped(raised, what_went_wrong: str) -> None:
    """The script was stopped: v2.1 with exit code 1, phase 2 with a
    HelpfulError saying ``what_went_wrong``."""
    if isinstance(raised.value, SystemExit):
        assert raised.value.code == 1
    else:
        assert what_went_wrong in raised.value.what_went_wrong


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A TXO project layout (config/, schemas/) as the current directory."""
    (tmp_path / "config").mkdir()
    shutil.copytree(PROJECT_ROOT / "schemas", tmp_path / "schemas")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_json(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def no_sleep(monkeypatch):
    """Records every time.sleep() instead of sleeping."""
    slept = []
    monkeypatch.setattr("time.sleep", slept.append)
    return slept

