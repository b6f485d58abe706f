"""Rules of docs/constats.md: per row (rows.py), across rows and committees (crossref.py),
and on the envelopes once totals are known (envelope.py)."""
