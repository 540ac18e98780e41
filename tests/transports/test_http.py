from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from tests.helpers import kinds, of, run
from voiden_lsp.demo.http_server import DemoHttpServer


async def test_get_with_query_continuation_and_headers(http_server: DemoHttpServer) -> None:
    events, _ = await run(
        "```http\nGET {{base}}/echo\n  ?a=1\n  &b={{$randomInt 5 5}}\nX-One: {{who}}\n```\n",
        base=http_server.url,
        who="ada",
    )
    assert kinds(events) == ["connecting", "sent", "open", "status", "received", "closed"]
    assert of(events, "status")[0] == {"code": 200, "message": "OK"}
    echoed = of(events, "received")[0]["data"]
    assert echoed["query"] == {"a": "1", "b": "5"} and echoed["headers"]["X-One"] == "ada"
    assert of(events, "open")[0]["headers"]["content-type"] == "application/json"
    timings = of(events, "closed")[0]["timings"]
    assert timings["connect"] is not None and timings["first_byte"] is not None
    assert timings["total"] >= timings["first_byte"] >= timings["connect"] >= 0
    assert [e.seq for e in events] == list(range(1, 7))
    assert len({e.session for e in events}) == 1


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_every_method_with_a_json_body(http_server: DemoHttpServer, method: str) -> None:
    events, _ = await run(
        f'```http\n{method} {{{{base}}}}/echo\n\n{{"n": {{{{$faker.pyint}}}}}}\n```\n', base=http_server.url
    )
    echoed = of(events, "received")[0]["data"]
    assert echoed["method"] == method
    assert isinstance(echoed["json"]["n"], int)
    assert echoed["headers"]["Content-Type"] == "application/json"  # added for a JSON body
    assert of(events, "sent")[0]["size"] == len(echoed["body"].encode())


async def test_head_has_no_body(http_server: DemoHttpServer) -> None:
    events, _ = await run("```http\nHEAD {{base}}/health\n```\n", base=http_server.url)
    assert "received" not in kinds(events) and of(events, "status")[0]["code"] == 200


async def test_form_and_file_bodies(http_server: DemoHttpServer, tmp_path: Path) -> None:
    (tmp_path / "payload.bin").write_bytes(bytes(range(256)) * 100)
    text = (
        "# Form\n\n```http\nPOST {{base}}/form\nContent-Type: application/x-www-form-urlencoded\n\n"
        "a=1&b={{who}}\n```\n"
        "# File\n\n```http\nPOST {{base}}/echo\nContent-Type: application/octet-stream\n\n"
        "< ./payload.bin\n```\n"
        "# Missing\n\n```http\nPOST {{base}}/echo\n\n< ./nope.bin\n```\n"
    )
    events, runner = await run(text, tmp_path, base=http_server.url, who="x y")
    form, file = of(events, "received")
    assert form["data"]["form"] == {"a": "1", "b": "x y"}
    # the echo (25,600 bytes of binary as JSON-escaped text) is over the 64 KB payload limit: cut to text
    assert file["encoding"] == "text" and file["truncated"] and file["size"] > 64 * 1024
    assert sorted(runner.responses) == ["file", "form"] and runner.responses["file"].json()["size"] == 25_600
    errors = of(events, "error")
    assert len(errors) == 1 and "nope.bin does not exist" in errors[0]["message"]


async def test_multipart_bodies_send_files_byte_for_byte(http_server: DemoHttpServer, tmp_path: Path) -> None:
    image = bytes(range(256)) * 40 + b"\r\n--not-a-boundary\r\n"
    (tmp_path / "photo.png").write_bytes(image)
    text = (
        "# Upload\n\n```http\nPOST {{base}}/upload\nContent-Type: multipart/form-data; boundary=XyZ\n\n"
        '--XyZ\nContent-Disposition: form-data; name="title"\n\n{{who}}\n'
        '--XyZ\nContent-Disposition: form-data; name="photo"; filename="photo.png"\nContent-Type: image/png\n\n'
        "< ./photo.png\n--XyZ--\n```\n"
        # no boundary in the header: the body's first one is used
        "# Fields only\n\n```http\nPOST {{base}}/upload\nContent-Type: multipart/form-data\n\n"
        '--b1\nContent-Disposition: form-data; name="a"\n\nline one\nline two\n--b1--\n```\n'
    )
    events, _ = await run(text, tmp_path, base=http_server.url, who="Ada")
    upload, fields = [f["data"] for f in of(events, "received")]
    assert upload["fields"] == {"title": "Ada"}
    (photo,) = upload["files"]["photo"]
    assert photo == {
        "filename": "photo.png",
        "content_type": "image/png",
        "size": len(image),
        "sha256": hashlib.sha256(image).hexdigest(),
    }
    assert fields == {"fields": {"a": "line one\r\nline two"}, "files": {}}  # multipart lines end in CRLF
    sent = of(events, "sent")[0]
    assert f"< {tmp_path / 'photo.png'} ({len(image)} bytes)" in sent["data"]
    assert sent["size"] == int(sent["headers"]["content-length"])


