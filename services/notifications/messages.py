"""Writing a message: Jinja2 templates (plain text and HTML) into a standard EmailMessage.

Each kind has `<kind>.txt` and `<kind>.html` beside this module; the text template sets
`subject`. Both extend a base layout that says why the person gets the message and, for
what may be unsubscribed, how to stop it (and the headers of RFC 8058 one-click
unsubscribe go with it).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class MailSettings:
    """Where messages come from and where their links point."""

    sender: str  # "Engage <no-reply@engage.example>"
    base_url: str  # links are built on it: "https://engage.example"

    @property
    def domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2] or "engage.invalid"

    def link(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"

    def links(self, path: str, *verbs: str) -> dict[str, str]:
        """`link` to the resource at `path`, and `<verb>_link` to each of its transitions."""
        return {"link": self.link(path)} | {f"{v}_link": self.link(f"{path}/{v}") for v in verbs}


def message_id(key: str, domain: str) -> str:
    """The same source and recipient always give the same Message-ID."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: str, context: dict) -> Rendered:
    text = _environment.get_template(f"{kind}.txt").make_module(context)
    html = _environment.get_template(f"{kind}.html").render(context)
    return Rendered(subject=" ".join(str(text.subject).split()), text=str(text), html=html)


def compose(
    settings: MailSettings,
    *,
    kind: str,
    context: dict,
    to: str,
    message_id_: str,
    date: datetime,
    unsubscribe_url: str | None,
) -> bytes:
    """The whole message as bytes, ready for SMTP or an .eml file."""
    context = {
        **context,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": settings.link("/api/v1/me/notification-preferences"),
    }
    rendered = render(kind, context)
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = settings.sender
    message["To"] = Address(addr_spec=to)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id_
    message["Auto-Submitted"] = "auto-generated"
    message["X-Engage-Kind"] = kind
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps every line within SMTP's limit, whatever the template's.
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    return message.as_bytes(policy=SMTP)
