"""The life of a local HTTP test server on 127.0.0.1 (an ephemeral port, a daemon
thread), shared by the Sheets and Drive servers."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer:
    """Subclasses give ``request_handler()`` (a handler class that reads its server's
    state as ``self.state``) and ``thread_name``."""

    thread_name = "loopback-server"
    _httpd: ThreadingHTTPServer | None = None

    def start(self):
        handler = type("Handler", (self.request_handler(),), {"state": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name=self.thread_name, daemon=True).start()
        return self

    def request_handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"
