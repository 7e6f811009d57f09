"""The document register: sources for the document analysis."""
