"""Alexa edge: request verification, handlers and the web route that serve the voice skill."""
