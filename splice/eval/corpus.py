"""The reference answers: hand-written texts of the kinds an LLM streams, one corpus for the eval and the load tool.

`REFERENCES` are the answers the splice eval cuts up (short, many kinds, each tagged with its kind); `TEXTS` are the
named answers the fake upstream of `loadtest/` streams (`text=prose`, `text=cjk`…), a few hundred tokens each, every
one chosen to exercise one thing a relay can get wrong.  They are separate selections because the eval's scores and
the load figures and tests were measured on exactly these texts.
"""

from __future__ import annotations

import unicodedata

__all__ = ["REFERENCES", "TEXTS"]

_PROSE_EN = """Caching is one of those ideas that sounds simple until you try to get it right. The basic promise is \
that you keep a copy of something expensive close to where it is needed, so that the next request can be answered \
without doing the work again.

The hard part is knowing when the copy is stale. A cache that is never invalidated will eventually serve data that is \
wrong, and a cache that is invalidated too eagerly gives you all of the complexity and none of the speed. Most teams \
discover that that trade-off, not the data structure, is where the real design work lives.

In practice, start with a short time-to-live, measure the hit rate, and only then decide whether an event-driven \
invalidation scheme is worth the extra moving parts. You will usually find that a few well-chosen keys account for \
most of the traffic.
"""

_PROSE_EN_LONG = """The history of the printing press is often told as the story of a single inventor, but the machine \
that Johannes Gutenberg assembled in Mainz around 1450 was a combination of many existing technologies. Screw presses \
had been used for centuries to squeeze olives and grapes. Paper had travelled from China through the Islamic world \
into Europe, where mills in Italy and Spain produced it in growing quantities. Block printing was already known, and \
goldsmiths like Gutenberg understood how to cast small metal objects with precision.

What Gutenberg added was a system. He developed a hand mould that could cast large numbers of identical letters \
quickly, an alloy of lead, tin and antimony that melted at a low temperature and cooled without shrinking, and an \
oil-based ink that would stick to metal type. Each of these pieces solved a practical problem, and together they made \
it possible to print a page, take it apart, and reuse the letters for the next page.

The consequences were enormous, although they unfolded over decades rather than years. Books became cheaper, which \
meant that more people could own them, which in turn created a market for new kinds of writing. Printers standardised \
spelling and grammar simply because it was convenient for their workshops. Scholars could compare identical copies of \
a text in different cities, and errors could be corrected in later editions instead of being copied forward by hand.

Historians still argue about how directly the press caused the great changes that followed, from the Reformation to \
the scientific revolution. It is safer to say that printing made those changes faster and harder to reverse. Once an \
idea had been printed in a thousand copies, no single authority could easily make it disappear.
"""

_MD_STEPS = """## How to deploy the service

Before you begin, make sure you have access to the production cluster and that your local tools are up to date.

1. **Build the image.** Run the build script from the repository root; it tags the image with the current commit.
2. **Push the image** to the registry. This usually takes under a minute on a good connection.
3. **Update the manifest.** Change the image tag in `deploy/service.yaml` and open a pull request.
4. **Wait for review.** At least one other engineer must approve the change.
5. **Apply the manifest** with `kubectl apply -f deploy/service.yaml` once the pull request is merged.
6. **Watch the rollout.** Keep an eye on the dashboard for error rates during the first ten minutes.

If anything goes wrong, roll back with `kubectl rollout undo deployment/service` and post a note in the incident \
channel.
"""

_MD_BULLETS = """Here is a quick comparison of the three options:

- **SQLite** is embedded and needs no server.
  - Great for tests and small tools.
  - Writes are serialised, so heavy concurrent writes will queue up.
- **PostgreSQL** is the safe default for most web applications.
  - Rich types, strong consistency, and excellent tooling.
  - Use `pg_dump` for backups and `EXPLAIN ANALYZE` to understand slow queries.
- **Redis** is an in-memory store.
  - Ideal for caches, rate limits and short-lived queues.
  - Persistence exists but should not be your only copy of important data.

For a new project, start with PostgreSQL and add Redis only when you measure a need for it.
"""

