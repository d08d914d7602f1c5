"""SEP Help Desk core: the public facade for plugin authors.

Plugins import from here only (``from sep_core import hookimpl, db, Answer, ...``); everything
else in ``sep_core`` may change between versions.
"""

from . import conversations, drafts
from .api import API_PREFIX, api_doc, json_body, json_error
from .app import create_app
from .audit import audit
from .channels import Channel, WebhookChannel, constant_time_equals, prune_inbound_events
from .clock import MOSCOW, now, to_moscow, utcnow_naive
from .conversations import (
    ConversationalChannel,
    citizen_locale,
    id_of,
    in_citizen_locale,
    reply_text,
    request_url,
    text_of,
)
from .domain import (
    SERVICES,
    Answer,
    Availability,
    InboundEvent,
    Inquiry,
    InquiryResult,
    Requirement,
    Route,
    RouteAction,
)
from .errors import ApiError, ConfigError, DeliveryError, SepError
from .extensions import csrf, db, login_manager
from .http import HttpResult, JsonHttp, retry_after_seconds
from .i18n import gettext, lazy_gettext, ngettext
from .inputs import clean_text, large_body, raw_text
from .labels import channel_label, role_label
from .links import public_url
from .logbuffer import flush_logs, log_row
from .mail import send_mail
from .models import ROLES, STAFF_ROLES, AuditEntry, InquiryLog, OutboxMessage, User
from .outbox import current_outbox_message_id, enqueue
from .pipeline import availability, collect_answers, handle_inquiry
from .plugins import hookimpl
from .ratelimit import RateLimiter, rate_limiter
from .registry import (
    RegistryAccess,
    RegistryDenied,
    RegistryExtract,
    RegistryField,
    RegistryOwner,
    RegistryRecord,
    RegistryView,
    registry_extract,
    registry_lookup,
)
from .state import (
    client_requirements,
    current_state,
    deadline,
    identity_channels,
    plugin_settings,
    send_code,
    service_schedule,
)
from .tokens import SCOPES as API_SCOPES
from .tokens import current_token, require_scope
from .web import safe_next, ui_slot

__version__ = "0.1.0"

__all__ = [
    "API_PREFIX",
    "API_SCOPES",
    "MOSCOW",
    "ROLES",
    "SERVICES",
    "STAFF_ROLES",
    "Answer",
    "ApiError",
    "AuditEntry",
    "Availability",
    "Channel",
    "ConfigError",
    "ConversationalChannel",
    "DeliveryError",
    "HttpResult",
    "InboundEvent",
    "Inquiry",
    "InquiryLog",
    "InquiryResult",
    "JsonHttp",
    "OutboxMessage",
    "RateLimiter",
    "RegistryAccess",
    "RegistryDenied",
    "RegistryExtract",
    "RegistryField",
    "RegistryOwner",
    "RegistryRecord",
    "RegistryView",
    "Requirement",
    "Route",
    "RouteAction",
    "SepError",
    "User",
    "WebhookChannel",
    "api_doc",
    "audit",
    "availability",
    "channel_label",
    "citizen_locale",
    "clean_text",
    "client_requirements",
    "collect_answers",
    "constant_time_equals",
    "conversations",
    "create_app",
    "csrf",
    "current_outbox_message_id",
    "current_state",
    "current_token",
    "db",
    "deadline",
    "drafts",
    "enqueue",
    "flush_logs",
    "gettext",
    "handle_inquiry",
    "hookimpl",
    "id_of",
    "identity_channels",
    "in_citizen_locale",
    "json_body",
    "json_error",
    "large_body",
    "lazy_gettext",
    "log_row",
    "login_manager",
    "ngettext",
    "now",
    "plugin_settings",
    "prune_inbound_events",
    "public_url",
    "rate_limiter",
    "raw_text",
    "registry_extract",
    "registry_lookup",
    "reply_text",
    "request_url",
    "require_scope",
    "retry_after_seconds",
    "role_label",
    "safe_next",
    "send_code",
    "send_mail",
    "service_schedule",
    "text_of",
    "to_moscow",
    "ui_slot",
    "utcnow_naive",
]
