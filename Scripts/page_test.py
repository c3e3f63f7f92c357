#!/usr/bin/env python3
"""Drives the page that `strata serve` shows at / in headless Chromium, as a user would.

It opens the page, waits for the model lists, types a message into the chat box and presses
Send, then draws a vertical stroke (a "1") on the canvas with the mouse and presses Classify.
It passes when a streamed chat answer has appeared and finished, and the digit label has
appeared (and equals --expect-digit when given). Chromium is driven over the DevTools
protocol with a small WebSocket client written here, so only the standard library is needed.

    strata serve --model chat=MODEL.gguf --model digits=runs/mnist-mlp --port 8080 &
    python3 Scripts/page_test.py --base-url http://127.0.0.1:8080 [--expect-digit 1]

Needs Debian's `chromium` package (apt-get install chromium); exits 2 with that hint without it.
Loopback only: the page, the server and the DevTools port are all on 127.0.0.1.
"""

import argparse
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    """A minimal RFC 6455 client: text frames out (masked), text frames in."""

    def __init__(self, url, timeout):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        if not m:
            raise ValueError(f"not a ws:// URL: {url}")
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the DevTools socket closed during the handshake")
            head += chunk
        head, self.pending = head.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"handshake refused: {head[:200]!r}")

    def _read(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the DevTools socket closed")
            self.pending += chunk
        out, self.pending = self.pending[:n], self.pending[n:]
        return out

    def send(self, text):
        payload = text.encode()
        n = len(payload)
        header = bytes([0x81])
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)   # the server does not mask
            opcode = b0 & 0x0F
            if opcode == 8:
                raise ConnectionError("the DevTools socket was closed by Chromium")
            if opcode in (0, 1):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class Page:
    """One page target, spoken to with DevTools commands."""

    def __init__(self, ws):
        self.ws, self.next_id = ws, 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.receive())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError as error:   # the page is still between documents
                if "execution context" not in str(error):
                    raise
                value = None
            if value:
                return value
            time.sleep(0.1)
        body = self.evaluate("document.body ? document.body.innerText : '(no body)'")
        raise TimeoutError(f"gave up after {timeout} s waiting for {what}; the page reads:\n{body}")

    def mouse(self, kind, x, y):
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                  buttons=1 if kind != "mouseReleased" else 0, clickCount=1)

    def click(self, element_id):
        box = self.evaluate(f"(() => {{ const r = document.getElementById('{element_id}').getBoundingClientRect();"
                            " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        self.mouse("mousePressed", *box)
        self.mouse("mouseReleased", *box)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--chromium", default=None, help="the browser binary (default: chromium on PATH)")
    parser.add_argument("--expect-digit", default=None, help="the label the drawn stroke must get")
    parser.add_argument("--timeout", type=float, default=60, help="seconds for each wait")
    args = parser.parse_args()
    if not re.match(r"http://127\.0\.0\.1:\d+/?$", args.base_url):
        sys.exit("--base-url must be a loopback address http://127.0.0.1:PORT")
    browser = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("skipped: no chromium (apt-get install chromium)", file=sys.stderr)
        sys.exit(2)

    profile = tempfile.mkdtemp(prefix="strata-page-test-")
    chromium = subprocess.Popen(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "--window-size=1000,1400", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.monotonic() + args.timeout
        while port is None and time.monotonic() < deadline:
            line = chromium.stderr.readline()
            if not line and chromium.poll() is not None:
                sys.exit(f"chromium exited with status {chromium.returncode} before DevTools started")
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
        if port is None:
            sys.exit("chromium did not start DevTools in time")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?{args.base_url.rstrip('/')}/", method="PUT")
        target = json.load(urllib.request.urlopen(request, timeout=args.timeout))
        page = Page(WebSocket(target["webSocketDebuggerUrl"], args.timeout))

        page.wait_for("document.readyState === 'complete' && document.getElementById('chatModel')?.options.length > 0"
                      " && document.getElementById('classifyModel')?.options.length > 0", "the model lists", args.timeout)

        # Chat: type into the box, press Send, wait for the streamed answer to finish.
        page.click("prompt")
        page.call("Input.insertText", text="Name a colour.")
        page.click("send")
        answer = page.wait_for("(() => { const a = document.getElementById('answer1');"
                               " return a && a.dataset.done === 'true' ? a.textContent : null; })()",
                               "the streamed chat answer", args.timeout)
        if not answer.strip() or answer.startswith("error:"):
            sys.exit(f"FAIL: the chat answer is {answer!r}")
        print(f"chat: streamed answer {answer.strip()[:80]!r}")

        # Digit: a vertical stroke down the middle of the canvas, then Classify.
        left, top, width, height = page.evaluate(
            "(() => { const r = document.getElementById('pad').getBoundingClientRect();"
            " return [r.left, r.top, r.width, r.height]; })()")
        x = left + width / 2
        page.mouse("mousePressed", x, top + 0.2 * height)
        for i in range(1, 21):
            page.mouse("mouseMoved", x, top + (0.2 + 0.6 * i / 20) * height)
        page.mouse("mouseReleased", x, top + 0.8 * height)
        page.click("classify")
        label = page.wait_for("document.getElementById('digit').dataset.label || null", "the classified digit", args.timeout)
        text = page.evaluate("document.getElementById('digit').textContent")
        print(f"digit: {text!r}")
        if args.expect_digit is not None and str(label) != args.expect_digit:
            sys.exit(f"FAIL: the stroke was labelled {label}, expected {args.expect_digit}")
        print("page test passed")
    finally:
        chromium.terminate()
        try:
            chromium.wait(timeout=10)
        except subprocess.TimeoutExpired:
            chromium.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
