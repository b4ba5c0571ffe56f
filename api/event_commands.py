"""`flask --app wsgi events …`: the webhook delivery worker (`deliver`, long-running or
`--once` from cron) and the outbox's maintenance (`purge`)."""

import signal
import time
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from api.extensions import db
from api.webhooks import egress_policy
from services import outbox, webhook_delivery

events_cli = AppGroup("events", help="The outbox of events: deliver webhooks, purge old ones.")


def retention_purge(group: AppGroup, purge, *, rows: str, unit: str, minimum: int) -> None:
    """Register `<group> purge [--older-than-<unit> N]`: `purge(session, older_than=...)`
    deletes the `rows` past their retention, never fewer than `minimum` units old."""

    @group.command(
        "purge", help=f"Delete {rows} past their retention (run it daily, e.g. from cron)."
    )
    @click.option(
        f"--older-than-{unit}",
        "older_than",
        default=minimum,
        show_default=True,
        type=click.IntRange(min=minimum),
        help=f"Delete {rows} older than this (never fewer than {minimum} {unit}).",
    )
    def purge_command(older_than: int) -> None:
        purged = purge(db.session, older_than=timedelta(**{unit: older_than}))
        db.session.commit()
        click.echo(f"{purged} {rows} older than {older_than} {unit} deleted.")


retention_purge(events_cli, outbox.purge, rows="events", unit="days", minimum=30)


@events_cli.command("deliver")
@click.option("--once", is_flag=True, help="One round (fan out, send what is due), then exit.")
@click.option(
    "--idle-seconds",
    default=0.2,
    show_default=True,
    type=click.FloatRange(min=0.01, max=60),
    help="How long to wait when nothing is due.",
)
def deliver(once: bool, idle_seconds: float) -> None:
    """Deliver events to webhook subscribers (run beside gunicorn; several may share the work)."""
    policy = egress_policy()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    while True:
        try:
            sent = webhook_delivery.run_once(db.session, policy)
        except OperationalError:  # the database went away for a moment: try again
            db.session.rollback()
            sent = 0
        if once or stopping:
            break
        if not sent:
            time.sleep(idle_seconds)
    db.session.remove()
