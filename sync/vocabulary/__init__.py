"""The committee template's vocabulary (docs/gabarit.md), the base layer every stage reads.

- template.py — tabs, columns and their synonyms, ``normalise``, ``find_tab``, key
  fields, the alliance's column set built from the fiscal years;
- statuses.py — the project statuses and which ones count as committed, pipeline, payable;
- lists.py — ``ValueList``: a list of allowed values, and the closest one to a typo.

It imports nothing of ``sync`` above the base layer (docs/architecture.md): the
configuration hands it primitive values (the fund's name, the fiscal years' labels),
never a ``Config``.
"""
