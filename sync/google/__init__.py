"""Google access: credentials (auth.py), an HTTP client with our own retries and quota
limiter under gspread's (http.py), the one connection factory for Sheets and Drive
(client.py: ``connect``, the scopes and token folder given by the caller) and one Sheets
client per process.

The committee source (sync/sources/google.py), the write-back of findings
(sync/usecases/feedback.py) and ``alliance-sync check-access`` all go through
:func:`sync.google.client.google_client`.
"""
