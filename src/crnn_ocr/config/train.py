"""``train`` section: shared fit settings and one subsection per model.

``FitParams`` holds what every model's training needs (epochs, batch size, optimizer, early
stopping, LR schedule); each model section inherits it and adds its architecture, so
``-S train.classifier.epochs=3`` and ``-S train.ocr.epochs=5`` look alike.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from crnn_ocr.config.base import Section
from crnn_ocr.config.ocr import OcrModelSettings

Optimizer = Literal["adam", "adamw", "rmsprop", "sgd"]


class AugmentParams(Section):
    """On-the-fly augmentation of training batches (``arrays.augment``); val/test never."""

    enabled: bool = Field(False, description="Augment training batches.")
    width_scale: tuple[float, float] = Field(
        (0.8, 1.0), description="[low, high] horizontal squeeze (anchored at the left edge)."
    )
    height_scale: tuple[float, float] = Field(
        (0.85, 1.0), description="[low, high] vertical squeeze (with a shift in the freed rows)."
    )
    shear: float = Field(0.15, ge=0, le=0.5, description="Max |slant| (x shift per row).")
    dilate_fraction: float = Field(
        0.2, ge=0, le=1, description="Share of lines drawn with strokes about 1 px thicker."
    )

    @model_validator(mode="after")
    def _scales_squeeze(self) -> AugmentParams:
        for name in ("width_scale", "height_scale"):
            low, high = getattr(self, name)
            if not 0 < low <= high <= 1:
                raise ValueError(f"{name} must be [low, high] with 0 < low <= high <= 1 "
                                 "(only squeezing keeps the text inside the canvas)")
        return self


class FitParams(Section):
    """Settings of the shared fit routine (``crnn_ocr.training.fit``)."""

    epochs: int = Field(10, gt=0, description="Maximum number of epochs.")
    batch_size: int = Field(64, gt=0, description="Images per training step.")
    optimizer: Optimizer = Field("adam", description="Keras optimizer by name.")
    learning_rate: float = Field(1e-3, gt=0, description="Initial learning rate.")
    weight_decay: float = Field(0.0, ge=0, description="Decoupled weight decay (adamw only).")
    gradient_clip_norm: float | None = Field(
        None, gt=0, description="Rescale each step's gradients to at most this global L2 norm "
        "(Keras global_clipnorm; None = no clipping): guards against the loss spikes of a high "
        "learning rate.",
    )
    monitor: str = Field(
        "val_loss",
        description="The val metric that picks the best epoch (whose weights are kept) and "
        "that early stopping and the plateau LR schedule watch; each model lists its choices.",
    )
    early_stopping_patience: int = Field(
        3, ge=1, description="Epochs without improvement of `monitor` before stopping."
    )
    lr_plateau_patience: int = Field(
        2, ge=1, description="Epochs without improvement before the LR is reduced."
    )
    lr_plateau_factor: float = Field(0.5, gt=0, lt=1, description="LR multiplier on plateau.")
    min_learning_rate: float = Field(1e-6, ge=0, description="Lower bound of the LR schedule.")
    lr_schedule: Literal["plateau", "cosine"] = Field(
        "plateau",
        description="plateau: ReduceLROnPlateau on `monitor`; cosine: linear warm-up from "
        "min_learning_rate, then cosine decay from learning_rate to min_learning_rate at the "
        "end of the last epoch (set `epochs` to what the time budget allows).",
    )
    warmup_epochs: float = Field(
        0.0, ge=0, description="cosine only: epochs of linear warm-up (fractions allowed)."
    )
    steps_per_epoch: int | None = Field(
        None, gt=0, description="Cap on training steps per epoch (None = the whole split)."
    )
    shuffle_seed: int | None = Field(
        None, description="Shuffle seed; None = the global `seed`."
    )
    bn_recompute_batches: int = Field(
        0, ge=0,
        description="Before each validation, set every BatchNorm layer's moving mean and "
        "variance to the exact average over this many unaugmented training batches at the "
        "current weights (0 = off: the moving averages, momentum 0.9, follow the last ~10 "
        "batches of weights that keep changing, and validation then swings between epochs).",
    )
    ema_momentum: float | None = Field(
        None, gt=0, lt=1,
        description="Keep an exponential moving average of the weights with this momentum "
        "(e.g. 0.99, about the last 100 steps; None = off). Validation, early stopping's best "
        "weights and the saved model use the average; training steps update the raw weights.",
    )
    time_budget_minutes: float | None = Field(
        None, gt=0,
        description="Wall-time limit of a fit: no epoch starts that would end past it (at the "
        "pace so far); a cosine schedule decays by the last epoch that fits (null = none).",
    )
    init_from: str | None = Field(
        None,
        description="Fine-tune: start from the weights of a trained model of the same "
        "architecture, a .keras file or a folder holding model.keras (e.g. models/ocr), "
        "relative to the project root (null = random initial weights). A resumed fit keeps "
        "its checkpoint's weights instead.",
    )
    augment: AugmentParams = Field(default_factory=AugmentParams)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _warmup_within_training(self) -> FitParams:
        if self.lr_schedule == "cosine" and self.warmup_epochs >= self.epochs:
            raise ValueError(f"warmup_epochs ({self.warmup_epochs}) must be below epochs "
                             f"({self.epochs}): the cosine decay needs steps left")
        return self


class ClassifierParams(FitParams):
    """The handwritten/printed classifier: conv blocks (conv+BN+ReLU+pool) and a dense head."""

    monitor: Literal["val_loss", "val_accuracy"] = Field(
        "val_loss", description="Best-epoch metric: val_loss or val_accuracy."
    )

    conv_filters: tuple[int, ...] = Field(
        (16, 32, 64), min_length=1, description="Filters of each conv block (one pool each)."
    )
    kernel_size: int = Field(3, gt=0, description="Conv kernel size.")
    input_columns: int | None = Field(
        None, gt=0,
        description="Classify from the first input_columns columns of the canvas only (lines "
        "are left-aligned; null = the whole canvas). A wide recogniser canvas then does not "
        "double the classifier's cost: its first 16 line heights tell hand from print.",
    )
    stem_stride: int = Field(
        1, ge=1,
        description="Patchify stem before the conv blocks: a stem_stride x stem_stride conv with "
        "that stride (1 = no stem). Full-resolution convs dominate the CPU cost; with "
        "stem_filters >= 16 a stride-4 stem has room for every pixel of a 4x4 patch.",
    )
    stem_filters: int = Field(32, gt=0, description="Filters of the patchify stem.")
    pooling: Literal["flatten", "global_avg", "global_max", "global_avg_max"] = Field(
        "global_avg",
        description="How the conv features reach the head: flatten (position-dependent), "
        "global_avg, global_max, or both global poolings concatenated.",
    )
    dense_units: int = Field(64, gt=0, description="Width of the hidden dense layer.")
    dropout: float = Field(0.3, ge=0, lt=1, description="Dropout before the output layer.")
    registered_model: str = Field(
        "crnn-ocr-classifier", min_length=1, description="MLflow registry name."
    )
    misclassified_samples: int = Field(
        32, ge=0, description="Misclassified test images drawn in the sheet artifact."
    )


class OcrParams(FitParams, OcrModelSettings):
    """The CRNN recogniser: shared fit settings + layers and decoding (``config/ocr.py``)."""

    monitor: Literal["val_loss", "val_cer", "val_wer", "val_exact_match"] = Field(
        "val_loss",
        description="Best-epoch metric: val_loss (CTC) or the greedy-decoded val_cer, val_wer "
        "or val_exact_match of the val_decode_lines lines. CTC loss can rise while CER still "
        "falls (the model grows over-confident on the lines it gets wrong), so val_loss may keep "
        "an earlier epoch than the one that reads best.",
    )

    @model_validator(mode="after")
    def _text_monitor_needs_decoded_lines(self) -> OcrParams:
        if self.monitor != "val_loss" and self.val_decode_lines == 0:
            raise ValueError(f"monitor {self.monitor} is computed on val_decode_lines lines; "
                             "set val_decode_lines above 0 or monitor val_loss")
        return self


class TrainParams(Section):
    """Training of both models and the MLflow experiment they log to."""

    experiment: str = Field("crnn-ocr", min_length=1, description="MLflow experiment name.")
    threads: int = Field(
        0, ge=0, description="TensorFlow intra/inter-op threads; 0 = TensorFlow's default."
    )
    classifier: ClassifierParams = Field(default_factory=ClassifierParams)  # type: ignore[arg-type]
    ocr: OcrParams = Field(default_factory=OcrParams)  # type: ignore[arg-type]
