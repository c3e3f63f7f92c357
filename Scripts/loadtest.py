#!/usr/bin/env python3
"""Load test for an OpenAI-compatible server: N concurrent streaming chat clients.

Standard library only (asyncio streams, raw HTTP/1.1 with chunked decoding). Loopback only: the
base URL must name 127.0.0.1, ::1 or localhost. Bounded: each level sends --requests-per-client
requests per client and stops after --max-seconds.

For each concurrency level it reports aggregate generated tokens per second (completion tokens
from the final usage chunk when the server sends one, else the number of content chunks), time to
first token p50/p99, inter-token latency p50/p99 (gaps between content chunks), errors, and the
server's resident memory before and after (with --server-pid, from /proc).

    python3 Scripts/loadtest.py --base-url http://127.0.0.1:8080/v1 --model smol --clients 1 4 16 --server-pid 1234
    python3 Scripts/loadtest.py --base-url http://127.0.0.1:8000/v1 --model smol   # llama-cpp-python's server
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
import urllib.parse

PROMPTS = [
    "Write a short poem about the sea.",
    "Explain what a neural network is in two sentences.",
    "List five fruits and their colours.",
    "What is the capital of France, and why is it famous?",
    "Describe a cat to someone who has never seen one.",
    "Give three tips for learning a new language.",
    "Tell a very short story about a robot.",
    "Why is the sky blue?",
]


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def rss_mib(pid):
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def read_chunked(reader):
    """Yields the body pieces of a chunked HTTP/1.1 response."""
    while True:
        size_line = await reader.readline()
        if not size_line:
            return
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            return
        data = await reader.readexactly(size)
        await reader.readexactly(2)
        yield data


async def stream_chat(url, model, prompt, max_tokens, api_key, timeout):
    """One streaming chat request. Returns (ok, tokens, ttft, gaps, error)."""
    host, port = url.hostname, url.port or 80
    path = url.path.rstrip("/") + "/chat/completions"
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
                       "temperature": 0.7, "seed": 1, "stream": True,
                       "stream_options": {"include_usage": True}}).encode()
    headers = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json",
               f"Content-Length: {len(body)}", "Accept: text/event-stream", "Connection: close"]
    if api_key:
        headers.append(f"Authorization: Bearer {api_key}")
    start = time.perf_counter()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout)
        status = int(status_line.split()[1])
        response_headers = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            response_headers[k.strip().lower()] = v.strip()
        if status != 200:
            rest = await reader.read(4096)
            return False, 0, None, [], f"HTTP {status}: {rest[:200]!r}"
        if response_headers.get("transfer-encoding", "").lower() == "chunked":
            pieces = read_chunked(reader)
        else:
            async def plain():
                while True:
                    data = await reader.read(65536)
                    if not data:
                        return
                    yield data
            pieces = plain()
        buffer, times, usage_tokens, error, done, finish = b"", [], None, None, False, None
        async for piece in pieces:
            buffer += piece
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                for line in event.split(b"\n"):
                    line = line.strip()
                    if not line.startswith(b"data:"):
                        continue
                    data = line[5:].strip()
                    if data == b"[DONE]":
                        done = True
                        continue
                    chunk = json.loads(data)
                    if "error" in chunk:
                        error = chunk["error"].get("message", "error")
                        continue
                    if chunk.get("usage"):
                        usage_tokens = chunk["usage"].get("completion_tokens")
                    for choice in chunk.get("choices", []):
                        if choice.get("delta", {}).get("content"):
                            times.append(time.perf_counter())
                        finish = choice.get("finish_reason") or finish
            if time.perf_counter() - start > timeout:
                return False, len(times), None, [], "timeout"
        if error:
            return False, len(times), None, [], error
        # A stream that ends without [DONE] or a finish_reason, or without a single content chunk
        # when the model did not choose to stop at once, is a failure, not a fast request.
        if not done or finish is None:
            return False, len(times), None, [], "stream ended without a finish_reason and data: [DONE]"
        if not times and finish != "stop":
            return False, 0, None, [], f"stream carried no content (finish_reason {finish})"
        tokens = usage_tokens if usage_tokens is not None else len(times)
        ttft = times[0] - start if times else None
        gaps = [b - a for a, b in zip(times, times[1:])]
        return True, tokens, ttft, gaps, None
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except Exception:
            pass


async def run_level(url, model, clients, requests_per_client, max_tokens, api_key, max_seconds, timeout):
    results = []
    deadline = time.perf_counter() + max_seconds

    async def client(index):
        for r in range(requests_per_client):
            if time.perf_counter() > deadline:
                return
            prompt = PROMPTS[(index + r) % len(PROMPTS)]
            try:
                results.append(await stream_chat(url, model, prompt, max_tokens, api_key, timeout))
            except Exception as e:  # a refused connection, a reset, a malformed response
                results.append((False, 0, None, [], f"{type(e).__name__}: {e}"))

    start = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    wall = time.perf_counter() - start
    ok = [r for r in results if r[0]]
    tokens = sum(r[1] for r in ok)
    ttfts = [r[2] for r in ok if r[2] is not None]
    gaps = [g for r in ok for g in r[3]]
    errors = [r[4] for r in results if not r[0]]
    return {"clients": clients, "requests": len(results), "errors": len(errors), "error_samples": errors[:3],
            "tokens": tokens, "seconds": round(wall, 3), "tokens_per_second": round(tokens / wall, 2) if wall > 0 else 0,
            "ttft_p50_ms": round(1000 * percentile(ttfts, 50), 1), "ttft_p99_ms": round(1000 * percentile(ttfts, 99), 1),
            "itl_p50_ms": round(1000 * percentile(gaps, 50), 1), "itl_p99_ms": round(1000 * percentile(gaps, 99), 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8080/v1")
    parser.add_argument("--model", required=True)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests-per-client", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--max-seconds", type=float, default=300, help="stop starting requests after this long, per level")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one request may take")
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--server-pid", type=int, default=None, help="read the server's RSS from /proc/PID/status")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()

    url = urllib.parse.urlparse(args.base_url)
    if url.scheme != "http" or url.hostname not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("loadtest: only http:// on loopback (127.0.0.1, ::1, localhost) is allowed")
    for n in args.clients:
        if not 1 <= n <= 256:
            sys.exit("loadtest: --clients values must be between 1 and 256")
    if not 1 <= args.requests_per_client <= 100 or not 1 <= args.max_tokens <= 4096:
        sys.exit("loadtest: --requests-per-client must be 1..100 and --max-tokens 1..4096")

    rss_before = rss_mib(args.server_pid)
    levels = []
    for n in args.clients:
        level = asyncio.run(run_level(url, args.model, n, args.requests_per_client, args.max_tokens, args.api_key,
                                      args.max_seconds, args.timeout))
        levels.append(level)
        print(f"clients {n:3d}: {level['tokens_per_second']:8.1f} tok/s  TTFT p50 {level['ttft_p50_ms']:8.1f} ms "
              f"p99 {level['ttft_p99_ms']:8.1f} ms  ITL p50 {level['itl_p50_ms']:6.1f} ms p99 {level['itl_p99_ms']:7.1f} ms  "
              f"requests {level['requests']}  errors {level['errors']} {level['error_samples'] if level['errors'] else ''}",
              flush=True)
    rss_after = rss_mib(args.server_pid)
    summary = {"base_url": args.base_url, "model": args.model, "max_tokens": args.max_tokens, "levels": levels,
               "rss_mib_before": rss_before, "rss_mib_after": rss_after}
    if levels and levels[0]["tokens_per_second"] > 0:
        summary["speedup_vs_first"] = [round(l["tokens_per_second"] / levels[0]["tokens_per_second"], 2) for l in levels]
        print("throughput relative to", levels[0]["clients"], "client(s):", summary["speedup_vs_first"])
    if rss_before is not None:
        print(f"server RSS: {rss_before:.1f} MiB before, {rss_after:.1f} MiB after")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
