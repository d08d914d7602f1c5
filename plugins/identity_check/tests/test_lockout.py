"""Issue 13 item 1: wrong passwords sent for somebody else's account, from many addresses, must not
lock the owner out. Failures count per (account, client address); the per-account ceiling only
stops clients that have already failed on that account, so the owner signs in from a client
that has not failed — and the reset link always works."""

import pytest

from .conftest import Visitor

pytestmark = pytest.mark.sep_plugins("identity_check", "channel_web")


def from_address(app, address: str) -> Visitor:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Visitor(client)


def test_an_attacker_on_ten_addresses_cannot_lock_the_owner_out(app, visitor, mailbox):
    visitor.register_confirmed()
    visitor.post("/logout")
    attackers = [from_address(app, f"203.0.113.{n}") for n in range(1, 13)]
    for attacker in attackers:  # the ceiling (10 per account) is passed
        assert attacker.login(password="wrong password!").status_code == 401
    # an address that failed on this account is stopped now, with the right password too
    assert attackers[0].login().status_code == 429
    # a fresh address gets one try, then it has failed too
    late = from_address(app, "198.51.100.7")
    assert late.login(password="wrong password!").status_code == 401
    assert late.login(password="wrong password!").status_code == 429
    # the owner, on their own address, signs in
    owner = from_address(app, "192.0.2.10")
    assert owner.login().status_code == 302
    assert owner.client.get("/cabinet").status_code == 200


def test_one_address_is_throttled_per_account_not_for_every_account(app, mailbox, clock):
    attacker = from_address(app, "203.0.113.50")
    for _ in range(5):
        assert attacker.login(password="wrong password!").status_code == 401
    assert attacker.login(password="wrong password!").status_code == 429
    # the same address may still sign in to another account (the per-IP ceiling is higher)
    assert attacker.login(login="other@example.ru", password="wrong password!").status_code == 401
    clock.advance(minutes=16)
    assert attacker.login(password="wrong password!").status_code == 401


def test_failures_that_go_on_day_after_day_meet_a_longer_wait(app, mailbox, clock):
    attacker = from_address(app, "203.0.113.60")
    for _ in range(6):  # five per quarter of an hour ...
        for _ in range(5):
            assert attacker.login(password="wrong password!").status_code == 401
        clock.advance(minutes=16)
    # ... until the day's count for this account and address is used up
    assert attacker.login(password="wrong password!").status_code == 429
    clock.advance(hours=24)
    assert attacker.login(password="wrong password!").status_code == 401


def test_the_owner_on_a_failed_address_still_has_the_reset_link(app, visitor, mailbox):
    import re

    visitor.register_confirmed()
    visitor.post("/logout")
    for _ in range(12):
        visitor.login(password="wrong password!")
    assert visitor.login().status_code == 429
    assert visitor.post("/reset", {"email": mailbox.email}).status_code in (200, 302)
    body = mailbox.rows("email", mailbox.email)[-1]["body"]
    link = re.search(r"http://[^/\s]+(/reset/\S+)", body).group(1)
    new = "тихий вечер у реки 2026"
    assert visitor.post(link, {"password": new, "password2": new}).status_code == 302
    assert visitor.login(password=new).status_code == 302
