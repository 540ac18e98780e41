from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from voiden_lsp.document import Position, parse
from voiden_lsp.errors import TemplateError
from voiden_lsp.templating import (
    Collection,
    Response,
    Scope,
    expand,
    find_templates,
    mask_secrets,
    problem_of,
    render_request,
    split_call,
)
from voiden_lsp.templating.fakes import FAKERJS, POSTMAN, faker_for

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def scope(**values: object) -> Scope:
    return Scope(layers=[("test", values)], process_env={"HOME_DIR": "/home/x"})


def test_variables_and_nested_variables() -> None:
    s = scope(host="127.0.0.1", port=8080, base="http://{{host}}:{{port}}")
    assert expand("{{base}}/users", s) == "http://127.0.0.1:8080/users"
    assert expand("{{ host }}", s) == "127.0.0.1"


def test_self_reference_is_an_error_not_a_hang() -> None:
    with pytest.raises(TemplateError, match="refers to itself"):
        expand("{{a}}", scope(a="{{b}}", b="{{a}}"))


@pytest.mark.parametrize(
    "template, check",
    [
        ("{{$faker.email}}", lambda v: "@" in v),
        ("{{$faker.pyint(min_value=1, max_value=9)}}", lambda v: 1 <= int(v) <= 9),
        ("{{$faker.person.firstName()}}", lambda v: v.isalpha() or " " in v or "-" in v or "'" in v),
        ('{{$faker.number.int({"min":1,"max":9})}}', lambda v: 1 <= int(v) <= 9),
        ("{{$faker.number.int({min: 5, max: 5})}}", lambda v: v == "5"),
        ("{{$faker.number.int(3)}}", lambda v: 0 <= int(v) <= 3),
        ("{{$faker.string.alpha(10)}}", lambda v: len(v) == 10 and v.isalpha()),
        ('{{$faker.string.alpha({length: 4, casing: "upper"})}}', lambda v: len(v) == 4 and v.isupper()),
        ("{{$faker.string.uuid()}}", lambda v: UUID.match(v)),
        ("{{$faker.lorem.words(4)}}", lambda v: len(v.split()) == 4),
        ('{{$faker.helpers.arrayElement(["red", "green"])}}', lambda v: v in ("red", "green")),
        ("{{$faker.date.past()}}", lambda v: v[:2] in ("19", "20")),
        ("{{$faker.datatype.boolean()}}", lambda v: v in ("true", "false")),
        ("{{$uuid}}", lambda v: UUID.match(v)),
        ("{{$guid}}", lambda v: UUID.match(v)),
        ("{{$randomUUID}}", lambda v: UUID.match(v)),
        ("{{$timestamp}}", lambda v: v.isdigit() and len(v) == 10),
        ("{{$isoTimestamp}}", lambda v: re.match(r"^\d{4}-\d\d-\d\dT", v)),
        ("{{$randomInt 3 7}}", lambda v: 3 <= int(v) <= 7),
        ("{{$randomInt}}", lambda v: 0 <= int(v) <= 1000),
        ("{{$randomEmail}}", lambda v: "@" in v),
        ("{{$randomFirstName}}", lambda v: bool(v)),
        ("{{$randomBoolean}}", lambda v: v in ("true", "false")),
        ("{{$env.HOME_DIR}}", lambda v: v == "/home/x"),
    ],
)
def test_every_spelling(template: str, check: object) -> None:
    value = expand(template, scope())
    assert callable(check) and check(value), value


def test_every_mapped_faker_js_method_and_postman_variable_produces_a_value() -> None:
    fake = faker_for(None)
    needs_arguments = {"string.fromCharacters", "helpers.arrayElement", "helpers.arrayElements"}
    for name, make in FAKERJS.items():
        if name not in needs_arguments:
            assert make(fake, [], {}) is not None, name
    for name, make in POSTMAN.items():
        assert make(fake, [], {}) not in (None, ""), name
    assert {
        "person",
        "internet",
        "location",
        "lorem",
        "string",
        "number",
        "datatype",
        "date",
        "company",
        "phone",
        "finance",
        "commerce",
        "color",
        "image",
        "word",
    } <= {n.split(".")[0] for n in FAKERJS}


def test_locale_changes_fake_data() -> None:
    german = Scope(layers=[], locale="de_DE")
    cities = {expand("{{$faker.city}}", german) for _ in range(30)}
    from faker import Faker

    german_cities = set(Faker("de_DE").city() for _ in range(400))
    assert cities & german_cities
    with pytest.raises(TemplateError, match="unknown locale"):
        expand("{{$faker.city}}", Scope(layers=[], locale="xx_YY"))


def test_arguments_are_literals_never_code() -> None:
    for expression in [
        '{{$faker.pyint(__import__("os").system("echo hi"))}}',
        "{{$faker.pyint(max_value=1+1)}}",
        "{{$faker.number.int({min: open})}}",
        "{{$faker.pyint(**{})}}",
    ]:
        with pytest.raises(TemplateError, match=r"literal|not allowed|arguments"):
            expand(expression, scope())
    with pytest.raises(TemplateError, match="unknown Faker provider `seed_instance`"):
        expand("{{$faker.seed_instance(1)}}", scope())
    with pytest.raises(TemplateError, match=r"unknown faker\.js method"):
        expand("{{$faker.__class__.__init__()}}", scope())
    assert split_call("ns.m({a: true, b: null, c: [1, -2.5]}, 'x')") == (
        "ns.m",
        [{"a": True, "b": None, "c": [1, -2.5]}, "x"],
        {},
    )


