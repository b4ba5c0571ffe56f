"""Command-line tasks: `flask --app wsgi data load`, `flask --app wsgi demo seed`, and the
bulk imports `flask --app wsgi volunteers import FILE --employer ID`,
`flask --app wsgi journeys import FILE --employer ID` and
`flask --app wsgi schools import FILE` (run as the platform operator, audited), and
`flask --app wsgi idempotency purge` (keys past their 24-hour retention),
`flask --app wsgi sessions purge` (revocations of expired sessions),
`flask --app wsgi matches expire` (for cron) and `flask --app wsgi notifications send`
(the email worker, long-running; `--once` for one round)."""

import uuid
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from tqdm import tqdm

from api.event_commands import events_cli, retention_purge
from api.extensions import db
from api.imports import decode_csv, read_csv
from api.journeys import parse_journey_csv
from api.notifications import mail_settings, mail_transport
from api.volunteers import parse_volunteer_csv
from models.users import Role
from services import (
    audit,
    demo,
    idempotency,
    journeys,
    needs,
    pupils,
    reference_data,
    school_years,
    schools,
    sessions,
    volunteers,
)
from services.callers import Caller
from services.errors import DomainError
from services.imports import ImportResult
from services.notifications.worker import Worker

data_cli = AppGroup("data", help="Reference data.")
demo_cli = AppGroup("demo", help="The demo organisations and logins.")
volunteers_cli = AppGroup("volunteers", help="Volunteer profiles.")
journeys_cli = AppGroup("journeys", help="Volunteers' career journeys.")
schools_cli = AppGroup("schools", help="The school directory.")
idempotency_cli = AppGroup("idempotency", help="Idempotency keys of retried requests.")
sessions_cli = AppGroup("sessions", help="Login sessions ended by logout.")
pupils_cli = AppGroup("pupils", help="Pupil records.")
matches_cli = AppGroup("matches", help="Needs and the match workflow.")
notifications_cli = AppGroup("notifications", help="Email to people.")
OPERATOR = Caller(role=Role.ADMIN, organisation_id=uuid.UUID(int=0))
PARTIAL = click.option(
    "--partial", is_flag=True, help="Write the valid rows even if others have errors."
)
CSV_FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))


@data_cli.command("load")
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=reference_data.DATA_DIR,
    show_default=True,
)
def load_data(data_dir: Path) -> None:
    """Load the shipped reference data (idempotent)."""
    for loader in reference_data.LOADERS:
        with tqdm(desc=loader.__name__.removeprefix("load_"), unit=" rows", leave=True) as bar:
            result = loader(db.session, data_dir, bar.update)
        db.session.commit()
        click.echo(
            f"  {result.dataset}: {result.rows_in_file} rows read, {result.rows_in_table} in table"
        )


@demo_cli.command("seed")
def seed_demo() -> None:
    """Create the demo hub and a login for every role (idempotent)."""
    try:
        summary = demo.seed(db.session)
    except DomainError as error:
        raise click.ClickException(error.detail) from error
    db.session.commit()
    hub = summary.hub
    click.echo(f"Demo hub: {hub.name} ({hub.id}) with {len(summary.schools)} schools.")
    base, records = demo.base, demo.records
    click.echo(
        f"Directory: {base.DEMO_EMPLOYER_COUNT} employers, {base.DEMO_VOLUNTEER_COUNT} "
        f"volunteers and {base.DEMO_ADVISER_COUNT} Enterprise Advisers around the hub."
    )
    click.echo(
        f"Visits: {len(demo.visits.DEMO_OFFERS)} published offers with slots near the hub "
        "(some full, some booked): GET /api/v1/slots?near=LS1%204DY"
    )
    this_year = base.demo_school_year()
    first, last = (
        school_years.label(this_year - records.DEMO_RECORD_YEARS + 1),
        school_years.label(this_year),
    )
    click.echo(
        f"Pupils and records: {records.DEMO_PUPIL_SCHOOLS} schools, "
        f"{7 * records.DEMO_PUPILS_PER_YEAR_GROUP} pupils each, encounters {first} to {last} "
        f"(GET /api/v1/schools/{summary.schools[0].id}/benchmarks?academic_year={last})."
    )
    click.echo(f"Logins (the password for all is {summary.password}):")
    for login in summary.logins:
        click.echo(f"  {login.role.value:<15} {login.email:<38} {login.organisation}")
    click.echo(f"Partner app: client_id={summary.client_id} client_secret={summary.client_secret}")
    click.echo(
        f"Webhooks: its school is subscribed at {base.DEMO_WEBHOOK_URL} "
        f"(secret {base.DEMO_WEBHOOK_SECRET}); see the README's local receiver."
    )
    click.echo(
        "Log in:  curl -s -X POST http://127.0.0.1:5000/api/v1/auth/login "
        "-H 'Content-Type: application/json' "
        f"""-d '{{"email": "{summary.logins[0].email}", "password": "{summary.password}"}}'"""
    )
    click.echo("Docs:    http://127.0.0.1:5000/api/docs")


