"""The ``promote`` stage: gated move of the ``champion`` alias for each registered model.

Kept out of ``dvc.yaml`` on purpose: it changes shared state (the MLflow registry) and has no
file output DVC could cache, so ``dvc repro`` must never run it as a side effect.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from crnn_ocr.config import Params
from crnn_ocr.config.registry import GateParams
from crnn_ocr.errors import CrnnOcrError
from crnn_ocr.paths import Paths
from crnn_ocr.tracking import mlflow_store, registry

ROLES = ("classifier", "recognizer")


def model_gates(params: Params) -> dict[str, tuple[str, GateParams]]:
    """``{role: (registered model name, gate)}`` for both models."""
    return {
        "classifier": (params.train.classifier.registered_model, params.registry.classifier),
        "recognizer": (params.train.ocr.registered_model, params.registry.recognizer),
    }


def run(
    params: Params, paths: Paths, models: Sequence[str] = ROLES, missing_ok: bool = False
) -> tuple[registry.Decision, ...]:
    """Promote each of ``models`` (roles or registered names) whose challenger wins.

    Raises:
        CrnnOcrError: an unknown model name, or a model not registered (unless ``missing_ok``).
    """
    gates = model_gates(params)
    by_name = {name: (name, gate) for name, gate in gates.values()}
    for model in models:
        if model not in gates and model not in by_name:
            known = ", ".join([*gates, *by_name])
            raise CrnnOcrError(f"--model {model!r}: unknown model (known: {known})")
    client = mlflow_store.setup(paths)
    decisions = []
    for model in models:
        name, gate = gates.get(model) or by_name[model]
        try:
            decisions.append(registry.promote(
                client, name, gate.metric, gate.higher_is_better,
                params.registry.test_set_tags, params.registry.experiment,
            ))
        except CrnnOcrError:
            if not missing_ok:
                raise
            decisions.append(registry.Decision(name, gate.metric, False, "not registered yet",
                                               None, None))
    return tuple(decisions)


CHAMPION_PAIR_TAG = "crnn_ocr.champion_pair"
CONFIG_TAG = "crnn_ocr.inference_config"  # the Recognizer options the served model runs with


def preprocess_differences(client: Any, run_id: str, params: Params) -> list[str]:
    """``key: trained -> now`` for each ``preprocess.*`` param the run logged differently.

    The end-to-end model preprocesses with the current ``preprocess`` params, so both models
    must have been trained with them. A run logged before a key existed counts as that key's
    default (the reference behaviour).
    """
    from crnn_ocr.config.preprocess import PreprocessParams
    from crnn_ocr.tracking.tags import flatten

    logged = client.get_run(run_id).data.params
    defaults = flatten(PreprocessParams().model_dump(mode="json"), "preprocess")
    now = flatten(params.preprocess.model_dump(mode="json"), "preprocess")
    shape = ("height", "width", "block_size", "c", "pad_after_threshold", "ink_fill")
    out = []
    for key in (f"preprocess.{k}" for k in shape):
        trained = logged.get(key, str(defaults[key]))
        if trained != str(now[key]):
            out.append(f"{key}: {trained} -> {now[key]}")
    return out


def publish_end_to_end(params: Params, paths: Paths) -> str:
    """Register the end-to-end ``crnn-ocr`` pyfunc from the two champions; say what happened.

    The served model runs with the ``inference`` params (``model_config``). A new version
    (alias ``champion``) is made only when the pair of champion versions or those params changed
    since the current ``crnn-ocr@champion``, so reruns do not pile up identical versions.
    """
    from mlflow.exceptions import MlflowException

    from crnn_ocr.serving.register import register_end_to_end

    client = mlflow_store.setup(paths)
    name = params.inference.registered_model
    sources = []
    for model_name, _gate in model_gates(params).values():
        try:
            champion = client.get_model_version_by_alias(model_name, "champion")
        except MlflowException:
            return f"{name}: not published ({model_name} has no champion yet)"
        version = champion.version
        if champion.run_id and (differ := preprocess_differences(client, champion.run_id,
                                                                 params)):
            return (f"{name}: not published ({model_name} v{version} was trained with other "
                    f"preprocessing: {'; '.join(differ)}; retrain it or set preprocess to match)")
        sources.append(f"models:/{model_name}/{version}")
    pair = " + ".join(sources)
    options = params.inference.recognizer_options()
    tags = {CHAMPION_PAIR_TAG: pair, CONFIG_TAG: json.dumps(options, sort_keys=True)}
    try:
        current = client.get_model_version_by_alias(name, "champion")
        if all(current.tags.get(key) == value for key, value in tags.items()):
            return f"{name}: champion v{current.version} already bundles {pair}"
    except MlflowException:
        pass
    published = register_end_to_end(
        sources[0], sources[1], preprocess=params.preprocess, paths=paths, model_name=name,
        alias="champion", tags=tags, model_config=options,
    )

    def tag_version() -> None:
        for key, value in tags.items():
            client.set_model_version_tag(name, str(published), key, value)

    mlflow_store.with_retry(tag_version)
    return f"{name}: registered v{published} (alias champion) = {pair}"
