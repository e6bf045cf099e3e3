"""The shared fit routine on tiny in-memory data with a real MLflow sqlite store."""

from __future__ import annotations

import json

import keras
import mlflow
import pytest

from crnn_ocr.config.train import ClassifierParams, FitParams
from crnn_ocr.models.classifier import build_classifier, compile_classifier
from crnn_ocr.training.fit import fit_model, make_optimizer, training_run


def _model(cfg: ClassifierParams) -> keras.Model:
    model = build_classifier(cfg, (16, 64))
    compile_classifier(model, make_optimizer(cfg))
    return model


CFG = ClassifierParams(epochs=3, batch_size=16, conv_filters=(4, 8), dense_units=8,
                       early_stopping_patience=5)


@pytest.mark.parametrize("name", ["adam", "adamw", "rmsprop", "sgd"])
def test_every_optimizer_name_builds(name: str) -> None:
    opt = make_optimizer(FitParams(optimizer=name, learning_rate=0.01))
    assert float(keras.ops.convert_to_numpy(opt.learning_rate)) == pytest.approx(0.01)


@pytest.mark.parametrize("name", ["adam", "adamw", "rmsprop", "sgd"])
def test_gradient_clip_norm_reaches_every_optimizer(name: str) -> None:
    opt = make_optimizer(FitParams(optimizer=name, gradient_clip_norm=5.0))
    assert opt.global_clipnorm == 5.0
    assert make_optimizer(FitParams(optimizer=name)).global_clipnorm is None


def test_gradient_clip_norm_bounds_the_step() -> None:
    import numpy as np

    def sgd_step(clip: float | None) -> float:
        opt = make_optimizer(FitParams(optimizer="sgd", learning_rate=1.0,
                                       gradient_clip_norm=clip))
        var = keras.Variable(np.zeros(4, np.float32))
        opt.apply_gradients([(keras.ops.convert_to_tensor(np.full(4, 1e-3, np.float32)), var)])
        return float(np.linalg.norm(keras.ops.convert_to_numpy(var)))

    assert sgd_step(None) == pytest.approx(2e-3)  # |g| = 2e-3, lr 1
    assert sgd_step(1e-4) == pytest.approx(1e-4)


def test_fit_logs_params_metrics_and_tags(project, tiny_datasets) -> None:
    train, val = tiny_datasets
    ckpt = project.models / "m" / "checkpoints"
    with training_run(project, "exp", ckpt, "run", {"train.classifier.epochs": 3},
                      {"crnn_ocr.preset": "cpu"}) as session:
        result = fit_model(session, _model(CFG), train, val, CFG, verbose=0)
        assert (ckpt / "mlflow_run_id").read_text() == session.run_id
    assert not ckpt.exists(), "checkpoints are removed once the run finished"
    assert result.initial_epoch == 0 and result.epochs_done == 3
    assert len(result.history["loss"]) == 3 and len(result.history["learning_rate"]) == 3

    client = mlflow.MlflowClient()
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["train.classifier.epochs"] == "3"
    assert run.data.tags["crnn_ocr.preset"] == "cpu"
    steps = [m.step for m in client.get_metric_history(result.run_id, "val_loss")]
    assert steps == [0, 1, 2]
    assert "learning_rate" in run.data.metrics
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.artifact_location.startswith((project.mlruns / "artifacts").as_uri())


class Interrupt(keras.callbacks.Callback):
    """Raise at the start of epoch ``at`` (an in-process stand-in for a crash)."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        if epoch == self.at:
            raise RuntimeError("interrupted")


def test_interrupted_fit_resumes_same_run_and_epoch(project, tiny_datasets) -> None:
    train, val = tiny_datasets
    ckpt = project.models / "m" / "checkpoints"
    cfg = CFG.model_copy(update={"epochs": 4})
    with pytest.raises(RuntimeError, match="interrupted"), training_run(
        project, "exp", ckpt, "run", {}, {}
    ) as session:
        first_id = session.run_id
        fit_model(session, _model(cfg), train, val, cfg, [Interrupt(2)], verbose=0)
    assert mlflow.MlflowClient().get_run(first_id).info.status == "FAILED"
    state = json.loads((ckpt / "fit_state.json").read_text())
    assert state["epoch"] == 2

    with training_run(project, "exp", ckpt, "run", {}, {}) as session:
        assert session.resumed and session.run_id == first_id
        result = fit_model(session, _model(cfg), train, val, cfg, verbose=0)
    assert result.initial_epoch == 2
    assert result.epochs_done == 4 and len(result.history["val_loss"]) == 4
    client = mlflow.MlflowClient()
    run = client.get_run(first_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["crnn_ocr.resumed_at_epoch"] == "2"
    assert sorted(m.step for m in client.get_metric_history(first_id, "loss")) == [0, 1, 2, 3]


def test_best_weights_restored_at_the_end(project, tiny_datasets) -> None:
    """EarlyStopping(restore_best_weights) leaves the weights of the best val_loss epoch."""
    train, val = tiny_datasets
    cfg = CFG.model_copy(update={"epochs": 4, "learning_rate": 0.05})
    model = _model(cfg)
    with training_run(project, "exp", project.models / "c", "run", {}, {}) as session:
        result = fit_model(session, model, train, val, cfg, verbose=0)
    best = result.best_epoch
    assert best is not None
    restored_val = model.evaluate(val, verbose=0, return_dict=True)["loss"]
    assert restored_val == pytest.approx(min(result.history["val_loss"]), rel=1e-3, abs=1e-4)


class _Scripted(keras.callbacks.Callback):
    """Sets ``logs[key]`` to a scripted value each epoch (as ValTextMetrics adds val_cer), and
    records the trainable weights at each epoch's end."""

    def __init__(self, key: str, values: list[float]) -> None:
        super().__init__()
        self.key, self.values = key, values
        self.weights_at_end: list[list] = []

    def on_epoch_end(self, epoch: int, logs=None) -> None:  # noqa: ANN001
        logs[self.key] = self.values[epoch]
        self.weights_at_end.append(
            [keras.ops.convert_to_numpy(w) for w in self.model.trainable_weights])


