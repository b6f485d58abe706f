"""alliance-sync: the committees' spreadsheets, validated and consolidated for the ministry."""

__version__ = "0.1.0"
