"""SEP Help Desk configuration: copy to instance/config.py and edit.

Every setting below shows its default. Environment variables override this file:
SEP_DATABASE_URL, SEP_PLUGINS, SEP_SECRET_KEY, SEP_ENV, SEP_PUBLIC_URL, SEP_MAIL_BACKEND,
SEP_MAIL_SERVER, SEP_MAIL_PORT, SEP_MAIL_USERNAME, SEP_MAIL_PASSWORD, SEP_MAIL_FROM,
SEP_REDIS_URL, SEP_PLUGIN_CONFIG (JSON), SEP_TRACE_PLUGINS, SEP_TRUSTED_PROXIES, SEP_MAX_FORM_BYTES. SEP_INSTANCE_PATH
chooses another instance folder.
"""

# "development" (the default: generated secret key, mail written to instance/mail/, the
# /dev/mail page, outbox delivered after each request), "production" (secret key required,
# secure cookies, HSTS, SMTP, `sep worker` delivers the outbox) or "testing".
SEP_ENV = "development"

# Plugins to enable, in priority order: the first listed wins decision hooks (routing,
# deadlines). None enables every built-in plugin. Names come from the entry-point group
# "sep_helpdesk.plugins" (`sep plugins --json` lists the enabled ones).
# "+name" / "-name" add or remove plugins relative to the built-ins (or to the names listed):
# SEP_PLUGINS = "+demo -client_check" (also as the environment variable SEP_PLUGINS).
SEP_PLUGINS = None
# SEP_PLUGINS = ["calendar_ru", "sms_gateway", "identity_check", "kb_keyword", "tickets", "channel_web"]
# SEP_PLUGINS = ["+demo"]

# Per-plugin settings; each plugin documents its keys in docs/plugins/<name>.md.
# A value "$env:NAME" is read from the environment variable NAME (for tokens and secrets).
SEP_PLUGIN_CONFIG = {}
# SEP_PLUGIN_CONFIG = {"channel_web": {"phone_display": "8 800 100-00-00",
#                                      "social_links": [{"network": "vk", "url": "https://vk.com/..."}]},
#                     # production SMS (docs/plugins/sms_gateway.md): "smpp" or "http" (SMS.ru)
#                     "sms_gateway": {"backend": "smpp", "sender": "SEP-HELP", "smpp_host": "10.0.0.5",
#                                     "smpp_system_id": "sep", "smpp_password": "$env:SEP_SMPP_PASSWORD"}}

# Shown in the header; "" uses the translated default name.
SEP_SITE_NAME = ""
# The public address of the site, used in e-mails and the OpenAPI document, e.g.
# "https://help.example.org" (set it in production). None: http://127.0.0.1:5000 in development
# (`make run PORT=...` sets it to match); in production the address the citizen used for the page
# that sent the e-mail, and password-reset links go out as a path only (a Host header is not trusted).
SEP_PUBLIC_URL = None

# None: SQLite file instance/sep.sqlite3. Production: PostgreSQL, e.g.
# "postgresql+psycopg://sep:password@127.0.0.1:5432/sep" (install the "postgres" extra).
SQLALCHEMY_DATABASE_URI = None

# Required in production (python -c 'import secrets; print(secrets.token_hex(32))').
# In development a key is generated into instance/secret_key.
SECRET_KEY = None

# Languages: the first is not special; BABEL_DEFAULT_LOCALE is used when nobody chose.
BABEL_DEFAULT_LOCALE = "ru"
BABEL_DEFAULT_TIMEZONE = "Europe/Moscow"
SEP_LANGUAGES = ["ru", "en"]

# E-mail: None chooses "file" in development and "smtp" in production.
SEP_MAIL_BACKEND = None
SEP_MAIL_SERVER = "127.0.0.1"
SEP_MAIL_PORT = 25
SEP_MAIL_USE_TLS = False  # STARTTLS
SEP_MAIL_USE_SSL = False  # implicit TLS (port 465)
SEP_MAIL_USERNAME = ""
SEP_MAIL_PASSWORD = ""
SEP_MAIL_FROM = "СЭП Help Desk <noreply@localhost>"
SEP_MAIL_TIMEOUT = 10  # seconds

