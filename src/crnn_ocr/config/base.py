"""Shared base for every params.yaml section: frozen, strict, named errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A frozen params section that rejects unknown keys (typos fail at load time)."""

    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())
