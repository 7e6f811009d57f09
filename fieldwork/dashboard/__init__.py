"""The dashboard: the first page after login."""
