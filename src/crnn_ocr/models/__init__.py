"""Model builders from config (classifier, CRNN) and their losses / decoding."""

BN_MOMENTUM = 0.9
"""BatchNormalization momentum of both models. Keras' default 0.99 needs thousands of steps
for the moving statistics used at evaluation to settle; on the cpu preset's few hundred steps
per run, validation then sits at chance (classifier) or CER ~1 (CRNN) while training improves."""
