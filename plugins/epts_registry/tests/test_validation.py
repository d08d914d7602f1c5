"""ЭПТС numbers and VINs: what is accepted, what is refused and why."""

from __future__ import annotations

import pytest
from sep_plugins.epts_registry.demo_data import vehicles
from sep_plugins.epts_registry.validation import (
    InvalidQuery,
    check_digit,
    normalise_number,
    normalise_vin,
    parse_query,
)


@pytest.mark.parametrize("vin", ["1M8GDM9AXKP042788", "11111111111111111", "1HGCM82633A004352"])
def test_known_valid_vins_pass_the_check_digit(vin):
    assert check_digit(vin) == vin[8]
    assert normalise_vin(vin) == vin


def test_vin_input_is_normalised():
    assert normalise_vin(" 1m8gdm9a-xkp042788 ") == "1M8GDM9AXKP042788"
    # typed on a Russian layout: Cyrillic М, А, К, Р look like Latin letters
    assert normalise_vin("1М8GDМ9АXКР042788") == "1M8GDM9AXKP042788"


@pytest.mark.parametrize(("value", "code"), [
    ("1M8GDM9A1KP042788", "vin_check_digit"),  # one wrong check digit
    ("1M8GDM9AXKP04278", "invalid_vin"),  # 16 characters
    ("1M8GDM9AXKP0427881", "invalid_vin"),
    ("1M8GDM9AXKP04278O", "invalid_vin"),  # the letter O
    ("1M8GDM9AXKP0427_8", "invalid_vin"),
    ("", "missing"),
    ("x" * 65, "too_long"),
])
def test_bad_vins_are_refused_with_a_reason(value, code):
    with pytest.raises(InvalidQuery) as info:
        normalise_vin(value)
    assert info.value.code == code and info.value.message


def test_check_digit_modes():
    european = "WVWZZZ1JZ3W386752"  # position 9 is not a check digit in Europe
    with pytest.raises(InvalidQuery):
        normalise_vin(european, "required")
    assert normalise_vin(european, "north_america") == european
    assert normalise_vin(european, "off") == european
    with pytest.raises(InvalidQuery):
        normalise_vin("1M8GDM9A1KP042788", "north_america")  # starts with 1: North America, checked


def test_numbers():
    assert normalise_number("1643 0100 0000 042") == "164301000000042"
    for bad in ("16430100000004", "1643010000000421", "16430100000004A", "'; DROP TABLE users; --", "١٦٤٣٠١٠٠٠٠٠٠٠٤٢"):
        with pytest.raises(InvalidQuery):
            normalise_number(bad)


def test_parse_query_tells_numbers_from_vins():
    assert parse_query("164301000000042") == {"number": "164301000000042"}
    assert parse_query("11111111111111111") == {"vin": "11111111111111111"}
    assert parse_query(number="164301000000042") == {"number": "164301000000042"}
    with pytest.raises(InvalidQuery):
        parse_query(number="164301000000042", vin="11111111111111111")
    with pytest.raises(InvalidQuery):
        parse_query("<script>alert(1)</script>")


def test_demo_set_is_deterministic_and_valid():
    first, second = vehicles(300), vehicles(300)
    assert first == second and len(first) == 300
    assert len({v["epts_number"] for v in first}) == 300 and len({v["vin"] for v in first}) == 300
    for v in first:
        assert normalise_vin(v["vin"]) == v["vin"] and normalise_number(v["epts_number"]) == v["epts_number"]
        assert sum(1 for o in v["owners"] if o["owned_to"] is None) == 1
    assert {v["status"] for v in first} == {"incomplete", "active", "closed", "annulled"}
    assert vehicles(300, seed=1) != first
