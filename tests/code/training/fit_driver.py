"""A training process for the kill/resume and concurrency tests: the real fit routine and
classifier on separable in-memory data, logging to ``<root>/mlruns``.

Usage: python fit_driver.py ROOT EPOCHS RUN_NAME   (prints one JSON line when done)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def main(root: str, epochs: int, name: str) -> None:
    import tensorflow as tf
    from toy_data import separable_arrays

    from crnn_ocr.config.train import ClassifierParams
    from crnn_ocr.models.classifier import build_classifier, compile_classifier
    from crnn_ocr.paths import Paths
    from crnn_ocr.training.fit import configure_tensorflow, fit_model, make_optimizer, training_run

    configure_tensorflow(1, 0)
    paths = Paths.from_root(root)
    cfg = ClassifierParams(epochs=epochs, batch_size=16, conv_filters=(4, 8), dense_units=8,
                           early_stopping_patience=epochs)
    x, y = separable_arrays(96)
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    val = tf.data.Dataset.from_tensor_slices(separable_arrays(32, seed=1)).batch(16)
    model = build_classifier(cfg, (16, 64))
    compile_classifier(model, make_optimizer(cfg))
    ckpt = paths.models / name / "checkpoints"
    with training_run(paths, "exp", ckpt, name, {"epochs": epochs}, {}) as session:
        result = fit_model(session, model, train, val, cfg, verbose=0)
    print(json.dumps({"run_id": result.run_id, "initial_epoch": result.initial_epoch,
                      "epochs_done": result.epochs_done}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
