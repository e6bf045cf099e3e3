"""Prefect 3 ``@task`` adapters over the stage functions (``crnn_ocr.stages``).

Each task is a few lines calling one ``stages.<name>.run``; caching (``tasks.caching``) keys on
the stage's params slice and dependency content as declared in ``dvc.yaml``.
"""