def test_unknown_names_say_what_is_close() -> None:
    with pytest.raises(TemplateError, match=r"undefined variable `base_ur`; did you mean `base_url`"):
        expand("{{base_ur}}", scope(base_url="x"))
    with pytest.raises(TemplateError, match=r"did you mean `person.firstName`"):
        expand("{{$faker.person.firstname()}}", scope())
    with pytest.raises(TemplateError, match=r"did you mean `\$randomEmail`"):
        expand("{{$randomEmial}}", scope())
    assert problem_of("nope", scope()) is not None
    assert problem_of("$faker.email", scope()) is None
    assert problem_of("$faker.emial", scope()) is not None


def test_errors_carry_the_template_range() -> None:
    doc = parse("# T\n\n```http\nGET http://x.test/{{missing}}\n```\n")
    request = doc.requests[0]
    with pytest.raises(TemplateError) as info:
        render_request(request, scope())
    assert info.value.range is not None
    assert info.value.range.start == Position(3, 18) and info.value.range.end == Position(3, 29)


def test_json_aware_expansion() -> None:
    s = scope(n=5, name='Bob "B"', flag=True, text_number="42", obj={"a": 1})
    body = (
        '{"id": {{n}}, "name": {{name}}, "ok": {{flag}}, "zip": {{text_number}}, "o": {{obj}},\n'
        ' "note": "hi {{name}}", "list": [{{n}}, {{$faker.pyint}}], "id2": {{$faker.pyint}}}'
    )
    data = json.loads(expand(body, s, json_mode=True))
    assert data["id"] == 5 and data["name"] == 'Bob "B"' and data["ok"] is True and data["zip"] == 42
    assert data["o"] == {"a": 1} and data["note"] == 'hi Bob "B"'
    assert isinstance(data["list"][1], int) and isinstance(data["id2"], int)
    # outside JSON mode the text is left as written
    assert expand("{{flag}} {{name}}", s) == 'true Bob "B"'


def test_unclosed_template() -> None:
    (template,) = find_templates("a {{b\nc}}")
    assert (template.expr, template.start, template.end, template.closed) == ("b", 2, 5, False)
    (nested,) = find_templates('{{$faker.f({"a": {"b": "}}"}})}} tail')
    assert nested.expr == '$faker.f({"a": {"b": "}}"}})' and nested.closed
    with pytest.raises(TemplateError, match="never closed"):
        expand("x {{name", scope(name="y"))


def test_response_references() -> None:
    responses = {"login": Response(status=200, headers={"X-Token": "abc"}, body='{"items": [{"id": 7}]}')}
    s = Scope(layers=[], responses=responses)
    assert expand("{{login.response.body.items.0.id}}", s) == "7"
    assert expand("{{login.response.headers.x-token}}", s) == "abc"
    assert expand("{{login.response.status}}", s) == "200"
    with pytest.raises(TemplateError, match="index 3 is outside"):
        expand("{{login.response.body.items.3.id}}", s)
    with pytest.raises(TemplateError, match="has no response yet"):
        expand("{{other.response.body}}", s)


def write_collection(root: Path) -> Path:
    (root / "voiden.toml").write_text(
        'default_env = "dev"\n[env.dev]\nhost = "dev.test"\nshared = "env"\n[env.prod]\nhost = "prod.test"\n',
        encoding="utf-8",
    )
    (root / ".env").write_text(
        'TOKEN="s3cr3t-token-value"\nshared=dotenv\nonly_dotenv=yes # comment\n', encoding="utf-8"
    )
    sub = root / "api"
    sub.mkdir()
    doc = sub / "doc.voiden"
    doc.write_text(
        "---\nvars:\n  shared: front\n---\n```http attr=from-attr\nGET http://{{host}}/\n```\n",
        encoding="utf-8",
    )
    return doc


def test_precedence_and_environments(tmp_path: Path) -> None:
    path = write_collection(tmp_path)
    doc = parse(path.read_text(encoding="utf-8"))
    collection = Collection.load(path)
    assert collection.root == tmp_path
    request = doc.requests[0]
    s = Scope.for_request(doc, request, collection, process_env={"shared": "process", "only_process": "p"})
    assert (
        expand("{{shared}} {{host}} {{only_dotenv}} {{only_process}} {{attr}}", s) == "front dev.test yes p from-attr"
    )
    s = Scope.for_request(doc, request, collection, env="prod", overrides={"shared": "cli"}, process_env={})
    assert expand("{{shared}} {{host}}", s) == "cli prod.test"
    with pytest.raises(TemplateError, match=r"no environment `qa`.*dev, prod"):
        Scope.for_request(doc, request, collection, env="qa")


def test_broken_config_says_where(tmp_path: Path) -> None:
    (tmp_path / "voiden.toml").write_text("[env.dev\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"voiden\.toml: not valid TOML"):
        Collection.load(tmp_path / "x.voiden")


def test_secrets_are_masked(tmp_path: Path) -> None:
    path = write_collection(tmp_path)
    collection = Collection.load(path)
    s = Scope.for_request(parse(""), None, collection, process_env={})
    rendered = expand("Bearer {{TOKEN}}", s)
    assert rendered == "Bearer s3cr3t-token-value"  # the wire gets the real value
    assert s.mask(rendered) == "Bearer s3c…"
    assert mask_secrets("a abc b", frozenset({"abc"})) == "a … b"
