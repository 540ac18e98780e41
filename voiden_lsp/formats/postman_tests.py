"""The lines of a Postman test script people write most (Postman's own snippets: `pm.response.to.have.status`,
`pm.expect(...).to.eql(...)`) as `expect` lines; a script line read by none of them is listed in a note."""

from __future__ import annotations

import json
import re

# The test-script lines people write most (Postman's own snippets), as expectations. A line is read when it
# matches one of these whole; the rest is listed in a note.
_VALUE = r"(?P<value>-?\d+(?:\.\d+)?|true|false|null|\"[^\"]*\"|'[^']*')"
_PATH = r"(?P<path>(?:\.[A-Za-z_$][\w$]*|\[\d+\]|\[(?:\"[^\"]*\"|'[^']*')\])*)"
_BODY = rf"(?:pm\.response\.json\(\)|(?P<var>[A-Za-z_$][\w$]*)){_PATH}"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"pm\.response\.to\.have\.status\((?P<n>\d{3})\)"), "status == {n}"),
    (re.compile(r"pm\.response\.to\.be\.ok"), "status == 200"),
    (re.compile(r"pm\.expect\(pm\.response\.code\)\.to\.(?:eql|equal|be\.equal)\((?P<n>\d{3})\)"), "status == {n}"),
    (re.compile(r"pm\.expect\(pm\.response\.code\)\.to\.be\.oneOf\(\[(?P<list>[\d,\s]+)\]\)"), "status in {list}"),
    (
        re.compile(r"pm\.expect\(pm\.response\.responseTime\)\.to\.be\.(?:below|lessThan)\((?P<n>\d+)\)"),
        "time < {n}ms",
    ),
    (re.compile(r"pm\.response\.to\.have\.header\((?P<q>[\"'])(?P<h>[^\"']+)(?P=q)\)"), "header {h} exists"),
    (
        re.compile(
            r"pm\.expect\(pm\.response\.headers\.get\((?P<q>[\"'])(?P<h>[^\"']+)(?P=q)\)\)\.to\.(?:eql|equal|include)\((?P<v>[\"'][^\"']*[\"'])\)"
        ),
        "header {h} contains {v}",
    ),
    (re.compile(r"pm\.response\.to\.(?:be\.json|have\.jsonBody\(\))"), "header content-type contains json"),
    (
        re.compile(r"pm\.expect\(pm\.response\.text\(\)\)\.to\.include\((?P<v>\"[^\"]*\"|'[^']*')\)"),
        "body contains {v}",
    ),
    (re.compile(r"pm\.response\.to\.have\.body\((?P<v>\"[^\"]*\"|'[^']*')\)"), "body == {v}"),
    (
        re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:eql|equal|be\.equal|deep\.equal)\({_VALUE}\)"),
        "{subject} == {value}",
    ),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.not\.(?:eql|equal)\({_VALUE}\)"), "{subject} != {value}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:be\.)?(?:above|greaterThan)\({_VALUE}\)"), "{subject} > {value}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:be\.)?(?:below|lessThan)\({_VALUE}\)"), "{subject} < {value}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:include|contain)\({_VALUE}\)"), "{subject} contains {value}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:exist|not\.be\.undefined|be\.not\.undefined)"), "{subject} exists"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.be\.(?:an?)\((?P<q>[\"'])(?P<t>\w+)(?P=q)\)"), "{subject} type-is {t}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.be\.(?P<t>true|false|null)\b"), "{subject} == {t}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:be\.)?empty"), "{subject} is-empty"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.not\.be\.empty"), "{subject} not-empty"),
    (
        re.compile(rf"pm\.expect\({_BODY}\)\.to\.have\.property\((?P<q>[\"'])(?P<p>[^\"']+)(?P=q)\)"),
        "{subject}.{p} exists",
    ),
    (
        re.compile(r"tests\[(?P<q>[\"']).*?(?P=q)\]\s*=\s*\(?responseCode\.code\s*===?\s*(?P<n>\d{3})\)?"),
        "status == {n}",
    ),
]
_JSON_VAR = re.compile(
    r"(?:var|let|const)\s+(?P<var>[A-Za-z_$][\w$]*)\s*=\s*(?:pm\.response\.json\(\)|JSON\.parse\(responseBody\))"
)
_NOISE = re.compile(r"^(?:pm\.test\(.*(?:function\s*\(\)|=>)\s*\{?|\}\)?;?|\);?|//.*|)$")


def script_expectations(script: str) -> tuple[list[str], list[str]]:
    """(expect lines, the meaningful lines that were not read) of a Postman test script."""
    json_vars = {m.group("var") for m in _JSON_VAR.finditer(script)}
    read: list[str] = []
    left: list[str] = []
    for raw_line in script.splitlines():
        line = raw_line.strip().rstrip(";")
        inline = re.match(
            r"pm\.test\(.*?,\s*(?:function\s*\(\)\s*\{|\(\)\s*=>\s*\{?)\s*(?P<body>.+?)\s*\}?\s*\)$", line
        )
        if inline:  # pm.test("Status 200", () => pm.response.to.have.status(200));
            line = inline.group("body").strip().rstrip(";").rstrip("}").strip().rstrip(";")
        if _NOISE.match(line) or _JSON_VAR.fullmatch(line):
            continue
        found = _expectation(line, json_vars)
        if found is None:
            left.append(line)
        else:
            read.append(found)
    return read, left


def _expectation(line: str, json_vars: set[str]) -> str | None:
    for pattern, template in _PATTERNS:
        match = pattern.fullmatch(line)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        if "var" in groups and groups["var"] not in json_vars:
            return None  # a variable that is not the response's JSON
        if "path" in groups or "var" in groups or template.startswith("{subject}"):
            path = groups.get("path", "")
            path = re.sub(r"\[(\d+)\]", r".\1", path)
            path = re.sub(r"\[[\"']([^\"']+)[\"']\]", r".\1", path)
            groups["subject"] = "body" + path
        if "value" in groups and groups["value"].startswith("'"):
            groups["value"] = json.dumps(groups["value"][1:-1])
        if "v" in groups and groups["v"].startswith("'"):
            groups["v"] = json.dumps(groups["v"][1:-1])
        if "list" in groups:
            return None  # `status in [...]` has no single expectation: left as a note
        return template.format(**groups)
    return None
