"""The pure domain: what a recipient, medication, schedule and dose are. No I/O, no AWS, no Alexa."""
