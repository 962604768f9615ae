"""Home Assistant Assist as a front: the files a Home Assistant user installs, and the turn `POST /assist` runs.

Speech stays on the Home Assistant box: its own matcher (hassil) turns words into an intent with slots from
sentences generated out of the same grammar as the Alexa models, and only that intent crosses to DoseKeeper.
"""
