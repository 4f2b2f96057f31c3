"""The sales team's tables: the team, leave and hand-over, customer transfers."""
