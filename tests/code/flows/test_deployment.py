"""A real deployment run: Prefect server + process work pool + worker, from prefect.yaml."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prefect(env: dict[str, str], cwd: Path, *args: str, timeout: float = 180) -> str:
    done = subprocess.run([str(BIN / "prefect"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"prefect {args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def wait_healthy(url: str, server: subprocess.Popen, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert server.poll() is None, "prefect server exited"
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"prefect server at {url} not healthy after {timeout_s}s")


def test_pipeline_deployment_runs_on_a_process_worker(tmp_path: Path, project_factory) -> None:
    project = project_factory(tmp_path / "proj", {"data.synth.size": 4})
    shutil.copy(REPO / "prefect.yaml", project / "prefect.yaml")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL":
            f"sqlite+aiosqlite:///{tmp_path / 'prefect-home' / 'prefect.db'}",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(api, server)
        prefect(env, project, "work-pool", "create", "crnn-ocr", "--type", "process")
        prefect(env, project, "--no-prompt", "deploy", "--name", "default")
        out = prefect(env, project, "deployment", "run", "crnn-ocr-pipeline/default",
                      "--param", "until=data", "--param", 'overrides=["data.synth.size=3"]',
                      "--param", "dvc_commit=false")
        run_id = re.search(r"UUID:\s*([0-9a-f-]{36})", out)
        assert run_id, out
        prefect(env, project, "worker", "start", "--pool", "crnn-ocr", "--run-once",
                timeout=400)
        state = json.loads(prefect(env, project, "flow-run", "inspect", run_id[1], "-o", "json"))
        assert state["state"]["type"] == "COMPLETED", state["state"]
        labels = (project / "data" / "raw" / "labels.csv").read_text(encoding="utf-8")
        assert len(labels.strip().splitlines()) == 1 + 3  # header + the overridden size
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
