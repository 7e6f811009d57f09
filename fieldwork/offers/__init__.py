"""Offered times and informants who book their own interview."""
