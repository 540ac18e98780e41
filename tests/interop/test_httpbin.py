"""HTTP against PyPI `httpbin` under gunicorn, compared with curl where both can say the same."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import of, received_json, run, voiden
from tests.interop.conftest import Reference
from voiden_lsp.events import Event


def request(line: str, headers: str = "", body: str = "", meta: str = "", name: str = "r") -> str:
    return f"```http name={name}\n{meta}{line}\n{headers}\n{body}\n```\n"


def answer(events: list[Event], name: str = "r") -> Any:
    """The JSON body request `name` received."""
    (received,) = [e.fields for e in events if e.kind == "received" and e.request == name]
    return received["data"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
async def test_methods_query_headers_and_json_bodies(httpbin: Reference, method: str) -> None:
    body = "" if method == "GET" else '{"n": {{$randomInt 5 5}}, "name": "{{$faker.first_name}}"}'
    events, _ = await run(
        request(f"{method} http://{{{{addr}}}}/anything?q=1&q=2", "X-Trace: t-1\n", body), addr=httpbin.address
    )
    echoed = answer(events)
    assert echoed["method"] == method and echoed["args"] == {"q": ["1", "2"]}
    assert echoed["headers"]["X-Trace"] == "t-1"
    if body:
        assert echoed["json"]["n"] == 5 and echoed["headers"]["Content-Type"] == "application/json"
    assert of(events, "status")[0] == {"code": 200, "message": "OK"}


async def test_a_form_body(httpbin: Reference) -> None:
    events, _ = await run(
        request("POST http://{{addr}}/post", "Content-Type: application/x-www-form-urlencoded\n", "a=1&b=two"),
        addr=httpbin.address,
    )
    assert answer(events)["form"] == {"a": "1", "b": "two"}


async def test_redirects_followed_and_not(httpbin: Reference) -> None:
    events, _ = await run(request("GET http://{{addr}}/redirect/3"), addr=httpbin.address)
    opened = of(events, "open")[0]
    assert opened["url"].endswith("/get") and len(opened["redirects"]) == 3
    events, _ = await run(request("GET http://{{addr}}/redirect/3", meta="@no-redirect\n"), addr=httpbin.address)
    assert of(events, "status")[0]["code"] == 302
    assert of(events, "open")[0]["headers"]["location"] == "/relative-redirect/2"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "brotli"])
async def test_compressed_answers_are_decoded(httpbin: Reference, encoding: str) -> None:
    events, _ = await run(request(f"GET http://{{{{addr}}}}/{encoding}"), addr=httpbin.address)
    decoded = answer(events)
    flag = {"gzip": "gzipped", "deflate": "deflated", "brotli": "brotli"}[encoding]
    assert decoded[flag] is True
    assert of(events, "open")[0]["headers"]["content-encoding"] == {"brotli": "br"}.get(encoding, encoding)


async def test_every_decoder_is_offered(httpbin: Reference) -> None:
    events, _ = await run(request("GET http://{{addr}}/headers"), addr=httpbin.address)
    offered = {e.strip() for e in answer(events)["headers"]["Accept-Encoding"].split(",")}
    assert {"gzip", "deflate", "br", "zstd"} <= offered


async def test_streamed_and_dripped_bodies(httpbin: Reference) -> None:
    events, _ = await run(request("GET http://{{addr}}/stream/4"), addr=httpbin.address)
    lines = "".join(r["data"] for r in of(events, "received")).splitlines()
    assert [json.loads(line)["id"] for line in lines] == [0, 1, 2, 3]
    events, _ = await run(request("GET http://{{addr}}/drip?duration=0.5&numbytes=5&delay=0"), addr=httpbin.address)
    assert sum(r["size"] for r in of(events, "received")) == 5  # application/octet-stream: shown by size


async def test_basic_auth(httpbin: Reference) -> None:
    events, _ = await run(
        request("GET http://{{addr}}/basic-auth/ada/s3cret", "Authorization: Basic YWRhOnMzY3JldA==\n"),
        addr=httpbin.address,
    )
    assert answer(events) == {"authenticated": True, "user": "ada"}
    events, _ = await run(request("GET http://{{addr}}/basic-auth/ada/s3cret"), addr=httpbin.address)
    assert of(events, "status")[0]["code"] == 401


async def test_cookies_are_kept_between_the_requests_of_a_run(httpbin: Reference) -> None:
    """Log in, then call: a cookie set by one response goes with the next request; `@no-cookie-jar` opts out."""
    text = (
        request("GET http://{{addr}}/cookies/set?session=abc&theme=dark", meta="@no-redirect\n", name="login")
        + request("GET http://{{addr}}/cookies", name="call")
        + request("GET http://{{addr}}/cookies", meta="@no-cookie-jar\n", name="bare")
    )
    events, runner = await run(text, addr=httpbin.address)
    assert answer(events, "call") == {"cookies": {"session": "abc", "theme": "dark"}}
    assert answer(events, "bare") == {"cookies": {}}
    assert {c.name for c in runner.cookies} == {"session", "theme"}


async def test_a_delay_longer_than_the_timeout(httpbin: Reference) -> None:
    events, _ = await run(request("GET http://{{addr}}/delay/3", meta="@timeout 500ms\n"), addr=httpbin.address)
    (error,) = of(events, "error")
    assert error["message"] == "no answer from 127.0.0.1 within 0.5s (@timeout): check the server, or raise `@timeout`"


async def test_status_codes_and_binary_bodies(httpbin: Reference) -> None:
    events, _ = await run(
        request("GET http://{{addr}}/status/418") + request("GET http://{{addr}}/bytes/64", name="b"),
        addr=httpbin.address,
    )
    assert of(events, "status")[0]["code"] == 418
    binary = of(events, "received")[-1]
    assert binary["encoding"] == "base64" and binary["size"] == 64 and len(base64.b64decode(binary["data"])) == 64


def test_curl_reads_what_we_read(httpbin: Reference, tmp_path: Path) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    url = f"http://{httpbin.address}/anything?x=1"
    body = '{"a": [1, 2], "b": "two"}'
    theirs = subprocess.run(
        [curl, "-s", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body, url],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert theirs.returncode == 0, theirs.stderr
    doc = tmp_path / "post.voiden"
    doc.write_text(request(f"POST {url}", "Content-Type: application/json\n", body), encoding="utf-8")
    ours = voiden("run", "--json", str(doc))
    assert ours.returncode == 0, ours.stderr
    (mine,) = received_json(ours.stdout)
    reference = json.loads(theirs.stdout)
    for key in ("args", "data", "json", "method", "url"):
        assert mine[key] == reference[key], key
