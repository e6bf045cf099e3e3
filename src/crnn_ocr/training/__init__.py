"""The shared fit routine (MLflow logging, early stopping, LR schedule, resumable checkpoints)."""
