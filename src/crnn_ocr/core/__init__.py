"""Pure logic (no I/O frameworks): preprocessing, the text codec, metrics."""
