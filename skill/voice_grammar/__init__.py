"""The voice grammar: readable sentence templates per locale, expanded into Alexa interaction models.

The grammar (skill/voice_grammar/grammar/*.yaml, Home Assistant's hassil template format) is the source;
interaction_models/<locale>.json and the console's packaged copies are generated from it and checked in,
so a deploy never depends on running the generator. Pure Python: nothing here knows Alexa's SDK.
"""
