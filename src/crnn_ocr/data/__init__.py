"""Datasets: the synthetic line renderer, importers for public layouts and the manifest."""