@pytest.mark.parametrize(
    ("monitor", "values", "best"),
    [
        ("val_cer", [0.5, 0.1, 0.3], 1),
        ("val_cer", [0.1, 0.5, 0.3], 0),
        ("val_accuracy", [0.2, 0.5, 0.9], 2),  # higher is better
        ("val_accuracy", [0.9, 0.2, 0.5], 0),
    ],
)
def test_monitor_picks_the_kept_epoch(project, tiny_datasets, monitor, values, best) -> None:
    """The weights kept are those of the best epoch by ``monitor``, whatever val_loss did."""
    import numpy as np

    train, val = tiny_datasets
    cfg = FitParams(epochs=3, batch_size=16, early_stopping_patience=5, monitor=monitor)
    script = _Scripted(monitor, values)
    model = _model(CFG)
    with training_run(project, "exp", project.models / "s", "run", {}, {}) as session:
        result = fit_model(session, model, train, val, cfg, [script], verbose=0)
    assert result.best_epoch == best
    assert result.history[monitor] == values
    for got, want in zip(model.trainable_weights, script.weights_at_end[best], strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(got), want)
    run = mlflow.MlflowClient().get_run(result.run_id)
    assert run.data.tags["crnn_ocr.best_epoch"] == str(best)
    assert run.data.metrics[monitor] == pytest.approx(values[-1])


def test_each_model_lists_the_metrics_it_can_monitor() -> None:
    from pydantic import ValidationError

    from crnn_ocr.config.train import OcrParams

    assert OcrParams(monitor="val_cer").monitor == "val_cer"
    with pytest.raises(ValidationError, match="val_decode_lines"):
        OcrParams(monitor="val_cer", val_decode_lines=0)
    with pytest.raises(ValidationError, match="monitor"):
        ClassifierParams(monitor="val_cer")
    with pytest.raises(ValidationError, match="monitor"):
        OcrParams(monitor="val_accuracy")


def test_checkpoint_of_other_params_is_not_resumed(project, tiny_datasets) -> None:
    """Rerunning with changed params after a crash starts a new run; the same params resume."""
    train, val = tiny_datasets
    ckpt = project.models / "m" / "checkpoints"
    cfg = CFG.model_copy(update={"epochs": 4})
    old = {"train.classifier.pooling": "flatten", "seed": 1}
    with pytest.raises(RuntimeError, match="interrupted"), training_run(
        project, "exp", ckpt, "run", old, {}
    ) as session:
        first_id = session.run_id
        fit_model(session, _model(cfg), train, val, cfg, [Interrupt(1)], verbose=0)

    changed = {**old, "train.classifier.pooling": "global_max"}
    with pytest.raises(RuntimeError, match="interrupted"), training_run(
        project, "exp", ckpt, "run", changed, {}
    ) as session:
        assert not session.resumed and session.run_id != first_id
        second_id = session.run_id
        fit_model(session, _model(cfg), train, val, cfg, [Interrupt(1)], verbose=0)

    with training_run(project, "exp", ckpt, "run", changed, {}) as session:
        assert session.resumed and session.run_id == second_id


COSINE = CFG.model_copy(update={
    "epochs": 4, "lr_schedule": "cosine", "warmup_epochs": 1.0, "learning_rate": 0.01,
    "min_learning_rate": 1e-4, "early_stopping_patience": 4,
})


