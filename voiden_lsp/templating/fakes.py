"""Fake data: Faker providers by name, the faker.js spelling of the Voiden app, and the Postman/Bruno
dynamic variables, all mapped onto Faker. Faker is imported on first use (it is slow to import)."""

from __future__ import annotations

import difflib
import inspect
import re
import string
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from voiden_lsp.errors import TemplateError

if TYPE_CHECKING:
    from faker import Faker

Args = list[Any]
Kwargs = dict[str, Any]
Maker = Callable[["Faker", Args, Kwargs], Any]

#: Generator methods that are not data providers; a template may never reach them.
_NOT_PROVIDERS = frozenset(
    {
        "seed",
        "seed_instance",
        "seed_locale",
        "add_provider",
        "get_providers",
        "provider",
        "set_formatter",
        "get_formatter",
        "format",
        "parse",
        "set_arguments",
        "get_arguments",
        "del_arguments",
        "random",
        "items",
        "locales",
        "weights",
        "factories",
        "unique",
        "optional",
        "enum",
        "xml",
        "json",
        "json_bytes",
        "fixed_width",
        "tar",
        "zip",
        "image",
        "csv",
        "tsv",
        "psv",
        "dsv",
        "binary",
    }
)


@cache
def faker_for(locale: str | None) -> Faker:
    from faker import Faker

    try:
        return Faker(locale) if locale else Faker()
    except AttributeError:
        raise TemplateError(f"unknown locale `{locale}`: use a Faker locale such as en_US, de_DE, fr_FR") from None


@cache
def python_providers() -> frozenset[str]:
    """Every public data provider of Faker (en_US), e.g. `name`, `email`, `pyint`."""
    fake = faker_for(None)
    names = set()
    for provider in fake.get_providers():
        for name in dir(provider):
            if not name.startswith("_") and name not in _NOT_PROVIDERS and callable(getattr(provider, name, None)):
                names.add(name)
    return frozenset(names)


# -- argument helpers for the faker.js spelling -----------------------------------------------------------


def _opt(args: Args, kwargs: Kwargs, key: str, default: Any = None) -> Any:
    """faker.js passes either a number (count, length or max) or an options object."""
    if key in kwargs:
        return kwargs[key]
    if args and isinstance(args[0], dict):
        return args[0].get(key, default)
    return default


MAX_FAKE_SIZE = 100_000
"""The largest length or count a fake takes: a document cannot make a hover or a send build 200 MB."""
_SIZE_NAME = re.compile(r"char|nb|length|count|size|elements|words|sentences|paragraphs|digits|rows|len|num")


def _capped(value: int, what: str) -> int:
    if value > MAX_FAKE_SIZE:
        raise TemplateError(f"{what} is {value}: fake data is at most {MAX_FAKE_SIZE} long (or many)")
    return value


