"""``crnn-ocr`` pyfunc: a DataFrame of base64 images in, class/probability/text/confidence out.

Bad input (a missing ``image`` column, no rows, not base64, empty, not an image, a bomb) raises
``MlflowException`` with ``INVALID_PARAMETER_VALUE``, which the MLflow scoring server answers
with HTTP 400 and the message in the JSON body; the server keeps running.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import PythonModel

from crnn_ocr.inference.bundle import Bundle
from crnn_ocr.inference.images import ImageError

OUTPUT_COLUMNS = ("id", "class", "class_name", "class_prob", "text", "confidence")


def bad_input(message: str) -> MlflowException:
    return MlflowException.invalid_parameter_value(message)


def decode_base64(value: Any, row_name: str) -> bytes:
    """Strict base64 (whitespace such as ``base64``'s line wrapping is ignored)."""
    if not isinstance(value, str | bytes):
        raise bad_input(f"{row_name}: 'image' must be a base64 string, got {type(value).__name__}")
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    compact = "".join(text.split())
    if not compact:
        raise bad_input(f"{row_name}: empty image (the 'image' value is empty)")
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad_input(f"{row_name}: 'image' is not valid base64 ({exc})") from None


def parse_frame(model_input: Any) -> tuple[list[bytes], list[str]]:
    """Image bytes and row ids from the request DataFrame (ids default to ``row <i>``)."""
    frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
    if "image" not in frame.columns:
        raise bad_input(
            f"input needs a column 'image' of base64-encoded image bytes; got columns "
            f"{list(map(str, frame.columns))}"
        )
    if len(frame) == 0:
        raise bad_input("input has no rows: send at least one image")
    if "id" in frame.columns:
        ids = [f"row {i}" if _missing(v) else str(v) for i, v in enumerate(frame["id"])]
    else:
        ids = [f"row {i}" for i in range(len(frame))]
    blobs = [decode_base64(v, name) for v, name in zip(frame["image"], ids, strict=True)]
    return blobs, ids


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def to_frame(predictions: list[Any]) -> pd.DataFrame:
    rows = [
        {
            "id": p.id,
            "class": p.cls,
            "class_name": p.class_name,
            "class_prob": p.class_prob,
            "text": p.text,
            "confidence": p.confidence,
        }
        for p in predictions
    ]
    return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))


class CrnnOcrModel(PythonModel):
    """Wraps :class:`crnn_ocr.inference.Recognizer`; artifacts are the four bundle files."""

    def load_context(self, context: Any) -> None:
        from crnn_ocr.inference.recognizer import Recognizer

        bundle = Bundle.from_artifacts(context.artifacts)
        options = dict(context.model_config or {})
        self.recognizer = Recognizer.from_bundle(bundle, **options)

    # No type hints on predict: MLflow would read them as a schema; the signature is explicit.
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        blobs, ids = parse_frame(model_input)
        try:
            predictions = self.recognizer.predict_bytes(blobs, ids)
        except ImageError as exc:
            raise bad_input(f"{exc.source}: {exc.reason}") from None
        return to_frame(predictions)
