"""The conversation: what the person means and what DoseKeeper says, apart from any one voice assistant.

The Alexa skill, the console, Home Assistant and MCP turn their own envelopes into an `Utterance`, call the
dialogue, and render its `Answer`; the words come from per-locale message catalogs, so a safety rule and its
wording are written once for every front.
"""
