"""YouTube comments: polled with ``commentThreads.list``, answered with ``comments.insert``. Off
by default (YouTube is throttled in Russia; there are no direct messages, so every reply is public
and no account linking or requests happen here).

Protocol (developers.google.com/youtube/v3): ``commentThreads.list?part=snippet&
allThreadsRelatedToChannelId=...&order=time`` costs 1 unit, ``comments.insert`` 50 units, out of
10,000 units a day reset at midnight Pacific time; ``403 quotaExceeded`` when they run out. A
thread is deduplicated by its id plus the top comment's ``updatedAt``. The webhook
``/hooks/youtube`` is the optional WebSub (PubSubHubbub) callback for new videos: the hub's
``hub.challenge`` is echoed and each notification must carry ``X-Hub-Signature:
sha1=<hex HMAC-SHA1(hub secret, body)>``; a notification only triggers a poll.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response
from sep_plugins.channel_social.base import SocialChannel, id_of, text_of
from sep_plugins.channel_social.models import QuotaUse

from sep_core import DeliveryError, InboundEvent, JsonHttp, constant_time_equals, db, json_error, now

PACIFIC = ZoneInfo("America/Los_Angeles")
LIST_COST, INSERT_COST = 1, 50


def websub_signature(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


class YouTubeApi:
    def __init__(self, settings: dict[str, Any]):
        self.http = JsonHttp(settings["api_url"], settings["timeout"])
        self.token = settings["oauth_token"]

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def comment_threads(self, channel_id: str):
        return self.http.request("GET", "/youtube/v3/commentThreads", headers=self._auth(),
                                 params={"part": "snippet", "allThreadsRelatedToChannelId": channel_id,
                                         "order": "time", "maxResults": 100})

    def reply(self, parent_id: str, text: str):
        return self.http.request("POST", "/youtube/v3/comments", params={"part": "snippet"}, headers=self._auth(),
                                 json_body={"snippet": {"parentId": parent_id, "textOriginal": text}})


def _reason(data: Any) -> str:
    try:
        return str(data["error"]["errors"][0]["reason"])
    except (KeyError, IndexError, TypeError):
        return ""


class YouTubeChannel(SocialChannel):
    name = "youtube"
    title = "YouTube"
    defaults = {
        "channel_id": "",                             # UC... of the organisation's channel
        "oauth_token": "$env:SEP_YOUTUBE_TOKEN",      # OAuth token with youtube.force-ssl
        "hub_secret": "$env:SEP_YOUTUBE_HUB_SECRET",  # hub.secret of the WebSub subscription (optional)
        "api_url": "https://www.googleapis.com",
        "daily_quota": 10000,
        "poll_reserve": 500,                          # units kept for polling; replies stop before them
        "max_age_hours": 24,                          # older comments are not answered (first poll, backlog)
    }
    required = ("channel_id", "oauth_token")
    enabled_by_default = False
    rate_per_second = 1
    max_text = 10000

    def __init__(self, app, settings, common=None):
        super().__init__(app, settings, common)
        self.api = YouTubeApi(settings)

    # -- quota -------------------------------------------------------------------------------

    @staticmethod
    def quota_day(moment: datetime | None = None) -> str:
        return (moment or now()).astimezone(PACIFIC).date().isoformat()

    @staticmethod
    def seconds_to_reset() -> float:
        pacific = now().astimezone(PACIFIC)
        midnight = datetime.combine(pacific.date() + timedelta(days=1), datetime.min.time(), tzinfo=PACIFIC)
        return max(60.0, (midnight - pacific).total_seconds())

    def _quota_row(self) -> QuotaUse:
        day = self.quota_day()
        row = db.session.execute(db.select(QuotaUse).filter_by(channel=self.name, day=day)).scalar_one_or_none()
        if row is None:
            row = QuotaUse(channel=self.name, day=day, units=0)
            db.session.add(row)
            db.session.flush()
        return row

    def spend(self, units: int, reserve: int = 0) -> bool:
        """Take ``units`` from today's quota unless that would leave less than ``reserve``."""
        row = self._quota_row()
        if row.units + units > int(self.settings["daily_quota"]) - reserve:
            return False
        row.units += units
        return True

    # -- WebSub callback (optional) -------------------------------------------------------------

    def handshake(self, body, headers, args):
        if body or "hub.challenge" not in args:
            return None
        if args.get("hub.mode") in ("subscribe", "unsubscribe") and self.settings["channel_id"] in args.get(
                "hub.topic", ""):
            return Response(args["hub.challenge"][:200], mimetype="text/plain")
        return json_error(404, "unknown_topic", "Not subscribed to this topic.")

    def verify(self, body, headers):
        secret = self.settings["hub_secret"]
        return bool(secret) and constant_time_equals(headers.get("X-Hub-Signature"), websub_signature(secret, body))

    def parse(self, body, headers):
        return []  # a new video: the next poll sees its comments

    def events(self, data, headers):
        return []

    # -- polling ------------------------------------------------------------------------------

    def poll(self) -> int:
        """Fetch recent comment threads and answer new ones; returns how many were accepted."""
        if not self.spend(LIST_COST):
            return 0
        db.session.commit()
        result = self.api.comment_threads(self.settings["channel_id"])
        if not result.ok or not isinstance(result.data, dict):
            return 0
        accepted = 0
        for item in result.data.get("items") or []:
            try:
                event = self._thread_event(item)
            except (KeyError, TypeError, ValueError):
                continue
            if event is not None and self.accept(event):
                accepted += 1
        return accepted

    def _thread_event(self, item: dict) -> InboundEvent | None:
        thread_id = id_of(item["id"])
        snippet = item["snippet"]["topLevelComment"]["snippet"]
        author = (snippet.get("authorChannelId") or {}).get("value")
        if author == self.settings["channel_id"]:  # our own comment
            return None
        published = datetime.fromisoformat(str(snippet.get("publishedAt", "")).replace("Z", "+00:00"))
        if published.tzinfo is None or now() - published > timedelta(hours=float(self.settings["max_age_hours"])):
            return None
        text = text_of(snippet.get("textOriginal") or snippet.get("textDisplay"))
        return InboundEvent(event_id=f"{thread_id}:{snippet.get('updatedAt', '')}", sender=id_of(author or thread_id),
                            text=text, reply_to=thread_id,
                            meta={"private": False, "name": str(snippet.get("authorDisplayName") or "")})

    def send(self, payload):
        if not self.spend(INSERT_COST, reserve=int(self.settings["poll_reserve"])):
            raise DeliveryError("YouTube quota for today is used up", retry_after=self.seconds_to_reset())
        result = self.api.reply(payload["to"], payload["text"])
        if result.ok:
            return
        reason = _reason(result.data)
        if reason in ("quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded"):
            raise DeliveryError(f"YouTube {reason}", retry_after=self.seconds_to_reset()
                                if reason == "quotaExceeded" else result.retry_after(60))
        if result.status == 429 or result.status >= 500:
            raise DeliveryError(f"YouTube HTTP {result.status}", retry_after=result.retry_after())
        raise DeliveryError(f"YouTube HTTP {result.status} {reason}".strip(), permanent=True)
