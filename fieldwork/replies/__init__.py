"""Calendar answers (iTIP REPLY and COUNTER) read back from the study mailbox."""
