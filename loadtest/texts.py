"""Reference answers streamed by the fake upstream, and the tokenizer that cuts them into chunks.

Each text is a plausible model answer of a few hundred tokens, chosen to exercise one thing a
relay can get wrong: paragraph breaks, markdown structure, fenced code, JSON punctuation, text
without spaces, grapheme clusters split across chunks, and non-English letters.

The tokenizer is deterministic and only *looks* like a BPE tokenizer: words carry their leading
space ("Hello", ",", " world"), runs of newlines are their own pieces, long words are split into
sub-word pieces, CJK text comes in 1-2 character pieces, and combining marks, zero-width joiners,
skin-tone modifiers and the second half of flags start a new piece, so that grapheme clusters are
split across chunks exactly as real models split them.  ``"".join(tokenize(s)) == s`` always.
"""

from __future__ import annotations

import unicodedata

__all__ = ["STAMP", "TEXTS", "tokenize"]

#: Name of the special text whose tokens are `` <time.time_ns()>`` taken at send time.
STAMP = "stamp"

PROSE = """\
The history of the lighthouse is, in many ways, the history of coastal trade itself. Long before \
electricity, sailors relied on bonfires lit on headlands to mark dangerous reefs and the mouths of \
harbours. The Pharos of Alexandria, completed around 280 BC, stood well over a hundred metres tall \
and was counted among the wonders of the ancient world.

Over the following centuries, builders experimented with towers of stone, brick, and eventually \
cast iron. Each material brought its own problems: stone was heavy and slow to raise on exposed \
rocks, brick crumbled in salt spray, and iron rusted unless it was painted every single year. The \
keepers who lived in these towers led isolated lives, trimming wicks through the night and \
recording the weather in careful, cramped handwriting.

The real breakthrough came in 1822, when Augustin Fresnel presented a lens made of concentric \
rings of glass prisms. Instead of wasting most of the light, the lens bent it into a single \
horizontal beam that could be seen more than twenty miles away. Within a few decades, Fresnel \
lenses were installed along almost every busy coastline in Europe and North America.

Today, most lighthouses are automated, and satellite navigation has made many of them redundant. \
Yet they remain popular with visitors, who climb the narrow spiral stairs to stand where the \
keepers once stood. Perhaps that is because a lighthouse represents something simple and \
reassuring: a steady signal, repeated patiently, telling anyone out in the dark exactly where the \
danger lies and how to steer safely home.
"""

MARKDOWN = """\
# Getting Started with Sourdough

Baking sourdough at home is **easier than it looks**, but it rewards patience. This guide covers \
the essentials.

## What You Need

- A mature starter (fed 4–8 hours before mixing)
- Bread flour, ideally with **12–13% protein**
- Water at roughly `27°C`
- Fine sea salt
- A kitchen scale, because cups are *not* precise enough

## The Basic Method

1. Mix the flour and water and let it rest for 45 minutes (the *autolyse*).
2. Add the starter and salt, then squeeze the dough until everything is combined.
3. Perform four sets of stretch-and-folds, 30 minutes apart.
4. Let the dough rise until it has grown by about **50%**.
5. Shape it, place it in a floured basket, and refrigerate overnight.
6. Bake in a preheated Dutch oven at `250°C`: 20 minutes covered, then 25 uncovered.

## Typical Timings

| Stage | Duration | Temperature |
|-------|----------|-------------|
| Autolyse | 45 min | 24–27°C |
| Bulk fermentation | 4–6 h | 24–27°C |
| Cold proof | 12–16 h | 3–5°C |
| Bake | 45 min | 250°C |

## Troubleshooting

- **Dense crumb:** the bulk fermentation was probably too short.
- **Flat loaf:** try shaping more tightly, or reduce the hydration slightly.
- **Pale crust:** bake longer with the lid off, or raise the oven to `260°C`.

> Tip: keep notes on every bake. Small changes in temperature make a *big* difference.
"""

