"""One flow per stage, for running (or deploying) a single stage with the same caching."""

from __future__ import annotations

from prefect import flow

from flows.common import StageOutcome, load, run_stage


def _run(stage: str, params_file: str, preset: str | None, overrides: list[str] | None,
         dvc_commit: bool) -> StageOutcome:
    params, paths = load(params_file, preset, overrides)
    same_as_file = params == load(params_file)[0]  # dvc.lock can only record params.yaml
    return run_stage(stage, params, paths, commit=dvc_commit and same_as_file)


@flow(name="crnn-ocr-data")
def data_flow(params_file: str = "params.yaml", preset: str | None = None,
              overrides: list[str] | None = None, dvc_commit: bool = True) -> StageOutcome:
    return _run("data", params_file, preset, overrides, dvc_commit)


@flow(name="crnn-ocr-validate")
def validate_flow(params_file: str = "params.yaml", preset: str | None = None,
                  overrides: list[str] | None = None, dvc_commit: bool = True) -> StageOutcome:
    return _run("validate", params_file, preset, overrides, dvc_commit)


@flow(name="crnn-ocr-preprocess")
def preprocess_flow(params_file: str = "params.yaml", preset: str | None = None,
                    overrides: list[str] | None = None, dvc_commit: bool = True) -> StageOutcome:
    return _run("preprocess", params_file, preset, overrides, dvc_commit)


@flow(name="crnn-ocr-train-classifier")
def train_classifier_flow(params_file: str = "params.yaml", preset: str | None = None,
                          overrides: list[str] | None = None,
                          dvc_commit: bool = True) -> StageOutcome:
    return _run("train_classifier", params_file, preset, overrides, dvc_commit)


@flow(name="crnn-ocr-train-ocr")
def train_ocr_flow(params_file: str = "params.yaml", preset: str | None = None,
                   overrides: list[str] | None = None, dvc_commit: bool = True) -> StageOutcome:
    return _run("train_ocr", params_file, preset, overrides, dvc_commit)


@flow(name="crnn-ocr-evaluate")
def evaluate_flow(params_file: str = "params.yaml", preset: str | None = None,
                  overrides: list[str] | None = None, dvc_commit: bool = True) -> StageOutcome:
    return _run("evaluate", params_file, preset, overrides, dvc_commit)
