"""What an MCP server offers, as the editor completes and checks against it: a Catalog, read from the server's
four lists (`McpTransport.catalog`), kept per server by `mcp.CATALOGS`. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Catalog:
    """What an MCP server offers: its tools (name -> {description, inputSchema}), prompts (name ->
    {description, arguments}), resources (uri -> description) and resource templates."""

    tools: dict[str, dict[str, Any]] = field(default_factory=dict)
    prompts: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)

    def take(self, method: str, items: list[dict[str, Any]], key: str) -> None:
        for item in items:
            name = str(item[key])
            if method == "tools/list":
                self.tools[name] = item
            elif method == "prompts/list":
                self.prompts[name] = item
            else:
                shown = str(item.get("description") or item.get("name") or "")
                (self.resources if method == "resources/list" else self.templates)[name] = shown

    def names(self, operation: str) -> dict[str, str]:
        """The names a request line's operation takes, with a line each."""
        if operation == "tools/call":
            return {k: str(v.get("description") or "") for k, v in self.tools.items()}
        if operation == "prompts/get":
            return {k: str(v.get("description") or "") for k, v in self.prompts.items()}
        if operation == "resources/read":
            return {**self.resources, **self.templates}
        return {}

    def input_schema(self, operation: str, name: str) -> dict[str, Any] | None:
        """The JSON Schema of the arguments of a tool, or of a prompt (its arguments, all strings)."""
        if operation == "tools/call" and name in self.tools:
            schema = self.tools[name].get("inputSchema")
            return schema if isinstance(schema, dict) else None
        if operation == "prompts/get" and name in self.prompts:
            arguments = [a for a in self.prompts[name].get("arguments") or [] if isinstance(a, dict) and a.get("name")]
            return {
                "type": "object",
                "properties": {
                    str(a["name"]): {
                        "type": "string",
                        **({"description": a["description"]} if a.get("description") else {}),
                    }
                    for a in arguments
                },
                "required": [str(a["name"]) for a in arguments if a.get("required")],
            }
        return None


LISTS = (
    ("tools/list", "tools", "name"),
    ("prompts/list", "prompts", "name"),
    ("resources/list", "resources", "uri"),
    ("resources/templates/list", "resourceTemplates", "uriTemplate"),
)
MAX_CATALOG_PAGES = 20
"""Pages of a list read for the catalog (a server whose cursor never ends)."""