def _cosine_model(cfg: ClassifierParams, train) -> keras.Model:
    model = build_classifier(cfg, (16, 64))
    compile_classifier(model, make_optimizer(cfg))
    return model


def test_cosine_schedule_warms_up_then_decays_to_the_floor(project, tiny_datasets) -> None:
    train, val = tiny_datasets
    with training_run(project, "exp", project.models / "c", "run", {}, {}) as session:
        result = fit_model(session, _cosine_model(COSINE, train), train, val, COSINE, verbose=0)
    lrs = result.history["learning_rate"]
    assert lrs[0] == pytest.approx(0.01)  # warm-up ends with the first epoch
    assert lrs[0] > lrs[1] > lrs[2] > lrs[3]
    assert lrs[3] == pytest.approx(1e-4)  # the floor at the end of the last epoch


def test_resumed_cosine_training_continues_the_same_curve(project, tiny_datasets) -> None:
    """The schedule follows the restored step count: a killed-and-resumed run's LRs match."""
    train, val = tiny_datasets
    with training_run(project, "exp", project.models / "a", "run", {}, {}) as session:
        straight = fit_model(session, _cosine_model(COSINE, train), train, val, COSINE,
                             verbose=0)
    ckpt = project.models / "b"
    with pytest.raises(RuntimeError, match="interrupted"), training_run(
        project, "exp", ckpt, "run", {}, {}
    ) as session:
        fit_model(session, _cosine_model(COSINE, train), train, val, COSINE, [Interrupt(2)],
                  verbose=0)
    with training_run(project, "exp", ckpt, "run", {}, {}) as session:
        resumed = fit_model(session, _cosine_model(COSINE, train), train, val, COSINE,
                            verbose=0)
    assert resumed.initial_epoch == 2
    assert resumed.history["learning_rate"] == pytest.approx(straight.history["learning_rate"])


def test_cosine_needs_steps_and_room_after_warmup() -> None:
    from crnn_ocr.training.schedule import CosineLearningRate

    with pytest.raises(ValueError, match="steps per epoch"):
        CosineLearningRate(COSINE, 0)
    with pytest.raises(ValueError, match="warmup_epochs"):
        FitParams(epochs=2, lr_schedule="cosine", warmup_epochs=2)


def _first_bn_input_means(model: keras.Model, data, batches: int):  # noqa: ANN001
    """Per-batch channel means of what the first BatchNorm layer sees, in training mode."""
    import numpy as np

    from crnn_ocr.training.callbacks import batch_norm_layers

    bn = batch_norm_layers(model)[0]
    feed = keras.Model(model.inputs, bn.input)
    means = [np.asarray(feed(x, training=True)).mean(axis=(0, 1, 2))
             for x, _ in data.take(batches)]
    return np.mean(means, axis=0)


def test_batch_norm_statistics_are_the_exact_average_over_the_batches(tiny_datasets) -> None:
    import numpy as np

    from crnn_ocr.training.callbacks import batch_norm_layers, recompute_batch_norm

    train, _ = tiny_datasets
    model = _model(CFG)
    bn = batch_norm_layers(model)[0]
    expected = _first_bn_input_means(model, train, 3)
    assert not np.allclose(np.asarray(bn.moving_mean), expected, atol=1e-3)
    weights = [np.asarray(w) for w in model.trainable_weights]

    assert recompute_batch_norm(model, train, 3) == 3
    np.testing.assert_allclose(np.asarray(bn.moving_mean), expected, rtol=1e-4, atol=1e-6)
    assert bn.momentum == pytest.approx(0.9)  # restored
    for before, after in zip(weights, model.trainable_weights, strict=True):
        np.testing.assert_array_equal(before, np.asarray(after))  # no training step


def test_fit_validates_with_statistics_of_the_current_weights(project, tiny_datasets) -> None:
    """With bn_recompute_batches, what validation scored (and early stopping kept) is the model
    whose BatchNorm statistics come from its own weights, not the lagging moving averages."""
    import numpy as np

    from crnn_ocr.training.callbacks import batch_norm_layers

    train, val = tiny_datasets
    cfg = CFG.model_copy(update={"epochs": 1, "bn_recompute_batches": 2})
    with pytest.raises(ValueError, match="statistics_data"), training_run(
        project, "exp", project.models / "a", "run", {}, {}
    ) as session:
        fit_model(session, _model(cfg), train, val, cfg, verbose=0)
    model = _model(cfg)
    with training_run(project, "exp", project.models / "b", "run", {}, {}) as session:
        result = fit_model(session, model, train, val, cfg, verbose=0, statistics_data=train)
    bn = batch_norm_layers(model)[0]
    np.testing.assert_allclose(np.asarray(bn.moving_mean), _first_bn_input_means(model, train, 2),
                               rtol=1e-4, atol=1e-6)
    val_loss = model.evaluate(val, verbose=0, return_dict=True)["loss"]
    assert val_loss == pytest.approx(result.history["val_loss"][0], rel=1e-4)


