"""The ``crnn-ocr`` command line (typer + rich)."""
