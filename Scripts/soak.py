#!/usr/bin/env python3
"""Soak test for `strata serve`: mixed requests for a fixed time while the server's memory is watched.

Worker threads loop over a mix of requests, each with the status it must get:
- a streaming chat completion and a plain completion (--chat-model), 200;
- embeddings of one and of three sentences (--embed-model, optional), 200;
- classification of a 28x28 PGM digit (--classify-model, optional), 200;
- bad requests, answered with OpenAI-style errors: malformed JSON 400, a wrong type 400,
  an unknown model 404, an empty prompt 400, NaN temperature 400 (as JSON text `NaN`).
The server's resident memory (VmRSS of --server-pid, from /proc) is sampled every 5 seconds.
It passes when no request got an unexpected status or failed, and the RSS at the end is at most
10% above the RSS after the warm-up (the first --warmup seconds: caches and arenas fill then).

Standard library only; loopback only (the base URL must be http://127.0.0.1:PORT); bounded by
--seconds and --workers.

    python3 Scripts/soak.py --base-url http://127.0.0.1:8080 --server-pid PID --chat-model smol \\
        --embed-model minilm --classify-model digits --seconds 600 --workers 4
"""

import argparse
import base64
import http.client
import json
import re
import sys
import threading
import time

from loadtest import rss_mib   # the same /proc reading as the load test (Scripts/ is on sys.path)


def digit_pgm():
    """A 28x28 binary PGM of a vertical bar, base64-encoded."""
    pixels = bytearray(28 * 28)
    for y in range(5, 23):
        for x in range(13, 16):
            pixels[y * 28 + x] = 255
    return base64.b64encode(b"P5\n28 28\n255\n" + bytes(pixels)).decode()


def request_mix(args):
    """(name, path, body text, expected status) for every request kind the options allow."""
    mix = []
    chat = args.chat_model
    mix.append(("chat-stream", "/v1/chat/completions", json.dumps({
        "model": chat, "messages": [{"role": "user", "content": "Name a colour."}],
        "max_tokens": args.max_tokens, "stream": True}), 200))
    mix.append(("completion", "/v1/completions", json.dumps({
        "model": chat, "prompt": "The capital of France is", "max_tokens": args.max_tokens, "temperature": 0}), 200))
    if args.embed_model:
        mix.append(("embed-1", "/v1/embeddings", json.dumps({"model": args.embed_model, "input": "A man is eating food."}), 200))
        mix.append(("embed-3", "/v1/embeddings", json.dumps({"model": args.embed_model, "input": [
            "A man is eating food.", "A woman is slicing tomatoes.", "Two dogs play in the park."]}), 200))
    if args.classify_model:
        mix.append(("classify", "/v1/classify", json.dumps({"model": args.classify_model, "image": digit_pgm()}), 200))
    mix.append(("bad-json", "/v1/completions", '{"model": "' + chat + '", "prompt": ', 400))
    mix.append(("bad-type", "/v1/completions", json.dumps({"model": chat, "prompt": "x", "max_tokens": "ten"}), 400))
    mix.append(("bad-model", "/v1/completions", json.dumps({"model": "no-such-model", "prompt": "x"}), 404))
    mix.append(("bad-empty", "/v1/completions", json.dumps({"model": chat, "prompt": ""}), 400))
    mix.append(("bad-nan", "/v1/completions", '{"model": "' + chat + '", "prompt": "x", "temperature": NaN}', 400))
    return mix


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts, self.failures = {}, []

    def add(self, name, problem=None):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1
            if problem:
                self.failures.append(f"{name}: {problem}")


def worker(host, port, mix, offset, deadline, tally, timeout):
    i = offset
    while time.monotonic() < deadline:
        name, path, body, expected = mix[i % len(mix)]
        i += 1
        try:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
            connection.request("POST", path, body=body.encode(), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
            connection.close()
            problem = None
            if response.status != expected:
                problem = f"status {response.status}, expected {expected}: {payload[:200]!r}"
            elif expected >= 400:
                error = json.loads(payload).get("error", {})
                if not isinstance(error, dict) or "message" not in error:
                    problem = f"no OpenAI error object: {payload[:200]!r}"
            elif name == "chat-stream" and not payload.rstrip().endswith(b"data: [DONE]"):
                problem = f"the stream does not end with [DONE]: {payload[-200:]!r}"
            tally.add(name, problem)
        except Exception as error:   # a refused or dropped connection is a failure too
            tally.add(name, f"{type(error).__name__}: {error}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--chat-model", required=True)
    parser.add_argument("--embed-model")
    parser.add_argument("--classify-model")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    m = re.match(r"http://127\.0\.0\.1:(\d+)/?$", args.base_url)
    if not m:
        sys.exit("--base-url must be a loopback address http://127.0.0.1:PORT")
    if not (1 <= args.workers <= 64 and 1 <= args.seconds <= 3600 and 0 <= args.warmup < args.seconds):
        sys.exit("--workers must be in 1...64, --seconds in 1...3600, --warmup in [0, seconds)")
    port = int(m.group(1))
    mix = request_mix(args)
    tally = Tally()
    start = time.monotonic()
    deadline = start + args.seconds
    threads = [threading.Thread(target=worker, args=("127.0.0.1", port, mix, k * 3, deadline, tally, args.timeout))
               for k in range(args.workers)]
    for t in threads:
        t.start()
    samples = []   # (seconds since start, RSS MiB)
    while any(t.is_alive() for t in threads):
        rss = rss_mib(args.server_pid)
        if rss is None:
            tally.add("server", "the server process is gone")
            break
        samples.append((time.monotonic() - start, rss))
        time.sleep(5)
    for t in threads:
        t.join()
    final = rss_mib(args.server_pid)
    if final is not None:
        samples.append((time.monotonic() - start, final))

    total = sum(tally.counts.values())
    print(f"soak: {total} requests in {args.seconds:.0f} s with {args.workers} workers")
    for name in sorted(tally.counts):
        print(f"  {name:12s} {tally.counts[name]}")
    after_warmup = next((rss for t, rss in samples if t >= args.warmup), samples[-1][1] if samples else None)
    if samples:
        growth = (samples[-1][1] / after_warmup - 1) * 100
        print(f"  RSS MiB: start {samples[0][1]:.1f}, after warm-up {after_warmup:.1f}, end {samples[-1][1]:.1f},"
              f" max {max(r for _, r in samples):.1f}; growth after warm-up {growth:+.1f}%")
    print(f"  failures: {len(tally.failures)}")
    for line in tally.failures[:20]:
        print("   ", line)
    if tally.failures or not samples or growth > 10:
        sys.exit(1)
    print("soak passed")


if __name__ == "__main__":
    main()
