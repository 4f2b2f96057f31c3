"""The sales team's tables: the people (`members.py`, their one writer) and the
hand-overs of their leads (`handovers.py`)."""
