"""Question coverage: after an interview, which of its guide version's questions were covered
(all of it, some of it, not reached), and per guide question how many interviews covered it,
by the informants' role and organisation, so the team sees where data is thin in time."""
