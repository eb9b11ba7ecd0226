"""The suite's own scheduling: `--dist loadgroup` keeps an `xdist_group` on one worker.

scripts/run-tests relies on it (one JVM for every Spark test; a module's expensive
fixture built once). pytest 9.2 with pytest-xdist 3.8 broke it without a failure
(pytest-xdist#1386): each test was sent anywhere. This runs a tiny suite in a second
pytest and checks where its grouped tests ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GROUPED = """
import os, pytest, time

@pytest.mark.xdist_group("one")
@pytest.mark.parametrize("i", range(6))
def test_grouped(i, tmp_path_factory):
    time.sleep(0.05)
    out = os.environ["GROUPING_OUT"]
    with open(os.path.join(out, f"grouped-{i}"), "w") as fh:
        fh.write(os.environ.get("PYTEST_XDIST_WORKER", "none"))

@pytest.mark.parametrize("i", range(6))
def test_free(i):
    time.sleep(0.05)
"""


def test_a_group_runs_on_one_worker(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_grouped.py").write_text(GROUPED)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "GROUPING_OUT": str(out)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup",
         "-p", "no:cacheprovider", "-p", "no:django", "-c", os.devnull, str(suite)],
        cwd=suite, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    workers = {p.read_text() for p in out.glob("grouped-*")}
    assert len(list(out.glob("grouped-*"))) == 6
    assert len(workers) == 1 and workers <= {"gw0", "gw1"}, workers
