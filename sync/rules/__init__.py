"""Rules of docs/constats.md: per row (rows.py), across rows and committees (crossref.py),
and on the envelopes once totals are known (envelope.py).

Rules read the records and return findings; whether a record counts in the totals
is decided from those findings in one place (counting.py). Two named steps write
spellings before the checks: list values as configured (RowRules.spell_as_listed)
and payments' project numbers as their project's (crossref.link_payments)."""
