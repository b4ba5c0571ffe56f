"""The answer dumper: marshmallow's output exactly, for every kind of field and object."""

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import marshmallow as ma
import pytest

from api.smorest import Schema, Timestamp


class Colour(enum.StrEnum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


class Inner(Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()


class Everything(Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String()
    label = ma.fields.String(data_key="title")
    colour_as_text = ma.fields.String(attribute="colour", dump_only=True)  # a StrEnum: str() of it
    count = ma.fields.Integer()
    count_as_text = ma.fields.Integer(attribute="count", as_string=True, dump_only=True)
    ratio = ma.fields.Float()
    whole_ratio = ma.fields.Float(attribute="count", dump_only=True)  # an int, dumped as a float
    flag = ma.fields.Boolean()
    colour = ma.fields.Enum(Colour, by_value=True)
    colour_name = ma.fields.Enum(Colour, attribute="colour", dump_only=True)
    size = ma.fields.Enum(Size, by_value=True)
    at = Timestamp()
    tags = ma.fields.List(ma.fields.String())
    inner = ma.fields.Nested(Inner, allow_none=True)
    inners = ma.fields.Nested(Inner, many=True)
    inner_name = ma.fields.String(attribute="inner.name", dump_only=True)
    absent = ma.fields.String()
    defaulted = ma.fields.String(dump_default="none given")
    constant = ma.fields.Constant("always")
    computed = ma.fields.Method("twice")
    numeric_text = ma.fields.String(attribute="count", dump_only=True)  # an int in a String field

    def twice(self, obj):
        return 2 * (obj["count"] if isinstance(obj, dict) else obj.count)


class Renamed(Everything):
    def get_attribute(self, obj, attr, default):
        return "renamed" if attr == "name" else super().get_attribute(obj, attr, default)


class RenamedNamingItsOwn(Renamed):
    own_attributes = frozenset({"name"})  # the others read by marshmallow's rules


@dataclass
class Thing:
    id: uuid.UUID
    name: str | None
    label: str
    colour: Colour
    count: int
    ratio: float
    flag: bool
    size: Size
    at: datetime
    tags: list
    inner: object
    inners: list


def things() -> list:
    inner = Thing(uuid.uuid4(), "in", "", Colour.RED, 0, 0.0, False, Size.BIG, None, [], None, [])
    full = Thing(
        uuid.uuid4(),
        "Ada",
        "Dr",
        Colour.RED,
        7,
        0.5,
        True,
        Size.BIG,
        datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
        ["a", "b"],
        inner,
        [inner, inner],
    )
    empty = Thing(uuid.uuid4(), None, "", Colour.RED, 0, 0.0, False, Size.BIG, None, [], None, [])
    mapping = {**vars(full), "inner": vars(inner), "inners": []}
    return [full, empty, mapping]


@pytest.mark.parametrize("schema_class", [Everything, Renamed, RenamedNamingItsOwn])
@pytest.mark.parametrize("index", range(3))
def test_an_item_dumps_as_marshmallow_dumps_it(schema_class, index):
    item = things()[index]
    schema = schema_class()

    fast = schema.dump(item)

    assert fast == ma.Schema._serialize(schema, item)
    assert "absent" not in fast and fast["defaulted"] == "none given"
    assert (fast["name"] == "renamed") is (schema_class is not Everything)
    assert fast["colour_as_text"] == str(Colour.RED) and fast["numeric_text"] == str(
        item_count(item)
    )


def item_count(item) -> int:
    return item["count"] if isinstance(item, dict) else item.count


def test_a_list_dumps_each_item_and_only_and_exclude_hold():
    items = things()
    schema = Everything(many=True, only=("id", "name", "inner"), exclude=("inner",))

    dumped = schema.dump(items)

    assert dumped == [ma.Schema._serialize(schema, item) for item in items]
    assert [set(row) for row in dumped] == [{"id", "name"}] * 3
    assert dumped[0] == {"id": str(items[0].id), "name": "Ada"}


class Lists(Schema):
    tags = ma.fields.List(ma.fields.String())
    colours = ma.fields.List(ma.fields.Enum(Colour, by_value=True))
    counts = ma.fields.List(ma.fields.Integer())
    inners = ma.fields.List(ma.fields.Nested(Inner))


@pytest.mark.parametrize(
    "values",
    [
        {"tags": ["a", "b"], "colours": [Colour.RED, None], "counts": [1, 2], "inners": []},
        {"tags": [], "colours": [], "counts": [], "inners": None},
        # Items the inner field converts: a StrEnum in a String, a bool in an Integer.
        {"tags": ["a", Colour.RED], "colours": [Colour.RED], "counts": [True, 3], "inners": []},
        {"tags": ("a",), "colours": None, "counts": [Size.BIG], "inners": [{"name": "in"}]},
    ],
)
@pytest.mark.parametrize("as_object", [False, True])
def test_lists_dump_their_items_as_marshmallow_dumps_them(values, as_object):
    item = SimpleNamespace(**values) if as_object else values
    schema = Lists()

    fast = schema.dump(item)

    assert repr(fast) == repr(ma.Schema._serialize(schema, item))  # the same types too
