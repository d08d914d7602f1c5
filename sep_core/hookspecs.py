"""Every hook specification of SEP Help Desk.

One-line docstrings here; the contract (arguments, return values, ordering) lives in
``docs/plugin_hooks.md``, and a test keeps the two in step. Callers always pass arguments by
keyword, so an implementation may accept any subset of them; arguments may be added in later
versions but are never renamed or removed.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("sep")

# --- setup: contributions, results collected -------------------------------------------------


@hookspec
def sep_config_defaults():
    """Return a dict of this plugin's settings and their defaults."""


@hookspec
def sep_blueprints(app):
    """Return a list of Flask blueprints to register on the app."""


@hookspec
def sep_cli(cli, app):
    """Add click commands to the ``sep`` command group."""


@hookspec
def sep_migration_dirs():
    """Return a list of folders holding this plugin's Alembic revisions."""


@hookspec
def sep_translation_dirs():
    """Return a list of ``(folder, domain)`` pairs with this plugin's message catalogs."""


@hookspec
def sep_startup(app):
    """Prepare plugin state once the app is configured (build caches, check settings)."""


@hookspec
def sep_init_data(app, demo):
    """Write the plugin's initial rows after ``sep init`` (demo data when ``demo`` is true)."""


# --- UI slots: HTML fragments collected in order ---------------------------------------------


@hookspec
def sep_ui_nav_items(user):
    """Return a list of ``(label, url)`` pairs for the main navigation."""


@hookspec
def sep_ui_banners(at):
    """Return a list of banner HTML fragments (Markup) shown on every page."""


@hookspec
def sep_ui_footer():
    """Return a list of HTML fragments (Markup) for the footer of every page."""


@hookspec
def sep_ui_home_panels(at):
    """Return a list of HTML fragments (Markup) for the home page."""


@hookspec
def sep_ui_cabinet_sections(user):
    """Return a list of HTML fragments (Markup) for the personal cabinet."""


@hookspec
def sep_ui_conversation_panels(conversation, user):
    """Return a list of HTML fragments (Markup) for the staff page of a chat conversation."""


@hookspec
def sep_ui_desk_panels(user):
    """Return a list of HTML fragments (Markup) for the top of the staff desk."""


# --- channels ---------------------------------------------------------------------------------


@hookspec
def sep_register_channels(app):
    """Return a list of Channel objects this plugin provides."""


# --- answerers --------------------------------------------------------------------------------


@hookspec
def sep_answer(inquiry):
    """Return a list of Answer candidates for the inquiry (best first)."""


@hookspec(firstresult=True)
def sep_text_encoder(locale):
    """Return a sentence encoder for texts in ``locale`` (``.name``; ``.encode(texts)`` -> unit float32
    rows; optional ``.query_prefix`` / ``.passage_prefix``), or None.
    Answerers call it when they build or load their index, not per question; ``name``
    identifies the vectors an encoder made (kb_keyword shares them between workers by it)."""


# --- routing ----------------------------------------------------------------------------------


@hookspec(firstresult=True)
def sep_route(inquiry, answers, availability):
    """Decide what happens to the inquiry: return a Route, or None to let the next plugin decide."""


# --- availability and working time ------------------------------------------------------------


@hookspec
def sep_availability(service, at):
    """Return an Availability verdict for the service at the moment, or None to abstain."""


@hookspec(firstresult=True)
def sep_deadline(service, start, hours):
    """Return the moment when ``hours`` hours of the service's open time have passed."""


@hookspec(firstresult=True)
def sep_service_schedule(service):
    """Return the service's regular schedule as a dict (days, hours, short-day hours, response target), or None."""


@hookspec(firstresult=True)
def sep_response_target():
    """Return the answer-time rule for requests as a dict (policy, hours, text), or None."""


# --- identity ---------------------------------------------------------------------------------


@hookspec
def sep_identity_channels(user):
    """Return a list of channel names that can deliver a one-time code to the user."""


@hookspec(firstresult=True)
def sep_send_code(user, channel, code, purpose):
    """Deliver a one-time code to the user through the channel; return True if queued."""


@hookspec
def sep_missing_confirmations(user):
    """Return a list of contact channels the user must still confirm before filing requests."""