_MD_TABLE = """The table below summarises the benchmark results on the test machine.

| Library | Requests/s | p50 latency | p99 latency |
|---------|-----------:|------------:|------------:|
| httpx   | 11,240     | 4.1 ms      | 12.8 ms     |
| aiohttp | 13,905     | 3.6 ms      | 10.2 ms     |
| requests| 2,310      | 18.4 ms     | 41.0 ms     |
| urllib3 | 9,870      | 4.9 ms      | 15.5 ms     |

All numbers are the median of five runs with 64 concurrent clients. The synchronous libraries were run in a thread \
pool of the same size.
"""

_CODE_PY = """You can do this with a small generator that yields batches lazily:

```python
from collections.abc import Iterable, Iterator


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    \"\"\"Yield lists of at most `size` items, in order.\"\"\"
    if size < 1:
        raise ValueError("size must be at least 1")
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
```

The final `if batch:` check makes sure the last, shorter batch is not lost. Since Python 3.12 you can also use \
`itertools.batched`, which returns tuples instead of lists.
"""

_CODE_JS = """Here is a debounce helper that works in both the browser and Node:

```javascript
export function debounce(fn, waitMs = 250) {
  let timer = null;
  return function debounced(...args) {
    if (timer !== null) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = null;
      fn.apply(this, args);
    }, waitMs);
  };
}
```

Call it once and reuse the returned function, for example `const onResize = debounce(layout, 100);`, otherwise every \
call creates a new timer.
"""

_JSON_RAW = """{
  "id": "order-20931",
  "customer": {
    "name": "Amélie Laurent",
    "email": "amelie.laurent@example.com",
    "address": "14 rue des Lilas, 69003 Lyon, France"
  },
  "items": [
    {"sku": "KB-104", "description": "Mechanical keyboard, brown switches", "quantity": 1, "price": 89.9},
    {"sku": "MS-220", "description": "Wireless mouse", "quantity": 2, "price": 24.5}
  ],
  "notes": "Please leave the parcel with the neighbour if nobody answers.",
  "paid": true,
  "total": 138.9
}"""

_JSON_FENCED = """The API returns a payload like this one:

```json
{
  "status": "ok",
  "data": {
    "user": {"id": 42, "name": "Grace Hopper", "roles": ["admin", "editor"]},
    "session": {"expires_in": 3600, "refresh": true}
  },
  "warnings": []
}
```

The `expires_in` value is in seconds, and `refresh` tells the client whether a refresh token was issued.
"""

_DE = """Die Energiewende ist für Deutschland eine große Herausforderung. Es geht nicht nur darum, mehr Strom aus Wind \
und Sonne zu erzeugen, sondern auch darum, die Netze so umzubauen, dass sie mit schwankenden Einspeisungen \
zurechtkommen.

Besonders im Süden fehlen leistungsfähige Leitungen, während im Norden an windreichen Tagen Anlagen abgeregelt werden \
müssen. Speicher können einen Teil dieser Lücke schließen, aber große Batteriespeicher sind noch teuer, und \
Pumpspeicherkraftwerke lassen sich nicht überall bauen.

Dennoch zeigt die Erfahrung der letzten Jahre, dass der Ausbau schneller gelingen kann, wenn Genehmigungsverfahren \
vereinfacht und die Bürgerinnen und Bürger früh beteiligt werden.
"""

_FR = """L’apprentissage d’une langue étrangère demande de la patience, mais aussi de la méthode. Beaucoup d’adultes \
pensent qu’il est trop tard pour eux ; pourtant, les études montrent qu’un adulte motivé progresse souvent plus vite \
qu’un enfant au début.

Le secret, c’est la régularité : quinze minutes par jour valent mieux qu’une longue séance le dimanche. Écoutez des \
podcasts, lisez des articles courts et, surtout, n’ayez pas peur de faire des erreurs. Comme le disait un professeur : \
« On apprend à parler en parlant. »

Enfin, fixez-vous des objectifs concrets, par exemple commander un repas ou réserver une chambre d’hôtel sans passer à \
l’anglais.
"""

