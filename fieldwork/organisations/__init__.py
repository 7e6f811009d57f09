"""Organisations taking part in the study, with their governance level."""
