"""The use-case layer: one function per thing a user does, called by every edge.

Voice, web pages, `/api/v1`, the CLI and the sweep only parse input and render output; what counts as the
dose a person means, who may change what, what is audited and which carers are told is decided here, once.
Every function takes the store, the actor and the time (from an injected clock), never reads a clock itself.
"""
