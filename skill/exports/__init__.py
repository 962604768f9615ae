"""Exports of a recipient's schedule and dose history: CSV, FHIR R4 and an iCalendar feed."""
