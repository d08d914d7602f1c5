"""``/staff/webhooks``: subscriptions, their secrets and the delivery log (administrators only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from sep_core import audit, db, plugin_settings
from sep_core import gettext as _

from . import events, service, targets, transport
from .forms import ButtonForm, SubscriptionForm

blueprint = Blueprint("webhooks_out", __name__, url_prefix="/staff/webhooks", template_folder="templates",
                      static_folder="static", static_url_path="/static")

STATUSES = ("pending", "delivered", "failed")


def status_labels() -> dict[str, str]:
    return {"pending": _("waiting for an attempt"), "delivered": _("delivered"), "failed": _("failed for good")}


def target_problem(code: str) -> str:
    return {
        "scheme": _("Only http:// and https:// addresses can receive webhooks."),
        "credentials": _("The address must not contain a user name or password."),
        "private": _("The address leads to a loopback, private or reserved network address. The deployer can "
                     "allow such receivers (allow_private_targets)."),
        "port": _("The port must be a number from 1 to 65535."),
        "length": _("The address is too long."),
    }.get(code, _("This is not a valid address."))


def is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role("admin")


@blueprint.before_request
def only_admins():
    if not getattr(current_user, "is_authenticated", False):
        abort(401)
    if not is_admin(current_user):
        abort(403)


def nav_items(user) -> list[tuple[str, str, int]]:
    return [(_("Webhooks"), url_for("webhooks_out.page"), 80)] if is_admin(user) else []


def subscription_form() -> SubscriptionForm:
    form = SubscriptionForm(prefix="add")
    form.events.choices = [(name, f"{name} — {label}") for name, label in events.EVENTS.items()]
    return form


def _filters() -> tuple[int | None, str | None]:
    raw = request.args.get("subscription", "")
    subscription_id = int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None
    status = request.args.get("status", "")
    return subscription_id, (status if status in STATUSES else None)


def render_page(status: int = 200, form: SubscriptionForm | None = None, errors=(), secret=None, warnings=()):
    subscription_id, state = _filters()
    limit = int(plugin_settings("webhooks_out")["log_page_size"])
    rows = service.deliveries(limit, subscription_id, state)
    return render_template(
        "webhooks_out/webhooks.html", subscriptions=service.subscriptions(), deliveries=rows,
        next_attempt=transport.next_attempt, form=form or subscription_form(), button=ButtonForm(),
        errors=list(errors), secret=secret, warnings=list(warnings), labels=status_labels(), statuses=STATUSES,
        event_labels=events.EVENTS, chosen_subscription=subscription_id, chosen_status=state,
        rotation_hours=plugin_settings("webhooks_out")["rotation_overlap_hours"]), status


@blueprint.get("")
@blueprint.get("/")
def page():
    audit(current_user, "list", "webhook_subscriptions", "", "staff page of outgoing webhooks")
    db.session.commit()
    return render_page()


@blueprint.post("")
@blueprint.post("/")
def add():
    form = subscription_form()
    if not form.validate_on_submit():
        return render_page(400, form=form)
    try:
        subscription, warnings = service.add(form.url.data, form.events.data or [], form.description.data or "",
                                             current_user)
    except targets.TargetError as exc:
        db.session.rollback()
        form.url.errors = [target_problem(exc.code)]
        return render_page(400, form=form)
    except service.WebhookError:
        db.session.rollback()
        form.events.errors = [_("Choose at least one event.")]
        return render_page(400, form=form)
    db.session.commit()
    shown = [_("The host name does not resolve now; it is checked again before each delivery.")] if warnings else []
    # the secret is shown on this page once (never put in a flash cookie, never shown again)
    return render_page(201, secret=(subscription, subscription.secret, _("The subscription is added.")),
                       warnings=shown)


def _button_or_400() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)


def _subscription(subscription_id: int):
    try:
        return service.get(subscription_id)
    except service.WebhookError:
        abort(404)


@blueprint.post("/<int:subscription_id>/disable")
def disable(subscription_id: int):
    _button_or_400()
    service.set_active(_subscription(subscription_id), False, current_user)
    db.session.commit()
    flash(_("The subscription is disabled."), "success")
    return redirect(url_for("webhooks_out.page"))


@blueprint.post("/<int:subscription_id>/enable")
def enable(subscription_id: int):
    _button_or_400()
    service.set_active(_subscription(subscription_id), True, current_user)
    db.session.commit()
    flash(_("The subscription is enabled."), "success")
    return redirect(url_for("webhooks_out.page"))


@blueprint.post("/<int:subscription_id>/rotate")
def rotate(subscription_id: int):
    _button_or_400()
    subscription = _subscription(subscription_id)
    secret = service.rotate(subscription, current_user)
    db.session.commit()
    return render_page(200, secret=(subscription, secret, _("The secret is rotated.")))


@blueprint.post("/<int:subscription_id>/test")
def test(subscription_id: int):
    _button_or_400()
    try:
        delivery = service.send_test(_subscription(subscription_id), current_user)
    except service.WebhookError:
        db.session.rollback()
        flash(_("The subscription is disabled."), "error")
        return redirect(url_for("webhooks_out.page"))
    db.session.commit()
    flash(_("A test event is queued (delivery %(id)s).", id=delivery.id), "success")
    return redirect(url_for("webhooks_out.page"))


@blueprint.post("/deliveries/<int:delivery_id>/resend")
def resend(delivery_id: int):
    _button_or_400()
    try:
        original = service.get_delivery(delivery_id)
    except service.WebhookError:
        abort(404)
    try:
        again = service.resend(original, current_user)
    except service.WebhookError:
        db.session.rollback()
        flash(_("The subscription is disabled."), "error")
        return redirect(url_for("webhooks_out.page"))
    db.session.commit()
    flash(_("The event is queued again (delivery %(id)s).", id=again.id), "success")
    return redirect(url_for("webhooks_out.page"))
