"""calendar_ru settings and their defaults (override under SEP_PLUGIN_CONFIG["calendar_ru"])."""

DEFAULTS = {
    # Opening hours per service. "days": "working" follows the production calendar (closed on
    # weekends, holidays and transferred days off, open on working weekends); "all" ignores it.
    # "hours": half-open intervals "HH:MM-HH:MM" (several per day express a break; "24:00" ends
    # a day). "short_day_hours": hours on pre-holiday short days; null = "hours" with the last
    # interval ending one hour earlier.
    "services": {
        "phone": {"days": "working", "hours": ["06:00-18:00"], "short_day_hours": None},
        "tickets": {"days": "working", "hours": ["06:00-18:00"], "short_day_hours": None},
        "bot": {"days": "all", "hours": ["00:00-24:00"], "short_day_hours": None},
    },
    # The response target for requests, in working hours of the "tickets" service.
    "response_hours": 24,
    # The 2020-2021 presidential "non-working days with pay": not honoured unless enabled.
    "honour_special_non_working_days": False,
    # Which of those lists apply when honoured ("RU" federal, "RU-MOW" Moscow only).
    "special_regions": ["RU", "RU-MOW"],
    # Upcoming maintenance windows are announced this many days ahead (home page, bot message).
    "announce_days": 7,
    # Staff pages warn this many days before a year starts that has no calendar data.
    "missing_year_warning_days": 120,
    # Other workers pick up override / maintenance changes within this many seconds (the writing
    # worker sees them at once).
    "cache_ttl_seconds": 30,
}
