"""Local stand-ins for the gateways, for tests: a minimal SMPP 3.4 SMSC and an SMS.ru-like HTTP
server, both on loopback in a thread. The SMSC encodes and decodes PDUs itself (``struct``,
not smpplib), so a mistake of the client library or of its use shows up as a wrong PDU."""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BIND_TRANSMITTER, BIND_RECEIVER, BIND_TRANSCEIVER = 0x02, 0x01, 0x09
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK, GENERIC_NACK = 0x04, 0x05, 0x06, 0x15, 0x80000000
RESP = 0x80000000
BIND_MODES = {BIND_TRANSMITTER: "transmitter", BIND_RECEIVER: "receiver", BIND_TRANSCEIVER: "transceiver"}
ESME_RTHROTTLED, ESME_RMSGQFUL, ESME_RINVDSTADR, ESME_RINVPASWD = 0x58, 0x14, 0x0B, 0x0E


@dataclass
class Submit:
    """A submit_sm as the SMSC decoded it."""

    source_addr: str
    source_ton: int
    dest_addr: str
    dest_ton: int
    dest_npi: int
    esm_class: int
    registered_delivery: int
    data_coding: int
    short_message: bytes
    message_id: str = ""
    status: int = 0

    @property
    def udh(self) -> bytes:
        return self.short_message[:self.short_message[0] + 1] if self.esm_class & 0x40 else b""

    @property
    def text(self) -> str:
        return self.short_message[len(self.udh):].decode("utf-16-be")


def _cstring(data: bytes, pos: int) -> tuple[str, int]:
    end = data.index(b"\x00", pos)
    return data[pos:end].decode("latin-1"), end + 1


def decode_submit(body: bytes) -> Submit:
    pos = 0
    _service, pos = _cstring(body, pos)
    source_ton, _source_npi = body[pos], body[pos + 1]
    source, pos = _cstring(body, pos + 2)
    dest_ton, dest_npi = body[pos], body[pos + 1]
    dest, pos = _cstring(body, pos + 2)
    esm_class = body[pos]
    pos += 3  # esm_class, protocol_id, priority_flag
    _schedule, pos = _cstring(body, pos)
    _validity, pos = _cstring(body, pos)
    registered, _replace, coding, _default_id, length = body[pos:pos + 5]
    pos += 5
    return Submit(source, source_ton, dest, dest_ton, dest_npi, esm_class, registered, coding,
                  body[pos:pos + length])