def _count(args: Args, kwargs: Kwargs, default: int, key: str = "length") -> int:
    if args and isinstance(args[0], int | float) and not isinstance(args[0], bool):
        return _capped(int(args[0]), "the count")
    value = _opt(args, kwargs, key, None)
    if isinstance(value, dict):  # {min, max} ranges
        low, high = _capped(int(value.get("min", default)), key), _capped(int(value.get("max", default)), key)
        return int((low + high) // 2)
    return _capped(int(value), key) if isinstance(value, int | float) else default


def _check_sizes(provider: Any, name: str, args: Args, kwargs: Kwargs) -> None:
    """A Python provider's length and count parameters (`max_chars`, `nb_elements`, `digits`...) are capped."""
    try:
        bound = inspect.signature(provider).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return  # Faker itself says what is wrong with the arguments
    for param, value in bound.arguments.items():
        if isinstance(value, int) and not isinstance(value, bool) and _SIZE_NAME.search(param):
            _capped(value, f"$faker.{name}'s `{param}`")


def _chars(alphabet: str) -> Maker:
    def make(fake: Faker, args: Args, kwargs: Kwargs) -> str:
        n = _count(args, kwargs, 1)
        casing = _opt(args, kwargs, "casing", "mixed")
        pool = alphabet
        if casing == "upper":
            pool = pool.upper()
        elif casing == "lower":
            pool = pool.lower()
        return "".join(fake.random_element(pool) for _ in range(n))

    return make


def _int(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    if args and isinstance(args[0], int | float) and not isinstance(args[0], bool):
        return int(fake.random_int(0, int(args[0])))
    low = int(_opt(args, kwargs, "min", 0))
    high = int(_opt(args, kwargs, "max", max(low, 9999)))
    return int(fake.random_int(low, high))


def _float(fake: Faker, args: Args, kwargs: Kwargs) -> float:
    if args and isinstance(args[0], int | float) and not isinstance(args[0], bool):
        low, high = 0.0, float(args[0])
    else:
        low = float(_opt(args, kwargs, "min", 0.0))
        high = float(_opt(args, kwargs, "max", max(low, 1.0)))
    digits = _opt(args, kwargs, "fractionDigits", _opt(args, kwargs, "precision", None))
    value = float(fake.random.uniform(low, high))
    if isinstance(digits, int):
        return round(value, digits)
    if isinstance(digits, float) and 0 < digits < 1:
        return round(round(value / digits) * digits, len(str(digits).split(".")[1]))
    return round(value, 2)


def _amount(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    low = float(_opt(args, kwargs, "min", args[0] if args and not isinstance(args[0], dict) else 0))
    high = float(_opt(args, kwargs, "max", args[1] if len(args) > 1 else 1000))
    dec = int(_opt(args, kwargs, "dec", args[2] if len(args) > 2 else 2))
    symbol = _opt(args, kwargs, "symbol", args[3] if len(args) > 3 else "")
    return f"{symbol}{fake.random.uniform(low, high):.{dec}f}"


def _days(args: Args, kwargs: Kwargs, key: str, default: int) -> int:
    return _count(args, kwargs, default, key)


def _past(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    years = _count(args, kwargs, 1, "years")
    return _iso(fake.date_time_between(start_date=f"-{max(years, 1) * 365}d", end_date="now"))


def _future(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    years = _count(args, kwargs, 1, "years")
    return _iso(fake.date_time_between(start_date="now", end_date=f"+{max(years, 1) * 365}d"))


def _recent(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return _iso(fake.date_time_between(start_date=f"-{max(_days(args, kwargs, 'days', 1), 1)}d", end_date="now"))


def _soon(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return _iso(fake.date_time_between(start_date="now", end_date=f"+{max(_days(args, kwargs, 'days', 1), 1)}d"))


def _between(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    start = _opt(args, kwargs, "from", args[0] if args and not isinstance(args[0], dict) else None)
    end = _opt(args, kwargs, "to", args[1] if len(args) > 1 else None)
    try:
        low = datetime.fromisoformat(str(start).replace("Z", "+00:00")) if start else datetime.now() - timedelta(365)
        high = datetime.fromisoformat(str(end).replace("Z", "+00:00")) if end else datetime.now()
    except ValueError:
        raise TemplateError('date.between needs ISO dates: {from: "2024-01-01", to: "2024-12-31"}') from None
    return _iso(fake.date_time_between(start_date=low, end_date=high))


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds") + ("Z" if value.tzinfo is None else "")


def _words(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return " ".join(fake.words(_count(args, kwargs, 3, "count") or 3))


def _element(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
    values = args[0] if args else kwargs.get("array")
    if not isinstance(values, list) or not values:
        raise TemplateError('helpers.arrayElement needs a list: helpers.arrayElement(["a", "b"])')
    return fake.random_element(values)


def _elements(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
    values = args[0] if args else kwargs.get("array")
    if not isinstance(values, list) or not values:
        raise TemplateError('helpers.arrayElements needs a list: helpers.arrayElements(["a", "b"], 1)')
    n = int(args[1]) if len(args) > 1 and isinstance(args[1], int) else fake.random_int(1, len(values))
    return fake.random_sample(values, min(n, len(values)))


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")


def _call(provider: str, **fixed: Any) -> Maker:
    """A faker.js method with no arguments worth mapping: call a Faker provider."""

    def make(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
        return getattr(fake, provider)(**fixed)

    return make


def _company_word(words: str, index: int) -> Maker:
    """One word of Faker's catch-phrase or bs word lists (faker.js exposes them one by one)."""

    def make(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
        provider = next(p for p in fake.get_providers() if hasattr(p, words))
        return fake.random_element(getattr(provider, words)[index])

    return make


_CATCH_ADJECTIVE = _company_word("catch_phrase_words", 0)
_CATCH_DESCRIPTOR = _company_word("catch_phrase_words", 1)
_CATCH_NOUN = _company_word("catch_phrase_words", 2)
_BS_VERB = _company_word("bsWords", 0)
_BS_ADJECTIVE = _company_word("bsWords", 1)
_BS_NOUN = _company_word("bsWords", 2)


def _pick(*values: str) -> Maker:
    """For faker.js methods Faker has no provider for but whose values are a short fixed list."""

    def make(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
        return fake.random_element(values)

    return make


_HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
_DB_COLUMNS = (
    "id",
    "title",
    "name",
    "email",
    "phone",
    "token",
    "group",
    "category",
    "password",
    "comment",
    "avatar",
    "status",
    "createdAt",
    "updatedAt",
)
_DB_TYPES = (
    "int",
    "varchar",
    "text",
    "date",
    "datetime",
    "timestamp",
    "boolean",
    "decimal",
    "float",
    "double",
    "json",
    "uuid",
    "bigint",
    "blob",
)
_DB_COLLATIONS = (
    "utf8_unicode_ci",
    "utf8_general_ci",
    "utf8_bin",
    "ascii_bin",
    "ascii_general_ci",
    "cp1250_bin",
    "cp1250_general_ci",
)
_DB_ENGINES = ("InnoDB", "MyISAM", "MEMORY", "CSV", "BLACKHOLE", "ARCHIVE")
_TRANSACTIONS = ("deposit", "withdrawal", "payment", "invoice")
_ABBREVIATIONS = (
    "ADP",
    "AGP",
    "AI",
    "CSS",
    "EXE",
    "FTP",
    "GB",
    "HDD",
    "HTTP",
    "IB",
    "JBOD",
    "JSON",
    "PCI",
    "RAM",
    "SAS",
    "SCSI",
    "SDD",
    "SMS",
    "SMTP",
    "SQL",
    "SSL",
    "TCP",
    "THX",
    "USB",
    "XML",
    "XSS",
)
_INGVERBS = (
    "backing up",
    "bypassing",
    "hacking",
    "overriding",
    "compressing",
    "copying",
    "navigating",
    "indexing",
    "connecting",
    "generating",
    "quantifying",
    "calculating",
    "synthesizing",
    "transmitting",
    "programming",
    "parsing",
)
_HACKER_ADJECTIVES = (
    "auxiliary",
    "primary",
    "back-end",
    "digital",
    "open-source",
    "virtual",
    "cross-platform",
    "redundant",
    "online",
    "haptic",
    "multi-byte",
    "bluetooth",
    "wireless",
    "1080p",
    "neural",
    "optical",
    "solid state",
    "mobile",
)
_HACKER_NOUNS = (
    "driver",
    "protocol",
    "bandwidth",
    "panel",
    "microchip",
    "program",
    "port",
    "card",
    "array",
    "interface",
    "system",
    "sensor",
    "firewall",
    "hard drive",
    "pixel",
    "alarm",
    "feed",
    "monitor",
    "application",
    "transmitter",
    "bus",
    "circuit",
    "capacitor",
    "matrix",
)
_HACKER_VERBS = (
    "back up",
    "bypass",
    "hack",
    "override",
    "compress",
    "copy",
    "navigate",
    "index",
    "connect",
    "generate",
    "quantify",
    "calculate",
    "synthesize",
    "input",
    "transmit",
    "program",
    "reboot",
    "parse",
)


def _hacker_phrase(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return (
        f"If we {fake.random_element(_HACKER_VERBS)} the {fake.random_element(_HACKER_NOUNS)}, we can get to "
        f"the {fake.random_element(_HACKER_ADJECTIVES)} {fake.random_element(_HACKER_NOUNS)} through the "
        f"{fake.random_element(_HACKER_ADJECTIVES)} {fake.random_element(_HACKER_NOUNS)}!"
    )


def _semver(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return f"{fake.random_int(0, 9)}.{fake.random_int(0, 20)}.{fake.random_int(0, 30)}"


def _gps(fake: Faker, args: Args, kwargs: Kwargs) -> list[float]:
    lat, lng = fake.latitude(), fake.longitude()
    return [float(lat), float(lng)]


def _hex(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    n = _count(args, kwargs, 1)
    prefix = _opt(args, kwargs, "prefix", "0x")
    casing = _opt(args, kwargs, "casing", "mixed")
    digits = "".join(fake.random_element("0123456789abcdef") for _ in range(n))
    return str(prefix) + (digits.upper() if casing == "upper" else digits)


def _password(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return str(fake.password(length=_count(args, kwargs, 15)))


def _lorem_text(count_key: str, provider: str, default: int, joiner: str) -> Maker:
    def make(fake: Faker, args: Args, kwargs: Kwargs) -> str:
        return joiner.join(getattr(fake, provider)(_count(args, kwargs, default, count_key) or default))

    return make


def _sentence(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return str(fake.sentence(nb_words=_count(args, kwargs, 6, "wordCount") or 6))


def _paragraph(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return str(fake.paragraph(nb_sentences=_count(args, kwargs, 3, "sentenceCount") or 3))


def _image_url(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    width = int(_opt(args, kwargs, "width", 640))
    height = int(_opt(args, kwargs, "height", 480))
    return str(fake.image_url(width=width, height=height))


def _data_uri(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    width = int(_opt(args, kwargs, "width", 16))
    height = int(_opt(args, kwargs, "height", 16))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="100%" height="100%" fill="{fake.hex_color()}"/></svg>'
    )
    return "data:image/svg+xml;charset=UTF-8," + svg.replace("#", "%23").replace('"', "%22").replace(" ", "%20")


def _email(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    first = _opt(args, kwargs, "firstName")
    last = _opt(args, kwargs, "lastName")
    provider = _opt(args, kwargs, "provider")
    if first or last or provider:
        user = ".".join(_slug(str(part)) for part in (first or fake.first_name(), last or fake.last_name()))
        return f"{user}@{provider or fake.free_email_domain()}"
    return str(fake.email())


def _gender(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return str(fake.random_element(("female", "male")))


def _zodiac(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return str(
        fake.random_element(
            (
                "Aquarius",
                "Pisces",
                "Aries",
                "Taurus",
                "Gemini",
                "Cancer",
                "Leo",
                "Virgo",
                "Libra",
                "Scorpio",
                "Sagittarius",
                "Capricorn",
            )
        )
    )


def _bool(fake: Faker, args: Args, kwargs: Kwargs) -> bool:
    probability = _opt(args, kwargs, "probability", args[0] if args and isinstance(args[0], float) else 0.5)
    return bool(fake.random.random() < float(probability))


def _shuffle(fake: Faker, args: Args, kwargs: Kwargs) -> list[Any]:
    values = list(args[0]) if args and isinstance(args[0], list) else []
    fake.random.shuffle(values)
    return values


def _slugify(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return _slug(str(args[0])) if args else ""


def _from_characters(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    pool = args[0] if args else ""
    if isinstance(pool, list):
        pool = "".join(str(p) for p in pool)
    if not pool:
        raise TemplateError(
            'string.fromCharacters needs the characters to choose from: string.fromCharacters("abc", 5)'
        )
    n = int(args[1]) if len(args) > 1 and isinstance(args[1], int) else 1
    return "".join(fake.random_element(str(pool)) for _ in range(n))


def _iso_date(provider: str) -> Maker:
    def make(fake: Faker, args: Args, kwargs: Kwargs) -> str:
        value = getattr(fake, provider)()
        return (
            _iso(value) if isinstance(value, datetime) else value.isoformat() if isinstance(value, date) else str(value)
        )

    return make


def _nanoid(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    alphabet = string.ascii_letters + string.digits + "_-"
    return "".join(fake.random_element(alphabet) for _ in range(_count(args, kwargs, 21) or 21))


def _ulid(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(fake.random_element(alphabet) for _ in range(26))


def _digits(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    n = _count(args, kwargs, 1)
    return "".join(str(fake.random_digit()) for _ in range(n))


def _binary_number(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return bin(_int(fake, args, kwargs))[2:]


def _octal_number(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return oct(_int(fake, args, kwargs))[2:]


def _hex_number(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return hex(_int(fake, args, kwargs))[2:]


def _masked(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return "(..." + "".join(str(fake.random_digit()) for _ in range(4)) + ")"


def _account_number(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return "".join(str(fake.random_digit()) for _ in range(_count(args, kwargs, 8) or 8))


def _port(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    return int(fake.port_number())


def _http_status(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    return int(
        fake.random_element((200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503))
    )


#: faker.js `namespace.method` -> how Faker makes the same kind of value.
FAKERJS: dict[str, Maker] = {
    # person
    "person.firstName": _call("first_name"),
    "person.lastName": _call("last_name"),
    "person.middleName": _call("first_name"),
    "person.fullName": _call("name"),
    "person.gender": _gender,
    "person.sex": _gender,
    "person.sexType": _gender,
    "person.prefix": _call("prefix"),
    "person.suffix": _call("suffix"),
    "person.jobTitle": _call("job"),
    "person.jobDescriptor": _CATCH_ADJECTIVE,
    "person.jobArea": _BS_NOUN,
    "person.jobType": _call("job"),
    "person.bio": _call("sentence"),
    "person.zodiacSign": _zodiac,
    # name (faker.js < 8)
    "name.firstName": _call("first_name"),
    "name.lastName": _call("last_name"),
    "name.fullName": _call("name"),
    "name.findName": _call("name"),
    "name.prefix": _call("prefix"),
    "name.suffix": _call("suffix"),
    "name.jobTitle": _call("job"),
    # internet
    "internet.email": _email,
    "internet.exampleEmail": _call("safe_email"),
    "internet.userName": _call("user_name"),
    "internet.username": _call("user_name"),
    "internet.displayName": _call("user_name"),
    "internet.password": _password,
    "internet.url": _call("url"),
    "internet.domainName": _call("domain_name"),
    "internet.domainSuffix": _call("tld"),
    "internet.domainWord": _call("domain_word"),
    "internet.ip": _call("ipv4"),
    "internet.ipv4": _call("ipv4"),
    "internet.ipv6": _call("ipv6"),
    "internet.mac": _call("mac_address"),
    "internet.port": _port,
    "internet.protocol": _pick("http", "https"),
    "internet.httpMethod": _pick(*_HTTP_METHODS),
    "internet.httpStatusCode": _http_status,
    "internet.userAgent": _call("user_agent"),
    "internet.color": _call("hex_color"),
    "internet.emoji": _call("emoji"),
    "internet.avatar": _call("image_url"),
    # location / address
    "location.city": _call("city"),
    "location.country": _call("country"),
    "location.countryCode": _call("country_code"),
    "location.state": _call("state"),
    "location.stateAbbr": _call("state_abbr"),
    "location.street": _call("street_name"),
    "location.streetAddress": _call("street_address"),
    "location.secondaryAddress": _call("secondary_address"),
    "location.buildingNumber": _call("building_number"),
    "location.zipCode": _call("postcode"),
    "location.latitude": lambda f, a, k: float(f.latitude()),
    "location.longitude": lambda f, a, k: float(f.longitude()),
    "location.timeZone": _call("timezone"),
    "location.county": _call("city"),
    "location.direction": _pick("North", "East", "South", "West", "Northeast", "Northwest", "Southeast", "Southwest"),
    "location.cardinalDirection": _pick("North", "East", "South", "West"),
    "location.nearbyGPSCoordinate": _gps,
    "location.continent": _pick(
        "Africa", "Antarctica", "Asia", "Australia", "Europe", "North America", "South America"
    ),
    "address.city": _call("city"),
    "address.country": _call("country"),
    "address.zipCode": _call("postcode"),
    "address.streetAddress": _call("street_address"),
    "address.latitude": lambda f, a, k: float(f.latitude()),
    "address.longitude": lambda f, a, k: float(f.longitude()),
    "address.state": _call("state"),
    # lorem
    "lorem.word": _call("word"),
    "lorem.words": _words,
    "lorem.sentence": _sentence,
    "lorem.sentences": _lorem_text("sentenceCount", "sentences", 3, " "),
    "lorem.paragraph": _paragraph,
    "lorem.paragraphs": _lorem_text("paragraphCount", "paragraphs", 3, "\n"),
    "lorem.text": _call("text"),
    "lorem.slug": lambda f, a, k: _slug(_words(f, a, k)),
    "lorem.lines": _lorem_text("lineCount", "sentences", 3, "\n"),
    # string
    "string.uuid": _call("uuid4"),
    "string.alpha": _chars(string.ascii_letters),
    "string.alphanumeric": _chars(string.ascii_letters + string.digits),
    "string.numeric": _digits,
    "string.hexadecimal": _hex,
    "string.binary": lambda f, a, k: "0b" + "".join(f.random_element("01") for _ in range(_count(a, k, 1))),
    "string.octal": lambda f, a, k: "0o" + "".join(f.random_element("01234567") for _ in range(_count(a, k, 1))),
    "string.sample": _chars(string.ascii_letters + string.digits + string.punctuation),
    "string.nanoid": _nanoid,
    "string.symbol": _chars(string.punctuation),
    "string.fromCharacters": _from_characters,
    "string.ulid": _ulid,
    # number / datatype
    "number.int": _int,
    "number.float": _float,
    "number.bigInt": _int,
    "number.binary": _binary_number,
    "number.octal": _octal_number,
    "number.hex": _hex_number,
    "number.romanNumeral": lambda f, a, k: _roman(_int(f, a, k) or 1),
    "datatype.boolean": _bool,
    "datatype.number": _int,
    "datatype.float": _float,
    "datatype.uuid": _call("uuid4"),
    "datatype.string": _chars(string.ascii_letters + string.digits),
    "datatype.datetime": _iso_date("date_time"),
    # date
    "date.past": _past,
    "date.future": _future,
    "date.recent": _recent,
    "date.soon": _soon,
    "date.between": _between,
    "date.birthdate": _iso_date("date_of_birth"),
    "date.anytime": _iso_date("date_time"),
    "date.month": _call("month_name"),
    "date.weekday": _call("day_of_week"),
    "date.timeZone": _call("timezone"),
    # company
    "company.name": _call("company"),
    "company.companyName": _call("company"),
    "company.catchPhrase": _call("catch_phrase"),
    "company.buzzPhrase": _call("bs"),
    "company.bs": _call("bs"),
    "company.suffix": _call("company_suffix"),
    "company.catchPhraseAdjective": _CATCH_ADJECTIVE,
    "company.catchPhraseDescriptor": _CATCH_DESCRIPTOR,
    "company.catchPhraseNoun": _CATCH_NOUN,
    "company.buzzAdjective": _BS_ADJECTIVE,
    "company.buzzNoun": _BS_NOUN,
    "company.buzzVerb": _BS_VERB,
    # phone
    "phone.number": _call("phone_number"),
    "phone.phoneNumber": _call("phone_number"),
    "phone.imei": lambda f, a, k: "".join(str(f.random_digit()) for _ in range(15)),
    # finance
    "finance.accountNumber": _account_number,
    "finance.account": _account_number,
    "finance.accountName": lambda f, a, k: (
        f.random_element(("Checking", "Savings", "Money Market", "Credit Card", "Investment", "Home Loan", "Auto Loan"))
        + " Account"
    ),
    "finance.amount": _amount,
    "finance.bic": _call("swift"),
    "finance.iban": _call("iban"),
    "finance.creditCardNumber": _call("credit_card_number"),
    "finance.creditCardCVV": _call("credit_card_security_code"),
    "finance.creditCardIssuer": _call("credit_card_provider"),
    "finance.currencyCode": _call("currency_code"),
    "finance.currencyName": _call("currency_name"),
    "finance.currencySymbol": _call("currency_symbol"),
    "finance.bitcoinAddress": lambda f, a, k: POSTMAN["randomBitcoin"](f, a, k),
    "finance.pin": lambda f, a, k: _digits(f, a or [4], k),
    "finance.routingNumber": _call("aba"),
    "finance.transactionType": _pick(*_TRANSACTIONS),
    "finance.transactionDescription": _call("sentence"),
    "finance.maskedNumber": _masked,
    # commerce
    "commerce.productName": lambda f, a, k: f"{f.word().title()} {f.word().title()}",
    "commerce.product": lambda f, a, k: f.word().title(),
    "commerce.productAdjective": _call("word"),
    "commerce.productMaterial": _pick(
        "Steel",
        "Wooden",
        "Concrete",
        "Plastic",
        "Cotton",
        "Granite",
        "Rubber",
        "Metal",
        "Soft",
        "Fresh",
        "Frozen",
        "Bronze",
        "Silk",
    ),
    "commerce.productDescription": _call("sentence"),
    "commerce.department": _pick(
        "Books",
        "Movies",
        "Music",
        "Games",
        "Electronics",
        "Computers",
        "Home",
        "Garden",
        "Tools",
        "Grocery",
        "Health",
        "Beauty",
        "Toys",
        "Kids",
        "Baby",
        "Clothing",
        "Shoes",
        "Jewelery",
        "Sports",
        "Outdoors",
        "Automotive",
        "Industrial",
    ),
    "commerce.price": _amount,
    "commerce.isbn": _call("isbn13"),
    # color
    "color.rgb": _call("hex_color"),
    "color.human": _call("safe_color_name"),
    "color.hsl": _call("color", color_format="hsl"),
    "color.rgbCss": _call("rgb_css_color"),
    # image
    "image.url": _image_url,
    "image.avatar": _call("image_url"),
    "image.avatarGitHub": _call("image_url"),
    "image.dataUri": _data_uri,
    "image.urlPicsumPhotos": _image_url,
    "image.urlLoremFlickr": _image_url,
    "image.imageUrl": _image_url,
    # word
    "word.adjective": _call("word"),
    "word.adverb": _call("word"),
    "word.conjunction": _pick("and", "but", "or", "so", "yet", "for", "nor", "because", "although", "while"),
    "word.interjection": _pick("oh", "wow", "ouch", "hmm", "yikes", "phew", "aha", "hey"),
    "word.noun": _call("word"),
    "word.preposition": _pick(
        "about",
        "above",
        "across",
        "after",
        "against",
        "along",
        "among",
        "around",
        "before",
        "behind",
        "below",
        "beside",
    ),
    "word.verb": _call("word"),
    "word.sample": _call("word"),
    "word.words": _words,
    # system
    "system.fileName": _call("file_name"),
    "system.commonFileName": _call("file_name"),
    "system.fileExt": _call("file_extension"),
    "system.commonFileExt": _call("file_extension"),
    "system.mimeType": _call("mime_type"),
    "system.fileType": _pick("video", "audio", "image", "text", "application"),
    "system.commonFileType": _pick("video", "audio", "image", "text", "application"),
    "system.filePath": _call("file_path"),
    "system.directoryPath": lambda f, a, k: "/" + "/".join(f.words(2)),
    "system.semver": _semver,
    "system.networkInterface": _pick("eth0", "en0", "wlan0", "wlp2s0", "enp0s3"),
    # database, hacker (no Faker provider: short fixed lists)
    "database.column": _pick(*_DB_COLUMNS),
    "database.type": _pick(*_DB_TYPES),
    "database.collation": _pick(*_DB_COLLATIONS),
    "database.engine": _pick(*_DB_ENGINES),
    "database.mongodbObjectId": lambda f, a, k: "".join(f.random_element("0123456789abcdef") for _ in range(24)),
    "hacker.abbreviation": _pick(*_ABBREVIATIONS),
    "hacker.adjective": _pick(*_HACKER_ADJECTIVES),
    "hacker.noun": _pick(*_HACKER_NOUNS),
    "hacker.verb": _pick(*_HACKER_VERBS),
    "hacker.ingverb": _pick(*_INGVERBS),
    "hacker.phrase": _hacker_phrase,
    # vehicle (Faker's automotive provider)
    "vehicle.vrm": _call("license_plate"),
    "vehicle.vin": _call("vin"),
    # airline
    "airline.flightNumber": lambda f, a, k: str(f.random_int(1, 9999)),
    "airline.recordLocator": lambda f, a, k: "".join(f.random_element(string.ascii_uppercase) for _ in range(6)),
    # helpers
    "helpers.arrayElement": _element,
    "helpers.arrayElements": _elements,
    "helpers.shuffle": _shuffle,
    "helpers.slugify": _slugify,
}


def _roman(number: int) -> str:
    number = max(1, min(number, 3999))
    numerals = (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    )
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


def _random_int(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    if len(args) >= 2:
        return int(fake.random_int(int(args[0]), int(args[1])))
    return int(fake.random_int(0, 1000))


def _unix_now(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    return int(datetime.now().timestamp())


def _iso_now(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


_IMAGE = _image_url

#: The Postman dynamic variables (Bruno and the Voiden app accept the same names), without the `$`.
POSTMAN: dict[str, Maker] = {
    "guid": _call("uuid4"),
    "uuid": _call("uuid4"),
    "timestamp": _unix_now,
    "isoTimestamp": _iso_now,
    "randomUUID": _call("uuid4"),
    "randomAlphaNumeric": lambda f, a, k: f.random_element(string.ascii_lowercase + string.digits),
    "randomBoolean": lambda f, a, k: f.pybool(),
    "randomInt": _random_int,
    "randomColor": _call("safe_color_name"),
    "randomHexColor": _call("hex_color"),
    "randomAbbreviation": _pick(*_ABBREVIATIONS),
    "randomIP": _call("ipv4"),
    "randomIPV6": _call("ipv6"),
    "randomMACAddress": _call("mac_address"),
    "randomPassword": lambda f, a, k: f.password(length=15, special_chars=False),
    "randomLocale": _call("language_code"),
    "randomUserAgent": _call("user_agent"),
    "randomProtocol": _pick("http", "https"),
    "randomSemver": _semver,
    "randomFirstName": _call("first_name"),
    "randomLastName": _call("last_name"),
    "randomFullName": _call("name"),
    "randomNamePrefix": _call("prefix"),
    "randomNameSuffix": _call("suffix"),
    "randomJobArea": _BS_NOUN,
    "randomJobDescriptor": _CATCH_ADJECTIVE,
    "randomJobTitle": _call("job"),
    "randomJobType": _call("job"),
    "randomPhoneNumber": _call("phone_number"),
    "randomPhoneNumberExt": lambda f, a, k: f"{f.phone_number()} x{f.random_int(100, 9999)}",
    "randomCity": _call("city"),
    "randomStreetName": _call("street_name"),
    "randomStreetAddress": _call("street_address"),
    "randomCountry": _call("country"),
    "randomCountryCode": _call("country_code"),
    "randomLatitude": lambda f, a, k: float(f.latitude()),
    "randomLongitude": lambda f, a, k: float(f.longitude()),
    "randomAvatarImage": _IMAGE,
    "randomImageUrl": _IMAGE,
    "randomAbstractImage": _IMAGE,
    "randomAnimalsImage": _IMAGE,
    "randomBusinessImage": _IMAGE,
    "randomCatsImage": _IMAGE,
    "randomCityImage": _IMAGE,
    "randomFoodImage": _IMAGE,
    "randomNightlifeImage": _IMAGE,
    "randomFashionImage": _IMAGE,
    "randomPeopleImage": _IMAGE,
    "randomNatureImage": _IMAGE,
    "randomSportsImage": _IMAGE,
    "randomTransportImage": _IMAGE,
    "randomImageDataUri": _data_uri,
    "randomBankAccount": _account_number,
    "randomBankAccountName": FAKERJS["finance.accountName"],
    "randomCreditCardMask": lambda f, a, k: _digits(f, [4], {}),
    "randomBankAccountBic": _call("swift"),
    "randomBankAccountIban": _call("iban"),
    "randomTransactionType": _pick(*_TRANSACTIONS),
    "randomCurrencyCode": _call("currency_code"),
    "randomCurrencyName": _call("currency_name"),
    "randomCurrencySymbol": _call("currency_symbol"),
    "randomBitcoin": lambda f, a, k: (
        "1" + "".join(f.random_element("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz") for _ in range(33))
    ),
    "randomCompanyName": _call("company"),
    "randomCompanySuffix": _call("company_suffix"),
    "randomBs": _call("bs"),
    "randomBsAdjective": _BS_ADJECTIVE,
    "randomBsBuzz": _BS_VERB,
    "randomBsNoun": _BS_NOUN,
    "randomCatchPhrase": _call("catch_phrase"),
    "randomCatchPhraseAdjective": _CATCH_ADJECTIVE,
    "randomCatchPhraseDescriptor": _CATCH_DESCRIPTOR,
    "randomCatchPhraseNoun": _CATCH_NOUN,
    "randomDatabaseColumn": _pick(*_DB_COLUMNS),
    "randomDatabaseType": _pick(*_DB_TYPES),
    "randomDatabaseCollation": _pick(*_DB_COLLATIONS),
    "randomDatabaseEngine": _pick(*_DB_ENGINES),
    "randomDateFuture": _future,
    "randomDatePast": _past,
    "randomDateRecent": _recent,
    "randomWeekday": _call("day_of_week"),
    "randomMonth": _call("month_name"),
    "randomDomainName": _call("domain_name"),
    "randomDomainSuffix": _call("tld"),
    "randomDomainWord": _call("domain_word"),
    "randomEmail": _call("email"),
    "randomExampleEmail": _call("safe_email"),
    "randomUserName": _call("user_name"),
    "randomUrl": _call("url"),
    "randomFileName": _call("file_name"),
    "randomFileType": FAKERJS["system.fileType"],
    "randomFileExt": _call("file_extension"),
    "randomCommonFileName": _call("file_name"),
    "randomCommonFileType": FAKERJS["system.fileType"],
    "randomCommonFileExt": _call("file_extension"),
    "randomFilePath": _call("file_path"),
    "randomDirectoryPath": FAKERJS["system.directoryPath"],
    "randomMimeType": _call("mime_type"),
    "randomPrice": lambda f, a, k: f"{f.random.uniform(1, 1000):.2f}",
    "randomProduct": FAKERJS["commerce.product"],
    "randomProductAdjective": _call("word"),
    "randomProductMaterial": FAKERJS["commerce.productMaterial"],
    "randomProductName": FAKERJS["commerce.productName"],
    "randomDepartment": FAKERJS["commerce.department"],
    "randomNoun": _pick(*_HACKER_NOUNS),
    "randomVerb": _pick(*_HACKER_VERBS),
    "randomIngverb": _pick(*_INGVERBS),
    "randomAdjective": _pick(*_HACKER_ADJECTIVES),
    "randomWord": _call("word"),
    "randomWords": _words,
    "randomPhrase": _hacker_phrase,
    "randomLoremWord": _call("word"),
    "randomLoremWords": _words,
    "randomLoremSentence": _sentence,
    "randomLoremSentences": FAKERJS["lorem.sentences"],
    "randomLoremParagraph": _paragraph,
    "randomLoremParagraphs": FAKERJS["lorem.paragraphs"],
    "randomLoremText": _call("text"),
    "randomLoremSlug": FAKERJS["lorem.slug"],
    "randomLoremLines": FAKERJS["lorem.lines"],
}


def fake_value(path: str, args: Args, kwargs: Kwargs, locale: str | None) -> Any:
    """The value of `$faker.PATH(args)`: a Faker provider (`email`, `pyint`) or a faker.js method."""
    fake = faker_for(locale)
    if "." in path:
        maker = FAKERJS.get(path)
        if maker is None:
            raise TemplateError(_unknown(f"faker.js method `{path}`", path, FAKERJS))
        return _call_maker(maker, fake, args, kwargs, f"$faker.{path}")
    if path not in python_providers():
        raise TemplateError(_unknown(f"Faker provider `{path}`", path, python_providers()))
    provider = getattr(fake, path)
    _check_sizes(provider, path, args, kwargs)
    try:
        return provider(*args, **kwargs)
    except (TypeError, ValueError, AttributeError) as exc:
        raise TemplateError(f"$faker.{path}: {exc}") from None


def dynamic_value(name: str, args: Args, locale: str | None) -> Any:
    """The value of a Postman/Bruno dynamic variable such as `$randomEmail`."""
    maker = POSTMAN.get(name)
    if maker is None:
        raise TemplateError(_unknown(f"dynamic variable `${name}`", name, POSTMAN, prefix="$"))
    return _call_maker(maker, faker_for(locale), args, {}, f"${name}")


def known_fake(path: str) -> bool:
    return path in FAKERJS if "." in path else path in python_providers()


def _call_maker(maker: Maker, fake: Faker, args: Args, kwargs: Kwargs, label: str) -> Any:
    try:
        return maker(fake, args, kwargs)
    except TemplateError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        raise TemplateError(f"{label}: cannot use these arguments ({exc})") from None


def _unknown(what: str, name: str, choices: Any, prefix: str = "") -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(f'`{prefix}{c}`' for c in close)}?" if close else ""
    return f"unknown {what}{hint}"
