"""Real processes: SIGKILL mid-epoch then rerun resumes; two trainings share one sqlite store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest

DRIVER = Path(__file__).with_name("fit_driver.py")
pytestmark = pytest.mark.slow


def _env(slow_s: float | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", OMP_NUM_THREADS="1")
    if slow_s is not None:
        env["CRNN_OCR_TEST_BATCH_SLEEP_S"] = str(slow_s)
    return env


def _start(root: Path, epochs: int, name: str, slow_s: float | None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(DRIVER), str(root), str(epochs), name],
        env=_env(slow_s), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _result(proc: subprocess.Popen[str], timeout: float = 240) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _client(root: Path) -> mlflow.MlflowClient:
    uri = f"sqlite:///{root / 'mlruns' / 'mlflow.db'}"
    return mlflow.MlflowClient(uri, uri)


TINY = {
    "preset": None,
    "preprocess": {"height": 16, "width": 64, "shard_size": 4, "workers": 1},
    "train": {"threads": 1, "classifier": {
        "epochs": 5, "batch_size": 2, "conv_filters": [4], "dense_units": 4,
        "early_stopping_patience": 5,
    }},
}


def _cli(params_file: Path, slow_s: float | None) -> subprocess.Popen[str]:
    command = [str(Path(sys.executable).with_name("crnn-ocr")), "train", "classifier",
               "-p", str(params_file), "--no-register", "--no-real"]
    return subprocess.Popen(command, env=_env(slow_s), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_cli_training_killed_mid_epoch_resumes_on_rerun(tmp_path: Path, write_validated_fn) -> None:
    """SIGKILL `crnn-ocr train classifier` inside epoch k+1; the same command resumes at k."""
    import yaml

    from crnn_ocr.config.params import Params
    from crnn_ocr.paths import Paths
    from crnn_ocr.stages import preprocess

    root = write_validated_fn(tmp_path / "project").root
    params_file = root / "params.yaml"
    params_file.write_text(yaml.safe_dump(TINY))
    preprocess.run(Params.model_validate(TINY), Paths.from_root(root))
    epochs, kill_after = 5, 2
    ckpt = root / "models" / "classifier" / "checkpoints"
    backup = ckpt / "backup" / "training_metadata.json"

    proc = _cli(params_file, slow_s=0.4)  # 3 batches per epoch: >= 1.2 s per epoch
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        saved = json.loads(backup.read_text() or "{}") if backup.is_file() else {}
        if saved.get("epoch", 0) >= kill_after:
            break
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("training never reached the kill point")
    time.sleep(0.5)  # now inside the next epoch
    saved_epoch = json.loads(backup.read_text())["epoch"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (root / "models" / "classifier" / "model.keras").exists()
    run_id = (ckpt / "mlflow_run_id").read_text().strip()
    assert _client(root).get_run(run_id).info.status == "RUNNING"  # killed: never closed

    rerun = _cli(params_file, slow_s=None)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err[-3000:]
    assert f"resumed at epoch {saved_epoch}" in out
    assert saved_epoch >= kill_after  # resumed, not restarted at 0
    client = _client(root)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["crnn_ocr.resumed_at_epoch"] == str(saved_epoch)
    steps = sorted({m.step for m in client.get_metric_history(run_id, "val_loss")})
    assert steps == list(range(epochs))
    assert "test_accuracy" in run.data.metrics
    assert (root / "models" / "classifier" / "model.keras").is_file()
    assert not ckpt.exists()


def test_two_trainings_share_one_sqlite_store(tmp_path: Path) -> None:
    procs = [_start(tmp_path, 2, name, slow_s=None) for name in ("first", "second")]
    results = [_result(p) for p in procs]
    client = _client(tmp_path)
    assert results[0]["run_id"] != results[1]["run_id"]
    for result in results:
        run = client.get_run(result["run_id"])
        assert run.info.status == "FINISHED"
        assert run.data.params["epochs"] == "2"
        assert [m.step for m in client.get_metric_history(result["run_id"], "loss")] == [0, 1]
    experiments = [e for e in client.search_experiments() if e.name == "exp"]
    assert len(experiments) == 1, "both processes used the same experiment"
