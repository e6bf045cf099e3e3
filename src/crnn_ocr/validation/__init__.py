"""Dataset validation: GX suite over labels.csv rows plus per-image facts, quarantine, report."""
