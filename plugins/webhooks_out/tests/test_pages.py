"""/staff/webhooks through the test client: only administrators, every action audited, the
secret shown once, and URLs that would reach the centre's own network refused (SSRF)."""

from __future__ import annotations

import re

import pytest
from sep_plugins.webhooks_out import service, targets
from sep_plugins.webhooks_out.models import Delivery, Subscription

from sep_core import AuditEntry, OutboxMessage, db
from sep_core.testing import create_user, csrf_token, deliver_outbox, sign_in

pytestmark = pytest.mark.sep_plugins("webhooks_out")

ALLOW = pytest.mark.sep_plugin_config("webhooks_out", {"allow_private_targets": True})


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def admin_client(app):
    return sign_in(app.test_client(), create_user("admin@example.ru", role="admin"))


def add(client, url, events=("webhook.test",), description=""):
    page = client.get("/staff/webhooks").get_data(as_text=True)
    token = re.search(r'name="add-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/staff/webhooks", data={"add-csrf_token": token, "add-url": url,
                                                "add-description": description, "add-events": list(events)})


@pytest.mark.parametrize("role", [None, "citizen", "duty", "specialist", "kb_editor"])
def test_only_administrators_reach_the_page_and_its_actions(app, role):
    subscription, _ = service.add("https://hooks.invalid/x", ["webhook.test"], "", None)
    db.session.commit()
    delivery = service.send_test(subscription, None)
    db.session.commit()
    client = app.test_client()
    if role is not None:
        sign_in(client, create_user(f"{role}@example.ru", role=role))
    expected = 401 if role is None else 403
    assert client.get("/staff/webhooks").status_code == expected
    headers = {"X-CSRFToken": csrf_token(client)}  # a valid token of their own session: access alone refuses
    for path in ("/staff/webhooks", f"/staff/webhooks/{subscription.id}/disable",
                 f"/staff/webhooks/{subscription.id}/enable", f"/staff/webhooks/{subscription.id}/rotate",
                 f"/staff/webhooks/{subscription.id}/test", f"/staff/webhooks/deliveries/{delivery.id}/resend"):
        assert client.post(path, data={"add-url": "https://evil.invalid/", "add-events": ["webhook.test"]},
                           headers=headers).status_code == expected, path
    db.session.expire_all()
    assert Subscription.query.count() == 1 and Subscription.query.one().active
    assert Delivery.query.count() == 1
    assert "Webhooks" not in client.get("/?lang=en").get_data(as_text=True)


def test_the_admin_adds_a_subscription_and_sees_the_secret_once(app):
    client = admin_client(app)
    assert "Вебхуки" in client.get("/").get_data(as_text=True)  # in the navigation
    response = add(client, "https://hooks.invalid/sep", ("ticket.created", "webhook.test"), "CRM")
    page = response.get_data(as_text=True)
    assert response.status_code == 201
    subscription = Subscription.query.one()
    assert subscription.events == ["ticket.created", "webhook.test"] and subscription.description == "CRM"
    assert subscription.secret in page and "Скопируйте его сейчас" in page
    assert "Имя узла сейчас не разрешается" in page  # a warning, not a refusal
    assert subscription.secret not in client.get("/staff/webhooks").get_data(as_text=True)  # never again
    actions = [a.action for a in AuditEntry.query.order_by(AuditEntry.id)]
    assert "webhook_subscription_added" in actions
    assert all(subscription.secret not in (a.reason or "") for a in AuditEntry.query)


@pytest.mark.parametrize(("url", "problem"), [
    ("ftp://hooks.example.org/x", "Получать вебхуки могут только адреса http:// и https://"),
    ("javascript:alert(1)", "Получать вебхуки могут только адреса"),
    ("https://user:pw@hooks.example.org/", "не должен содержать имя пользователя или пароль"),
    ("http://127.0.0.1:8080/hooks", "локальный, частный или зарезервированный"),
    ("http://localhost/hooks", "локальный, частный или зарезервированный"),
    ("http://[::1]/hooks", "локальный, частный или зарезервированный"),
    ("http://[::ffff:10.0.0.5]/hooks", "локальный, частный или зарезервированный"),
    ("http://10.1.2.3/hooks", "локальный, частный или зарезервированный"),
    ("http://192.168.0.10/hooks", "локальный, частный или зарезервированный"),
    ("http://169.254.169.254/latest/meta-data", "локальный, частный или зарезервированный"),
    ("http://0.0.0.0/", "локальный, частный или зарезервированный"),
    ("http://hooks.example.org:99999/", "Порт должен быть числом"),
])
def test_urls_that_cannot_be_targets_are_refused(app, url, problem):
    response = add(admin_client(app), url)
    assert response.status_code == 400
    assert problem in response.get_data(as_text=True)
    assert Subscription.query.count() == 0


