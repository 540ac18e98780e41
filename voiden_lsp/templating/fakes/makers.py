"""The makers behind the faker.js and Postman names: each makes one value with Faker, its sizes capped."""

from __future__ import annotations

import re
import string
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from voiden_lsp.errors import TemplateError
from voiden_lsp.templating.fakes.caps import option, size_count
from voiden_lsp.templating.fakes.python import Args, Kwargs, Maker
from voiden_lsp.templating.fakes.words import (
    HACKER_ADJECTIVES,
    HACKER_NOUNS,
    HACKER_VERBS,
)

if TYPE_CHECKING:
    from faker import Faker


def chars(alphabet: str) -> Maker:
    def make(fake: Faker, args: Args, kwargs: Kwargs) -> str:
        n = size_count(args, kwargs, 1)
        casing = option(args, kwargs, "casing", "mixed")
        pool = alphabet
        if casing == "upper":
            pool = pool.upper()
        elif casing == "lower":
            pool = pool.lower()
        return "".join(fake.random_element(pool) for _ in range(n))

    return make


def integer(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    if args and isinstance(args[0], int | float) and not isinstance(args[0], bool):
        return int(fake.random_int(0, int(args[0])))
    low = int(option(args, kwargs, "min", 0))
    high = int(option(args, kwargs, "max", max(low, 9999)))
    return int(fake.random_int(low, high))


def floating(fake: Faker, args: Args, kwargs: Kwargs) -> float:
    if args and isinstance(args[0], int | float) and not isinstance(args[0], bool):
        low, high = 0.0, float(args[0])
    else:
        low = float(option(args, kwargs, "min", 0.0))
        high = float(option(args, kwargs, "max", max(low, 1.0)))
    digits = option(args, kwargs, "fractionDigits", option(args, kwargs, "precision", None))
    value = float(fake.random.uniform(low, high))
    if isinstance(digits, int):
        return round(value, digits)
    if isinstance(digits, float) and 0 < digits < 1:
        return round(round(value / digits) * digits, len(str(digits).split(".")[1]))
    return round(value, 2)


def amount(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    low = float(option(args, kwargs, "min", args[0] if args and not isinstance(args[0], dict) else 0))
    high = float(option(args, kwargs, "max", args[1] if len(args) > 1 else 1000))
    dec = int(option(args, kwargs, "dec", args[2] if len(args) > 2 else 2))
    symbol = option(args, kwargs, "symbol", args[3] if len(args) > 3 else "")
    return f"{symbol}{fake.random.uniform(low, high):.{dec}f}"


def days(args: Args, kwargs: Kwargs, key: str, default: int) -> int:
    return size_count(args, kwargs, default, key)


def past(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    years = size_count(args, kwargs, 1, "years")
    return iso(fake.date_time_between(start_date=f"-{max(years, 1) * 365}d", end_date="now"))


def future(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    years = size_count(args, kwargs, 1, "years")
    return iso(fake.date_time_between(start_date="now", end_date=f"+{max(years, 1) * 365}d"))


def recent(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return iso(fake.date_time_between(start_date=f"-{max(days(args, kwargs, 'days', 1), 1)}d", end_date="now"))


def soon(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return iso(fake.date_time_between(start_date="now", end_date=f"+{max(days(args, kwargs, 'days', 1), 1)}d"))


def between(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    start = option(args, kwargs, "from", args[0] if args and not isinstance(args[0], dict) else None)
    end = option(args, kwargs, "to", args[1] if len(args) > 1 else None)
    try:
        low = datetime.fromisoformat(str(start).replace("Z", "+00:00")) if start else datetime.now() - timedelta(365)
        high = datetime.fromisoformat(str(end).replace("Z", "+00:00")) if end else datetime.now()
    except ValueError:
        raise TemplateError('date.between needs ISO dates: {from: "2024-01-01", to: "2024-12-31"}') from None
    return iso(fake.date_time_between(start_date=low, end_date=high))


def iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds") + ("Z" if value.tzinfo is None else "")


def words(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return " ".join(fake.words(size_count(args, kwargs, 3, "count") or 3))


def element(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
    values = args[0] if args else kwargs.get("array")
    if not isinstance(values, list) or not values:
        raise TemplateError('helpers.arrayElement needs a list: helpers.arrayElement(["a", "b"])')
    return fake.random_element(values)


def elements(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
    values = args[0] if args else kwargs.get("array")
    if not isinstance(values, list) or not values:
        raise TemplateError('helpers.arrayElements needs a list: helpers.arrayElements(["a", "b"], 1)')
    n = int(args[1]) if len(args) > 1 and isinstance(args[1], int) else fake.random_int(1, len(values))
    return fake.random_sample(values, min(n, len(values)))


def slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")


def provider(provider: str, **fixed: Any) -> Maker:
    """A faker.js method with no arguments worth mapping: call a Faker provider."""

    def make(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
        return getattr(fake, provider)(**fixed)

    return make


def company_word(words: str, index: int) -> Maker:
    """One word of Faker's catch-phrase or bs word lists (faker.js exposes them one by one)."""

    def make(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
        provider = next(p for p in fake.get_providers() if hasattr(p, words))
        return fake.random_element(getattr(provider, words)[index])

    return make


CATCH_ADJECTIVE = company_word("catch_phrase_words", 0)
CATCH_DESCRIPTOR = company_word("catch_phrase_words", 1)
CATCH_NOUN = company_word("catch_phrase_words", 2)
BS_VERB = company_word("bsWords", 0)
BS_ADJECTIVE = company_word("bsWords", 1)
BS_NOUN = company_word("bsWords", 2)


def pick(*values: str) -> Maker:
    """For faker.js methods Faker has no provider for but whose values are a short fixed list."""

    def make(fake: Faker, args: Args, kwargs: Kwargs) -> Any:
        return fake.random_element(values)

    return make


def hacker_phrase(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return (
        f"If we {fake.random_element(HACKER_VERBS)} the {fake.random_element(HACKER_NOUNS)}, we can get to "
        f"the {fake.random_element(HACKER_ADJECTIVES)} {fake.random_element(HACKER_NOUNS)} through the "
        f"{fake.random_element(HACKER_ADJECTIVES)} {fake.random_element(HACKER_NOUNS)}!"
    )


def semver(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return f"{fake.random_int(0, 9)}.{fake.random_int(0, 20)}.{fake.random_int(0, 30)}"


def gps(fake: Faker, args: Args, kwargs: Kwargs) -> list[float]:
    lat, lng = fake.latitude(), fake.longitude()
    return [float(lat), float(lng)]


def hex_string(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    n = size_count(args, kwargs, 1)
    prefix = option(args, kwargs, "prefix", "0x")
    casing = option(args, kwargs, "casing", "mixed")
    digits = "".join(fake.random_element("0123456789abcdef") for _ in range(n))
    return str(prefix) + (digits.upper() if casing == "upper" else digits)


def password(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return str(fake.password(length=size_count(args, kwargs, 15)))


def lorem_text(count_key: str, provider: str, default: int, joiner: str) -> Maker:
    def make(fake: Faker, args: Args, kwargs: Kwargs) -> str:
        return joiner.join(getattr(fake, provider)(size_count(args, kwargs, default, count_key) or default))

    return make


def sentence(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return str(fake.sentence(nb_words=size_count(args, kwargs, 6, "wordCount") or 6))


def paragraph(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return str(fake.paragraph(nb_sentences=size_count(args, kwargs, 3, "sentenceCount") or 3))


def image_url(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    width = int(option(args, kwargs, "width", 640))
    height = int(option(args, kwargs, "height", 480))
    return str(fake.image_url(width=width, height=height))


def data_uri(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    width = int(option(args, kwargs, "width", 16))
    height = int(option(args, kwargs, "height", 16))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="100%" height="100%" fill="{fake.hex_color()}"/></svg>'
    )
    return "data:image/svg+xml;charset=UTF-8," + svg.replace("#", "%23").replace('"', "%22").replace(" ", "%20")


def email(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    first = option(args, kwargs, "firstName")
    last = option(args, kwargs, "lastName")
    provider = option(args, kwargs, "provider")
    if first or last or provider:
        user = ".".join(slug(str(part)) for part in (first or fake.first_name(), last or fake.last_name()))
        return f"{user}@{provider or fake.free_email_domain()}"
    return str(fake.email())


def gender(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return str(fake.random_element(("female", "male")))


def zodiac(fake: Faker, args: Args, kwargs: Kwargs) -> str:
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


def boolean(fake: Faker, args: Args, kwargs: Kwargs) -> bool:
    probability = option(args, kwargs, "probability", args[0] if args and isinstance(args[0], float) else 0.5)
    return bool(fake.random.random() < float(probability))


def shuffle(fake: Faker, args: Args, kwargs: Kwargs) -> list[Any]:
    values = list(args[0]) if args and isinstance(args[0], list) else []
    fake.random.shuffle(values)
    return values


def slugify(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return slug(str(args[0])) if args else ""


def from_characters(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    pool = args[0] if args else ""
    if isinstance(pool, list):
        pool = "".join(str(p) for p in pool)
    if not pool:
        raise TemplateError(
            'string.fromCharacters needs the characters to choose from: string.fromCharacters("abc", 5)'
        )
    n = int(args[1]) if len(args) > 1 and isinstance(args[1], int) else 1
    return "".join(fake.random_element(str(pool)) for _ in range(n))


def iso_date(provider: str) -> Maker:
    def make(fake: Faker, args: Args, kwargs: Kwargs) -> str:
        value = getattr(fake, provider)()
        return (
            iso(value) if isinstance(value, datetime) else value.isoformat() if isinstance(value, date) else str(value)
        )

    return make


def nanoid(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    alphabet = string.ascii_letters + string.digits + "_-"
    return "".join(fake.random_element(alphabet) for _ in range(size_count(args, kwargs, 21) or 21))


def ulid(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(fake.random_element(alphabet) for _ in range(26))


def digits(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    n = size_count(args, kwargs, 1)
    return "".join(str(fake.random_digit()) for _ in range(n))


def binary_number(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return bin(integer(fake, args, kwargs))[2:]


def octal_number(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return oct(integer(fake, args, kwargs))[2:]


def hex_number(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return hex(integer(fake, args, kwargs))[2:]


def masked(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return "(..." + "".join(str(fake.random_digit()) for _ in range(4)) + ")"


def account_number(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return "".join(str(fake.random_digit()) for _ in range(size_count(args, kwargs, 8) or 8))


def port(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    return int(fake.port_number())


def http_status(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    return int(
        fake.random_element((200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503))
    )


def roman(number: int) -> str:
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


def random_int(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    if len(args) >= 2:
        return int(fake.random_int(int(args[0]), int(args[1])))
    return int(fake.random_int(0, 1000))


def unix_now(fake: Faker, args: Args, kwargs: Kwargs) -> int:
    return int(datetime.now().timestamp())


def iso_now(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def bitcoin_address(fake: Faker, args: Args, kwargs: Kwargs) -> str:
    return "1" + "".join(
        fake.random_element("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz") for _ in range(33)
    )
