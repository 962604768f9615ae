"""DoseKeeper as an OAuth 2.1 authorization server for its own accounts (MCP clients, Alexa account linking)."""
