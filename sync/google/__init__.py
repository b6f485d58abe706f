"""Google Sheets access: credentials (auth.py), an HTTP client with our own retries
and quota limiter under gspread's (http.py), and one client per process (client.py).

The committee source (sync/sources/google.py), the write-back of findings
(sync/usecases/feedback.py) and ``alliance-sync check-access`` all go through
:func:`sync.google.client.google_client`.
"""
