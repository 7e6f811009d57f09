"""The outbox: every email is a row written in the same transaction as the change that caused
it, then delivered, retried or given up on by the dispatcher (`flask mail send-pending`)."""
