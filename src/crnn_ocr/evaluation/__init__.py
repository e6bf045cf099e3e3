"""Scoring a recogniser: reports, galleries, text normalisation, corrected labels."""
