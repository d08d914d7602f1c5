"""YouTube (off by default): comments polled within the quota, replies as comment replies, the
WebSub callback with its signature (reference vector)."""

from __future__ import annotations

from datetime import UTC

import pytest
from sep_plugins.channel_social.models import QuotaUse
from sep_plugins.channel_social.networks.youtube import websub_signature
from sep_plugins.channel_social.testing import Reply, staff_page

from sep_core import OutboxMessage, now
from sep_core.outbox import drain

CHANNEL = "UCorganisation000000000"


def test_websub_vector():
    assert websub_signature("test_hub_secret", b"<feed/>") == "sha1=a7975b37a4b32aefd9b3e46329c2a5c09eaa94ee"


def youtube_settings(api_url: str, **changes) -> dict:
    return {"enabled": True, "channel_id": CHANNEL, "oauth_token": "yt-token", "hub_secret": "test_hub_secret",
            "api_url": api_url, "timeout": 0.4, "daily_quota": 160, "poll_reserve": 10, "rate_per_second": 100,
            **changes}


@pytest.fixture
def app(social, fake_api):
    app = social(plugin_config={"youtube": youtube_settings(fake_api.url)})
    with app.app_context():
        yield app


def thread(thread_id: str, text: str = "Что такое паспорт?", author: str = "UCviewer", age_minutes: int = 5) -> dict:
    published = (now().astimezone(UTC).replace(microsecond=0).timestamp() - age_minutes * 60)
    from datetime import datetime

    stamp = datetime.fromtimestamp(published, UTC).isoformat().replace("+00:00", "Z")
    return {"kind": "youtube#commentThread", "id": thread_id, "snippet": {
        "channelId": CHANNEL, "videoId": "vid1", "totalReplyCount": 0, "topLevelComment": {
            "id": thread_id, "snippet": {"textOriginal": text, "textDisplay": text, "authorDisplayName": "Зритель",
                                         "authorChannelId": {"value": author}, "publishedAt": stamp,
                                         "updatedAt": stamp}}}}


def poll(app):
    return app.extensions["sep"].channels["youtube"].poll()


def test_new_comments_are_answered_once_as_replies(app, fake_api):
    listing = {"items": [thread("t1"), thread("t2", author=CHANNEL), thread("t3", age_minutes=60 * 48)]}
    fake_api.answer(Reply(200, listing), Reply(200, listing))
    assert poll(app) == 1       # our own comment and the old one are skipped
    assert poll(app) == 0       # seen already
    assert drain().sent == 1
    [listing_call, _] = fake_api.sent("/commentThreads")
    assert listing_call["query"] == {"part": "snippet", "allThreadsRelatedToChannelId": CHANNEL, "order": "time",
                                     "maxResults": "100"}
    [reply] = fake_api.sent("/youtube/v3/comments")
    assert reply["query"] == {"part": "snippet"}
    assert reply["body"] == {"snippet": {"parentId": "t1", "textOriginal": "ЭПТС — электронный паспорт."}}
    assert reply["headers"]["Authorization"] == "Bearer yt-token"
    assert QuotaUse.query.one().units == 2 + 50


def test_replies_stop_when_the_quota_is_used_up(app, fake_api, clock):
    fake_api.answer(Reply(200, {"items": [thread(f"q{i}") for i in range(4)]}))
    assert poll(app) == 4
    report = drain()
    assert (report.sent, report.retried) == (2, 2)  # 1 + 2*50 = 101; a third would eat the poll reserve
    waiting = OutboxMessage.query.filter_by(status="pending").all()
    assert len(waiting) == 2 and all("quota" in m.last_error for m in waiting)
    clock.advance(days=1)
    assert drain().sent == 2


def test_quota_exceeded_from_the_api_waits_for_the_reset(app, fake_api):
    fake_api.answer(Reply(200, {"items": [thread("z1")]}),
                    Reply(403, {"error": {"code": 403, "errors": [{"reason": "quotaExceeded"}]}}))
    poll(app)
    assert drain().retried == 1
    assert OutboxMessage.query.one().next_attempt_at > OutboxMessage.query.one().created_at


def test_forbidden_comment_is_permanent(app, fake_api):
    fake_api.answer(Reply(200, {"items": [thread("f1")]}),
                    Reply(403, {"error": {"code": 403, "errors": [{"reason": "forbidden"}]}}))
    poll(app)
    assert drain().failed == 1
    assert "YouTube HTTP 403 forbidden" in staff_page(app)


def test_5xx_and_timeouts_are_retried_and_delivered_once(social, fake_api, clock):
    app = social(plugin_config={"youtube": youtube_settings(fake_api.url, daily_quota=10000)})
    with app.app_context():
        fake_api.answer(Reply(200, {"items": [thread("r1")]}), Reply(503, {}), Reply(200, {}, delay=1.0))
        poll(app)
        assert drain().retried == 1
        clock.advance(seconds=2)
        assert drain().retried == 1
        clock.advance(seconds=4)
        assert drain().sent == 1
        assert len(fake_api.sent("/youtube/v3/comments")) == 3
        assert QuotaUse.query.one().units == 1 + 3 * 50  # failed calls cost quota too


def test_websub_callback(app):
    client = app.test_client()
    topic = f"https://www.youtube.com/xml/feeds/videos.xml?channel_id={CHANNEL}"
    ok = client.get("/hooks/youtube", query_string={"hub.mode": "subscribe", "hub.topic": topic,
                                                     "hub.challenge": "abc123", "hub.lease_seconds": "864000"})
    assert (ok.status_code, ok.get_data(as_text=True)) == (200, "abc123")
    other = client.get("/hooks/youtube", query_string={"hub.mode": "subscribe", "hub.topic": "x", "hub.challenge": "1"})
    assert other.status_code == 404
    assert client.post("/hooks/youtube", data=b"<feed/>",
                       headers={"X-Hub-Signature": "sha1=a7975b37a4b32aefd9b3e46329c2a5c09eaa94ee"}).status_code == 200
    assert client.post("/hooks/youtube", data=b"<feed/>", headers={"X-Hub-Signature": "sha1=00"}).status_code == 403


def test_poll_command(app, fake_api):
    fake_api.answer(Reply(200, {"items": [thread("c1")]}))
    result = app.test_cli_runner().invoke(args=["social", "poll"])
    assert result.exit_code == 0, result.output
    assert "youtube: 1" in result.output
