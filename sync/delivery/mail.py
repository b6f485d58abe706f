"""Sending e-mail over SMTP (smtplib), with TLS unless the server is on this machine.

- ``ssl = true``: TLS from the first byte (port 465); ``starttls = true``: plain
  connection upgraded with STARTTLS before anything else is said (port 587). The
  server's certificate is verified against the system's authorities (and
  ``ca_file`` when given). Without either, only a loopback server is reached.
- The password comes from ``ALLIANCE_SYNC_SMTP_PASSWORD`` and is sent only when
  ``user`` is configured, only after TLS (or to a loopback server). It never
  appears in a message of ours: every text that leaves this module goes through
  :meth:`SmtpSession.redact`.
- No retries here: a failed e-mail is recorded as failed and ``alliance-sync
  deliver`` sends it again later.
"""

from __future__ import annotations

import base64
import contextlib
import smtplib
import socket
import ssl
from email.message import EmailMessage

from sync.config.delivery import SmtpSettings, is_loopback_host
from sync.config.sections import PASSWORD_ENV


class MailError(Exception):
    """An e-mail, or the connection, failed; ``message`` is French and free of secrets."""

    def __init__(self, message: str, *, connection: bool = False):
        super().__init__(message)
        self.message = message
        self.connection = connection  # the session is unusable: later messages fail too


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {' '.join(text.split())}"