class _WeightLog(keras.callbacks.Callback):
    """Trainable weights after every training step, at each epoch's first step and at each
    epoch's end (as the callbacks there see them)."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[list] = []
        self.epoch_start: list[list] = []
        self.epoch_end: list[list] = []

    def _weights(self) -> list:
        return [keras.ops.convert_to_numpy(w) for w in self.model.trainable_weights]

    def on_train_batch_begin(self, batch: int, logs=None) -> None:  # noqa: ANN001
        if batch == 0:
            self.epoch_start.append(self._weights())

    def on_train_batch_end(self, batch: int, logs=None) -> None:  # noqa: ANN001
        self.steps.append(self._weights())

    def on_epoch_end(self, epoch: int, logs=None) -> None:  # noqa: ANN001
        self.epoch_end.append(self._weights())


EMA = CFG.model_copy(update={"epochs": 2, "ema_momentum": 0.8, "dropout": 0.0})


def test_ema_validates_the_average_and_trains_on_the_raw_weights(project, tiny_datasets) -> None:
    import numpy as np

    train, val = tiny_datasets
    watch = _WeightLog()
    model = _model(EMA)
    with training_run(project, "exp", project.models / "e", "run", {}, {}) as session:
        result = fit_model(session, model, train, val, EMA, [watch], verbose=0)
    average = watch.steps[0]  # Keras: the first step copies, then m * avg + (1 - m) * w
    averages = [average]
    for weights in watch.steps[1:]:
        average = [0.8 * a + 0.2 * w for a, w in zip(average, weights, strict=True)]
        averages.append(average)
    per_epoch = len(watch.steps) // 2
    for epoch in range(2):
        expected = averages[(epoch + 1) * per_epoch - 1]
        for got, want in zip(watch.epoch_end[epoch], expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # The second epoch starts from the last raw weights, not from the average.
    for got, raw in zip(watch.epoch_start[1], watch.steps[per_epoch - 1], strict=True):
        np.testing.assert_array_equal(got, raw)
    assert not all(np.allclose(a, r) for a, r in zip(averages[per_epoch - 1],
                                                     watch.steps[per_epoch - 1], strict=True))
    # What validation scored is the model returned (the best epoch's average).
    val_loss = model.evaluate(val, verbose=0, return_dict=True)["loss"]
    assert val_loss == pytest.approx(min(result.history["val_loss"]), rel=1e-4)


class _AverageLog(_WeightLog):
    """:class:`_WeightLog` plus the optimizer's moving averages at each epoch's first step."""

    def __init__(self) -> None:
        super().__init__()
        self.average_start: list[list] = []

    def on_train_batch_begin(self, batch: int, logs=None) -> None:  # noqa: ANN001
        super().on_train_batch_begin(batch, logs)
        if batch == 0:
            self.average_start.append([keras.ops.convert_to_numpy(v) for v in
                                       self.model.optimizer._model_variables_moving_average])


def test_resumed_ema_training_goes_on_from_the_state_it_stopped_in(project, tiny_datasets) -> None:
    """The backup holds the average in the model and the raw weights in the optimizer; a
    resumed run swaps them back, so it trains on from the raw weights with the average intact.

    (Comparing with a second, uninterrupted training instead needs bit-identical runs, which
    oneDNN does not promise on every CPU: that version of this test failed in CI.)"""
    import numpy as np

    train, val = tiny_datasets
    cfg = EMA.model_copy(update={"epochs": 4})
    ckpt = project.models / "b"
    stopped = _WeightLog()
    with pytest.raises(RuntimeError, match="interrupted"), training_run(
        project, "exp", ckpt, "run", {}, {}
    ) as session:
        fit_model(session, _model(cfg), train, val, cfg, [stopped, Interrupt(2)], verbose=0)
    resumed_log = _AverageLog()
    with training_run(project, "exp", ckpt, "run", {}, {}) as session:
        resumed = fit_model(session, _model(cfg), train, val, cfg, [resumed_log], verbose=0)
    assert resumed.initial_epoch == 2 and resumed.epochs_done == 4
    raw, average = stopped.steps[-1], stopped.epoch_end[1]  # end of the stopped epoch 1
    assert not all(np.allclose(a, r) for a, r in zip(average, raw, strict=True))
    for got, want in zip(resumed_log.epoch_start[0], raw, strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(resumed_log.average_start[0], average, strict=True):
        np.testing.assert_array_equal(got, want)


def test_ema_momentum_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="ema_momentum"):
        FitParams(ema_momentum=1.0)
    assert make_optimizer(EMA).use_ema and not make_optimizer(CFG).use_ema
