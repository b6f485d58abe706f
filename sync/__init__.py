"""alliance-sync: the committees' spreadsheets, validated and consolidated for the ministry."""

# The one place the version is written: hatch reads it from here when it builds the
# package ([tool.hatch.version] in pyproject.toml), so the installed metadata agrees.
__version__ = "0.1.0"
