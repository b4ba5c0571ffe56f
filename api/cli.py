"""Command-line tasks: `flask --app wsgi data load` and `flask --app wsgi demo seed`."""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from tqdm import tqdm

from api.extensions import db
from services import demo, reference_data
from services.errors import DomainError

data_cli = AppGroup("data", help="Reference data.")
demo_cli = AppGroup("demo", help="The demo organisations and logins.")


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
    click.echo(f"Logins (the password for all is {summary.password}):")
    for login in summary.logins:
        click.echo(f"  {login.role.value:<15} {login.email:<38} {login.organisation}")
    click.echo(f"Partner app: client_id={summary.client_id} client_secret={summary.client_secret}")
    click.echo(
        "Log in:  curl -s -X POST http://127.0.0.1:5000/api/v1/auth/login "
        "-H 'Content-Type: application/json' "
        f"""-d '{{"email": "{summary.logins[0].email}", "password": "{summary.password}"}}'"""
    )
    click.echo("Docs:    http://127.0.0.1:5000/api/docs")


def register_commands(app: Flask) -> None:
    app.cli.add_command(data_cli)
    app.cli.add_command(demo_cli)
