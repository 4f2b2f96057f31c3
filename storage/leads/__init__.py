"""The leads' set-based storage: the team's maintained load, waves of new leads, card facts.

`models.py` holds `lead_load` (kept by database triggers from migration 0016, so every
writer of `leads` and `lead_events` keeps it true); `load.py` reads it; `waves.py`
writes a batch's new leads with their timeline in a few statements; `cards.py` reads
what their alert cards show for all of them at once.
"""
