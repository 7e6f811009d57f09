"""Interview guides and their immutable, comparable versions."""
