"""SMPP 3.4, the operators' protocol, through smpplib (PDU encoding and the socket).

The outbox transport opens one session per message: connect, bind (transceiver or
transmitter), one ``submit_sm`` per part in UCS-2 (``data_coding`` 8, so Cyrillic always
arrives intact) with a UDH concatenation header for long texts, ``registered_delivery`` 1 for
receipts, then ``unbind``. Receipts (``deliver_sm`` with a receipt ``esm_class``) that arrive
during the session are recorded at once; ``sep sms listen`` keeps a receiver session for the
ones that come later, answering and sending ``enquire_link``. A session per message suits the
traffic of a help desk (a few codes a minute) and leaves nothing half-open between drains.

SMPP command statuses decide what the outbox does: throttling, a full queue, a system error or
a lost connection are retried with backoff; anything else (an invalid destination...) fails
the message for good.
"""

from __future__ import annotations

import logging
import random
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import smpplib.client
import smpplib.consts as c
import smpplib.exceptions
import smpplib.smpp

from sep_core import DeliveryError

from .breaker import GatewayDown

log = logging.getLogger("sep.sms_gateway.smpp")

#: smpplib logs every PDU in hex at DEBUG level (numbers and codes in clear): its own logger,
#: held at WARNING whatever the root level is.
WIRE_LOGGER = "sep.sms_gateway.smpp.wire"
logging.getLogger(WIRE_LOGGER).setLevel(logging.WARNING)

UCS2 = 0x08
SINGLE_LIMIT = 140          # octets of short_message
PART_LIMIT = 134            # 140 minus the 6-octet UDH
RECEIPT_MASK = 0x3C         # esm_class bits 2-5: message type
RECEIPT_TYPE = 0x04         # SMSC delivery receipt
MAX_UNANSWERED = 3          # enquire_links without any answer before the listener gives up

#: Command statuses worth another attempt later.
TEMPORARY = {
    c.SMPP_ESME_RSYSERR,        # 0x08 system error
    c.SMPP_ESME_RMSGQFUL,       # 0x14 message queue full
    c.SMPP_ESME_RSUBMITFAIL,    # 0x45 submit_sm failed
    c.SMPP_ESME_RTHROTTLED,     # 0x58 throttling
    0x64,                       # ESME_RX_T_APPN: temporary application error
    c.SMPP_ESME_RBINDFAIL,      # 0x0D the SMSC cannot take a bind now
}

#: message_state (SMPP 3.4 5.2.28) and receipt ``stat:`` words -> our statuses.
MESSAGE_STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD",
                  7: "UNKNOWN", 8: "REJECTD"}
STAT_STATUS = {"DELIVRD": "delivered", "EXPIRED": "expired", "DELETED": "failed", "UNDELIV": "failed",
               "REJECTD": "failed", "UNKNOWN": "unknown", "ACCEPTD": "submitted", "ENROUTE": "submitted"}
RECEIPT_TEXT = re.compile(rb"id:(?P<id>\S+).*?stat:(?P<stat>[A-Z]+)(?:.*?err:(?P<err>\w+))?", re.S)


@dataclass
class Receipt:
    provider_id: str
    status: str
    stat: str
    error: str = ""


def status_name(status: int) -> str:
    """``0x58`` -> ``ESME_RTHROTTLED (0x58)`` for errors staff can quote to the operator."""
    for name in dir(c):
        if name.startswith("SMPP_ESME_R") and getattr(c, name) == status:
            return f"{name[5:]} (0x{status:02X})"
    return f"0x{status:02X}"


def encode_parts(text: str) -> tuple[list[bytes], int]:
    """UCS-2 parts of ``text`` and the ``esm_class`` to send them with.

    Up to 70 characters go in one message; longer texts in parts of 67 characters, each with a
    concatenation UDH (IEI 0x00: reference, total, sequence). A surrogate pair (an emoji) is
    never cut between two parts."""
    data = text.encode("utf-16-be")
    if len(data) <= SINGLE_LIMIT:
        return [data], c.SMPP_MSGMODE_DEFAULT
    chunks, start = [], 0
    while start < len(data):
        end = min(start + PART_LIMIT, len(data))
        if end < len(data) and 0xD8 <= data[end - 2] <= 0xDB:  # a high surrogate: keep the pair
            end -= 2
        chunks.append(data[start:end])
        start = end
    if len(chunks) > 255:
        raise DeliveryError("SMS text too long for concatenation", permanent=True)
    reference = random.randint(0, 255)
    udh = [bytes([0x05, 0x00, 0x03, reference, len(chunks), i]) for i in range(1, len(chunks) + 1)]
    return [h + chunk for h, chunk in zip(udh, chunks, strict=True)], c.SMPP_GSMFEAT_UDHI