CODE = '''\
Here is a small, dependency-free implementation of a least-recently-used cache in Python. It \
uses an `OrderedDict` so that both lookups and evictions run in constant time:

```python
from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A fixed-size mapping that evicts the least recently used entry."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self._capacity = capacity
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, default: V | None = None) -> V | None:
        try:
            self._data.move_to_end(key)
        except KeyError:
            return default
        return self._data[key]

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self._capacity:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
```

A few notes on the design:

- `move_to_end` marks an entry as the most recently used one.
- `popitem(last=False)` removes the *oldest* entry, which is exactly the eviction we want.
- The `while` loop (rather than an `if`) keeps the invariant even if `capacity` is changed later.

You can check it quickly with `cache = LRUCache(2)`, then `cache.put("a", 1)`, `cache.put("b", 2)`, \
`cache.get("a")` and `cache.put("c", 3)`: afterwards `"b"` is gone while `"a"` and `"c"` remain.
'''

JSON_TEXT = """\
{
  "order_id": "ORD-2024-118734",
  "status": "shipped",
  "customer": {
    "name": "Maria Elena Castillo",
    "email": "maria.castillo@example.com",
    "shipping_address": "1420 Willow Creek Road, Apartment 5B, Portland, OR 97201"
  },
  "items": [
    {
      "sku": "KB-MECH-87",
      "description": "Mechanical keyboard with brown switches and a detachable cable",
      "quantity": 1,
      "unit_price": 129.99
    },
    {
      "sku": "MS-ERGO-02",
      "description": "Ergonomic vertical mouse, wireless, left handed",
      "quantity": 2,
      "unit_price": 49.5
    },
    {
      "sku": "PAD-XL-BLK",
      "description": "Extra large desk pad in matte black, stitched edges",
      "quantity": 1,
      "unit_price": 24.0
    }
  ],
  "notes": "Please leave the package with the building concierge if nobody answers the door. \
Fragile: contains electronics, \\"handle with care\\".",
  "tags": ["priority", "gift wrap", "signature not required"],
  "totals": {
    "subtotal": 252.99,
    "shipping": 0.0,
    "tax": 20.87,
    "grand_total": 273.86,
    "currency": "USD"
  },
  "tracking": {
    "carrier": "United Parcel Service",
    "number": "1Z 999 AA1 01 2345 6784",
    "estimated_delivery": "2024-06-14T18:00:00-07:00",
    "events": [
      {"time": "2024-06-11T09:12:00-07:00", "location": "Reno, NV", "description": "Origin scan"},
      {"time": "2024-06-12T02:47:00-07:00", "location": "Sacramento, CA", "description": "Departed facility"}
    ]
  }
}
"""

CJK = """\
人工智能是计算机科学的一个重要分支，它试图理解智能的本质，并生产出一种能以与人类智能相似的方式做出反应的智能机器。\
该领域的研究包括机器人、语言识别、图像识别、自然语言处理和专家系统等。

自从人工智能诞生以来，理论和技术日益成熟，应用领域也不断扩大。可以设想，未来人工智能带来的科技产品，将会是人类智慧的“容器”。\
人工智能可以对人的意识、思维的信息过程进行模拟。人工智能不是人的智能，但能像人那样思考，也可能超过人的智能。

日本語の文章も見てみましょう。東京は日本の首都であり、世界でも有数の大都市です。\
春には桜が咲き、多くの人々が公園で花見を楽しみます。夏は暑くて湿度が高いですが、夜には花火大会が各地で開かれます。\
秋になると紅葉が美しく、京都や日光などの観光地はたくさんの旅行者でにぎわいます。冬は比較的晴れの日が多く、富士山がよく見えます。

カタカナの言葉も多く使われています。例えば、コンピューター、インターネット、スマートフォン、アプリケーションなどです。\
これらの言葉は外国語から来たもので、現代の生活には欠かせません。
"""

