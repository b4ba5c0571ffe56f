"""The bulk-import commands: the same checks as over HTTP, all rows or none, a progress bar."""

from sqlalchemy import func, select

from models.organisations import School
from models.volunteers import Volunteer
from tests.api.test_schools import GIAS_GOOD, GIAS_HEADER
from tests.api.test_volunteers import CSV_HEADER, GOOD_ROW


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_volunteers_import_writes_all_rows_or_none(app, session, world, places, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_HEADER + GOOD_ROW + "Bad,bad@example.org,Chef,ZZ99 9ZZ,,,,,,,\n")
    good = tmp_path / "good.csv"
    good.write_text(CSV_HEADER + GOOD_ROW)
    before = count(session, Volunteer)

    refused = runner.invoke(
        args=["volunteers", "import", str(bad), "--employer", str(world.a.employer.id)]
    )
    assert refused.exit_code != 0
    assert "line 3: base_postcode" in refused.output
    assert "nothing was written" in refused.output
    assert count(session, Volunteer) == before

    done = runner.invoke(
        args=["volunteers", "import", str(good), "--employer", str(world.a.employer.id)]
    )
    assert done.exit_code == 0, done.output
    assert "1 rows: 1 created, 0 updated." in done.output
    assert "checking, then writing: 100%" in done.output  # the bar covers the write step
    assert "2/2" in done.output
    assert count(session, Volunteer) == before + 1


def test_schools_import_from_a_gias_file(app, session, world, places, tmp_path):
    runner = app.test_cli_runner()
    gias = tmp_path / "gias.csv"
    gias.write_text(GIAS_HEADER + GIAS_GOOD)
    before = count(session, School)

    done = runner.invoke(args=["schools", "import", str(gias)])

    assert done.exit_code == 0, done.output
    assert count(session, School) == before + 1
