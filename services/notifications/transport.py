"""Handing messages over: SMTP in production, `.eml` files in development.

A transport's `send` returns when the message is accepted, raises `AddressRefused` when
the server refuses the recipient for good (a 5xx answer to RCPT), `PermanentFailure` when
it refuses this message for good (a 5xx answer to its data), and `TemporaryFailure` for
anything worth retrying (4xx, a refused sender, a dropped connection, a timeout).
"""

import logging
import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
SECURITY = ("starttls", "tls", "none")


class TemporaryFailure(Exception):
    """Try again later."""


class PermanentFailure(Exception):
    """This message will never be taken: stop trying it."""


class AddressRefused(PermanentFailure):
    """The address takes no mail at all: record it and send it nothing more."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls on 587, tls (implicit) on 465, none on a local relay
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0


class SmtpTransport:
    """One connection kept open across messages, reopened after any failure."""

    def __init__(self, settings: SmtpSettings):
        if settings.security not in SECURITY:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY)}")
        self.settings = settings
        self._connection: smtplib.SMTP | None = None

    def send(self, *, sender: str, recipient: str, message: bytes, name: str = "") -> None:
        try:
            connection = self._connect()
            refused = connection.sendmail(sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reason = error.recipients.get(recipient, (550, b"refused"))
            self._raise_for(code, reason, AddressRefused)
        except smtplib.SMTPDataError as error:
            self._raise_for(error.smtp_code, error.smtp_error, PermanentFailure)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
        if refused:  # only partly accepted: with one recipient this does not happen
            code, reason = refused[recipient]
            self._raise_for(code, reason, AddressRefused)

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._connection = None

    def _reset(self) -> None:
        """After a refusal the connection is fine: clear the transaction for the next."""
        try:
            self._connection.rset()
        except (smtplib.SMTPException, OSError, AttributeError):
            self.close()

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        s = self.settings
        if s.security == "tls":
            connection = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if s.username:
            connection.login(s.username, s.password or "")
        self._connection = connection
        return connection

    def _raise_for(self, code: int, reason: bytes | str, permanent: type) -> None:
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        if 500 <= code < 600:
            self._reset()
            raise permanent(f"{code} {text}")
        self.close()
        raise TemporaryFailure(f"{code} {text}")


class FileTransport:
    """Development: each message becomes `<directory>/<name>.eml`, and the log says where."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def send(self, *, sender: str, recipient: str, message: bytes, name: str = "") -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{name or 'message'}.eml"
        # Written whole or not at all: a reader never sees half a message.
        with tempfile.NamedTemporaryFile(dir=self.directory, delete=False, suffix=".tmp") as out:
            out.write(message)
        os.replace(out.name, target)
        log.info("Mail to %s written to %s", recipient, target)
        return target

    def close(self) -> None:
        pass
