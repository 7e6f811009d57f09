"""Retention: after the study's end, what identity data is still held, and its erasure."""
