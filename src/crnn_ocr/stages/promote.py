"""The ``promote`` stage: gated move of the ``champion`` alias for each registered model.

Kept out of ``dvc.yaml`` on purpose: it changes shared state (the MLflow registry) and has no
file output DVC could cache, so ``dvc repro`` must never run it as a side effect.
"""

from __future__ import annotations

from collections.abc import Sequence

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