_ES = """¿Quieres preparar una buena tortilla de patatas? Sigue estos pasos:

1. Pela y corta en láminas finas cuatro patatas medianas.
2. Fríelas a fuego medio en abundante aceite de oliva, junto con una cebolla picada.
3. Bate seis huevos en un bol grande y añade una pizca de sal.
4. Escurre las patatas y mézclalas con el huevo; deja reposar diez minutos.
5. Cuaja la mezcla en una sartén y dale la vuelta con ayuda de un plato.

¡Buen provecho! La tortilla está aún más rica al día siguiente.
"""

_ZH = """人工智能的发展正在改变我们的工作方式。在过去，许多重复性的任务需要人工完成，而现在，\
机器学习模型可以自动处理大量的数据，并从中发现规律。

不过，技术本身并不能解决所有问题。我们仍然需要思考数据从哪里来、模型是否公平、以及出错时由谁负责。只有把技术和制度结合起来，人工智能才能真正造福社会。

对于个人来说，最重要的是保持学习的习惯，理解这些工具的能力和局限。
"""

_JA = """東京で初めて暮らす人にとって、電車の乗り換えは少し難しく感じられるかもしれません。路線が多く、\
同じ駅でも会社によって改札が分かれていることがあります。

まずは交通系ICカードを手に入れましょう。チャージしておけば、切符を買わずにほとんどの電車やバスに乗ることができます。また、乗換案内のアプリを使えば、最短ルートや運賃もすぐに調べられます。

慣れてくると、混雑する時間帯を避けるだけで、通勤がずっと快適になります。
"""

_EMOJI = """Our team chat has a few conventions worth knowing 🙂

When a deploy goes out, react with 🚀 so everyone knows it is live. If you are on call this week, set your status to \
👩🏽‍💻 and keep your phone nearby. Family events go in the shared calendar with 👨‍👩‍👧‍👦 so nobody schedules a \
release on \
top of them.

For the offsite we are flying to 🇩🇪 Berlin and then 🇫🇷 Paris, so please check that your passport is valid 👍🏾 and \
tell \
us about any dietary needs 🥗.
"""

_URLS = """To reproduce the issue, download the archive from \
https://downloads.example.org/releases/2024/splice-relay-0.14.2-linux-x86_64.tar.gz and verify it against the \
published checksum 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 before installing.

The regression appeared between versions 0.13.7 and 0.14.0, when the default buffer grew from 65536 to 262144 bytes. \
On a machine with 3.5 GB of free memory that is still fine, but with 1,024 concurrent streams the relay needs roughly \
268.4 MB just for buffers.
"""

_SHELL = """To set up the project locally, run the following commands:

```bash
git clone https://github.com/example/splice-relay.git
cd splice-relay
python -m venv .venv
source .venv/bin/activate
pip install -e ".[test]"
```

Then start the relay with `splice-relay serve --config relay.toml` and open `http://localhost:8080/health` in your \
browser. If the port is taken, pass `--port 9090` instead.
"""

_QUOTES = """“Good design is as little design as possible,” Dieter Rams famously wrote — and the sentence has been \
quoted so often that it’s easy to forget what it asks of us. It doesn’t say “no design”; it says that every element \
has to earn its place.

When you review an interface, ask of each control: what would happen if it weren’t there? Sometimes the answer is \
“nothing at all,” and the control can go. Sometimes it’s “users would be lost,” and it stays — but perhaps in a \
quieter form.
"""

_MIXED = """# Release notes

## Version 2.3

This release focuses on reliability. The most visible change is the new retry policy, which backs off exponentially \
instead of retrying immediately.

> Note: the old `retry_immediately` option still works but is deprecated and will be removed in version 3.0.

### Fixed

- Streams no longer stall when the upstream sends an empty chunk.
- The health endpoint reports the correct version string.

### Changed

- The default timeout is now 30 seconds instead of 60.
"""