class SmtpSession:
    """One connection for every message of a delivery; opened on first use."""

    def __init__(self, settings: SmtpSettings, password: str):
        """``password``: ALLIANCE_SYNC_SMTP_PASSWORD, resolved when the configuration was
        loaded (DeliverySettings.smtp_password); "" when not set."""
        self.settings = settings
        self.password = password
        self.smtp: smtplib.SMTP | None = None
        secrets = [self.password] if self.password else []
        if self.password:
            user = settings.user or ""
            secrets += [
                base64.b64encode(self.password.encode()).decode(),
                base64.b64encode(f"\0{user}\0{self.password}".encode()).decode(),
            ]
            # smtplib's CRAM-MD5 and unexpected errors may still name the raw text.
        self._secrets = sorted(set(secrets), key=len, reverse=True)

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "•••")
        return text

    def _fail(self, message: str, *, connection: bool = True) -> MailError:
        return MailError(self.redact(message), connection=connection)

    # ------------------------------------------------------------------ opening

    def open(self) -> None:
        settings = self.settings
        if not (settings.ssl or settings.starttls) and not is_loopback_host(settings.host):
            # The configuration refuses this already; never send in clear text anyway.
            raise self._fail(f"connexion non chiffrée refusée vers {self.where} : TLS est exigé hors de cette machine")
        if settings.user and not self.password:
            raise self._fail(
                f"la variable d'environnement {PASSWORD_ENV} n'est pas définie : elle seule donne le "
                f"mot de passe SMTP de l'utilisateur {settings.user}"
            )
        try:
            self.smtp = self._connect()
        except MailError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise self._fail(
                f"le serveur SMTP {self.where} a refusé l'identification de l'utilisateur "
                f"{settings.user} ({_reply(exc)}) : vérifiez l'utilisateur (delivery.smtp.user) et le "
                f"mot de passe ({PASSWORD_ENV})"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise self._fail(self._describe(exc)) from None

    def _context(self) -> ssl.SSLContext:
        ca = self.settings.ca_file
        return ssl.create_default_context(cafile=str(ca) if ca else None)

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            smtp.ehlo()
            if settings.starttls:
                if not smtp.has_extn("starttls"):
                    raise self._fail(
                        f"le serveur SMTP {self.where} n'offre pas STARTTLS : la connexion chiffrée "
                        "est exigée (essayez ssl = true et le port 465, ou demandez à "
                        "l'administrateur du serveur)"
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if settings.user:
                if not smtp.has_extn("auth"):
                    raise self._fail(
                        f"le serveur SMTP {self.where} n'offre pas d'identification (AUTH) : retirez "
                        "delivery.smtp.user s'il n'en demande pas"
                    )
                _authenticate(smtp, settings.user, self.password)
        except BaseException:
            _close(smtp)
            raise
        return smtp

    def _describe(self, exc: BaseException) -> str:
        where = f"le serveur SMTP {self.where}"
        if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError):
            exc = exc.__context__  # smtplib reports a read that timed out as a lost connection
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return f"{where} n'a pas répondu dans le délai de {self.settings.timeout:g} s (delivery.smtp.timeout)"
        if isinstance(exc, ConnectionRefusedError):
            return f"{where} refuse la connexion : vérifiez l'adresse et le port (delivery.smtp)"
        if isinstance(exc, socket.gaierror):
            return f"le nom du serveur SMTP « {self.settings.host} » est introuvable : vérifiez delivery.smtp.host"
        if isinstance(exc, ssl.SSLCertVerificationError):
            return (
                f"le certificat TLS de {where} n'est pas valide ({exc.verify_message}) : vérifiez le nom du "
                "serveur, ou indiquez l'autorité qui l'a signé (delivery.smtp.ca_file)"
            )
        if isinstance(exc, ssl.SSLError):
            return f"la négociation TLS avec {where} a échoué ({exc.reason or exc})"
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return f"{where} a coupé la connexion"
        if isinstance(exc, smtplib.SMTPResponseException):
            return f"{where} a refusé la demande ({_reply(exc)})"
        if isinstance(exc, OSError):
            return f"connexion impossible à {where} ({exc.strerror or exc})"
        return f"échec de l'envoi par {where} ({exc or 'raison inconnue'})"

    # ------------------------------------------------------------------ sending

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        """Send one message; MailError (``connection`` set when the session is lost)."""
        if self.smtp is None:
            self.open()
        assert self.smtp is not None
        try:
            refused = self.smtp.send_message(message, from_addr=sender, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            why = "; ".join(f"{addr} ({_reply_of(answer)})" for addr, answer in exc.recipients.items())
            raise self._fail(f"{self.where} a refusé le destinataire : {why}", connection=False) from None
        except smtplib.SMTPSenderRefused as exc:
            raise self._fail(
                f"{self.where} a refusé l'expéditeur {sender} ({_reply(exc)}) : vérifiez delivery.email_from",
                connection=False,
            ) from None
        except smtplib.SMTPDataError as exc:
            raise self._fail(f"{self.where} a refusé le message ({_reply(exc)})", connection=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            _close(self.smtp)
            self.smtp = None
            raise self._fail(self._describe(exc)) from None
        if refused:
            why = "; ".join(f"{addr} ({_reply_of(answer)})" for addr, answer in refused.items())
            raise self._fail(f"{self.where} a refusé une partie des destinataires : {why}", connection=False)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                _close(self.smtp)
            self.smtp = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _authenticate(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """One login attempt, with the server's first mechanism among PLAIN and LOGIN.

    smtplib's own ``login`` tries every mechanism in turn (several refusals count
    against an account's lockout) and can only send ASCII; PLAIN and LOGIN carry
    UTF-8 here. CRAM-MD5 alone is left to smtplib."""
    offered = (smtp.esmtp_features.get("auth") or "").upper().split()

    def b64(text: str) -> str:
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    if "PLAIN" in offered:
        code, reply = smtp.docmd("AUTH", "PLAIN " + b64(f"\0{user}\0{password}"))
    elif "LOGIN" in offered:
        code, reply = smtp.docmd("AUTH", "LOGIN " + b64(user))
        if code == 334:
            code, reply = smtp.docmd(b64(password))
    else:
        smtp.login(user, password)
        return
    if code not in (235, 503):  # 503: already authenticated
        raise smtplib.SMTPAuthenticationError(code, reply)


def _reply_of(answer: tuple[int, bytes | str]) -> str:
    code, text = answer
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(text.split())}"


def _close(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()