@hookspec(firstresult=True)
def sep_start_identity_check(user, channel, requested_by, reason):
    """Send the user a code through another channel to confirm identity; return the check id."""


@hookspec(firstresult=True)
def sep_verify_identity(check_id, code, user):
    """Check the code the user typed back for an identity check; return the outcome string."""


@hookspec(firstresult=True)
def sep_identity_check_status(check_id):
    """Return an identity check as a dict (user, who asked, channel, status, times), or None."""


# --- tickets (implemented by a requests plugin such as ``tickets``) ----------------------------------


@hookspec(firstresult=True)
def sep_open_ticket(user, subject, text, channel, inquiry):
    """Open a request for the user from a channel's message; return its reference, or None."""


@hookspec
def sep_specialist_profiles():
    """Return a list of dicts (code, name, active, ...) of the specialist profiles this plugin manages."""


@hookspec(firstresult=True)
def sep_pick_assignee(ticket, load):
    """Choose the staff member (a User) a new request is assigned to, or None to leave it in the queue."""


@hookspec(firstresult=True)
def sep_on_duty(user, at):
    """Return whether the staff member is on shift at the moment, or None when the plugin cannot say."""


@hookspec
def sep_on_shift_ended(user, shift, pick, note):
    """Hand over the unfinished work of a staff member whose shift has ended."""


@hookspec
def sep_contact_requests(user, phone):
    """Return a list of dicts (number, subject, status, status_label, url) of open requests of this caller."""


# --- reports ----------------------------------------------------------------------------------


@hookspec
def sep_report_metrics(start, end, channel):
    """Return a dict of this plugin's figures for the period [start, end) and channel (None: all), or None."""


# --- open registry data -----------------------------------------------------------------------


@hookspec(firstresult=True)
def sep_registry_lookup(query, requester):
    """Find a registry record for the query; return a RegistryRecord with classified fields, or None."""


@hookspec(firstresult=True)
def sep_registry_extract(record_id, requester):
    """Make the extract document of a record; return a RegistryExtract, or None."""


# --- client requirements ----------------------------------------------------------------------


@hookspec
def sep_client_requirements(request, user):
    """Return a list of Requirement objects the citizen's browser or computer must satisfy."""


@hookspec
def sep_requested_requirements(user):
    """Return a list of requirement ids that staff have asked this user to meet."""


@hookspec
def sep_requirement_status(user, requirement_ids):
    """Return a list of Requirement objects with the user's latest stored results for those ids."""


@hookspec
def sep_on_requirement_met(user, requirement, result):
    """React to a user's requirement that has just become met (checked or confirmed)."""


@hookspec
def sep_requirement_catalog():
    """Return a list of Requirement definitions staff may ask a citizen to satisfy."""


# --- files ------------------------------------------------------------------------------------


@hookspec
def sep_scan_file(path, filename):
    """Scan an uploaded file before it is kept; return False or a reason string to reject it."""


# --- outbound delivery ------------------------------------------------------------------------


@hookspec
def sep_transports(app):
    """Return a dict mapping outbox kinds to delivery callables ``deliver(payload) -> None``."""


# --- events: broadcast, return values ignored ---------------------------------------------------


@hookspec
def sep_on_inquiry(inquiry, result):
    """React to an inquiry that the pipeline has answered or routed."""


@hookspec
def sep_on_ticket_message(ticket, message):
    """React to a new message in a request's thread (a staff reply, a citizen's reply, a note)."""


@hookspec
def sep_on_outbox_failed(message):
    """React to an outbox message that has failed for good."""


@hookspec
def sep_on_identity_checked(check):
    """React to an identity check that has finished (passed, failed or expired)."""


@hookspec
def sep_on_ticket_created(ticket):
    """React to a request (ticket) that has just been filed."""


@hookspec
def sep_on_ticket_status_changed(ticket, old, new):
    """React to a request's status change from ``old`` to ``new``."""


@hookspec
def sep_user_data(user):
    """Return a dict of this plugin's data about the user for the citizen's download."""


@hookspec
def sep_on_user_deleted(user, retention):
    """Erase or anonymise this plugin's personal data of a user whose account is being deleted."""
