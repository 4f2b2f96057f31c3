"""The sales team's tables: the people (`members.py`, their one writer), the
hand-overs of their leads (`handovers.py`) and the WeCom customer transfers that
follow them (`transfers.py`, `transfer_models.py`)."""
