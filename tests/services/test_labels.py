"""Messages name objects from a table of labels, never by a lower-cased class name."""

from models import Base
from models.pairings import AdviserPairingPlan
from models.volunteers import EnterpriseAdviser
from services.labels import LABELS, label


def test_every_model_has_a_label():
    models = {mapper.class_ for mapper in Base.registry.mappers}
    missing = sorted(cls.__name__ for cls in models - set(LABELS))
    assert missing == [], "add these to services/labels.py LABELS"


def test_labels_are_words_people_use():
    assert label(AdviserPairingPlan) == "adviser pairing plan"
    assert label(EnterpriseAdviser()) == "Enterprise Adviser"  # an object reads as its class
