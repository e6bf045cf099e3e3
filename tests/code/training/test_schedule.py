"""The wall-time budget and the cosine schedule that fits itself to it."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from crnn_ocr.config.train import ClassifierParams, FitParams
from crnn_ocr.models.classifier import build_classifier, compile_classifier
from crnn_ocr.training import schedule
from crnn_ocr.training.fit import fit_model, make_optimizer, steps_per_epoch, training_run
from crnn_ocr.training.schedule import TimeBudget, cosine_rate


def test_time_budget_always_runs_one_epoch_then_stops() -> None:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    budget = TimeBudget(minutes=1e-9)
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=5, verbose=0,
                        callbacks=[budget])
    assert len(history.history["loss"]) == 1 and budget.stopped_at == 1


def _run_epochs(budget: TimeBudget, clock: list[float], seconds: list[float]) -> None:
    """Drive the callback through epochs of the given lengths on a fake clock."""
    budget.set_model(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))
    budget.on_train_begin()
    for epoch, length in enumerate(seconds):
        budget.on_epoch_begin(epoch)
        clock[0] += length
        budget.on_epoch_end(epoch)
        if getattr(budget.model, "stop_training", False):
            return


def test_time_budget_projects_its_last_epoch_and_never_overruns() -> None:
    clock = [1000.0]
    budget = TimeBudget(minutes=10, clock=lambda: clock[0])
    _run_epochs(budget, clock, [90.0, 60.0])
    # 150 s used, 450 s left at 60 s per epoch (the traced first one left out): 7 more
    assert budget.projected_last_epoch == 9 and budget.stopped_at is None
    _run_epochs(budget, clock, [90.0] + [60.0] * 20)
    assert budget.stopped_at == 9  # 90 + 8 x 60 = 570 s; a 10th epoch would end at 630 s
    assert clock[0] - 1000.0 - 150.0 == pytest.approx(570.0)


def test_cosine_rate_has_the_shape_of_keras_cosine_decay() -> None:
    cfg = FitParams(epochs=5, learning_rate=0.01, min_learning_rate=1e-4, lr_schedule="cosine",
                    warmup_epochs=1.0)
    keras_schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=1e-4, decay_steps=4 * 10, alpha=1e-4 / 0.01,
        warmup_target=0.01, warmup_steps=10,
    )
    for step in (0, 3, 10, 17, 33, 50, 70):
        expected = float(keras.ops.convert_to_numpy(keras_schedule(step)))
        assert cosine_rate(step, cfg, epoch_steps=10, epochs=5) == pytest.approx(expected,
                                                                                rel=1e-5)


class _Tick(keras.callbacks.Callback):
    """Every epoch 'takes' ``seconds`` on the fake clock (runs before the budget's epoch end)."""

    def __init__(self, clock: list[float], seconds: float) -> None:
        super().__init__()
        self.clock, self.seconds = clock, seconds

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.clock[0] += self.seconds


def test_cosine_decays_by_the_last_epoch_the_budget_fits(project, tiny_datasets, monkeypatch,
                                                         caplog) -> None:
    """8 planned epochs of 60 s in a 3.5-min budget: 3 fit, and the third ends at the floor."""
    train, val = tiny_datasets
    clock = [0.0]
    monkeypatch.setattr(schedule, "monotonic", lambda: clock[0])
    cfg = ClassifierParams(epochs=8, batch_size=16, conv_filters=(4,), dense_units=4,
                           lr_schedule="cosine", learning_rate=0.01, min_learning_rate=1e-4,
                           early_stopping_patience=8, time_budget_minutes=3.5)
    model = build_classifier(cfg, (16, 64))
    compile_classifier(model, make_optimizer(cfg))
    with caplog.at_level("INFO", logger=schedule.__name__), training_run(
        project, "exp", project.models / "c", "run", {}, {}
    ) as session:
        result = fit_model(session, model, train, val, cfg, [_Tick(clock, 60.0)], verbose=0)
    lrs = result.history["learning_rate"]
    assert result.epochs_done == 3
    # the projection comes after epoch 2: epochs 1-2 ran on the 8-epoch curve, 3 on a 3-epoch one
    steps = steps_per_epoch(cfg, train)
    assert lrs[:2] == pytest.approx([cosine_rate(steps * k, cfg, steps, 8) for k in (1, 2)])
    assert lrs[1] > 0.008 and lrs[2] == pytest.approx(1e-4)
    assert "cosine schedule now ends with epoch 3 (of 8 planned)" in caplog.text