def parse_receipt(pdu: Any) -> Receipt | None:
    """A delivery receipt from a ``deliver_sm``, or None for anything else (a citizen's reply).

    The TLVs ``receipted_message_id`` and ``message_state`` win when present; otherwise the
    de-facto text format (``id:... stat:DELIVRD err:000 ...``). Its ``done date`` is in the
    SMSC's local time zone, which the protocol does not name, so the status time is when the
    receipt arrived."""
    if (int(getattr(pdu, "esm_class", 0) or 0) & RECEIPT_MASK) != RECEIPT_TYPE:
        return None
    text = bytes(getattr(pdu, "short_message", b"") or b"")
    match = RECEIPT_TEXT.search(text)
    provider_id = _text(getattr(pdu, "receipted_message_id", None)) or (_text(match.group("id")) if match else "")
    state = getattr(pdu, "message_state", None)
    stat = MESSAGE_STATES.get(int(state)) if state else None
    stat = stat or (_text(match.group("stat")) if match else "UNKNOWN")
    if not provider_id:
        return None
    error = _text(match.group("err")) if match and match.group("err") else ""
    return Receipt(provider_id=provider_id, status=STAT_STATUS.get(stat, "unknown"), stat=stat, error=error)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.rstrip(b"\x00").decode("ascii", "replace")
    return str(value)


def destination(number: str) -> str:
    """E.164 without the plus (TON international, NPI ISDN)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) < 8 or len(digits) > 15:
        raise DeliveryError("SMS destination is not a phone number", permanent=True)
    return digits


def source_address(sender: str) -> tuple[str, int, int]:
    """(source_addr, ton, npi): a number is international/ISDN, a name alphanumeric."""
    if sender.lstrip("+").isdigit():
        return sender.lstrip("+"), c.SMPP_TON_INTL, c.SMPP_NPI_ISDN
    return sender, c.SMPP_TON_ALNUM, c.SMPP_NPI_UNK


ReceiptHandler = Callable[[Receipt], None]


class SmppSession:
    """One bound SMPP session. Methods raise :class:`DeliveryError` with ``permanent`` set as
    the outbox needs it; the socket is closed on every path out of ``with``."""

    def __init__(self, settings: dict[str, Any], on_receipt: ReceiptHandler, *, mode: str | None = None):
        self.settings = settings
        self.on_receipt = on_receipt
        self.mode = mode or settings["smpp_bind"]
        context = ssl.create_default_context() if settings["smpp_tls"] else None
        self.client = smpplib.client.Client(
            settings["smpp_host"], int(settings["smpp_port"]), timeout=float(settings["timeout_seconds"]),
            logger_name=WIRE_LOGGER, allow_unknown_opt_params=True, ssl_context=context)

    def __enter__(self) -> SmppSession:
        try:
            self.client.connect()
            pdu = smpplib.smpp.make_pdu(
                f"bind_{self.mode}", client=self.client, system_id=self.settings["smpp_system_id"],
                password=self.settings["smpp_password"], system_type=self.settings["smpp_system_type"],
                interface_version=0x34)
            self._send(pdu)
            response = self._await(f"bind_{self.mode}_resp", pdu.sequence)
        except BaseException:
            self._close_socket()
            raise
        if response.is_error():
            self._close_socket()
            # a configuration or SMSC problem, the same for every message: keep them all
            raise GatewayDown(f"SMPP bind refused: {status_name(response.status)}")
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.client.state in (c.SMPP_CLIENT_STATE_BOUND_TX, c.SMPP_CLIENT_STATE_BOUND_RX,
                                     c.SMPP_CLIENT_STATE_BOUND_TRX):
                pdu = smpplib.smpp.make_pdu("unbind", client=self.client)
                self._send(pdu)
                self._await("unbind_resp", pdu.sequence)
        except DeliveryError:
            pass  # the message was accepted already; a lost unbind changes nothing
        finally:
            self._close_socket()

    def submit(self, to: str, text: str) -> list[str]:
        """Submit every part; returns the SMSC's message ids in part order."""
        parts, esm_class = encode_parts(text)
        source, ton, npi = source_address(str(self.settings["sender"]))
        ids = []
        for part in parts:
            pdu = smpplib.smpp.make_pdu(
                "submit_sm", client=self.client, service_type="", source_addr_ton=ton, source_addr_npi=npi,
                source_addr=source, dest_addr_ton=c.SMPP_TON_INTL, dest_addr_npi=c.SMPP_NPI_ISDN,
                destination_addr=destination(to), esm_class=esm_class, data_coding=UCS2,
                registered_delivery=c.SMPP_SMSC_DELIVERY_RECEIPT_BOTH, short_message=part)
            self._send(pdu)
            response = self._await("submit_sm_resp", pdu.sequence)
            if response.is_error():
                reason = f"SMPP submit_sm refused: {status_name(response.status)}"
                if response.status in TEMPORARY:  # throttling, a full queue: the SMSC's state
                    raise GatewayDown(reason)
                raise DeliveryError(reason, permanent=True)
            ids.append(_text(response.message_id))
        return ids

    def listen(self, seconds: float | None, enquire_every: float,
               clock: Callable[[], float] = time.monotonic) -> int:
        """Receive until ``seconds`` have passed (None: until the SMSC unbinds); sends
        ``enquire_link`` after ``enquire_every`` seconds of silence, and gives up on a link
        where ``MAX_UNANSWERED`` of them in a row got no answer. Returns the receipts seen."""
        self.client._socket.settimeout(min(enquire_every, seconds or enquire_every))
        end = None if seconds is None else clock() + seconds
        seen = unanswered = 0
        while end is None or clock() < end:
            try:
                pdu = self.client.read_pdu()
            except TimeoutError:
                if unanswered >= MAX_UNANSWERED:
                    raise GatewayDown("SMPP: no answer to enquire_link") from None
                self._send(smpplib.smpp.make_pdu("enquire_link", client=self.client))
                unanswered += 1
                continue
            except smpplib.exceptions.ConnectionError as exc:
                raise GatewayDown("SMPP connection lost") from exc
            unanswered = 0
            if pdu.command == "unbind":
                self._reply(pdu, "unbind_resp")
                self._close_socket()
                return seen
            seen += self._handle_unsolicited(pdu)
        return seen

    # -- the wire ------------------------------------------------------------------------------

    def _send(self, pdu: Any) -> None:
        try:
            self.client.send_pdu(pdu)
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            raise GatewayDown("SMPP connection lost while sending") from exc
        except smpplib.exceptions.PDUError as exc:
            raise DeliveryError("SMPP session not bound") from exc

    def _await(self, command: str, sequence: int) -> Any:
        """Read until the response to ``sequence``, answering what the SMSC sends meanwhile."""
        while True:
            try:
                pdu = self.client.read_pdu()
            except TimeoutError as exc:
                raise GatewayDown(f"SMPP timeout waiting for {command}") from exc
            except (smpplib.exceptions.ConnectionError, OSError) as exc:
                raise GatewayDown(f"SMPP connection lost waiting for {command}") from exc
            except smpplib.exceptions.PDUError as exc:
                raise DeliveryError("SMPP: broken PDU from the SMSC") from exc
            if pdu.command == "generic_nack" and pdu.sequence == sequence:
                raise DeliveryError(f"SMPP generic_nack: {status_name(pdu.status)}",
                                    permanent=pdu.status not in TEMPORARY)
            if pdu.command == command and pdu.sequence == sequence:
                return pdu
            if pdu.command == "unbind":
                self._reply(pdu, "unbind_resp")
                self._close_socket()
                raise GatewayDown("SMPP: the SMSC closed the session")
            self._handle_unsolicited(pdu)

    def _handle_unsolicited(self, pdu: Any) -> int:
        if pdu.command == "deliver_sm":
            receipt = parse_receipt(pdu)
            if receipt is not None:
                self.on_receipt(receipt)
            self._reply(pdu, "deliver_sm_resp")
            return 1 if receipt is not None else 0
        if pdu.command == "enquire_link":
            self._reply(pdu, "enquire_link_resp")
        return 0

    def _reply(self, request: Any, command: str) -> None:
        response = smpplib.smpp.make_pdu(command, client=self.client)
        response.sequence = request.sequence
        self._send(response)

    def _close_socket(self) -> None:
        sock = self.client._socket
        if sock is not None:
            try:
                sock.close()
            finally:
                self.client._socket = None
                self.client.state = c.SMPP_CLIENT_STATE_CLOSED


def connect_error(exc: Exception) -> GatewayDown:
    return GatewayDown(f"SMPP unavailable: {type(exc).__name__}")


def smpp_transport(app, record_accepted, record_receipt):
    """The outbox transport ``deliver(payload)`` for the SMPP backend."""

    def deliver(payload: dict[str, Any]) -> None:
        settings = app.extensions["sep"].settings("sms_gateway")
        to, text = str(payload["to"]), str(payload["text"])
        destination(to)  # a malformed number fails before any connection
        try:
            with SmppSession(settings, record_receipt) as session:
                ids = session.submit(to, text)
                for number, provider_id in enumerate(ids, start=1):
                    record_accepted("smpp", provider_id, to, part=number, parts=len(ids))
        except smpplib.exceptions.ConnectionError as exc:
            raise connect_error(exc) from exc
        except OSError as exc:
            raise connect_error(exc) from exc
        log.info("SMS submitted by SMPP in %d part(s)", len(ids))

    return deliver
