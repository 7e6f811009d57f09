"""Member checks: quotes the team wants to use, sent to the informant quoted for approval."""
