"""duty_roster settings and their defaults (override under SEP_PLUGIN_CONFIG["duty_roster"])."""

DEFAULTS = {
    # Assign new requests automatically to the staff on shift (False: the roster only shows who is on).
    "auto_assign": True,
    # Largest CSV accepted by the import (bytes) and how many rows.
    "import_max_bytes": 512 * 1024,
    "import_max_rows": 5000,
    # Shifts longer than this many hours are refused (a typo such as 08:00-06:00 on the same day).
    "max_shift_hours": 24,
    # Each web worker keeps the coming hour's shifts (and who was last given a request) this many
    # seconds instead of reading them on every filing; an edit made in the worker is seen there at
    # once, in other workers within this time. 0: read them for every filing.
    "cache_seconds": 5,
}
