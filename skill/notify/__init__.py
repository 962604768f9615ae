"""Carer alerts: what they say, who gets them when, and the channels that carry them.

The lifecycle of an alert:

1. **Recorded** by the sweep in the same conditional write that marks a dose missed (one row per dose,
   kind and contact: the deduplication key), or when a late log or a refill crossing calls for one.
2. **Held** while it waits: quiet hours set its first attempt to the end of the quiet hours; an escalation
   waits for the escalate-after time of the contacts before it.
3. **Claimed and tried** by a sweep, once, through its channel. Two sweeps never try the same row.
4. **Sent**, or **retried** later (exponential backoff with jitter, the time kept on the row), or
   **failed** (refused for good, or out of attempts), or **cancelled** (the dose was logged first). An
   attempt whose outcome is unknown (sent, but no answer) is repeated once at most, with the same message
   id; channels and the SDK clients under them never retry on their own.
5. A late log of a missed dose sends one **all clear** to the contacts whose alert was sent.
"""
