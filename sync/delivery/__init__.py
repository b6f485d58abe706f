"""Delivery (docs/exploitation.md): the workbook to the ministry (Google Drive, e-mail), and to
each committee its own findings.

- settings.py — the ``[delivery]`` table and the committees' ``contact``, typed;
- content.py — what a run has to deliver, read back from the history, so that
  ``alliance-sync deliver 12`` sends exactly what run 12 wrote;
- messages.py — the French e-mails (summary for the ministry, findings for a committee);
- mail.py — SMTP (STARTTLS or SSL, password from ``ALLIANCE_SYNC_SMTP_PASSWORD``);
- drive.py — Drive API v3 upload, a new version of the same file each night;
- deliver.py — what to send to whom (and what not to send again), sending it,
  recording it in the history, and the ``--dry-run`` listing.

Kept light on import: ``sync.config`` loads settings.py for every command.
"""
