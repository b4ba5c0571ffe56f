"""Dumping an answer at a fraction of marshmallow's cost per field, with its result.

marshmallow serialises each field of each item through five calls (`serialize`,
`get_value`, the schema's `get_attribute`, `utils.get_value`, `_serialize`), which is most
of a 50-row list's cost. `dump_fields` here walks a plan made once per schema instance:
each field's key and attribute, read with one `getattr` (objects), a key (dicts) or
marshmallow's own accessor (other mappings, and what a schema reads its own way);
a value of a type the field would pass through unchanged (a `str` for a `String`, a
`UUID` for a `UUID` as its `str`, a by-value enum as its value, a `list` for a `List`
when its inner field would pass each item through) is taken as it is. Every other value,
and every field this does not know, goes to the field's own `serialize`, so the output is
marshmallow's, byte for byte.
"""

import uuid
from collections.abc import Callable
from typing import Any

import marshmallow as ma

_NONE = type(None)
_SLOW = object()  # the value's type is not one the field passes through: ask the field


def _enum_value(value):
    return value.value


# For each field class: the value types it dumps as they are (None) or through the
# converter given, exactly as its own `_serialize` would.
_KNOWN: dict[type, dict[type, Callable[[Any], Any] | None]] = {
    ma.fields.String: {str: None, _NONE: None},
    ma.fields.Integer: {int: None, _NONE: None},
    ma.fields.Float: {float: None, _NONE: None},
    ma.fields.Boolean: {bool: None, _NONE: None},
    ma.fields.UUID: {uuid.UUID: str, _NONE: None},
}


def _fast_types(field: ma.fields.Field) -> dict[type, Callable[[Any], Any] | None]:
    if getattr(field, "as_string", False) or field.attribute and "." in field.attribute:
        return {}
    known = _KNOWN.get(type(field))
    if known is not None:
        return known
    if type(field) is ma.fields.Enum and field.by_value and type(field.field) is ma.fields.Raw:
        return {field.enum: _enum_value, _NONE: None}
    if type(field) is ma.fields.List:
        return {list: _each(_fast_types(field.inner)), _NONE: None}
    return {}


def _each(item_types: dict[type, Callable[[Any], Any] | None]) -> Callable[[list], Any]:
    """A `List`'s converter: its items as the inner field dumps them, or _SLOW (ask the
    field) when an item's type is not one the inner field passes through."""

    def convert(values: list) -> list | object:
        converted = []
        for value in values:
            convert_item = item_types.get(type(value), _SLOW)
            if convert_item is _SLOW:
                return _SLOW
            converted.append(value if convert_item is None else convert_item(value))
        return converted

    return convert


def plan(schema: ma.Schema) -> list[tuple]:
    """(key, name, attribute, field, fast types) for each field the schema dumps; a field
    its schema reads its own way (`own_attributes`) gets no fast types."""
    own = _own_attributes(type(schema))
    steps = []
    for name, field in schema.dump_fields.items():
        key = field.data_key if field.data_key is not None else name
        attribute = name if field.attribute is None else field.attribute
        plain = field.dump_default is ma.missing and (own is not None and attribute not in own)
        steps.append((key, name, attribute, field, _fast_types(field) if plain else {}))
    return steps


def dump_fields(schema: ma.Schema, steps: list[tuple], obj: Any) -> dict:
    """What marshmallow's `Schema._serialize` returns for one object."""
    if type(obj) is dict:
        read = _from_dict
    elif hasattr(obj, "__getitem__"):  # other mappings and sequences: marshmallow's rules
        read = schema.get_attribute
    else:
        read = None  # an object: getattr
    missing = ma.missing
    result = {}
    for key, name, attribute, field, fast in steps:
        if not fast or not field._CHECK_ATTRIBUTE:
            value = field.serialize(name, obj, accessor=schema.get_attribute)
        else:
            if read is None:
                value = getattr(obj, attribute, missing)
            else:
                value = read(obj, attribute, missing)
            if value is missing:
                continue
            convert = fast.get(type(value), _SLOW)
            if convert is not None:
                fast_value = _SLOW if convert is _SLOW else convert(value)
                value = field._serialize(value, name, obj) if fast_value is _SLOW else fast_value
        if value is not missing:
            result[key] = value
    return result


def _from_dict(obj: dict, key: str, default: Any) -> Any:
    """marshmallow's `get_value` for a plain dict (its key, else an attribute)."""
    return obj[key] if key in obj else getattr(obj, key, default)


def _own_attributes(schema_class: type) -> frozenset[str] | None:
    """The attributes the schema reads its own way: none without a `get_attribute` of its
    own, else those it names in `own_attributes` (all when it names none: None)."""
    if schema_class.get_attribute is ma.Schema.get_attribute:
        return frozenset()
    return getattr(schema_class, "own_attributes", None)
