"""Staff accounts, roles, login sessions and login throttling."""