async def test_redirects_are_followed_unless_asked_not_to(http_server: DemoHttpServer) -> None:
    events, _ = await run(
        "# A\n```http\nGET {{base}}/redirect?to=/health\n```\n"
        "# B\n```http\n@no-redirect\nGET {{base}}/redirect?to=/health\n```\n",
        base=http_server.url,
    )
    statuses = [s["code"] for s in of(events, "status")]
    assert statuses == [200, 302]
    assert of(events, "open")[0]["redirects"] == [f"{http_server.url}/redirect?to=/health"]


async def test_timeout_is_an_error_event(http_server: DemoHttpServer) -> None:
    events, _ = await run("```http\n@timeout 200ms\nGET {{base}}/slow?ms=2000\n```\n", base=http_server.url)
    (error,) = of(events, "error")
    assert "within 0.2s (@timeout)" in error["message"]


async def test_refused_connection_and_bad_url_and_undefined_variable() -> None:
    text = (
        "# Refused\n```http\nGET http://127.0.0.1:9/x\n```\n"
        "# Bad\n```http\nGET {{base}}\n```\n"
        "# Undefined\n```http\nGET http://127.0.0.1:9/{{nope}}\n```\n"
    )
    events, _ = await run(text, base="http//missing-colon")
    messages = [e["message"] for e in of(events, "error")]
    assert "connection refused by 127.0.0.1: is the server running" in messages[0]
    assert "invalid URL `http//missing-colon`" in messages[1]
    assert messages[2].startswith("undefined variable `nope`")
    undefined = [e for e in events if e.kind == "error"][2]
    assert undefined.fields["range"]["start"] == {"line": 10, "character": 23}


async def test_document_errors_stop_a_request_before_sending() -> None:
    events, _ = await run("```http\nGET ftp://example.com\n```\n")
    assert kinds(events) == ["error"]
    assert "cannot be sent: bad URL" in of(events, "error")[0]["message"]


async def test_tls_is_verified_unless_insecure(tls_server: DemoHttpServer) -> None:
    events, _ = await run(
        "# Verified\n```http\nGET {{base}}/health\n```\n# Insecure\n```http\n@insecure\nGET {{base}}/health\n```\n",
        base=tls_server.url,
    )
    (error,) = of(events, "error")
    assert error["message"].startswith("TLS failed with 127.0.0.1") and "@insecure" in error["message"]
    assert [s["code"] for s in of(events, "status")] == [200]


async def test_tls_with_a_ca_file(tls_server: DemoHttpServer, test_ca: dict[str, Path]) -> None:
    events, _ = await run(f"```http\n@ca {test_ca['ca.pem']}\nGET {{{{base}}}}/health\n```\n", base=tls_server.url)
    assert [s["code"] for s in of(events, "status")] == [200]


async def test_large_download_streams_in_chunks(http_server: DemoHttpServer) -> None:
    size = 8 * 1024 * 1024
    events, runner = await run(
        f"```http name=big\nGET {{{{base}}}}/bytes?size={size}&type=text/plain\n```\n", base=http_server.url
    )
    received = of(events, "received")
    assert len(received) > 1, "a body over the whole-body limit arrives as chunks"
    assert sum(r["size"] for r in received) == size
    assert all(len(r["data"]) <= 64 * 1024 for r in received)
    assert any(r.get("truncated") for r in received)
    assert len(runner.responses["big"].body) == 4 * 1024 * 1024  # references keep a bounded prefix


async def test_a_binary_body_travels_as_base64(http_server: DemoHttpServer) -> None:
    events, _ = await run("```http\nGET {{base}}/bytes?size=2048\n```\n", base=http_server.url)
    (received,) = of(events, "received")
    assert received["encoding"] == "base64" and received["size"] == 2048 and "truncated" not in received
    assert base64.b64decode(received["data"]) == bytes(range(256)) * 8


async def test_response_references_across_requests_and_masking(http_server: DemoHttpServer, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PASSWORD=demo-password-123\n", encoding="utf-8")
    text = (
        "# Login\n```http name=login\nPOST {{base}}/login\n\n"
        '{"username": "ada", "password": "{{PASSWORD}}"}\n```\n'
        "# Me\n```http\nGET {{base}}/me\nAuthorization: Bearer {{login.response.body.token}}\n```\n"
        '# Echo\n```http\nPOST {{base}}/echo\n\n{"p": "{{PASSWORD}}"}\n```\n'
    )
    events, runner = await run(text, tmp_path, base=http_server.url)
    assert [s["code"] for s in of(events, "status")] == [200, 200, 200]
    assert runner.responses["login"].json()["token"]
    dumped = json.dumps([e.to_json() for e in events], ensure_ascii=False)
    assert "demo-password-123" not in dumped
    assert "dem…" in dumped


async def test_basic_credentials_are_encoded_when_sent(http_server: DemoHttpServer) -> None:
    text = (
        "```http\nGET {{base}}/echo\nAuthorization: Basic {{user}}:{{password}}\n```\n"
        "```http\nGET {{base}}/echo\nAuthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\n```\n"
    )
    events, _ = await run(text, base=http_server.url, user="Aladdin", password="open sesame")
    sent = [f["data"]["headers"]["Authorization"] for f in of(events, "received")]
    assert sent == ["Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="] * 2  # RFC 7617's example; an encoded value is kept
