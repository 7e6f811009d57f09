"""The informant registry: who may be interviewed, by role and organisation, under a pseudonym code."""
