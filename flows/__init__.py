"""Prefect 3 flows: one per stage plus ``crnn-ocr-pipeline`` chaining them (see prefect.yaml)."""
