"""The channels' tables: the directory with each channel's codes, the daily figures,
the welcome deadlines. One writer each: `directory.py`, `tallies.py`, `welcomes.py`."""
