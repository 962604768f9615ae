"""A text console that plays Alexa: typed sentences become the request envelopes Alexa would send.

The interaction model's sample utterances are the grammar, so what works here is what a real device
hears; the envelopes go through the same skill (in process, or over HTTP to `dosekeeper serve`).
"""
