"""A REAL ``mlflow models serve`` of the registered ``crnn-ocr`` pyfunc on localhost.

The model is tiny and untrained (real builders): this checks the serving contract, not accuracy.
Bad inputs must come back as HTTP 400 with a clear message while the server stays up; a good
request must return exactly what the Recognizer returns for the same images.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from crnn_ocr.config import Params
from crnn_ocr.core.codec import MODERN_RUSSIAN, Alphabet
from crnn_ocr.inference.bundle import Bundle
from crnn_ocr.inference.recognizer import load_keras
from crnn_ocr.paths import Paths

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 240
REQUEST_TIMEOUT_S = 60


def _png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    img = np.full((22, 100), 240, np.uint8)
    for x in range(4, 90, 8):
        cv2.line(img, (x, 17), (x + int(rng.integers(1, 6)), 4), 15, 2)
    return cv2.imencode(".png", img)[1].tobytes()


def _bomb_png() -> bytes:
    raw = bytearray(cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes())
    raw[16:24] = struct.pack(">II", 40000, 40000)  # IHDR width/height
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])) & 0xFFFFFFFF)
    return bytes(raw)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port: int, rows: list[list[str]]) -> tuple[int, dict]:
    body = json.dumps({"dataframe_split": {"columns": ["image", "id"], "data": rows}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/invocations", body, {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, tiny_model_params: dict[str, Any]):
    from crnn_ocr.core.preprocess_settings import PreprocessSettings
    from crnn_ocr.inference.bundle import build_untrained_bundle
    from crnn_ocr.serving.register import register_end_to_end

    root = tmp_path_factory.mktemp("serving")
    (root / "params.yaml").write_text("preset: null\n")
    uri = f"sqlite:///{root / 'mlruns' / 'mlflow.db'}"
    old_uri = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    try:
        bundle = build_untrained_bundle(
            Params.model_validate(tiny_model_params), root / "bundle",
            Alphabet.from_charset(MODERN_RUSSIAN),
        )
        version = register_end_to_end(
            bundle.classifier, bundle.recognizer, alphabet=bundle.alphabet,
            preprocess=PreprocessSettings.load(bundle.preprocess), paths=Paths.from_root(root),
        )
        port = _free_port()
        mlflow_bin = Path(sys.executable).with_name("mlflow")
        log = open(root / "server.log", "wb")  # noqa: SIM115 (closed in finally)
        server = subprocess.Popen(
            [str(mlflow_bin), "models", "serve", "-m", "models:/crnn-ocr@challenger",
             "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)],
            # The venv's bin/ on PATH (as when activated): MLflow execs `uvicorn` from there.
            env={**os.environ, "MLFLOW_TRACKING_URI": uri,
                 "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
                 "PATH": f"{mlflow_bin.parent}{os.pathsep}{os.environ.get('PATH', '')}",
                 # an empty LiteRT cache: the server must use the model's shipped flatbuffers
                 "CRNN_OCR_CACHE": str(root / "server-cache")},
            cwd=root,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if server.poll() is not None:
                    pytest.fail(f"server exited: {(root / 'server.log').read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"no /ping after {START_TIMEOUT_S}s")
                    time.sleep(1)
            yield port, version, root
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=20)
            log.close()
    finally:
        if old_uri is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = old_uri


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("%%% not base64 %%%", "not valid base64"),
        (_b64(b"just some text, no image"), "not an image"),
        ("", "empty image"),
        (_b64(_bomb_png()), "decompression bomb"),
    ],
    ids=["not-base64", "not-an-image", "empty", "bomb-40000x40000"],
)
def test_bad_input_is_400_with_clear_message(served, image: str, expected: str) -> None:
    port, _, _ = served
    status, body = _post(port, [[_b64(_png(0)), "good"], [image, "bad-row"]])
    assert status == 400, body
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    assert expected in body["message"] and "bad-row" in body["message"]


def test_good_request_matches_recognizer_after_bad_ones(served) -> None:
    from crnn_ocr import Recognizer

    port, version, _ = served
    pngs = [_png(i) for i in range(3)]
    status, body = _post(port, [[_b64(p), f"id{i}"] for i, p in enumerate(pngs)])
    assert status == 200, body
    rows = body["predictions"]
    expected = Recognizer.load(f"models:/crnn-ocr/{version}").predict_bytes(pngs)
    assert [r["id"] for r in rows] == ["id0", "id1", "id2"]
    for row, pred in zip(rows, expected, strict=True):
        assert row["class"] == pred.cls and row["class_name"] == pred.class_name
        assert row["text"] == pred.text
        assert row["class_prob"] == pytest.approx(pred.class_prob, abs=1e-5)
        assert row["confidence"] == pytest.approx(pred.confidence, abs=1e-5)


def test_registered_version_has_challenger_alias_and_bundle_artifacts(served) -> None:
    import mlflow

    _, version, _ = served
    client = mlflow.MlflowClient(os.environ.get("MLFLOW_TRACKING_URI"))
    mv = client.get_model_version_by_alias("crnn-ocr", "challenger")
    assert int(mv.version) == version


def test_registered_model_ships_litert_copies_and_server_did_not_convert(served) -> None:
    import mlflow

    from crnn_ocr.inference import litert

    if not litert.available():
        pytest.skip("ai-edge-litert not installed")
    _, _, root = served
    local = Path(mlflow.artifacts.download_artifacts("models:/crnn-ocr@challenger"))
    bundle = Bundle.from_folder(local)
    assert bundle.litert is not None
    from crnn_ocr.config.inference import InferenceParams

    quantize = InferenceParams.model_validate({}).quantize  # the default mode is shipped
    shipped = sorted(p.stem for p in bundle.litert.glob("*.tflite"))
    keys = sorted(litert.model_key(load_keras(p), quantize)
                  for p in (bundle.classifier, bundle.recognizer))
    assert shipped == keys
    assert not list((root / "server-cache").rglob("*.tflite"))  # served from the shipped copies
