"""Ids from outside never reach the database as something it cannot hold."""

import pytest

from core.ids import MAX_ID, parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        (42, 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 40, None),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("١", None),
        ("4.2", None),
        ("", None),
        (None, None),
        (True, None),
        ("0x10", None),
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected
