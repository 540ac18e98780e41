"""`mcp` requests (FORMAT.md section 11) against MCP servers nobody here wrote: the official Python SDK's
MCPServer (2.x: both protocol revisions; event-stream answers with a session, and stateless JSON) and the
TypeScript SDK's reference server, `@modelcontextprotocol/server-everything`, which speaks 2025-11-25 only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import voiden
from tests.interop.conftest import Reference

TOKEN = "mcp-secret-token-9321"


def document(tmp_path: Path, text: str) -> Path:
    (tmp_path / ".env").write_text(f"MCP_TOKEN={TOKEN}\n", encoding="utf-8")
    doc = tmp_path / "mcp.voiden"
    doc.write_text(text, encoding="utf-8")
    return doc


def events(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_a_tool_call_streams_its_progress_and_its_result_is_the_body(mcp_sdk: Reference, tmp_path: Path) -> None:
    doc = document(
        tmp_path,
        f"```mcp name=forecast\nhttp://{mcp_sdk.address}/mcp tools/call forecast\n"
        "Authorization: Bearer {{MCP_TOKEN}}\n\n"
        '{"city": "{{$faker.city}}", "days": 3, "unit": "F"}\n```\n\n'
        "```expect\nstatus == 200\nbody.isError == false\nbody.structuredContent.days == 3\n"
        "body.structuredContent.unit == F\nany message.params.progress == 3\n```\n\n"
        f"```mcp name=legacy\n@mcp-version 2025-11-25\nhttp://{mcp_sdk.address}/mcp tools/call add\n\n"
        '{"a": 2, "b": 40}\n```\n\n```expect\nbody.structuredContent.result == 42\n```\n\n'
        f"```mcp name=days\nhttp://{mcp_sdk.address}/mcp tools/call add\n\n"
        '{"a": {{forecast.response.body.structuredContent.days}}, "b": 1}\n```\n\n'
        "```expect\nbody.structuredContent.result == 4\n```\n",
    )
    run = voiden("run", str(doc), "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    assert TOKEN not in run.stdout
    found = events(run.stdout)
    forecast = [e for e in found if e["request"] == "forecast"]
    sent = [e for e in forecast if e["kind"] == "sent"]
    assert [e["event"] for e in sent] == ["server/discover", "tools/call"]  # 2026-07-28: no handshake
    assert sent[0]["control"] is True and sent[1]["data"]["params"]["arguments"]["days"] == 3
    assert sent[1]["data"]["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"
    opened = next(e for e in forecast if e["kind"] == "open")
    assert opened["protocol_version"] == "2026-07-28" and opened["server"]["name"] == "voiden-test-weather"
    progress = [e["data"]["params"]["progress"] for e in forecast if e.get("event") == "notifications/progress"]
    assert progress == [1, 2, 3]  # as the tool reported them, while it ran
    logs = [e for e in forecast if e.get("event") == "notifications/message"]
    assert len(logs) == 3 and "day 1" in json.dumps(logs[0]["data"])
    result = next(e for e in forecast if e.get("event") == "result" and not e.get("control"))
    assert forecast.index(result) > forecast.index(logs[-1])  # the result last
    legacy = [e for e in found if e["request"] == "legacy"]
    assert [e["event"] for e in legacy if e["kind"] == "sent"] == [
        "initialize",
        "notifications/initialized",
        "tools/call",
    ]
    assert next(e for e in legacy if e["kind"] == "open")["protocol_version"] == "2025-11-25"
    checks = [e for e in found if e["kind"] == "check"]
    assert len(checks) == 7 and all(c["passed"] for c in checks), checks


def test_resources_prompts_lists_and_ping(mcp_sdk_stateless_json: Reference, tmp_path: Path) -> None:
    url = f"http://{mcp_sdk_stateless_json.address}/mcp"
    doc = document(
        tmp_path,
        f"```mcp name=tools\n{url} tools/list\n```\n\n```expect\nbody.tools[0].name == add\n```\n\n"
        f"```mcp name=config\n{url} resources/read config://app\n```\n\n"
        "```expect\nbody.contents[0].text contains test\n```\n\n"
        f"```mcp name=templates\n{url} resources/templates/list\n```\n\n"
        '```expect\nbody.resourceTemplates[0].uriTemplate == "users://{user_id}/profile"\n```\n\n'
        f'```mcp name=prompt\n{url} prompts/get greet\n\n{{"name": "Ada"}}\n```\n\n'
        '```expect\nbody.messages[0].content.text == "Say hello to Ada."\n```\n\n'
        f"```mcp name=ping\n@mcp-version 2025-11-25\n{url} ping\n```\n\n```expect\nbody exists\n```\n",
    )
    run = voiden("test", str(doc), "--no-color")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("✔") == 5


def test_errors_are_errors_unless_an_expectation_is_about_them(mcp_sdk: Reference, tmp_path: Path) -> None:
    url = f"http://{mcp_sdk.address}/mcp"
    doc = document(
        tmp_path,
        f'```mcp name=fails\n{url} tools/call fail\n\n{{"reason": "why"}}\n```\n\n'
        f'```mcp name=expected\n{url} tools/call fail\n\n{{"reason": "why"}}\n```\n\n'
        "```expect\nbody.isError == true\n```\n\n"
        f"```mcp name=unknown\n{url} tools/call nosuchtool\n```\n\n"
        f'```mcp name=wrong-args\n{url} tools/call add\n\n{{"a": "two"}}\n```\n',
    )
    run = voiden("test", str(doc), "--no-color")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert any("✔ expected" in line for line in lines), run.stdout
    assert any("✘ fails" in line for line in lines) and "the tool reported an error" in run.stdout
    assert any("✘ unknown" in line for line in lines) and "nosuchtool" in run.stdout
    assert any("✘ wrong-args" in line for line in lines)


def test_server_everything_over_2025_11_25(mcp_everything: Reference, tmp_path: Path) -> None:
    url = f"http://{mcp_everything.address}/mcp"
    doc = document(
        tmp_path,
        f'```mcp name=echo\n{url} tools/call echo\n\n{{"message": "hello {{{{$randomInt 1 9}}}}"}}\n```\n\n'
        "```expect\nbody.content[0].text contains hello\n```\n\n"
        f"```mcp name=tools\n{url} tools/list\n```\n\n```expect\nbody.tools exists\n```\n\n"
        f"```mcp name=modern-only\n@mcp-version 2026-07-28\n{url} tools/list\n```\n",
    )
    run = voiden("run", str(doc), "--json")
    found = events(run.stdout)
    echo = [e for e in found if e["request"] == "echo"]
    sent = [e["event"] for e in echo if e["kind"] == "sent"]
    assert sent == ["server/discover", "initialize", "notifications/initialized", "tools/call"], sent  # auto fell back
    assert next(e for e in echo if e["kind"] == "open")["protocol_version"] == "2025-11-25"
    tools = next(e for e in found if e["request"] == "tools" and e.get("event") == "result" and not e.get("control"))
    assert "echo" in [t["name"] for t in tools["data"]["result"]["tools"]]
    refused = [e for e in found if e["request"] == "modern-only" and e["kind"] == "error"]
    assert refused and "does not speak MCP 2026-07-28" in refused[0]["message"], refused
    assert run.returncode == 1  # only the request pinned to 2026-07-28 failed
    assert all(e["passed"] for e in found if e["kind"] == "check")


# The Voiden app's MCP client blocks (research/peers-2026.md: `mcp-connection` holding `mcpurl` and
# `mcpoperation` with `capabilityType`, `toolName` / `resourceUri` / `promptName` and `args`), written here
# for the SDK's server, with an assertions-table.
APP_MCP = """---
version: 2.3.0-beta.19
generatedBy: Voiden app
---
# Weather over MCP

```void
---
type: request-separator
attrs:
  uid: "0a1b2c3d-0000-4000-8000-000000000001"
  colorIndex: 0
  label: "Forecast"
---
```

```void
---
type: mcp-connection
attrs:
  uid: "0a1b2c3d-0000-4000-8000-000000000002"
content:
  - type: mcpurl
    attrs:
      uid: "0a1b2c3d-0000-4000-8000-000000000003"
    content: "{{MCP_URL}}"
  - type: mcpoperation
    attrs:
      uid: "0a1b2c3d-0000-4000-8000-000000000004"
      capabilityType: tool
      toolName: forecast
      resourceUri: null
      promptName: null
      args: |
        {"city": "Bergen", "days": 2}
---
```

```void
---
type: assertions-table
attrs:
  uid: "0a1b2c3d-0000-4000-8000-000000000005"
content:
  - type: table
    rows:
      - attrs: { disabled: false }
        row: ["Two days", "body.structuredContent.days", "equals", "2"]
---
```

```void
---
type: request-separator
attrs:
  uid: "0a1b2c3d-0000-4000-8000-000000000006"
  colorIndex: 1
  label: "Config"
---
```

```void
---
type: mcp-connection
attrs:
  uid: "0a1b2c3d-0000-4000-8000-000000000007"
content:
  - type: mcpurl
    attrs:
      uid: "0a1b2c3d-0000-4000-8000-000000000008"
    content: "{{MCP_URL}}"
  - type: mcpoperation
    attrs:
      uid: "0a1b2c3d-0000-4000-8000-000000000009"
      capabilityType: resource
      toolName: null
      resourceUri: "config://app"
      promptName: null
      args: null
---
```
"""


def test_the_apps_mcp_blocks_run_and_convert(mcp_sdk: Reference, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"MCP_URL=http://{mcp_sdk.address}/mcp\n", encoding="utf-8")
    (tmp_path / "weather.void").write_text(APP_MCP, encoding="utf-8")
    done = voiden("run", "--json", "weather.void", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    found = events(done.stdout)
    results = [e for e in found if e.get("event") == "result" and not e.get("control")]
    assert [r["data"]["result"].get("structuredContent", {}).get("days") for r in results[:1]] == [2]
    assert "test" in json.dumps(results[1]["data"]["result"]["contents"])
    assert [(c["text"], c["passed"]) for c in found if c["kind"] == "check"] == [
        ("body.structuredContent.days equals 2", True)
    ]
    converted = voiden("convert", "weather.void", "-o", "-", cwd=tmp_path)
    assert converted.returncode == 0, converted.stderr
    assert "```mcp " in converted.stdout and "{{MCP_URL}} tools/call forecast" in converted.stdout
    assert "{{MCP_URL}} resources/read config://app" in converted.stdout
