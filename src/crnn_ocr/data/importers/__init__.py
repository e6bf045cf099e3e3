"""Importers for public dataset layouts, merged into one dataset folder.

``scan`` reads a source (``layouts``), ``import_folders`` / ``write_dataset`` merge sources into
``images/`` + ``labels.csv`` + ``summary.json`` (``merge``).
"""

from crnn_ocr.data.importers.layouts import KINDS, SourceRow, detect_kind, scan
from crnn_ocr.data.importers.merge import (
    Source,
    import_folders,
    output_name,
    source_name,
    summarize,
    write_dataset,
)

__all__ = [
    "KINDS",
    "Source",
    "SourceRow",
    "detect_kind",
    "import_folders",
    "output_name",
    "scan",
    "source_name",
    "summarize",
    "write_dataset",
]
