#!/usr/bin/python3
"""A fake Docker Engine on a UNIX socket, for tests/docker/test_docker.c.

usage: fake_engine.py SOCKET CASE.json LOG.jsonl

The case file lists the exchanges expected, in order (across connections):
  {"exchanges": [
     {"expect": "GET /v1.41/_ping",        # method and target; the query is
                                           # compared only if given here
      "status": 200, "headers": {...},
      "body": "OK" | {json} | [json],      # a plain reply (Content-Length)
      "stream": {                          # or a streamed reply
         "mode": "chunked" | "raw",        # raw: no length, close at the end
                                           # (the exec hijack)
         "items": [{"text": "..."} | {"frame": 1, "text": "..."}],
         "split": [3, 10],                 # optional: byte offsets where the
                                           # concatenated items are cut into writes
         "cut_at": 25,                     # optional: send only this many bytes
         "delay_ms": 20,                   # between writes
         "drop": true},                    # close without finishing
      "stall_s": 5,                        # wait this long before replying
      "close": true}]}                     # close after the reply
Each request is appended to LOG as one JSON line (method, target, headers,
body text truncated, body_len, body_sha256 and, for tar bodies, members).
Unexpected requests get HTTP 500 with a message saying what was expected.
Standard library only, run with Debian's /usr/bin/python3.
"""
import hashlib
import io
import json
import os
import socketserver
import struct
import sys
import tarfile
import threading
import time

SOCK, CASE, LOG = sys.argv[1:4]
with open(CASE, encoding="utf-8") as f:
    EXCHANGES = json.load(f)["exchanges"]
LOCK = threading.Lock()
NEXT = [0]


def log(entry):
    with LOCK:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def tar_members(body):
    try:
        out = []
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:") as t:
            for m in t.getmembers():
                data = t.extractfile(m).read() if m.isfile() else b""
                out.append({"name": m.name, "size": m.size, "mode": m.mode,
                            "sha256": hashlib.sha256(data).hexdigest()})
        return out
    except Exception as e:  # the test asserts on this text
        return "bad tar: %s" % e


def stream_writes(spec):
    data = b""
    pieces = []
    for it in spec.get("items", []):
        text = it.get("text", "").encode("utf-8")
        if "frame" in it:
            text = struct.pack(">BxxxI", it["frame"], len(text)) + text
        pieces.append(text)
        data += text
    if "cut_at" in spec:  # the engine died mid-stream
        data = data[:spec["cut_at"]]
        pieces = [data]
    if "split" not in spec:
        return pieces
    cuts = [0] + [c for c in spec["split"] if 0 < c < len(data)] + [len(data)]
    return [data[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


class Handler(socketserver.StreamRequestHandler):
    def read_request(self):
        line = self.rfile.readline(65536)
        if not line:
            return None
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers = {}
        while True:
            h = self.rfile.readline(65536).decode("latin-1")
            if h in ("\r\n", "\n", ""):
                break
            k, v = h.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        body = b""
        if "content-length" in headers:
            body = self.rfile.read(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                n = int(self.rfile.readline().split(b";")[0], 16)
                if n == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(n)
                self.rfile.readline()
        return method, target, headers, body

    def send(self, status, headers, body=None):
        reason = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified",
                  404: "Not Found", 409: "Conflict", 500: "Internal Server Error"}
        out = "HTTP/1.1 %d %s\r\n" % (status, reason.get(status, "Status"))
        for k, v in headers.items():
            out += "%s: %s\r\n" % (k, v)
        if body is not None:
            out += "Content-Length: %d\r\n" % len(body)
        self.wfile.write(out.encode("latin-1") + b"\r\n" + (body or b""))
        self.wfile.flush()

    def handle(self):
        while True:
            req = self.read_request()
            if req is None:
                return
            method, target, headers, body = req
            entry = {"method": method, "target": target, "headers": headers,
                     "body": body[:8192].decode("utf-8", "replace"),
                     "body_len": len(body), "body_sha256": hashlib.sha256(body).hexdigest()}
            if headers.get("content-type") == "application/x-tar":
                entry["tar"] = tar_members(body)
            with LOCK:
                i = NEXT[0]
                NEXT[0] += 1
            ex = EXCHANGES[i] if i < len(EXCHANGES) else None
            want = ex["expect"] if ex else None
            got = "%s %s" % (method, target if want and "?" in want else target.split("?")[0])
            entry["unexpected"] = want != got
            log(entry)
            if want != got:
                msg = json.dumps({"message": "fake engine: expected %s, got %s %s"
                                  % (want or "no more requests", method, target)})
                self.send(500, {"Content-Type": "application/json"}, msg.encode())
                continue
            if ex.get("stall_s"):
                time.sleep(ex["stall_s"])
            status = ex.get("status", 200)
            hdrs = dict(ex.get("headers", {}))
            if "stream" in ex:
                self.stream(status, hdrs, ex["stream"])
                spec = ex["stream"]
                # A whole chunked reply keeps the connection, as the real Engine does;
                # closing it raced with the client's reuse of it for the next request.
                if spec.get("mode", "chunked") == "chunked" and not spec.get("drop") and "cut_at" not in spec:
                    continue
                return
            b = ex.get("body")
            if b is None:
                b = b""
            elif isinstance(b, str):
                b = b.encode("utf-8")
            else:
                b = json.dumps(b).encode("utf-8")
                hdrs.setdefault("Content-Type", "application/json")
            if "truncate_to" in ex:  # promise the whole body, send a prefix, hang up
                self.send(status, dict(hdrs, **{"Content-Length": str(len(b))}), None)
                self.wfile.write(b[:ex["truncate_to"]])
                self.wfile.flush()
                return
            self.send(status, hdrs, b)
            if ex.get("close"):
                return

    def stream(self, status, hdrs, spec):
        chunked = spec.get("mode", "chunked") == "chunked"
        if chunked:
            hdrs["Transfer-Encoding"] = "chunked"
        else:
            hdrs["Connection"] = "close"
        self.send(status, hdrs)
        delay = spec.get("delay_ms", 20) / 1000.0
        for piece in stream_writes(spec):
            time.sleep(delay)
            if chunked:
                piece = b"%x\r\n" % len(piece) + piece + b"\r\n"
            self.wfile.write(piece)
            self.wfile.flush()
        if spec.get("hold_s"):
            time.sleep(spec["hold_s"])
        if chunked and not spec.get("drop"):
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()


class Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hung up (timeouts, cancel) is expected


# Bind and listen under a temporary name, then rename: the test starts
# connecting as soon as SOCK exists, and bind() creates the file before listen().
for p in (SOCK, SOCK + ".tmp"):
    if os.path.exists(p):
        os.unlink(p)
srv = Server(SOCK + ".tmp", Handler)
os.rename(SOCK + ".tmp", SOCK)
srv.serve_forever()
