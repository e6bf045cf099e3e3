"""Behaviour of the classifier when trained: the seed preset trains a step on CPU, the cpu
preset learns a separable toy task (ink in the top vs bottom half) to high accuracy."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from crnn_ocr.config import load_params
from crnn_ocr.models.classifier import build_classifier, compile_classifier
from crnn_ocr.training.fit import configure_tensorflow, make_optimizer
from crnn_ocr.training.schedule import CosineLearningRate

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "code" / "training"))
from toy_data import separable_arrays  # noqa: E402


@pytest.mark.slow
def test_seed_preset_trains_one_step_on_cpu() -> None:
    configure_tensorflow(2, 0)
    params = load_params(ROOT / "params.yaml", ["preset=seed"])
    cfg = params.train.classifier
    model = build_classifier(cfg, (params.preprocess.height, params.preprocess.width))
    compile_classifier(model, make_optimizer(cfg))
    x, y = separable_arrays(2, (128, 512))
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(x, y)
    assert np.isfinite(np.asarray(loss)).all()
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_cpu_preset_learns_a_separable_task() -> None:
    configure_tensorflow(2, 0)
    params = load_params(ROOT / "params.yaml", ["preset=cpu"])
    # The preset's layers with the preset's own schedule, fitted to this toy run's length.
    cfg = params.train.classifier.model_copy(update={"learning_rate": 3e-3, "epochs": 6})
    shape = (params.preprocess.height, 128)
    model = build_classifier(cfg, shape)
    compile_classifier(model, make_optimizer(cfg))
    x, y = separable_arrays(256, shape)
    model.fit(x, y, batch_size=32, epochs=6, verbose=0,
              callbacks=[CosineLearningRate(cfg, epoch_steps=256 // 32)])
    xt, yt = separable_arrays(128, shape, seed=7)
    accuracy = float((np.asarray(model.predict(xt, verbose=0)).argmax(1) == yt).mean())
    assert accuracy >= 0.95
