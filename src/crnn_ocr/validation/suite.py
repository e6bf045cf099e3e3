"""The Great Expectations suite, in code, and one checkpoint run over the facts DataFrame.

One row of the facts DataFrame = one row of ``labels.csv`` (its line number in ``row``) plus its
image facts. Every expectation carries the name of its check in ``meta["check"]``; GX reports
the failing rows by ``row`` (result format COMPLETE), which is how quarantine reasons are made.
``great_expectations`` is imported inside the functions (it takes seconds to import).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crnn_ocr.config.validation import ValidationParams
from crnn_ocr.data.manifest import SPLITS

SUITE_NAME = "crnn_ocr_dataset"
ROW = "row"  # 1-based line of the record in labels.csv; the index column GX reports


@dataclass(frozen=True)
class CheckResult:
    """One expectation's outcome: failing rows (line numbers) for row checks, else observed."""

    check: str
    severity: str  # critical | warning | info
    success: bool
    rows: tuple[int, ...] = ()
    observed: Any = None
    expectation: str = ""
    bounds: tuple[Any, Any] = (None, None)  # min_value, max_value where the expectation has them


@dataclass(frozen=True)
class SuiteOutcome:
    results: tuple[CheckResult, ...]
    gx_success: bool
    data_docs_index: Path | None = None
    failing_rows: dict[int, list[str]] = field(default_factory=dict)  # row -> check names


def gx_error(info: Any) -> str | None:
    """The error message in a GX ``exception_info``: flat, or nested per metric on failure."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "unknown error")
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "unknown error")
    return None


def charset_regex(allowed: str) -> str:
    """A regex matching texts made only of ``allowed`` characters (newlines included)."""
    return "^[" + "".join(re.escape(ch) for ch in allowed) + r"]*\Z"


def build_suite(params: ValidationParams, has_split: bool) -> Any:
    """The expectation suite, one expectation per named check (``meta["check"]``)."""
    import great_expectations as gx
    from great_expectations.expectations.metadata_types import FailureSeverity

    e = gx.expectations

    def meta(check: str, why: str) -> dict[str, Any]:
        return {"meta": {"check": check, "notes": why}}

    expectations = [
        e.ExpectColumnValuesToBeInSet(column="path_ok", value_set=[True],
                                      **meta("path", "relative path inside images/")),
        e.ExpectColumnValuesToBeInSet(column="exists", value_set=[True],
                                      **meta("exists", "the image file exists")),
        e.ExpectColumnValuesToBeBetween(column="size_bytes", min_value=1,
                                        **meta("nonempty", "the image file is not empty")),
        e.ExpectColumnValuesToBeInSet(column="format", value_set=list(params.formats),
                                      **meta("format", "format by magic bytes")),
        e.ExpectColumnValuesToBeInSet(column="extension_ok", value_set=[True],
                                      **meta("extension", "extension agrees with the content")),
        e.ExpectColumnValuesToBeBetween(column="pixels", max_value=params.max_pixels,
                                        **meta("pixels", "header size under the bomb limit")),
        e.ExpectColumnValuesToBeInSet(column="decodes", value_set=[True],
                                      **meta("decodes", "OpenCV decodes the file")),
        e.ExpectColumnValuesToBeBetween(column="height", min_value=params.min_height,
                                        max_value=params.max_height, **meta("height", "pixels")),
        e.ExpectColumnValuesToBeBetween(column="width", min_value=params.min_width,
                                        max_value=params.max_width, **meta("width", "pixels")),
        e.ExpectColumnValuesToBeBetween(column="aspect", min_value=params.min_aspect,
                                        max_value=params.max_aspect,
                                        **meta("aspect", "width / height of a text line")),
        e.ExpectColumnValuesToBeInSet(column="class", value_set=["0", "1"],
                                      **meta("class", "0 = printed, 1 = handwritten")),
        e.ExpectColumnValuesToBeUnique(column="file name",
                                       **meta("duplicate_file_name", "one label per image")),
        e.ExpectColumnValueLengthsToBeBetween(column="text", min_value=params.min_text_length,
                                              max_value=params.max_text_length,
                                              **meta("text_length", "characters")),
        e.ExpectColumnValuesToMatchRegex(column="text", regex=charset_regex(params.allowed_chars()),
                                         **meta("charset", f"charset {params.charset} + extra")),
        e.ExpectColumnMeanToBeBetween(column="handwritten",
                                      min_value=params.min_handwritten_fraction,
                                      max_value=params.max_handwritten_fraction,
                                      severity=FailureSeverity.WARNING,
                                      **meta("class_balance", "share of handwritten rows")),
        e.ExpectColumnProportionOfUniqueValuesToBeBetween(
            column="text", min_value=0.0, max_value=1.0, severity=FailureSeverity.INFO,
            **meta("unique_texts", "share of distinct texts (information)")),
    ]
    if has_split:
        expectations.append(e.ExpectColumnValuesToBeInSet(
            column="split", value_set=["", *SPLITS],
            **meta("split", "train/val/test, or empty to assign")))
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    for expectation in expectations:
        suite.add_expectation(expectation)
    return suite


def _context(docs_dir: Path | None) -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        sites["crnn_ocr"] = {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(Path(docs_dir).resolve())},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def run_suite(
    facts: pd.DataFrame, params: ValidationParams, docs_dir: Path | None = None
) -> SuiteOutcome:
    """Validate ``facts`` with one checkpoint; build Data Docs under ``docs_dir`` if given."""
    import great_expectations as gx

    context = _context(docs_dir)
    batch = (
        context.data_sources.add_pandas("dataset")
        .add_dataframe_asset("labels_with_image_facts")
        .add_batch_definition_whole_dataframe("all_rows")
    )
    suite = context.suites.add(build_suite(params, has_split="split" in facts.columns))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="validate_dataset", data=batch, suite=suite)
    )
    actions: list[Any] = [gx.checkpoint.UpdateDataDocsAction(name="data_docs")] if docs_dir else []
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name="validate", validation_definitions=[definition], actions=actions,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]},
    ))
    run = checkpoint.run(batch_parameters={"dataframe": facts})
    results: list[CheckResult] = []
    failing: dict[int, list[str]] = {}
    for validation in run.run_results.values():
        for result in validation.results:
            config = result.expectation_config
            check = str(config.meta.get("check", config.type))
            details = result.result or {}
            rows = tuple(int(item[ROW]) for item in details.get("unexpected_index_list") or [])
            error = gx_error(result.exception_info)
            if error:  # a broken check must not pass rows silently
                raise RuntimeError(f"GX check {check!r} ({config.type}) raised: {error}")
            results.append(CheckResult(
                check=check, severity=str(getattr(config.severity, "value", config.severity)),
                success=bool(result.success), rows=rows,
                observed=details.get("observed_value"), expectation=config.type,
                bounds=(config.kwargs.get("min_value"), config.kwargs.get("max_value")),
            ))
            for row in rows:
                failing.setdefault(row, []).append(check)
    index = docs_dir / "index.html" if docs_dir and (docs_dir / "index.html").is_file() else None
    return SuiteOutcome(tuple(results), bool(run.success), index, failing)
