"""Helpers shared by tests: generated certificates and other real-but-local stand-ins."""
