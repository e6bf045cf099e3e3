"""The one fit routine both models use: MLflow run, early stopping, LR schedule, resume.

Usage (a stage)::

    with training_run(paths, experiment, ckpt_dir, run_name, params_flat, tags) as session:
        result = fit_model(session, model, train_ds, val_ds, cfg)   # cfg: FitParams
        ...log artifacts / the model to session.run_id...

A killed process rerun with the same command finds ``ckpt_dir``: the same MLflow run is
reopened (its id is stored there), the weights and epoch come back from
``keras.callbacks.BackupAndRestore`` and early-stopping / LR-plateau state from ``FitState``,
so at most the interrupted epoch is lost. The folder is removed when the ``with`` block ends
without error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crnn_ocr.config.train import FitParams
from crnn_ocr.paths import Paths
from crnn_ocr.tracking import mlflow_store
from crnn_ocr.tracking.tags import TAG_PREFIX

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

log = logging.getLogger(__name__)

RUN_ID_FILE = "mlflow_run_id"
BACKUP_DIR = "backup"
DONE_FILE = "fit_done.json"
FINAL_WEIGHTS = "final.weights.h5"
MAXIMISED = frozenset({"val_accuracy", "val_exact_match"})
"""Monitored metrics where higher is better (the rest: loss, CER, WER)."""


@dataclass
class TrainingSession:
    """An open MLflow run tied to a checkpoint folder (``resumed``: reopened after a kill)."""

    run_id: str
    checkpoint_dir: Path
    resumed: bool


@dataclass
class FitResult:
    """What one fit produced; ``history`` spans all epochs, including those before a resume."""

    run_id: str
    initial_epoch: int
    epochs_done: int
    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int | None = None


def configure_tensorflow(threads: int, seed: int) -> None:
    """Limit TF threads (0 = TF default) and seed Python/NumPy/TF. Call before building models."""
    import keras
    import tensorflow as tf

    if threads > 0:
        with contextlib.suppress(RuntimeError):  # already initialised: keep the first setting
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.utils.set_random_seed(seed)


def steps_per_epoch(cfg: FitParams, train: tf.data.Dataset) -> int:
    """Training steps of one epoch: the cap when set, else the batches of one pass over
    ``train`` (its cardinality, which ``arrays.make_dataset`` asserts)."""
    if cfg.steps_per_epoch:
        return cfg.steps_per_epoch
    batches = int(train.cardinality())
    if batches < 1:
        raise ValueError(f"cannot size an epoch: the training dataset's cardinality is {batches}")
    return batches


def make_optimizer(cfg: FitParams) -> keras.optimizers.Optimizer:
    """The optimizer named in params (a closed Literal set, never an arbitrary attribute), at
    ``cfg.learning_rate``: ``ReduceLROnPlateau`` or ``schedule.CosineLearningRate`` (set up by
    ``fit_model``) move the rate from there."""
    import keras

    lr = cfg.learning_rate
    extra: dict[str, Any] = {"global_clipnorm": cfg.gradient_clip_norm}
    if cfg.ema_momentum:  # the average lives in the optimizer; callbacks.EmaWeights uses it
        extra.update(use_ema=True, ema_momentum=cfg.ema_momentum)
    builders = {
        "adam": lambda: keras.optimizers.Adam(lr, **extra),
        "adamw": lambda: keras.optimizers.AdamW(lr, weight_decay=cfg.weight_decay, **extra),
        "rmsprop": lambda: keras.optimizers.RMSprop(lr, **extra),
        "sgd": lambda: keras.optimizers.SGD(lr, momentum=0.9, **extra),
    }
    return builders[cfg.optimizer]()


@contextlib.contextmanager
def training_run(
    paths: Paths,
    experiment: str,
    checkpoint_dir: Path,
    run_name: str,
    params_flat: dict[str, Any],
    tags: dict[str, str],
) -> Iterator[TrainingSession]:
    """Open (or, after a kill, reopen) the MLflow run of a training; clean up on success."""
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    id_file = checkpoint_dir / RUN_ID_FILE
    previous = id_file.read_text().strip() if id_file.is_file() else None
    stale = None
    if previous and not mlflow_store.run_exists(paths, previous):
        stale = f"checkpoint names MLflow run {previous}, which is gone"
    elif previous and (changed := mlflow_store.changed_params(paths, previous, params_flat)):
        more = f" (+{len(changed) - 5} more)" if len(changed) > 5 else ""
        stale = (f"checkpoint of MLflow run {previous} was trained with other params "
                 f"({', '.join(changed[:5])}{more})")
    if stale:
        log.warning("%s: starting over", stale)
        shutil.rmtree(checkpoint_dir)
        checkpoint_dir.mkdir(parents=True)
        previous = None
    with mlflow_store.open_run(
        paths, experiment, run_id=previous, run_name=run_name, tags=tags
    ) as run:
        run_id = run.info.run_id
        if previous is None:
            mlflow_store.log_params(run_id, params_flat)
            _write_text(id_file, run_id)
        else:
            mlflow_store.set_tags(run_id, tags)
        yield TrainingSession(run_id, checkpoint_dir, resumed=previous is not None)
    shutil.rmtree(checkpoint_dir, ignore_errors=True)


def fit_model(
    session: TrainingSession,
    model: keras.Model,
    train: tf.data.Dataset,
    val: tf.data.Dataset,
    cfg: FitParams,
    extra_callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | None = None,
    statistics_data: tf.data.Dataset | None = None,
) -> FitResult:
    """Fit a compiled ``model``; resumable, logged to ``session.run_id`` every epoch.

    With ``cfg.ema_momentum`` the model validated, kept as best and returned is the moving
    average of the weights (``callbacks.EmaWeights``).

    ``statistics_data`` (unaugmented training batches in a fixed order) is where BatchNorm
    statistics are recomputed from before each validation when ``cfg.bn_recompute_batches``
    is set (``callbacks.BatchNormStatistics``).

    ``EarlyStopping(restore_best_weights=True)`` and, for the ``plateau`` LR schedule,
    ``ReduceLROnPlateau`` watch ``cfg.monitor`` (``extra_callbacks`` run before them, so one
    of them may add it to the epoch's logs); the ``cosine`` schedule follows the step counter
    and, with ``cfg.time_budget_minutes``, decays by the last epoch that fits the budget
    (``schedule.CosineLearningRate``, ``schedule.TimeBudget``).
    When an earlier call already finished the fit (killed while logging artifacts), the final
    weights are loaded and no epoch is repeated.
    """
    import keras

    from crnn_ocr.training.callbacks import (
        SLOW_BATCH_ENV,
        BatchNormStatistics,
        EmaWeights,
        FitState,
        MlflowMetrics,
        SlowBatches,
        read_json,
        write_json,
    )
    from crnn_ocr.training.schedule import CosineLearningRate, TimeBudget

    folder = session.checkpoint_dir
    done = read_json(folder / DONE_FILE)
    if done is not None and (folder / FINAL_WEIGHTS).is_file():
        model.load_weights(folder / FINAL_WEIGHTS)
        log.info("fit already finished in run %s: loaded its final weights", session.run_id)
        return FitResult(session.run_id, done["epochs_done"], done["epochs_done"],
                         done["history"], done["best_epoch"])

    meta = read_json(folder / BACKUP_DIR / "training_metadata.json") or {}
    initial_epoch = int(meta.get("epoch", 0))
    if initial_epoch:
        log.info("resuming run %s at epoch %d", session.run_id, initial_epoch)
        mlflow_store.set_tags(session.run_id, {f"{TAG_PREFIX}resumed_at_epoch": str(initial_epoch)})

    mode = "max" if cfg.monitor in MAXIMISED else "min"
    early = keras.callbacks.EarlyStopping(
        monitor=cfg.monitor, mode=mode, patience=cfg.early_stopping_patience,
        restore_best_weights=True,
    )
    plateau = keras.callbacks.ReduceLROnPlateau(
        monitor=cfg.monitor, mode=mode, factor=cfg.lr_plateau_factor,
        patience=cfg.lr_plateau_patience, min_lr=cfg.min_learning_rate,
    ) if cfg.lr_schedule == "plateau" else None
    state = FitState(folder, early, plateau, initial_epoch)
    budget = TimeBudget(cfg.time_budget_minutes) if cfg.time_budget_minutes else None
    cosine = (CosineLearningRate(cfg, steps_per_epoch(cfg, train), budget, folder)
              if cfg.lr_schedule == "cosine" else None)
    ema = EmaWeights(resumed=initial_epoch > 0) if cfg.ema_momentum else None
    statistics = []
    if cfg.bn_recompute_batches:
        if statistics_data is None:
            raise ValueError("bn_recompute_batches is set but no statistics_data was given")
        statistics = [BatchNormStatistics(statistics_data, cfg.bn_recompute_batches)]
    callbacks: list[keras.callbacks.Callback] = [
        *([ema] if ema else []),  # first: the average is what everything below sees
        *statistics,  # then: validation and everything after it see the new statistics
        *extra_callbacks,  # before early stopping: they may add the monitored metric (val_cer)
        early,
        *([plateau] if plateau else []),
        state,
        # Saves weights + optimizer + epoch after FitState wrote its counters.
        keras.callbacks.BackupAndRestore(
            str(folder / BACKUP_DIR), double_checkpoint=True, delete_checkpoint=False
        ),
        *([cosine] if cosine else []),  # after the backup restored the step counter
        MlflowMetrics(session.run_id),
        *([budget] if budget else []),  # its epoch time includes the callbacks' work above
        *([ema.restorer()] if ema else []),  # last: training goes on from the raw weights
    ]
    if os.environ.get(SLOW_BATCH_ENV):
        callbacks.append(SlowBatches(float(os.environ[SLOW_BATCH_ENV])))

    _ensure_built(model, train)
    model.fit(
        train,
        validation_data=val,
        epochs=cfg.epochs,
        steps_per_epoch=cfg.steps_per_epoch,
        callbacks=callbacks,
        shuffle=False,  # the datasets shuffle themselves
        # A progress bar on a terminal; one line per epoch in logs (CI, nohup, Prefect workers).
        verbose=(1 if sys.stdout.isatty() else 2) if verbose is None else verbose,
    )
    epochs_done = len(next(iter(state.history.values()), []))
    best_epoch = early.best_epoch if early.best is not None else None
    model.save_weights(folder / FINAL_WEIGHTS)
    write_json(folder / DONE_FILE, {
        "epochs_done": epochs_done, "history": state.history, "best_epoch": best_epoch,
    })
    if best_epoch is not None:
        mlflow_store.set_tags(session.run_id, {f"{TAG_PREFIX}best_epoch": str(best_epoch)})
    return FitResult(session.run_id, initial_epoch, epochs_done, state.history, best_epoch)


def _ensure_built(model: keras.Model, train: tf.data.Dataset) -> None:
    """BackupAndRestore needs built weights and optimizer variables before ``fit``."""
    if not model.built:
        images, _ = next(iter(train.take(1)))
        model(images[:1])
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)
