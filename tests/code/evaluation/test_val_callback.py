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
