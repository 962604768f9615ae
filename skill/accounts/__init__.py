"""Web accounts: who may sign in, what each role may see and change, and the audit trail of changes."""
