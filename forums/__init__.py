"""Threaded discussions per cohort, per collaborative and community-wide."""