def pdu(command: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    return struct.pack(">IIII", 16 + len(body), command, status, sequence) + body


def receipt_body(submit: Submit, stat: str, *, tlvs: bool) -> bytes:
    text = (f"id:{submit.message_id} sub:001 dlvrd:{'001' if stat == 'DELIVRD' else '000'} "
            f"submit date:2603021000 done date:2603021001 stat:{stat} err:000 text:").encode()
    body = (b"\x00" + bytes([submit.dest_ton, 1]) + submit.dest_addr.encode() + b"\x00"
            + bytes([submit.source_ton, 0]) + submit.source_addr.encode() + b"\x00"
            + bytes([0x04, 0, 0]) + b"\x00\x00" + bytes([0, 0, 0, 0, len(text)]) + text)
    if tlvs:
        rid = submit.message_id.encode() + b"\x00"
        state = {"DELIVRD": 2, "EXPIRED": 3, "UNDELIV": 5, "REJECTD": 8}.get(stat, 7)
        body += struct.pack(">HH", 0x001E, len(rid)) + rid + struct.pack(">HHB", 0x0427, 1, state)
    return body


@dataclass
class FakeSmsc:
    """Scripted SMSC. ``script`` holds command statuses for the next submit_sm PDUs (then 0);
    accepted ones are in ``submits``; receipts go to transceiver sessions at once (when
    ``receipts_on_session``) or wait for the next receiver/transceiver bind."""

    system_id: str = "sep"
    password: str = "secret"  # noqa: S105 (the local test SMSC's)
    script: list[int] = field(default_factory=list)
    receipt_stat: str = "DELIVRD"
    receipt_tlvs: bool = True
    receipts_on_session: bool = True
    send_enquire_link: bool = False
    mute_after_bind: bool = False  # a dead link: binds, then reads and never answers
    submits: list[Submit] = field(default_factory=list)
    refused: list[Submit] = field(default_factory=list)
    binds: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    waiting_receipts: list[Submit] = field(default_factory=list)
    acked_deliveries: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.ended = threading.Condition(self.lock)
        self.sessions_ended = 0
        smsc = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                smsc._session(self.request)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler, bind_and_activate=True)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self._sequence = 1000
        self._ids = 0

    def start(self) -> FakeSmsc:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"backend": "smpp", "smpp_host": "127.0.0.1", "smpp_port": self.port, "sender": "SEP",
                "smpp_system_id": self.system_id, "smpp_password": self.password, "timeout_seconds": 5,
                **extra}

    # -- one client connection ------------------------------------------------------------------

    def _next_sequence(self) -> int:
        with self.lock:
            self._sequence += 1
            return self._sequence

    def _session(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        mode = None
        try:
            while True:
                header = _read(sock, 16)
                if header is None:
                    return
                length, command, _status, sequence = struct.unpack(">IIII", header)
                body = _read(sock, length - 16) or b""
                name = self._name(command)
                with self.lock:
                    self.commands.append(name)
                if mode and self.mute_after_bind:
                    continue
                if command in BIND_MODES:
                    mode = self._bind(sock, command, sequence, body)
                    if mode in ("receiver", "transceiver"):
                        self._flush_receipts(sock)
                elif command == SUBMIT_SM:
                    self._submit(sock, sequence, body, mode)
                elif command == ENQUIRE_LINK:
                    sock.sendall(pdu(ENQUIRE_LINK | RESP, 0, sequence))
                elif command == DELIVER_SM | RESP:
                    with self.lock:
                        self.acked_deliveries += 1
                elif command == UNBIND:
                    sock.sendall(pdu(UNBIND | RESP, 0, sequence))
                    return
                elif not command & RESP:
                    sock.sendall(pdu(GENERIC_NACK, 0x03, sequence))
        finally:
            sock.close()
            with self.ended:
                self.sessions_ended += 1
                self.ended.notify_all()

    def wait_sessions(self, count: int, timeout: float = 10) -> None:
        """Wait until ``count`` client sessions have ended (their PDUs are all recorded)."""
        with self.ended:
            if not self.ended.wait_for(lambda: self.sessions_ended >= count, timeout):
                raise AssertionError(f"only {self.sessions_ended} of {count} SMPP session(s) ended")

    @staticmethod
    def _name(command: int) -> str:
        names = {**{k: f"bind_{v}" for k, v in BIND_MODES.items()}, SUBMIT_SM: "submit_sm",
                 DELIVER_SM: "deliver_sm", UNBIND: "unbind", ENQUIRE_LINK: "enquire_link"}
        base = names.get(command & ~RESP, hex(command))
        return base + "_resp" if command & RESP else base

    def _bind(self, sock: socket.socket, command: int, sequence: int, body: bytes) -> str | None:
        system_id, pos = _cstring(body, 0)
        password, pos = _cstring(body, pos)
        if (system_id, password) != (self.system_id, self.password):
            sock.sendall(pdu(command | RESP, ESME_RINVPASWD, sequence, b"\x00"))
            return None
        with self.lock:
            self.binds.append(BIND_MODES[command])
        sock.sendall(pdu(command | RESP, 0, sequence, b"FakeSMSC\x00"))
        if self.send_enquire_link:
            sock.sendall(pdu(ENQUIRE_LINK, 0, self._next_sequence()))
        return BIND_MODES[command]

    def _submit(self, sock: socket.socket, sequence: int, body: bytes, mode: str | None) -> None:
        submit = decode_submit(body)
        with self.lock:
            status = self.script.pop(0) if self.script else 0
            if status:
                submit.status = status
                self.refused.append(submit)
            else:
                self._ids += 1
                submit.message_id = f"{0xA000 + self._ids:X}"
                self.submits.append(submit)
        if status:
            sock.sendall(pdu(SUBMIT_SM | RESP, status, sequence))
            return
        sock.sendall(pdu(SUBMIT_SM | RESP, 0, sequence, submit.message_id.encode() + b"\x00"))
        if submit.registered_delivery & 0x01:
            if self.receipts_on_session and mode == "transceiver":
                sock.sendall(pdu(DELIVER_SM, 0, self._next_sequence(),
                                 receipt_body(submit, self.receipt_stat, tlvs=self.receipt_tlvs)))
            else:
                with self.lock:
                    self.waiting_receipts.append(submit)

    def _flush_receipts(self, sock: socket.socket) -> None:
        with self.lock:
            waiting, self.waiting_receipts = self.waiting_receipts, []
        for submit in waiting:
            sock.sendall(pdu(DELIVER_SM, 0, self._next_sequence(),
                             receipt_body(submit, self.receipt_stat, tlvs=self.receipt_tlvs)))

    def texts(self) -> list[str]:
        """Whole texts, parts joined by their concatenation header."""
        whole: dict[int, dict[int, str]] = {}
        out = []
        for submit in self.submits:
            if submit.udh:
                ref, total, seq = submit.udh[3], submit.udh[4], submit.udh[5]
                whole.setdefault(ref, {})[seq] = submit.text
                if len(whole[ref]) == total:
                    out.append("".join(whole[ref][i] for i in range(1, total + 1)))
            else:
                out.append(submit.text)
        return out


def _read(sock: socket.socket, size: int) -> bytes | None:
    chunks, got = [], 0
    while got < size:
        try:
            chunk = sock.recv(size - got)
        except (TimeoutError, OSError):
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# -- SMS.ru ---------------------------------------------------------------------------------------


@dataclass
class FakeSmsRu:
    """SMS.ru's ``/sms/send`` and ``/sms/status`` (``json=1``). ``script`` holds answers for the
    next sends as ``(http_status, json_or_None)``; then each send is accepted with a new id.
    ``statuses`` maps sms_id to the status code ``/sms/status`` reports."""

    api_id: str = "test-api-id"
    script: list[tuple[int, dict | None]] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    accepted: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                status, answer = fake._answer(self.path, form)
                data = json.dumps(answer, ensure_ascii=False).encode() if answer is not None else b"<html>oops"
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if answer is not None else "text/html")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "7")
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.lock = threading.Lock()
        self._ids = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeSmsRu:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"backend": "http", "http_base_url": self.url, "http_api_id": self.api_id, "sender": "SEP",
                "timeout_seconds": 5, **extra}

    def _answer(self, path: str, form: dict[str, list[str]]) -> tuple[int, dict | None]:
        with self.lock:
            self.requests.append((path, form))
            if form.get("api_id") != [self.api_id]:
                return 200, {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
            if path == "/sms/status":
                ids = form.get("sms_id", [""])[0].split(",")
                return 200, {"status": "OK", "status_code": 100, "sms": {
                    i: ({"status": "OK", "status_code": self.statuses[i], "status_text": ""} if i in self.statuses
                        else {"status": "ERROR", "status_code": -1, "status_text": "not found"}) for i in ids}}
            if path != "/sms/send":
                return 404, {"status": "ERROR", "status_code": 211}
            if self.script:
                return self.script.pop(0)
            self._ids += 1
            sms_id = f"000000-{10000000 + self._ids}"
            number = form["to"][0]
            self.accepted.append({"to": number, "msg": form["msg"][0], "sms_id": sms_id,
                                  "from": form.get("from", [""])[0]})
            return 200, {"status": "OK", "status_code": 100, "balance": 100.5, "sms": {
                number: {"status": "OK", "status_code": 100, "sms_id": sms_id}}}