# Outbox (e-mail, SMS, social replies): attempts before a message is marked failed, and the
# exponential backoff between attempts (base, doubled each time, capped).
SEP_OUTBOX_MAX_ATTEMPTS = 8
SEP_OUTBOX_BACKOFF_SECONDS = 30
SEP_OUTBOX_BACKOFF_MAX_SECONDS = 3600
# A worker claims one message at a time; if it dies while sending, that message goes back after
# this many seconds (keep it above the slowest transport's timeout, e.g. SEP_MAIL_TIMEOUT).
SEP_OUTBOX_LEASE_SECONDS = 60
# Sent messages (and those that failed for good) are deleted after this many days, by
# `sep outbox purge` and by `sep worker` every SEP_OUTBOX_PURGE_INTERVAL_SECONDS. Their secret
# parts (codes, reset links) are wiped as soon as they are sent.
SEP_OUTBOX_RETENTION_DAYS = 30
SEP_OUTBOX_PURGE_INTERVAL_SECONDS = 3600
# Deliver right after a web request that queued something (None: in development only; production
# runs `sep worker`). Requests that queued nothing also deliver what is due at most this often.
SEP_OUTBOX_DELIVER_AFTER_REQUEST = None
SEP_OUTBOX_SWEEP_SECONDS = 30
# When the database is unreachable every route answers 503 with this Retry-After (seconds):
# JSON {"error": {"code": "unavailable"}} on /api/v1/, a short page elsewhere.
SEP_UNAVAILABLE_RETRY_AFTER = 5

# Redis for rate limits and caches shared by several web workers ("" keeps them in-process),
# e.g. "redis://127.0.0.1:6379/0".
SEP_REDIS_URL = ""

# Largest request body in bytes of the upload routes (attachments included); only views marked
# with sep_core.large_body accept it.
SEP_MAX_BODY_BYTES = 60 * 1024 * 1024

# Anonymous questions to the consultant are logged in batches by a background thread of each
# worker (PostgreSQL only; None: 500 rows in production, off elsewhere; 0: off): a batch is written
# when this many rows wait or this many seconds after the first, and at a clean exit. A worker that
# is killed loses at most the last SEP_LOG_BUFFER_SECONDS of anonymous questions. Inquiry ids are
# reserved from the database's sequence in blocks of SEP_LOG_BUFFER_ID_BLOCK.
SEP_LOG_BUFFER_ROWS = None
SEP_LOG_BUFFER_SECONDS = 1.0
SEP_LOG_BUFFER_ID_BLOCK = 100

# GET /api/v1/health checks the database at most this often per worker and answers the last
# verdict in between (0: a check on every call).
SEP_HEALTH_CHECK_SECONDS = 1.0

# A pooled database connection that sat idle this many seconds is checked before use (the
# database may have restarted); connections in steady use are not (None: never check).
SEP_DB_PING_IDLE_SECONDS = 10
# Largest request body in bytes of every other route (JSON and forms), checked on Content-Length
# (and on the streamed length) before anything is parsed: 413 beyond it.
SEP_MAX_FORM_BYTES = 64 * 1024

# Log every hook call with its implementations and the types of their results (debugging
# plugins; arguments and values are never logged, they may carry personal data).
SEP_TRACE_PLUGINS = False

# How many reverse proxies (nginx, a load balancer) stand in front of the app. With 1, the
# client's address, scheme and host are read from the proxy's X-Forwarded-For/-Proto/-Host, so
# per-IP rate limits count citizens, not the proxy. Keep 0 without a proxy: then those headers
# come from the client and are ignored.
SEP_TRUSTED_PROXIES = 0

# API tokens (sep tokens create, /staff/tokens): calls per minute a new token may make; each token
# keeps the value it was created with.
SEP_API_TOKEN_RATE_PER_MINUTE = 120

# The bot answers when its best candidate's confidence reaches this; below it, the citizen is
# offered a request pre-filled with the question.
SEP_BOT_CONFIDENCE_THRESHOLD = 0.5

# Chat channels (channel_social's networks, or any ConversationalChannel): a one-time code linking
# a chat to a personal cabinet lives this many minutes, and this many wrong codes per hour are
# allowed per chat and per account.
SEP_CHAT_LINK_CODE_MINUTES = 15
SEP_CHAT_LINK_ATTEMPTS_PER_HOUR = 5

# Password hashing (werkzeug method string). "scrypt" is memory-hard with N=2**15, r=8, p=1;
# raise the cost with e.g. "scrypt:65536:8:1". Existing hashes keep working after a change.
SEP_PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hashing method, not a password
