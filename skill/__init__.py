"""DoseKeeper: medication reminders for older adults on Alexa, with carer alerts and adherence reports."""

__version__ = "0.1.0"