_NFD_SOURCE = """Le café de la place était déjà plein quand Élodie arriva. Elle commanda un thé à la menthe, s’assit \
près de la fenêtre et relut la lettre de son frère, arrivée le matin même de Montréal.

Tiếng Việt cũng dùng nhiều dấu: người ta nói rằng học tiếng Việt khó nhất là phát âm đúng sáu thanh điệu.
"""

_EXPLAIN_CODE_INLINE = """When you call `asyncio.gather(*tasks)`, all of the coroutines are scheduled at once and the \
call returns their results in the same order as the inputs. If one of them raises, `gather` propagates the first \
exception, but the other tasks keep running unless you cancel them yourself.

For structured concurrency, prefer `asyncio.TaskGroup` (Python 3.11+): when one task fails, the group cancels the rest \
and raises an `ExceptionGroup` that contains every error. That that behaviour is stricter is exactly the point.
"""

_NESTED_NUMBERED = """Follow these steps to rotate the keys safely:

1. Generate a new key pair.
   - Use at least 3072-bit RSA or an Ed25519 key.
   - Store the private key in the secrets manager, never in the repository.
2. Add the new public key to every server.
3. Switch the clients over to the new key and watch the logs for failed logins.
4. Remove the old public key once no client has used it for a week.

Keep a record of the date and the key fingerprint in the runbook.
"""

REFERENCES: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("prose_en", "prose", _PROSE_EN),
    ("prose_en_long", "prose", _PROSE_EN_LONG),
    ("md_steps", "markdown", _MD_STEPS),
    ("md_bullets", "markdown", _MD_BULLETS),
    ("md_table", "table", _MD_TABLE),
    ("md_mixed", "markdown", _MIXED),
    ("md_nested_numbered", "markdown", _NESTED_NUMBERED),
    ("code_python", "code", _CODE_PY),
    ("code_js", "code", _CODE_JS),
    ("code_shell", "code", _SHELL),
    ("inline_code", "prose", _EXPLAIN_CODE_INLINE),
    ("json_raw", "json", _JSON_RAW),
    ("json_fenced", "json", _JSON_FENCED),
    ("de", "non-english", _DE),
    ("fr", "non-english", _FR),
    ("es", "non-english", _ES),
    ("zh", "cjk", _ZH),
    ("ja", "cjk", _JA),
    ("emoji", "emoji", _EMOJI),
    ("urls_numbers", "prose", _URLS),
    ("quotes_dashes", "prose", _QUOTES),
    ("nfd", "nfd", unicodedata.normalize("NFD", _NFD_SOURCE)),
]


# ----------------------------------------------------------------------------------------------------------------
# The fake upstream's answers, by name
# ----------------------------------------------------------------------------------------------------------------

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
    "- Flights: \U0001f1e9\U0001f1ea \u2192 \U0001f1ef\U0001f1f5 \u2192 \U0001f1fa\U0001f1f8 "
    "(long, but worth it \u2708\ufe0f)\n"
    "- Food: ramen \U0001f35c, sushi \U0001f363, and far too much ice cream \U0001f366\U0001f366\n"
    "- Team: \U0001f468\U0001f3fb\u200d\U0001f4bb + \U0001f469\U0001f3fe\u200d\U0001f52c + "
    "\U0001f9d1\U0001f3fc\u200d\U0001f373 = \U0001f4aa\n"
    "- Rating: \u2b50\u2b50\u2b50\u2b50\u2b50\n\n"
    "Some names with accents, written in decomposed form: Jose\u0301, Zoe\u0308, Franc\u0327ois, "
    "Ren\u00e9e, Bjo\u0308rk, and A\u030angstro\u0308m. A few more combining marks: "
    "a\u0301\u0300\u0302, n\u0303, and the Vietnamese phra\u0302\u0309 "
    "\u201cTie\u0302\u0301ng Vie\u0323\u0302t\u201d.\n\n"
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
