"""Rules of SPEC §4: per row (rows.py), across rows and committees (crossref.py),
and on the envelopes once totals are known (envelope.py)."""
