"""A real SMTP server for the tests (aiosmtpd) on 127.0.0.1, keeping what it receives.

:class:`SmtpServer` runs aiosmtpd's threaded controller with AUTH (PLAIN, LOGIN)
checked against one user and password, optionally STARTTLS (``tls``) or TLS
from the first byte (``implicit_tls``) with a certificate made for 127.0.0.1 and
localhost (:func:`make_certificate`). Each message is kept with its envelope and
whether the session was authenticated and encrypted. :class:`SilentServer`
accepts connections and never answers: a server that times out.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    authenticated: bool
    encrypted: bool

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)

    @property
    def body(self) -> str:
        # As the reader sees it: the wire's CRLF line ends become newlines.
        plain = self.message.get_body(("plain",))
        assert plain is not None, "message sans partie texte"
        return plain.get_content().replace("\r\n", "\n")

    @property
    def attachments(self) -> list[tuple[str | None, bytes]]:
        return [(part.get_filename(), part.get_content()) for part in self.message.iter_attachments()]


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        if address in self.server.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        with self.server.lock:
            self.server.messages.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.content,
                    bool(session.authenticated),
                    smtp._tls_protocol is not None or self.server.implicit_tls,
                )
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: (certificate, key) files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class SmtpServer:
    """``with SmtpServer(user=..., password=...) as smtp: smtp.port, smtp.messages``."""

    def __init__(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        certificate: tuple[Path, Path] | None = None,
        implicit_tls: bool = False,
    ):
        self.user, self.password = user, password
        self.messages: list[Received] = []
        self.logins: list[tuple[str, bool]] = []  # (user, accepted)
        self.refused: set[str] = set()  # recipients answered 550
        self.lock = threading.Lock()
        self.implicit_tls = implicit_tls
        self.port = free_port()
        context = None
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, certificate))
        options: dict = {"authenticator": self._authenticate, "auth_require_tls": False}
        if context is not None and implicit_tls:
            options["ssl_context"] = context
        elif context is not None:
            options["tls_context"] = context
            options["require_starttls"] = True
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **options)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode()
        accepted = user == self.user and auth_data.password.decode() == self.password
        with self.lock:
            self.logins.append((user, accepted))
        # handled=False: aiosmtpd answers the refusal itself (535), as a real server does.
        return AuthResult(success=accepted, handled=False)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.rcpt_tos]


class SilentServer:
    """Accepts TCP connections and says nothing: an SMTP server that never answers."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.port = self.socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.socket.close()
        for connection in self.connections:
            connection.close()
