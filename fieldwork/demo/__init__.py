"""Fictional demo data: the study's real organisations, invented informants."""
