"""Model registry: new versions become ``challenger``; ``champion`` moves only on a real win.

A challenger replaces the champion when its test metric is strictly better *and* both versions
were scored on the same test set (the first tag of ``registry.test_set_tags`` that both runs
carry must be equal). Anything else is refused with the reason; MLflow aliases are used, not the
deprecated stages. Every decision is written as tags on the challenger version and as a run in
the ``registry.experiment`` experiment, with both numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crnn_ocr.errors import CrnnOcrError

if TYPE_CHECKING:
    import mlflow

CHAMPION = "champion"
CHALLENGER = "challenger"
TAG = "crnn_ocr.promotion."


@dataclass(frozen=True)
class Candidate:
    """One model version and what its training run says about it."""

    version: str
    run_id: str | None
    value: float | None  # the gate metric; None when the run did not log it
    tags: dict[str, str]


@dataclass(frozen=True)
class Decision:
    """Outcome of one promotion attempt (small values: safe to pass between Prefect tasks)."""

    model: str
    metric: str
    promoted: bool
    reason: str
    challenger: Candidate | None
    champion: Candidate | None  # the champion before the decision


def register_version(
    client: mlflow.MlflowClient, model_uri: str, name: str, tags: dict[str, str] | None = None
) -> str:
    """Register ``model_uri`` as a new version of ``name`` with alias ``challenger``."""
    import mlflow

    version = mlflow.register_model(model_uri, name, tags=tags, await_registration_for=60)
    client.set_registered_model_alias(name, CHALLENGER, str(version.version))
    return str(version.version)


def _by_alias(client: mlflow.MlflowClient, name: str, alias: str, metric: str) -> Candidate | None:
    from mlflow.exceptions import MlflowException

    try:
        version = client.get_model_version_by_alias(name, alias)
    except MlflowException:
        return None
    value, tags = None, {}
    if version.run_id:
        run = client.get_run(version.run_id)
        value, tags = run.data.metrics.get(metric), dict(run.data.tags)
    return Candidate(str(version.version), version.run_id, value, tags)


def _test_set_mismatch(a: Candidate, b: Candidate, tag_names: Sequence[str]) -> str | None:
    """Why the two runs are not comparable, or None when they share a test set."""
    for tag in tag_names:
        if tag in a.tags and tag in b.tags:
            if a.tags[tag] == b.tags[tag]:
                return None
            return (
                f"test sets differ ({tag}: v{a.version}={a.tags[tag][:12]} vs "
                f"v{b.version}={b.tags[tag][:12]}); re-evaluate both on the same test split"
            )
    return f"cannot tell the test sets apart: no tag of {list(tag_names)} on both runs"


def _decide(
    challenger: Candidate | None,
    champion: Candidate | None,
    metric: str,
    higher_is_better: bool,
    tag_names: Sequence[str],
) -> tuple[bool, str]:
    if challenger is None:
        return False, "no version has alias 'challenger'"
    if challenger.value is None or math.isnan(challenger.value):
        return False, f"challenger v{challenger.version}: its run logged no metric {metric!r}"
    if champion is None:
        return True, "no champion yet: the first scored challenger becomes champion"
    if champion.version == challenger.version:
        return False, f"v{challenger.version} is already champion"
    if champion.value is None:
        return False, f"champion v{champion.version}: its run logged no metric {metric!r}"
    mismatch = _test_set_mismatch(challenger, champion, tag_names)
    if mismatch:
        return False, mismatch
    better = (
        challenger.value > champion.value if higher_is_better else challenger.value < champion.value
    )
    word = "beats" if better else "does not beat"
    return better, (
        f"{metric}: challenger v{challenger.version} = {challenger.value:.4f} {word} "
        f"champion v{champion.version} = {champion.value:.4f}"
    )


def promote(
    client: mlflow.MlflowClient,
    model_name: str,
    metric: str,
    higher_is_better: bool,
    test_set_tags: Sequence[str] = ("crnn_ocr.test_set_hash",),
    experiment: str | None = "crnn-ocr-promotion",
) -> Decision:
    """Move ``champion`` to the challenger when it beats the champion on the same test set.

    Raises:
        CrnnOcrError: ``model_name`` is not a registered model.
    """
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(model_name)
    except MlflowException as exc:
        raise CrnnOcrError(f"registered model {model_name!r} not found in the registry") from exc
    challenger = _by_alias(client, model_name, CHALLENGER, metric)
    champion = _by_alias(client, model_name, CHAMPION, metric)
    promoted, reason = _decide(challenger, champion, metric, higher_is_better, test_set_tags)
    decision = Decision(model_name, metric, promoted, reason, challenger, champion)
    if promoted and challenger is not None:
        client.set_registered_model_alias(model_name, CHAMPION, challenger.version)
    _record(client, decision, experiment)
    return decision


def _record(client: mlflow.MlflowClient, decision: Decision, experiment: str | None) -> None:
    """Tags on the challenger version + one MLflow run holding both numbers."""
    challenger, champion = decision.challenger, decision.champion
    values = {
        "challenger": challenger.value if challenger else None,
        "champion": champion.value if champion else None,
    }
    if challenger is not None:
        tags = {
            "decision": "promoted" if decision.promoted else "kept",
            "reason": decision.reason,
            "metric": decision.metric,
            "champion_version": champion.version if champion else "none",
            **{f"{k}_value": str(v) for k, v in values.items()},
        }
        for key, value in tags.items():
            client.set_model_version_tag(decision.model, challenger.version, TAG + key, value)
    if experiment is None:
        return
    found = client.get_experiment_by_name(experiment)
    exp_id = found.experiment_id if found else client.create_experiment(experiment)
    run = client.create_run(exp_id, run_name=f"promote-{decision.model}", tags={
        TAG + "model": decision.model,
        TAG + "decision": "promoted" if decision.promoted else "kept",
        TAG + "reason": decision.reason,
    })
    client.log_param(run.info.run_id, "metric", decision.metric)
    for role, candidate in (("challenger", challenger), ("champion", champion)):
        client.log_param(run.info.run_id, f"{role}_version", candidate.version if candidate else "")
    for role, number in values.items():
        if number is not None and not math.isnan(number):
            client.log_metric(run.info.run_id, f"{role}_{decision.metric}", number)
    client.set_terminated(run.info.run_id)


def aliases(client: mlflow.MlflowClient, names: Sequence[str]) -> dict[str, dict[str, str]]:
    """``{model: {alias: version}}`` for the registered models among ``names``."""
    from mlflow.exceptions import MlflowException

    found: dict[str, dict[str, str]] = {}
    for name in names:
        try:
            model = client.get_registered_model(name)
        except MlflowException:
            continue
        found[name] = {alias: str(v) for alias, v in (model.aliases or {}).items()}
    return found
