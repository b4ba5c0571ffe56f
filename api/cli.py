"""Command-line tasks: `flask --app wsgi data load` and `flask --app wsgi demo seed`."""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from tqdm import tqdm

from api.extensions import db
from services import demo, reference_data

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
    """Create the demo hub (idempotent)."""
    summary = demo.seed(db.session)
    db.session.commit()
    click.echo(
        f"Demo hub: {summary.hub.name} ({summary.hub.id}) with {len(summary.schools)} schools."
    )


def register_commands(app: Flask) -> None:
    app.cli.add_command(data_cli)
    app.cli.add_command(demo_cli)
