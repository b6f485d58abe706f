"""Use cases (docs/architecture.md): what a command does with several stages at once,
above the stages and below the command layer (sync/cli.py, sync/runner.py).

- access.py — ``alliance-sync check-access``: can the credentials read (and write) each
  committee's spreadsheet;
- feedback.py — the Validation tab written back into each committee's Google spreadsheet;
- file_policy.py — which files a command reads and never writes, and which existing
  files alliance-sync recognises as its own.
"""