EMOJI = (
    "Here's a quick family update! \U0001f469\u200d\U0001f469\u200d\U0001f467 "
    "We finally made it to the coast \U0001f3d6\ufe0f and the weather was perfect \u2600\ufe0f.\n\n"
    "The kids loved the aquarium \U0001f420\U0001f419\U0001f988, especially the jellyfish tunnel. "
    "Dad took about a thousand photos \U0001f4f8\U0001f602 and Grandma kept saying "
    "\u201cque\u0301 bonito\u201d every five minutes \U0001f475\U0001f3fd\u2764\ufe0f.\n\n"
    "Travel notes:\n"
    "- Flights: \U0001f1e9\U0001f1ea \u2192 \U0001f1ef\U0001f1f5 \u2192 \U0001f1fa\U0001f1f8 (long, but worth it \u2708\ufe0f)\n"
    "- Food: ramen \U0001f35c, sushi \U0001f363, and far too much ice cream \U0001f366\U0001f366\n"
    "- Team: \U0001f468\U0001f3fb\u200d\U0001f4bb + \U0001f469\U0001f3fe\u200d\U0001f52c + "
    "\U0001f9d1\U0001f3fc\u200d\U0001f373 = \U0001f4aa\n"
    "- Rating: \u2b50\u2b50\u2b50\u2b50\u2b50\n\n"
    "Some names with accents, written in decomposed form: Jose\u0301, Zoe\u0308, Franc\u0327ois, "
    "Ren\u00e9e, Bjo\u0308rk, and A\u030angstro\u0308m. A few more combining marks: "
    "a\u0301\u0300\u0302, n\u0303, and the Vietnamese phra\u0302\u0309 \u201cTie\u0302\u0301ng Vie\u0323\u0302t\u201d.\n\n"
    "Reactions from the group chat: \U0001f44d\U0001f3fd \U0001f44f\U0001f3ff \U0001f64c "
    "\U0001f9d1\u200d\U0001f91d\u200d\U0001f9d1 \U0001f3f3\ufe0f\u200d\U0001f308 \U0001f3f4\u200d\u2620\ufe0f "
    "and one very confused \U0001f914.\n\n"
    "Next year we want to try somewhere colder \u2744\ufe0f\u26f7\ufe0f: maybe Norway \U0001f1f3\U0001f1f4 "
    "or Canada \U0001f1e8\U0001f1e6, if the budget allows \U0001f4b8. Everyone voted, and the "
    "results were close: mountains \U0001f3d4\ufe0f 4, beach \U0001f3dd\ufe0f 3, city \U0001f3d9\ufe0f 2. "
    "Your cousin still insists on a road trip \U0001f697\U0001f4a8 with the dog \U0001f415\u200d\U0001f9ba "
    "and the cat \U0001f408\u200d\u2b1b, which sounds like chaos \U0001f92f.\n\n"
    "See you all soon! \U0001f44b\U0001f60a\n"
)

GERMAN = """\
Die Geschichte der Eisenbahn in Deutschland beginnt am 7. Dezember 1835, als die Ludwigseisenbahn \
zwischen Nürnberg und Fürth ihren Betrieb aufnahm. Die Strecke war nur gut sechs Kilometer lang, \
doch sie veränderte das Verständnis von Entfernung und Zeit grundlegend.

In den folgenden Jahrzehnten wuchs das Streckennetz rasant. Private Gesellschaften und später die \
Länderbahnen verbanden Großstädte, Häfen und Industriegebiete miteinander. Besonders im Ruhrgebiet \
ermöglichte die Eisenbahn den Transport gewaltiger Mengen an Kohle und Stahl, was die \
Industrialisierung erheblich beschleunigte.

Nach dem Ersten Weltkrieg wurden die Länderbahnen 1920 zur Deutschen Reichsbahn zusammengeführt. \
Die Fahrgäste schätzten pünktliche Schnellzüge, während Güterzüge für eine zuverlässige Versorgung \
der Bevölkerung sorgten. Nach 1949 gab es zwei getrennte Bahnen: die Deutsche Bundesbahn im Westen \
und die Deutsche Reichsbahn im Osten.

Heute ist die Deutsche Bahn eines der größten Verkehrsunternehmen Europas. Hochgeschwindigkeitszüge \
wie der ICE erreichen über 300 Kilometer pro Stunde. Dennoch klagen viele Reisende über Verspätungen, \
überfüllte Züge und ausgefallene Verbindungen. Ob die geplanten Investitionen in Schienen, Brücken \
und Stellwerke ausreichen, um das Vertrauen der Fahrgäste zurückzugewinnen, bleibt abzuwarten.
"""

