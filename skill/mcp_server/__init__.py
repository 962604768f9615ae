"""DoseKeeper as an MCP server (Streamable HTTP): tools for the person's own assistant and for a carer's."""
