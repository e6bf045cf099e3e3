"""Gated promotion on a real MLflow sqlite store with real (tiny pyfunc) registered models."""

from __future__ import annotations

from pathlib import Path

import pytest

mlflow = pytest.importorskip("mlflow")
pyfunc = pytest.importorskip("mlflow.pyfunc")

from crnn_ocr.errors import CrnnOcrError  # noqa: E402
from crnn_ocr.paths import Paths  # noqa: E402
from crnn_ocr.tracking import mlflow_store, registry  # noqa: E402

NAME = "crnn-ocr-recognizer"
TEST_TAG = "crnn_ocr.test_set_hash"


class Constant(pyfunc.PythonModel):  # type: ignore[name-defined]
    """A real (tiny) pyfunc model: returns its constant for every input row."""

    def __init__(self, value: str) -> None:
        self.value = value

    def predict(self, context, model_input, params=None):  # noqa: ANN001
        return [self.value] * len(model_input)


@pytest.fixture()
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "params.yaml").write_text("{}\n")
    paths = Paths.from_root(tmp_path)
    client = mlflow_store.setup(paths)
    mlflow.set_experiment("crnn-ocr-test")
    return client


def train_and_register(client, lr: float, cer: float, test_set: str = "t1") -> str:
    """A run shaped like a training run: params, metrics, data-version tags, a model."""
    with mlflow.start_run() as run:
        mlflow.log_params({"train.ocr.learning_rate": lr, "train.ocr.epochs": 1})
        mlflow.log_metrics({"test_cer": cer, "val_loss": cer * 10})
        mlflow.set_tags({TEST_TAG: test_set, "crnn_ocr.data_raw_hash": "abc123"})
        info = mlflow.pyfunc.log_model(
            name="model", python_model=Constant(f"lr={lr}"), pip_requirements=[]
        )
    return registry.register_version(client, info.model_uri, NAME, {"run": run.info.run_id})


def promote(client) -> registry.Decision:
    return registry.promote(client, NAME, "test_cer", higher_is_better=False,
                            test_set_tags=(TEST_TAG,), experiment="promotions")


def champion(client) -> str:
    return str(client.get_model_version_by_alias(NAME, "champion").version)


def test_champion_moves_only_when_cer_improves_on_same_test_set(client) -> None:
    v1 = train_and_register(client, lr=1e-3, cer=0.30)
    first = promote(client)
    assert first.promoted and champion(client) == v1

    v2 = train_and_register(client, lr=3e-3, cer=0.35)  # worse
    second = promote(client)
    assert not second.promoted and "does not beat" in second.reason
    assert champion(client) == v1
    assert str(client.get_model_version_by_alias(NAME, "challenger").version) == v2
    tags = client.get_model_version(NAME, v2).tags
    assert tags["crnn_ocr.promotion.decision"] == "kept"
    assert float(tags["crnn_ocr.promotion.challenger_value"]) == pytest.approx(0.35)
    assert float(tags["crnn_ocr.promotion.champion_value"]) == pytest.approx(0.30)

    v3 = train_and_register(client, lr=5e-4, cer=0.20)  # better
    third = promote(client)
    assert third.promoted and champion(client) == v3
    assert third.champion is not None and third.champion.version == v1

    train_and_register(client, lr=5e-4, cer=0.01, test_set="t2")  # better but other test set
    fourth = promote(client)
    assert not fourth.promoted and "test sets differ" in fourth.reason
    assert champion(client) == v3

    # The registered model really loads and predicts.
    model = mlflow.pyfunc.load_model(f"models:/{NAME}@champion")
    assert model.predict([[0], [1]]) == ["lr=0.0005", "lr=0.0005"]

    # Each decision is an MLflow run holding both numbers.
    exp = client.get_experiment_by_name("promotions")
    runs = client.search_runs([exp.experiment_id], order_by=["attributes.start_time ASC"])
    assert [r.data.tags["crnn_ocr.promotion.decision"] for r in runs] == [
        "promoted", "kept", "promoted", "kept"]
    assert runs[1].data.metrics == pytest.approx(
        {"challenger_test_cer": 0.35, "champion_test_cer": 0.30})


def test_training_runs_are_comparable(client) -> None:
    train_and_register(client, lr=1e-3, cer=0.30)
    train_and_register(client, lr=3e-3, cer=0.25)
    exp = client.get_experiment_by_name("crnn-ocr-test")
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 2
    assert runs[0].data.params.keys() == runs[1].data.params.keys()
    assert runs[0].data.params != runs[1].data.params
    assert runs[0].data.metrics.keys() == runs[1].data.metrics.keys()
    assert {r.data.tags["crnn_ocr.data_raw_hash"] for r in runs} == {"abc123"}


def test_promote_refuses_unknown_model_and_missing_metric(client) -> None:
    with pytest.raises(CrnnOcrError, match="not found"):
        registry.promote(client, "nope", "test_cer", False)
    train_and_register(client, lr=1e-3, cer=0.3)
    decision = registry.promote(client, NAME, "test_accuracy", True, (TEST_TAG,), None)
    assert not decision.promoted and "logged no metric" in decision.reason
    assert registry.aliases(client, [NAME, "nope"]) == {NAME: {"challenger": "1"}}


def test_end_to_end_refuses_champions_trained_with_other_preprocessing(client) -> None:
    """Both models must have seen the preprocessing the end-to-end bundle will apply."""
    from crnn_ocr.config import load_params
    from crnn_ocr.stages.promote import preprocess_differences
    from crnn_ocr.tracking.tags import flatten

    params = load_params(Path(__file__).parents[3] / "params.yaml",
                         ["preprocess.pad_after_threshold=true"])
    now = {k: str(v) for k, v in
           flatten(params.preprocess.model_dump(mode="json"), "preprocess").items()}

    def run_with(logged: dict[str, str]) -> str:
        with mlflow.start_run() as run:
            mlflow.log_params(logged)
        return run.info.run_id

    assert preprocess_differences(client, run_with(now), params) == []
    old = {k: v for k, v in now.items() if k != "preprocess.pad_after_threshold"}
    assert preprocess_differences(client, run_with(old), params) == [
        "preprocess.pad_after_threshold: False -> True"]
    taller = {**now, "preprocess.height": "64"}
    assert preprocess_differences(client, run_with(taller), params) == [
        f"preprocess.height: 64 -> {params.preprocess.height}"]
