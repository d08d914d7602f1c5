"""tickets settings and their defaults (override under SEP_PLUGIN_CONFIG["tickets"])."""

DEFAULTS = {
    # The answer-time rule: which time counts towards deadline_hours (see docs/plugins/tickets.md).
    # "clock_hours_on_working_days": clock hours on working days of the calendar only (Friday 17:00
    # -> Monday 17:00; filed on a day off: counted from 00:00 of the next working day);
    # "working_hours": the working hours of the "tickets" service (06:00-18:00).
    # The home page, the request form and page, the e-mails, the desk and the API all read these two.
    "deadline_policy": "clock_hours_on_working_days",
    "deadline_hours": 24,
    # What the citizen is e-mailed about (every change also shows in the cabinet): "answer" (the
    # staff's answer), "reply" (a public message that does not answer yet), "documents", "identity",
    # "requirements" (staff ask the citizen for something); optional: "received" (the filing, with
    # its deadline), "closed". Internal status changes (taken, escalated, resumed) are never e-mailed.
    "email_notifications": ["answer", "reply", "documents", "identity", "requirements"],
    # The citizen may reopen an answered request within this many days; later it is closed for good.
    "reopen_days": 14,
    # Attachment limits (bytes and count), per file and per request.
    "max_file_bytes": 10 * 1024 * 1024,
    "max_files": 10,
    "max_total_bytes": 50 * 1024 * 1024,
    # Folder for attachments; "" means "tickets_files" in the instance folder (never a static folder).
    "storage_dir": "",
    # Pending uploads (kept while the citizen fixes a form error) older than this are discarded.
    "pending_upload_hours": 24,
    # Load-based estimate: the throughput window and what to assume with too little history.
    "estimate_window_days": 7,
    "estimate_min_samples": 5,
    "estimate_default_per_hour": 2.0,
    # Each web worker keeps the estimate's counts per lane and the open requests per assignee (the
    # duty roster's load) this many seconds instead of counting them on every filing; its own filings
    # are counted in at once, its other changes to requests make it count again; other workers'
    # changes show within this time. 0: count every time.
    "counts_cache_seconds": 5,
    # "Due soon" filter on the desk: this many hours before the deadline.
    "due_soon_hours": 4,
    # Categories written on first start (admins edit them on /desk/categories afterwards).
    # queue: the duty queue name; profile: a specialist profile (the request goes to it directly).
    "categories": [
        {"code": "epts_data", "name_ru": "Данные ЭПТС", "name_en": "EPTS record data", "queue": "duty",
         "profile": ""},
        {"code": "extract", "name_ru": "Выписка из ЭПТС", "name_en": "EPTS extract", "queue": "duty",
         "profile": ""},
        {"code": "registration", "name_ru": "Регистрация и вход", "name_en": "Registration and sign-in",
         "queue": "duty", "profile": ""},
        {"code": "tech", "name_ru": "Технические проблемы", "name_en": "Technical problems", "queue": "duty",
         "profile": "tech_support"},
        {"code": "other", "name_ru": "Другое", "name_en": "Other", "queue": "duty", "profile": ""},
    ],
    # Specialist profiles written on first start (admins manage them on /desk/profiles or with
    # `sep tickets profiles ...` afterwards). Codes named by categories are added too.
    "profiles": [
        {"code": "registration_data", "name_ru": "Регистрационные данные", "name_en": "Registration data"},
        {"code": "tech_support", "name_ru": "Техническая поддержка", "name_en": "Technical support"},
    ],
    # Each web worker reads the categories at most this often (an edit shows in other workers
    # within this many seconds; in the worker that made it, at once).
    "categories_cache_seconds": 5,
    # Request numbers each web worker reserves at once on PostgreSQL (one counter update per block;
    # unused numbers of a block are skipped when the worker ends). 1: a counter update per request.
    "number_block": 20,
    # Suggestions from the consultant while the citizen types: how many, and the minimal text length.
    "suggest_limit": 3,
    "suggest_min_chars": 12,
}
