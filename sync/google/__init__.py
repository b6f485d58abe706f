"""Google access: credentials (auth.py), an HTTP client with our own retries and quota
limiter under gspread's (http.py), the one connection factory for Sheets and Drive
(client.py: ``connect``, the scopes and token folder given by the caller) and a
command's Sheets clients (``GoogleClients``, made by the command, never kept by the process).

The committee source (sync/sources/google.py), the write-back of findings
(sync/usecases/feedback.py) and ``alliance-sync check-access`` all go through
:class:`sync.google.client.GoogleClients`.
"""