SHORT = "Hello, world!"

#: The built-in reference texts, by name.  ``stamp`` is generated at send time and has no text.
TEXTS: dict[str, str] = {
    "prose": PROSE,
    "markdown": MARKDOWN,
    "code": CODE,
    "json": JSON_TEXT,
    "cjk": CJK,
    "emoji": EMOJI,
    "german": GERMAN,
    "short": SHORT,
}

_ZWJ = "\u200d"
_VARIATION_SELECTORS = frozenset("\ufe0e\ufe0f")
_MAX_WORD = 8  # letters; longer words are cut into sub-word pieces
_SUBWORD = 5


def tokenize(text: str) -> list[str]:
    """Cut ``text`` into word-ish chunks the way a model's stream would deliver them."""
    pieces: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            j = _run(text, i, lambda c: c == "\n")
        elif ch == " " and i + 1 < n and not text[i + 1].isspace():
            j = _unit_end(text, i + 1, len(pieces))  # a single space leads the next word
        elif ch.isspace():
            j = _run(text, i, lambda c: c.isspace() and c != "\n")
            if j < n and text[j] != "\n" and text[j - 1] == " ":
                j -= 1  # leave the last space of a run to lead the next word
        else:
            j = _unit_end(text, i, len(pieces))
        pieces.append(text[i:j])
        i = j
    return pieces


def _run(text: str, i: int, pred: object) -> int:
    """End of the run of characters starting at ``i`` that satisfy ``pred``."""
    n = len(text)
    while i < n and pred(text[i]):  # type: ignore[operator]
        i += 1
    return i


def _unit_end(text: str, i: int, ordinal: int) -> int:
    """End of the single non-space unit (word, number, symbol...) starting at ``i``."""
    n = len(text)
    ch = text[i]
    if _is_cjk(ch):
        size = 1 if ordinal % 3 == 0 else 2
        j = i + 1
        while j < n and j - i < size and _is_cjk(text[j]):
            j += 1
        return j
    if _is_letter(ch):
        j = _run(text, i, _is_letter)
        return j if j - i <= _MAX_WORD else i + _SUBWORD
    if ch.isdigit():
        j = i
        while j < n and j - i < 3 and text[j].isdigit():
            j += 1
        return j
    if _is_mark(ch):
        return _run(text, i, _is_mark)
    if ch == _ZWJ and i + 1 < n:
        return _cluster_end(text, i + 1)
    if ch.isascii():
        j = i + 1
        while j < n and j - i < 3 and text[j].isascii() and _is_punct(text[j]):
            j += 1
        return j
    return _cluster_end(text, i)


def _cluster_end(text: str, i: int) -> int:
    """One symbol/emoji code point plus a trailing variation selector, nothing more."""
    j = i + 1
    if j < len(text) and text[j] in _VARIATION_SELECTORS:
        j += 1
    return j


def _is_letter(ch: str) -> bool:
    return ch.isalpha() and not _is_cjk(ch)


def _is_punct(ch: str) -> bool:
    return not (ch.isalnum() or ch.isspace())


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me", "Mc") and ch not in _VARIATION_SELECTORS


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x30FF  # hiragana, katakana
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF  # full-width forms
        or 0x3000 <= cp <= 0x303F  # CJK punctuation
        or 0xAC00 <= cp <= 0xD7AF  # hangul
        or 0x20000 <= cp <= 0x2FFFF
    )
