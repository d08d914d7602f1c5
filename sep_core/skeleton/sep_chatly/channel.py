"""The Chatly protocol: events are POSTed as JSON ``{"id", "type", "user", "chat", "text",
"private", "name"}`` with the bot's secret in ``X-Chatly-Secret``; replies go to ``POST /send``
with the token as a Bearer; 429 carries ``Retry-After``; 403 means the user blocked the bot."""

from sep_core import (
    ConversationalChannel,
    InboundEvent,
    JsonHttp,
    constant_time_equals,
    conversations,
    id_of,
    text_of,
)


class ChatlyChannel(ConversationalChannel):
    name = "chatly"                  # the webhook is /hooks/chatly; the outbox kind is "chatly"
    title = "Chatly"                 # shown to staff and citizens
    rate_per_second = 5              # Chatly's documented limit for a bot
    recipient_rate_per_minute = 20   # and for one chat
    max_text = 2000

    def verify(self, body, headers):
        return constant_time_equals(headers.get("X-Chatly-Secret"), self.settings["secret"])

    def events(self, data, headers):
        event_id = id_of(data["id"])
        if data.get("type") != "message":
            return [InboundEvent(event_id=event_id)]  # acknowledged, never answered
        return [InboundEvent(event_id=event_id, sender=id_of(data["user"]), reply_to=id_of(data["chat"]),
                             text=text_of(data.get("text")),
                             meta={"private": data.get("private") is not False, "name": str(data.get("name", ""))})]

    def send(self, payload):
        api = JsonHttp(self.settings["api_url"], self.settings["timeout"])
        result = api.request("POST", "/send", json_body={"chat": payload["to"], "text": payload["text"]},
                             headers={"Authorization": f"Bearer {self.settings['token']}"})
        if result.status == 403:  # blocked by the user: nothing more goes to this chat
            self.mark_chat(payload, conversations.CLOSED)
        result.raise_for_delivery("Chatly")
