"""Parsing: raw cell values → typed records that remember their cell."""