def test_events_are_required_and_unknown_ones_refused(app):
    client = admin_client(app)
    assert add(client, "https://hooks.invalid/", events=()).status_code == 400
    assert add(client, "https://hooks.invalid/", events=("ticket.deleted",)).status_code == 400
    assert Subscription.query.count() == 0
    with pytest.raises(service.WebhookError):
        service.add("https://hooks.invalid/", ["ticket.deleted"], "", None)


def test_a_target_that_turns_private_later_is_refused_at_delivery(app, fake_http_api):
    """Added while the deployer allowed private targets; the check runs again before each attempt."""
    settings = app.extensions["sep"].pm.plugin_info["webhooks_out"].settings
    settings["allow_private_targets"] = True
    subscription, _ = service.add(fake_http_api.url + "/hook", ["webhook.test"], "", None)
    service.send_test(subscription, None)
    db.session.commit()
    settings["allow_private_targets"] = False
    assert deliver_outbox().failed == 1
    assert fake_http_api.requests == []
    assert Delivery.query.one().last_error == "refused target: private"


def test_targets_module_resolves_and_pins_addresses():
    target = targets.resolve("https://127.0.0.1:8443/a/b?c=d", allow_private=True)
    assert (target.scheme, target.host, target.port, target.path, target.addresses) == \
        ("https", "127.0.0.1", 8443, "/a/b?c=d", ["127.0.0.1"])
    assert targets.resolve("https://hooks.invalid/", allow_private=False).addresses == []
    with pytest.raises(targets.TargetError) as refused:
        targets.resolve("http://localhost./x", allow_private=False)
    assert refused.value.code == "private"


@ALLOW
def test_disable_enable_rotate_test_and_resend_from_the_page(app, fake_http_api):
    client = admin_client(app)
    add(client, fake_http_api.url + "/hook")
    subscription = Subscription.query.one()
    old_secret = subscription.secret
    page = client.get("/staff/webhooks").get_data(as_text=True)
    token = csrf(page)
    sent = client.post(f"/staff/webhooks/{subscription.id}/test", data={"csrf_token": token}, follow_redirects=True)
    assert "Тестовое событие поставлено в очередь" in sent.get_data(as_text=True)
    assert deliver_outbox().sent == 1
    delivery = Delivery.query.one()
    page = client.get("/staff/webhooks").get_data(as_text=True)
    assert f'id="delivery-{delivery.id}"' in page and "доставлено" in page and "HTTP 200" in page
    again = client.post(f"/staff/webhooks/deliveries/{delivery.id}/resend", data={"csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert "Событие снова поставлено в очередь" in again and "повтор доставки" in again
    rotated = client.post(f"/staff/webhooks/{subscription.id}/rotate", data={"csrf_token": token})
    db.session.expire_all()
    new_secret = Subscription.query.one().secret
    assert rotated.status_code == 200 and new_secret != old_secret and new_secret in rotated.get_data(as_text=True)
    assert Subscription.query.one().previous_secret == old_secret
    client.post(f"/staff/webhooks/{subscription.id}/disable", data={"csrf_token": token})
    db.session.expire_all()
    assert Subscription.query.one().active is False
    refused = client.post(f"/staff/webhooks/deliveries/{delivery.id}/resend", data={"csrf_token": token},
                          follow_redirects=True).get_data(as_text=True)
    assert "Подписка отключена" in refused
    client.post(f"/staff/webhooks/{subscription.id}/enable", data={"csrf_token": token})
    db.session.expire_all()
    assert Subscription.query.one().active is True
    assert client.post(f"/staff/webhooks/{subscription.id}/disable").status_code == 400  # no CSRF token
    assert client.post("/staff/webhooks/999999/disable", data={"csrf_token": token}).status_code == 404
    assert client.post("/staff/webhooks/deliveries/999999/resend", data={"csrf_token": token}).status_code == 404
    actions = {a.action for a in AuditEntry.query}
    assert {"webhook_test_sent", "webhook_resent", "webhook_secret_rotated", "webhook_subscription_disabled",
            "webhook_subscription_enabled"} <= actions
    assert "HTTP" in client.get(f"/staff/webhooks?subscription={subscription.id}&status=delivered"
                                ).get_data(as_text=True)


@pytest.mark.sep_plugin_config("webhooks_out", {"allow_private_targets": True, "timeout_seconds": 1})
def test_a_slow_receiver_times_out_and_a_redirect_is_not_followed(app, fake_http_api):
    from sep_core.testing import FakeResponse

    subscription, _ = service.add(fake_http_api.url + "/hook", ["webhook.test"], "", None)
    service.send_test(subscription, None)
    db.session.commit()
    fake_http_api.respond(FakeResponse(200, delay=2),
                          FakeResponse(302, headers={"Location": fake_http_api.url + "/elsewhere"}))
    assert deliver_outbox().retried == 1
    assert Delivery.query.one().last_error == "timeout"
    db.session.execute(db.update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
    db.session.commit()
    assert deliver_outbox().retried == 1
    delivery = Delivery.query.one()
    assert (delivery.status, delivery.last_status) == ("pending", 302)
    assert fake_http_api.sent("/elsewhere") == []
