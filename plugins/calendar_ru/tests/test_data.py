"""The shipped calendar data: totals recomputed from the data, the holidays package, the facts file."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from sep_plugins.calendar_ru.calendar_data import build_days, load_years, year_days, year_totals

from sep_core.testing import in_ci

YEARS = list(range(2019, 2028))
# The cross-checked facts live in shared/ beside the checkout (also in CI's clean clone).
FACTS = Path(__file__).resolve().parents[3].parent / "shared" / "calendar" / "ru_production_calendar_2019_2027.json"


@pytest.fixture(scope="module")
def years():
    return load_years()


def test_one_file_per_year_2019_to_2027(years):
    assert sorted(years) == YEARS
    assert years[2027]["status"] == "provisional"
    assert all(years[y]["status"] == "final" for y in YEARS[:-1])


@pytest.mark.parametrize("year", YEARS)
def test_totals_recomputed_from_data(years, year):
    days = year_days(year, years[year])
    assert len(days) == (366 if year % 4 == 0 else 365)
    totals = year_totals(days, year)
    assert totals == years[year]["expected"]


@pytest.mark.parametrize("year", YEARS)
def test_working_days_agree_with_holidays_package(years, year):
    assert tuple(int(p) for p in holidays.__version__.split(".")[:2]) >= (0, 109)
    ru = holidays.country_holidays("RU", years=year)
    days = year_days(year, years[year])
    differ = [d for d, day in days.items() if day.working != ru.is_working_day(d)]
    assert differ == []


@pytest.mark.parametrize("year", YEARS)
def test_short_days_are_working_days_before_a_holiday(years, year):
    days = build_days(years)
    for d, day in days.items():
        if d.year == year and day.short:
            assert day.working
            # a short day precedes a holiday (possibly after a weekend it was moved from)
            assert days[d + timedelta(1)].kind == "holiday" or day.kind == "working_weekend", d


def test_special_days_only_when_enabled(years):
    plain = build_days({2020: years[2020]})
    assert plain[date(2020, 4, 1)].working
    honoured = build_days({2020: years[2020]}, honour_special=True)
    assert not honoured[date(2020, 4, 1)].working
    assert honoured[date(2020, 4, 1)].kind == "special_non_working"
    moscow_only = build_days({2021: years[2021]}, honour_special=True, special_regions=("RU",))
    assert moscow_only[date(2021, 10, 28)].working
    assert not moscow_only[date(2021, 11, 1)].working


@pytest.mark.skipif(not FACTS.exists() and not in_ci(), reason="shared/ is not beside this checkout")
@pytest.mark.sep_plugins("calendar_ru")
@pytest.mark.parametrize("year", YEARS)
def test_calendar_show_agrees_with_facts_file(runner, year):
    facts = json.loads(FACTS.read_text(encoding="utf-8"))["years"][str(year)]
    result = runner.invoke(args=["calendar", "show", str(year), "--json"])
    assert result.exit_code == 0, result.output
    shown = {d["date"]: d for d in json.loads(result.output)["days"]}
    holidays_ = {h["date"]: h for h in facts["holidays"]}
    transfers = {t["date"] for t in facts["transferred_days_off"]}
    working_weekends = {w["date"] for w in facts["working_weekends"]}
    shorts = {s["date"] for s in facts["short_days"]}
    for key, day in shown.items():
        weekend = date.fromisoformat(key).weekday() >= 5
        if key in holidays_:
            expected = ("holiday", False, holidays_[key]["name_ru"])
        elif key in transfers:
            expected = ("transferred_day_off", False, day["name"])
        elif key in working_weekends:
            expected = ("working_weekend", True, day["name"])
        elif weekend:
            expected = ("weekend", False, "")
        else:
            expected = ("working", True, "")
        assert (day["kind"], day["working"], day["name"]) == expected, key
        assert day["short"] == (key in shorts), key
    assert json.loads(result.output)["totals"]["working_days"] == facts["stats"]["working_days"]