@volunteers_cli.command("import")
@CSV_FILE
@click.option("--employer", "employer_id", required=True, type=click.UUID, help="Employer id.")
@PARTIAL
def import_volunteers(file: Path, employer_id: uuid.UUID, partial: bool) -> None:
    """Import an employer's volunteers from CSV (all rows or none unless --partial)."""
    rows, parse_errors = _read_csv(file, parse_volunteer_csv)
    _run_import(
        lambda progress: volunteers.import_(
            db.session,
            OPERATOR,
            employer_id,
            rows,
            parse_errors=parse_errors,
            partial=partial,
            progress=progress,
        ),
        2 * len(rows),
        "volunteers-import",
        desc="checking, then writing",
    )


@journeys_cli.command("import")
@CSV_FILE
@click.option("--employer", "employer_id", required=True, type=click.UUID, help="Employer id.")
def import_journeys(file: Path, employer_id: uuid.UUID) -> None:
    """Import an employer's volunteers' career journeys from CSV (all rows or none)."""
    rows, parse_errors = _read_csv(file, parse_journey_csv)
    _run_import(
        lambda progress: journeys.import_(
            db.session, OPERATOR, employer_id, rows, parse_errors=parse_errors, progress=progress
        ),
        len(rows),
        "journeys-import",
    )


@schools_cli.command("import")
@CSV_FILE
@PARTIAL
def import_schools(file: Path, partial: bool) -> None:
    """Import schools from a GIAS extract (all rows or none unless --partial)."""
    rows = _read_csv(file, _gias_rows)
    _run_import(
        lambda progress: schools.import_gias(
            db.session, OPERATOR, rows, partial=partial, progress=progress
        ),
        len(rows),
        "schools-import",
    )


retention_purge(
    idempotency_cli, idempotency.purge, rows="idempotency keys", unit="hours", minimum=24
)


@sessions_cli.command("purge")
def purge_revoked_sessions() -> None:
    """Delete revocations of sessions whose tokens have all expired (run it daily)."""
    purged = sessions.purge_expired(db.session)
    db.session.commit()
    click.echo(f"{purged} revocations of expired sessions deleted.")


@pupils_cli.command("roll-over")
@click.option(
    "--academic-year",
    help="The school year pupils move up into, such as 2026-27 (default: the current one).",
)
@click.option("--school", "school_id", type=click.UUID, help="One school only.")
def roll_over_pupils(academic_year: str | None, school_id: uuid.UUID | None) -> None:
    """Year-end roll-over: year groups move up, pupils past Y13 leave (idempotent)."""
    year = academic_year or school_years.current_label()
    audit.system_context(db.session, "cli:pupils-roll-over")
    try:
        result = pupils.roll_over_schools(db.session, academic_year=year, school_id=school_id)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.detail) from error
    db.session.commit()
    click.echo(f"{result.academic_year}: {result.moved} pupils moved up, {result.left} left.")


def _read_csv(file: Path, parse):
    """The CSV file, decoded and handed to `parse`; what it refuses, as a command error."""
    try:
        return parse(decode_csv(file.read_bytes()))
    except DomainError as error:
        raise click.ClickException(error.detail) from error


def _gias_rows(text: str) -> list:
    header, rows = read_csv(text)
    schools.check_gias_header(header)
    return rows


def _run_import(run, total: int, name: str, *, desc: str = "checking") -> None:
    audit.system_context(db.session, f"cli:{name}")
    try:
        with tqdm(total=total, desc=desc, unit=" rows") as bar:
            result: ImportResult = run(bar.update)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.detail) from error
    for problem in result.error_list:
        click.echo(
            f"  line {problem['line']}: {problem['field']}: {'; '.join(problem['messages'])}"
        )
    if not result.written:
        db.session.rollback()
        raise click.ClickException(
            f"{len(result.errors)} of {result.rows} rows have errors; nothing was written."
        )
    db.session.commit()
    click.echo(f"{result.rows} rows: {result.created} created, {result.updated} updated.")


@matches_cli.command("expire")
def expire_matches() -> None:
    """Expire needs whose window has passed and invitations nobody answered (run from cron)."""
    expired_needs, expired_invitations = needs.expire_due(db.session)
    db.session.commit()
    click.echo(f"Expired {expired_needs} needs and {expired_invitations} invitations.")


@notifications_cli.command("send")
@click.option("--once", is_flag=True, help="One round (read, sweep, send what is due), then exit.")
@click.option("--poll-interval", default=1.0, show_default=True, help="Seconds between rounds.")
def send_notifications(once: bool, poll_interval: float) -> None:
    """Send email from the outbox, reminders and digests (SMTP, or .eml files in development)."""
    worker = Worker(
        db.session,
        mail_transport(current_app),
        mail_settings(current_app),
        lease=timedelta(seconds=current_app.config["NOTIFICATIONS_LEASE_SECONDS"]),
    )
    if once:
        result = worker.round(sweep_now=True)
        worker.transport.close()
        click.echo(f"Sent {result.sent}, retrying {result.retried}, refused {result.refused}.")
        return
    click.echo("Sending notifications; stop with Ctrl-C.")
    worker.run(poll_interval=poll_interval)


def register_commands(app: Flask) -> None:
    app.cli.add_command(data_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(volunteers_cli)
    app.cli.add_command(journeys_cli)
    app.cli.add_command(schools_cli)
    app.cli.add_command(idempotency_cli)
    app.cli.add_command(sessions_cli)
    app.cli.add_command(pupils_cli)
    app.cli.add_command(matches_cli)
    app.cli.add_command(events_cli)
    app.cli.add_command(notifications_cli)
