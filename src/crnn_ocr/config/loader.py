"""Load ``params.yaml`` into typed, validated parameters.

``params.yaml`` is the single source of truth read by DVC, Prefect and the CLI. A preset
(``presets.<name>``) is an overlay merged into the base sections before validation, so presets
are data, not code branches.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from crnn_ocr.config.params import Params


class ConfigError(ValueError):
    """A params file or override is invalid; the message names the key path."""


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``overlay`` merged in recursively (overlay wins)."""
    merged = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_override(item: str) -> dict[str, Any]:
    """Turn ``a.b.c=value`` into ``{"a": {"b": {"c": value}}}`` (value parsed as YAML)."""
    if "=" not in item:
        raise ConfigError(f"override {item!r}: expected KEY.PATH=VALUE")
    key, raw = item.split("=", 1)
    parts = [p for p in key.strip().split(".") if p]
    if not parts:
        raise ConfigError(f"override {item!r}: empty key")
    value: Any = yaml.safe_load(raw)
    for part in reversed(parts):
        value = {part: value}
    return value


def format_validation_error(err: ValidationError) -> str:
    """One line per problem, each starting with the dotted key path."""
    lines = []
    for problem in err.errors():
        # Our own validators raise ValueError: show their message, not pydantic's "Value error, ".
        error = problem.get("ctx", {}).get("error") if problem["type"] == "value_error" else None
        message = str(error) if error is not None else problem["msg"]
        path = ".".join(str(p) for p in problem["loc"])
        lines.append(f"{path}: {message}" if path else message)  # no path: a cross-field check
    return "; ".join(lines)


def resolve_raw(raw: Mapping[str, Any], overrides: Iterable[str] = ()) -> dict[str, Any]:
    """Apply ``--set`` overrides, then the selected preset overlay."""
    data = dict(raw)
    for item in overrides:
        data = deep_merge(data, parse_override(item))
    presets = data.get("presets") or {}
    name = data.get("preset")
    if name is not None:
        if name not in presets:
            known = ", ".join(sorted(presets)) or "none defined"
            raise ConfigError(f"preset: unknown preset {name!r} (known: {known})")
        data = deep_merge(data, presets[name])
        # Overrides win over the preset too, so `-S train.ocr.epochs=2` works with any preset.
        for item in overrides:
            data = deep_merge(data, parse_override(item))
    return data


def load_params(path: str | Path = "params.yaml", overrides: Iterable[str] = ()) -> Params:
    """Read, merge and validate ``params.yaml``.

    Raises:
        ConfigError: the file is missing, not YAML, or a value is invalid (key path named).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: params file not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: top level must be a mapping")
    return validate_params(raw, overrides, str(path))


def validate_params(raw: Mapping[str, Any], overrides: Iterable[str], source: str) -> Params:
    """Apply ``overrides`` and the preset to ``raw``, then validate; errors name ``source``."""
    data = resolve_raw(raw, list(overrides))
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {format_validation_error(exc)}") from exc
