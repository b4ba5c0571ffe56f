"""Email notifications: a person's choice of how to hear non-essential news, one-click
unsubscribe (RFC 8058), and the mail settings the worker is built from."""

from pathlib import Path

import marshmallow as ma
from flask import Flask
from flask.views import MethodView

from api.extensions import db
from api.http import accepts
from api.security import current_caller
from api.smorest import Blueprint, Schema
from models.notifications import Delivery
from services.notifications import preferences
from services.notifications.messages import MailSettings
from services.notifications.registry import ESSENTIAL_KINDS
from services.notifications.transport import FileTransport, SmtpSettings, SmtpTransport

blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/v1",
    description="How you hear from Engage by email.",
)
FORM = "application/x-www-form-urlencoded"


class NotificationPreferenceSchema(Schema):
    delivery = ma.fields.Enum(
        Delivery,
        by_value=True,
        required=True,
        metadata={
            "description": "Non-essential notices: at once, in one daily digest, or not at all."
        },
    )
    essential_kinds = ma.fields.List(
        ma.fields.String(),
        dump_only=True,
        metadata={
            "description": "Kinds of message always sent (security, invitations, "
            "your own bookings), whatever the choice."
        },
    )


class UnsubscribeQuerySchema(Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))


class OneClickSchema(Schema):
    one_click = ma.fields.String(
        data_key="List-Unsubscribe", validate=ma.validate.Equal("One-Click")
    )


@blp.route("/me/notification-preferences")
class NotificationPreferences(MethodView):
    @blp.reads(NotificationPreferenceSchema)
    def get(self):
        """Read how you hear about non-essential news"""
        return _choice()

    @blp.login_required()
    @blp.etag
    @blp.arguments(NotificationPreferenceSchema)
    @blp.response(200, NotificationPreferenceSchema)
    def put(self, chosen):
        """Choose immediate, daily digest or off (send the ETag you read as If-Match)"""
        blp.check_etag(_choice(), NotificationPreferenceSchema)
        choice = preferences.update(
            db.session,
            user_id=current_caller().user_id,
            delivery=chosen["delivery"],
            essential_kinds=ESSENTIAL_KINDS,
        )
        db.session.commit()
        return choice


@blp.route("/notifications/unsubscribe")
class Unsubscribe(MethodView):
    @blp.public
    @accepts(FORM)
    @blp.arguments(UnsubscribeQuerySchema, location="query")
    @blp.arguments(OneClickSchema, location="form")
    @blp.response(204)
    def post(self, query, _one_click):
        """One-click unsubscribe (RFC 8058): the link in a message's List-Unsubscribe header"""
        preferences.unsubscribe(db.session, token=query["token"])
        db.session.commit()


def _choice() -> preferences.Choice:
    return preferences.get(
        db.session, user_id=current_caller().user_id, essential_kinds=ESSENTIAL_KINDS
    )


def mail_settings(app: Flask) -> MailSettings:
    return MailSettings(sender=app.config["MAIL_FROM"], base_url=app.config["PUBLIC_BASE_URL"])


def mail_transport(app: Flask) -> SmtpTransport | FileTransport:
    """SMTP when SMTP_HOST is set; otherwise `.eml` files under instance/mail (development)."""
    config = app.config
    if config.get("SMTP_HOST"):
        return SmtpTransport(
            SmtpSettings(
                host=config["SMTP_HOST"],
                port=config["SMTP_PORT"],
                security=config["SMTP_SECURITY"],
                username=config.get("SMTP_USERNAME"),
                password=config.get("SMTP_PASSWORD"),
                timeout=config["SMTP_TIMEOUT"],
            )
        )
    return FileTransport(Path(config.get("MAIL_DIR") or Path(app.instance_path) / "mail"))
