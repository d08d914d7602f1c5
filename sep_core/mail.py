"""E-mail: messages go into the outbox; the "email" transport sends them by SMTP or, in
development, writes them to ``instance/mail/`` where the development page shows them."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .errors import DeliveryError
from .outbox import enqueue


def send_mail(to: str, subject: str, body: str, *, html: str | None = None,
              dedupe_key: str | None = None, secret: bool = False):
    """Queue an e-mail in the current transaction (the caller commits).

    Its ``Message-ID`` is fixed now, so every retry carries the same one and a receiver can drop
    a duplicate. ``secret=True`` (a code, a reset link): subject and text are wiped from the
    outbox once the message is sent."""
    payload = {"to": to, "subject": subject, "body": body, "html": html, "message_id": new_message_id()}
    return enqueue("email", payload, dedupe_key=dedupe_key, secret=("subject", "body", "html") if secret else ())


def new_message_id() -> str:
    """A ``Message-ID`` in the sender's domain (``SEP_MAIL_FROM``)."""
    sender = parseaddr(current_app.config["SEP_MAIL_FROM"])[1]
    domain = sender.rpartition("@")[2] or "sep-helpdesk.local"
    return make_msgid(domain=domain)


def build_message(payload: dict[str, Any], sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = payload["to"]
    msg["Subject"] = payload["subject"]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = payload.get("message_id") or make_msgid(domain="sep-helpdesk.local")
    msg.set_content(payload["body"])
    if payload.get("html"):
        msg.add_alternative(payload["html"], subtype="html")
    return msg


def smtp_transport(app: Flask):
    """Deliver by SMTP. Temporary SMTP failures (4xx, connection errors) are retried;
    5xx rejections of the recipient are permanent."""

    def deliver(payload: dict[str, Any]) -> None:
        cfg = app.config
        msg = build_message(payload, cfg["SEP_MAIL_FROM"])
        try:
            if cfg["SEP_MAIL_USE_SSL"]:
                client: smtplib.SMTP = smtplib.SMTP_SSL(cfg["SEP_MAIL_SERVER"], cfg["SEP_MAIL_PORT"],
                                                        timeout=cfg["SEP_MAIL_TIMEOUT"],
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(cfg["SEP_MAIL_SERVER"], cfg["SEP_MAIL_PORT"],
                                      timeout=cfg["SEP_MAIL_TIMEOUT"])
            with client:
                if cfg["SEP_MAIL_USE_TLS"]:
                    client.starttls(context=ssl.create_default_context())
                if cfg["SEP_MAIL_USERNAME"]:
                    client.login(cfg["SEP_MAIL_USERNAME"], cfg["SEP_MAIL_PASSWORD"])
                client.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(f"recipient refused ({codes})", permanent=all(c >= 500 for c in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}", permanent=exc.smtp_code >= 500) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP unavailable: {type(exc).__name__}") from exc

    return deliver


def mail_folder(app: Flask) -> Path:
    return Path(app.instance_path) / "mail"


def file_transport(app: Flask):
    """Development delivery: one ``.eml`` file per message in ``instance/mail/``."""

    def deliver(payload: dict[str, Any]) -> None:
        folder = mail_folder(app)
        folder.mkdir(parents=True, exist_ok=True)
        msg = build_message(payload, app.config["SEP_MAIL_FROM"])
        name = f"{current_app.extensions['sep'].clock().strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        (folder / name).write_bytes(bytes(msg))

    return deliver


def email_transport(app: Flask):
    return smtp_transport(app) if app.config["SEP_MAIL_BACKEND"] == "smtp" else file_transport(app)
