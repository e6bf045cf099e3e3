"""Training callbacks of the recogniser: the wall-time budget."""

from __future__ import annotations

import numpy as np


def test_time_budget_stops_training_after_the_epoch_past_it() -> None:
    import keras

    from crnn_ocr.evaluation.val_callback import TimeBudget

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    budget = TimeBudget(minutes=1e-9)
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=5, verbose=0,
                        callbacks=[budget])
    assert len(history.history["loss"]) == 1 and budget.stopped_at == 1


def _run_epochs(budget: object, clock: list[float], seconds: list[float]) -> None:
    """Drive the callback through epochs of the given lengths on a fake clock."""
    budget.on_train_begin()  # type: ignore[attr-defined]
    for epoch, length in enumerate(seconds):
        budget.on_epoch_begin(epoch)  # type: ignore[attr-defined]
        clock[0] += length
        budget.on_epoch_end(epoch)  # type: ignore[attr-defined]


def test_time_budget_warns_when_the_planned_epochs_do_not_fit(monkeypatch, caplog) -> None:
    import keras

    from crnn_ocr.evaluation import val_callback

    clock = [1000.0]
    monkeypatch.setattr(val_callback.time, "monotonic", lambda: clock[0])
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])

    fits = val_callback.TimeBudget(minutes=10, epochs=8)
    fits.set_model(model)
    with caplog.at_level("WARNING", logger=val_callback.__name__):
        _run_epochs(fits, clock, [90.0, 60.0, 60.0])  # 150 s + 6 x 60 s <= 600 s
    assert fits.projected_last_epoch is None and not caplog.records

    short = val_callback.TimeBudget(minutes=10, epochs=12)
    short.set_model(model)
    with caplog.at_level("WARNING", logger=val_callback.__name__):
        _run_epochs(short, clock, [90.0, 60.0, 60.0])  # 150 s + 10 x 60 s > 600 s
    # 450 s left at 60 s per epoch: 8 more epochs after epoch 2 end past the budget
    assert short.projected_last_epoch == 10
    assert "12 planned epochs" in caplog.text and "about epoch 10" in caplog.text
    assert short.stopped_at is None  # 210 s of 600: still training
