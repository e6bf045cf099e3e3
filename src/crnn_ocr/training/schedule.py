"""Wall-time budget and the cosine learning-rate schedule that fits itself to it.

A cosine schedule planned for ``epochs`` that a time budget cuts short never reaches its low
rates, where most of the final accuracy is won, and how many epochs fit in a budget depends on
the machine (an epoch of the cpu preset's recogniser on the 20k set takes ~95 s on a 2-core
AVX-512 Xeon and ~290 s on a 2-core AVX2 EPYC). So ``TimeBudget`` projects, from the pace of
the epochs so far, the last epoch that will fit, and ``CosineLearningRate`` decays over
``min(epochs, that epoch)`` instead of ``epochs``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from time import monotonic
from typing import Any

import keras

from crnn_ocr.config.train import FitParams
from crnn_ocr.training.callbacks import read_json, write_json

log = logging.getLogger(__name__)

HORIZON_FILE = "cosine_horizon.json"
"""Checkpoint-folder file keeping a shortened horizon across a kill and resume."""


class TimeBudget(keras.callbacks.Callback):
    """Stop training before an epoch that would end past ``minutes`` of wall time.

    After each epoch the next one is expected to take as long as the epochs so far (the
    first pays for graph tracing, so it is left out of the mean once there are others);
    training stops when it would not fit, so a fit ends within the budget, at least one epoch
    run. ``projected_last_epoch`` is the 1-based epoch it will stop after at that pace (set
    from the second epoch of this process on). A resumed training gets a new budget.
    """

    def __init__(self, minutes: float, clock: Callable[[], float] | None = None) -> None:
        super().__init__()
        self.seconds = minutes * 60.0
        self.clock = clock or monotonic
        self.started = self.clock()
        self.epoch_started = self.started
        self.durations: list[float] = []
        self.stopped_at: int | None = None
        self.projected_last_epoch: int | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.started = self.epoch_started = self.clock()
        self.durations = []

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch_started = self.clock()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        now = self.clock()
        self.durations.append(now - self.epoch_started)
        steady = self.durations[1:] or self.durations
        pace = sum(steady) / len(steady)
        left = self.seconds - (now - self.started)
        more = max(0, math.floor(left / pace)) if pace > 0 else 0
        if len(self.durations) >= 2:
            self.projected_last_epoch = epoch + 1 + more
        if more == 0:
            self.model.stop_training = True
            self.stopped_at = epoch + 1
            log.info("time budget of %.1f min: stopping after epoch %d (%.1f min used, "
                     "another epoch takes ~%.0f s)", self.seconds / 60, epoch + 1,
                     (now - self.started) / 60, pace)


def cosine_rate(step: int, cfg: FitParams, epoch_steps: int, epochs: int) -> float:
    """The rate at optimizer step ``step``: a linear warm-up from ``min_learning_rate`` to
    ``learning_rate`` over ``warmup_epochs``, then a cosine down to ``min_learning_rate`` at the
    end of epoch ``epochs`` (the shape of ``keras.optimizers.schedules.CosineDecay``)."""
    peak = cfg.learning_rate
    floor = min(cfg.min_learning_rate, peak)
    warmup = round(cfg.warmup_epochs * epoch_steps)
    if step < warmup:
        return floor + (peak - floor) * step / warmup
    span = max(1, epochs * epoch_steps - warmup)
    progress = min(1.0, (step - warmup) / span)
    return floor + (peak - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


class CosineLearningRate(keras.callbacks.Callback):
    """Set the optimizer's rate from its step counter (``cosine_rate``) around every batch.

    The horizon is ``cfg.epochs``, or the ``budget``'s projected last epoch when that comes
    sooner (kept in ``folder`` so a resumed training goes on with it). The step counter comes
    back with the weights backup, so a resumed training continues the same curve. Must come
    after ``keras.callbacks.BackupAndRestore`` in the callback list.
    """

    def __init__(
        self,
        cfg: FitParams,
        epoch_steps: int,
        budget: TimeBudget | None = None,
        folder: Path | None = None,
    ) -> None:
        super().__init__()
        if epoch_steps < 1:
            raise ValueError("the cosine LR schedule needs the number of steps per epoch")
        self.cfg = cfg
        self.epoch_steps = epoch_steps
        self.budget = budget
        self.file = None if folder is None else folder / HORIZON_FILE
        self.horizon = cfg.epochs

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        stored = read_json(self.file) if self.file is not None else None
        self.horizon = int(stored["epochs"]) if stored else self.cfg.epochs
        self._apply()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        projected = self.budget.projected_last_epoch if self.budget is not None else None
        if projected is not None:
            horizon = max(epoch + 1, min(self.cfg.epochs, projected))
            if horizon != self.horizon:
                log.info("cosine schedule now ends with epoch %d (of %d planned): the time "
                         "budget's pace", horizon, self.cfg.epochs)
                self.horizon = horizon
                if self.file is not None:
                    write_json(self.file, {"epochs": horizon})
        self._apply()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._apply()  # the rate of the next step: at an epoch's end, what the next one starts at

    def _apply(self) -> None:
        step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        self.model.optimizer.learning_rate = cosine_rate(step, self.cfg, self.epoch_steps,
                                                         self.horizon)
