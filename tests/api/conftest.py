"""Reference rows the directory tests need: real postcodes around Leeds and SIC sectors."""

import pytest

from models.reference import Outcode, Postcode, SicDivision, SicSection

# Real postcodes with their OS Code-Point Open coordinates (data/postcodes_england.csv.gz).
PLACES = {
    "LS1 4DY": (53.7951, -1.5467),  # Leeds city centre
    "BD1 1AF": (53.795, -1.7503),  # Bradford, about 13 km west
    "HX1 1AA": (53.7243, -1.8575),  # Halifax, about 22 km south-west
    "M1 1AE": (53.4835, -2.2312),  # Manchester, about 58 km south-west
}


@pytest.fixture
def places(session):
    """The postcodes above, the LS1 district, and SIC sections C, F, J with a few divisions."""
    session.add_all(
        Postcode(postcode=p, latitude=lat, longitude=lon) for p, (lat, lon) in PLACES.items()
    )
    session.add(Outcode(outcode="LS2", latitude=53.8017, longitude=-1.5452, country="England"))
    session.add_all(
        [
            SicSection(code="C", title="Manufacturing"),
            SicSection(code="F", title="Construction"),
            SicSection(code="J", title="Information and communication"),
        ]
    )
    session.flush()
    session.add_all(
        [
            SicDivision(code="10", section_code="C", title="Manufacture of food products"),
            SicDivision(code="41", section_code="F", title="Construction of buildings"),
            SicDivision(code="62", section_code="J", title="Computer programming"),
        ]
    )
    session.commit()
    return PLACES
