"""Model builders from config (classifier, CRNN) and their losses / decoding."""
