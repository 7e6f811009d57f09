"""Exports for analysis: interviews as case classifications, documents; audit-logged."""
