"""The Voiden app's own files, as its sockets plugin writes them (`../shared/research/voiden-app.md` section 2:
no public repository holds an app-saved gRPC `.void`), run against the reference servers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import received_json, voiden
from tests.interop.conftest import SERVERS, Reference

# What the UI saves after "Import proto file" and picking a method: the UI's names, a project-relative
# `filePath`, `packageName` apart from the service, and the services cache it wrote after parsing the proto.
APP_GRPC = """---
version: 2.1.1
generatedBy: Voiden app
---
# Catalog

```void
---
type: socket-request
attrs:
  uid: 0c6a7f55-2b51-4a44-9d0c-1f8a3e0e8d11
content:
  - type: smethod
    attrs:
      uid: 5b0e3b7e-3a52-4a53-9a5a-5cbb3c7ad9a2
      method: GRPC
      visible: true
      importedFrom: ""
    content: GRPC
  - type: surl
    attrs:
      uid: 8a8d6c1e-6c0f-4f3e-8f55-8d3c2f0b6e70
    content: "grpc://ADDRESS"
  - type: proto
    attrs:
      uid: 1f0f5e2a-9d7b-4c1e-bb0a-5a8c0c1b9e33
      fileName: catalog.proto
      filePath: protos/catalog.proto
      packageName: interop.v1
      services:
        - name: Catalog
          methods:
            - { name: GetItem, request: GetItemRequest, response: Item, callType: unary }
            - { name: ListItems, request: ListItemsRequest, response: Item, callType: server_streaming }
      selectedService: Catalog
      selectedMethod: METHOD
      callType: CALL_TYPE
---
```

```void
---
type: headers-table
attrs:
  uid: 2d3e4f50-6172-4839-8a9b-0c1d2e3f4051
content:
  - type: table
    rows:
      - attrs: { disabled: false }
        row: [x-request-id, from-the-app]
---
```

```void
---
type: json_body
attrs:
  uid: 3e4f5061-7283-4940-9bac-1d2e3f405162
  body: |
    BODY
---
```
"""


def app_collection(tmp_path: Path, address: str, method: str, call_type: str, body: str) -> Path:
    (tmp_path / ".voiden").mkdir()
    (tmp_path / "protos").mkdir()
    shutil.copy(SERVERS / "catalog.proto", tmp_path / "protos" / "catalog.proto")
    doc = tmp_path / "catalog.void"
    text = APP_GRPC.replace("ADDRESS", address).replace("METHOD", method).replace("CALL_TYPE", call_type)
    doc.write_text(text.replace("BODY", body), encoding="utf-8")
    return doc


def test_an_app_saved_grpc_call_is_sent_with_its_proto_file(grpc_js: Reference, tmp_path: Path) -> None:
    doc = app_collection(tmp_path, grpc_js.address, "GetItem", "unary", '{ "id": "from-void" }')
    ran = voiden("run", "--json", str(doc))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (item,) = received_json(ran.stdout)
    assert item["id"] == "from-void" and item["created"] == "2023-11-14T22:13:21Z"
    opened = next(json.loads(line) for line in ran.stdout.splitlines() if json.loads(line)["kind"] == "open")
    assert opened["headers"]["x-request-id"] == "from-the-app"


def test_an_app_saved_stream_and_the_converted_document(grpc_js: Reference, tmp_path: Path) -> None:
    doc = app_collection(tmp_path, grpc_js.address, "ListItems", "server_streaming", '{ "count": 3 }')
    ran = voiden("run", "--json", str(doc))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert [i["id"] for i in received_json(ran.stdout)] == ["i1", "i2", "i3"]
    converted = voiden("convert", str(doc))
    assert converted.returncode == 0, converted.stderr
    out = tmp_path / "catalog.voiden"
    text = out.read_text(encoding="utf-8")
    assert "@proto ./protos/catalog.proto" in text
    assert f"grpc://{grpc_js.address} interop.v1.Catalog/ListItems" in text
    again = voiden("run", "--json", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
    assert [i["id"] for i in received_json(again.stdout)] == ["i1", "i2", "i3"]


def test_a_hyphenated_call_type_is_read_and_named(grpc_js: Reference, tmp_path: Path) -> None:
    doc = app_collection(tmp_path, grpc_js.address, "ListItems", "server-streaming", '{ "count": 2 }')
    ran = voiden("run", "--json", str(doc))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert len(received_json(ran.stdout)) == 2
    assert "read the call type `server-streaming` as `server_streaming`" in ran.stderr + ran.stdout


def rest_void(url: str, auth_rows: str = "") -> str:
    auth = (
        "```void\n---\ntype: auth\nattrs:\n  authType: apiKey\ncontent:\n  - type: table\n    rows:\n"
        + auth_rows
        + "---\n```\n"
        if auth_rows
        else ""
    )
    return (
        "---\nversion: 2.3.0\ngeneratedBy: Voiden app\n---\n# Call\n\n"
        "```void\n---\ntype: request\ncontent:\n  - type: method\n    content: GET\n"
        f'  - type: url\n    content: "{url}"\n---\n```\n' + auth
    )


def test_an_api_key_goes_where_the_app_says(httpbin: Reference, tmp_path: Path) -> None:
    (tmp_path / ".voiden").mkdir()
    rows = "      - row: [key, api_key]\n      - row: [value, k-123]\n      - row: [add_to, query]\n"
    doc = tmp_path / "call.void"
    doc.write_text(rest_void(f"http://{httpbin.address}/get?page=2", rows), encoding="utf-8")
    ran = voiden("run", "--json", str(doc))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    (answer,) = received_json(ran.stdout)
    assert answer["args"] == {"page": "2", "api_key": "k-123"} and "Api-Key" not in answer["headers"]
    rows = "      - row: [key, X-Api-Key]\n      - row: [value, k-456]\n      - row: [add_to, header]\n"
    doc.write_text(rest_void(f"http://{httpbin.address}/get", rows), encoding="utf-8")
    (answer,) = received_json(voiden("run", "--json", str(doc)).stdout)
    assert answer["headers"]["X-Api-Key"] == "k-456" and answer["args"] == {}


def test_the_default_environment_and_readable_legacy_env_files(httpbin: Reference, tmp_path: Path) -> None:
    """The app's `default` environment applies when none is named; settings in its legacy `.env.NAME` files
    print in full and only secret-named values are masked."""
    (tmp_path / ".voiden").mkdir()
    (tmp_path / ".voiden" / "env-public.yaml").write_text(
        f"default:\n  variables:\n    BASE_URL: http://{httpbin.address}\nother:\n  variables:\n    BASE_URL: http://x\n",
        encoding="utf-8",
    )
    doc = tmp_path / "call.void"
    doc.write_text(rest_void("{{BASE_URL}}/anything/default"), encoding="utf-8")
    ran = voiden("run", "--json", str(doc))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert received_json(ran.stdout)[0]["url"].endswith("/anything/default")

    legacy = tmp_path / "legacy"
    (legacy / ".voiden").mkdir(parents=True)
    (legacy / ".env.dev").write_text(f"BASE_URL=http://{httpbin.address}\nAPI_TOKEN=tok-secret-1\n", encoding="utf-8")
    doc = legacy / "call.void"
    doc.write_text(rest_void("{{BASE_URL}}/anything?t={{API_TOKEN}}"), encoding="utf-8")
    ran = voiden("run", "--env", "dev", str(doc))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"http://{httpbin.address}/anything" in ran.stdout  # a base URL is not a secret
    assert "tok-secret-1" not in ran.stdout and "tok…" in ran.stdout


CHAINED = """---
version: 2.1.1
generatedBy: Voiden app
---
# Log in

