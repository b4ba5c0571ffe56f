"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent, and helpers to
read those messages with the standard library's `email` package."""

import email
import re
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s<>\"]+", self.text)


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # answered 550: refused for good
    defer: set[str] = field(default_factory=set)  # answered 451: try again later
    on_data: object = None  # called with the raw message before it is accepted
    refusals: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            self.refusals += 1
            return "550 5.1.1 No such mailbox"
        if address in self.defer:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_data is not None and self.on_data(envelope.content) is False:
            return "451 4.3.0 Not now"
        parsed = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def only(self, address: str, kind: str) -> Received:
        """The one message of `kind` to `address` (fails on none or on a second)."""
        found = [r for r in self.to(address) if r.message["X-Engage-Kind"] == kind]
        assert len(found) == 1, [r.message["Subject"] for r in self.to(address)]
        return found[0]


def deliver(app, server: SmtpServer, *, now=None):
    """One worker round in this process, to the test's SMTP server (at `now`, if given)."""
    from api.extensions import db
    from api.notifications import mail_settings
    from services.notifications.transport import SmtpSettings, SmtpTransport
    from services.notifications.worker import Worker

    transport = SmtpTransport(SmtpSettings("127.0.0.1", server.port, security="none"))
    with app.app_context():
        worker = Worker(db.session, transport, mail_settings(app))
        if now is not None:
            worker.clock = lambda: now
        result = worker.round(sweep_now=True)
        transport.close()
        db.session.remove()
    return result


def token_in(link: str) -> str:
    return link.partition("#token=")[2]