```void
---
type: request
content:
  - type: method
    content: POST
  - type: url
    content: "http://ADDRESS/anything/login"
---
```

```void
---
type: json_body
attrs:
  body: |
    {"token": "tok-{{$faker.pyint(min_value=100000, max_value=999999)}}", "user": {"id": 7}}
---
```

```void
---
type: runtime-variables
content:
  - type: table
    rows:
      - row: [authToken, "{{$res.body.json.token}}"]
      - row: [userId, "{{$res.body.json.user.id}}"]
---
```

```void
---
type: request-separator
attrs:
  label: Call
---
```

```void
---
type: request
content:
  - type: method
    content: GET
  - type: url
    content: "http://ADDRESS/bearer?user={{process.userId}}"
---
```

```void
---
type: headers-table
content:
  - type: table
    rows:
      - row: [Authorization, "Bearer {{process.authToken}}"]
---
```

```void
---
type: post_script
attrs:
  language: javascript
  body: |
    voiden.log("never run")
---
```

```void
---
type: messages-node
attrs:
  uid: 7b1e
---
```
"""


def test_runtime_variables_chain_the_sections_of_an_app_file(httpbin: Reference, tmp_path: Path) -> None:
    """Section one captures a token from its response; section two sends it as `{{process.authToken}}`."""
    (tmp_path / ".voiden").mkdir()
    doc = tmp_path / "chain.void"
    doc.write_text(CHAINED.replace("ADDRESS", httpbin.address), encoding="utf-8")
    ran = voiden("run", "--json", str(doc))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    login, call = received_json(ran.stdout)
    assert login["json"]["user"] == {"id": 7}
    assert call["authenticated"] is True
    assert call["token"] == "tok…"  # a captured value named like a secret is masked from then on
    sent = [json.loads(line) for line in ran.stdout.splitlines() if json.loads(line)["kind"] == "sent"]
    assert sent[1]["url"].endswith("/bearer?user=7")
    # the blocks that are not run say so, instead of passing in silence
    assert (
        "a script (no document runs code here): not run" in ran.stderr
        and "a recorded WebSocket session" not in ran.stderr
    )
