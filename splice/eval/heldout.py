"""The held-out references: kinds of text the development corpus lacks, which no splice rule is tuned against.

`HELD_OUT` has the same shape as `corpus.REFERENCES`.  The rules are judged by the score on these texts (and on the
held-out fallback behaviours in `simulate`); a case fixed here moves to the development corpus and is replaced by a
new one, so this set stays unseen.  `HELD_OUT_NEXT` is the next batch, written after the rules that the first batch
led to and never looked at while writing rules: its score says how far those rules carry to text no one has seen.
"""

from __future__ import annotations

__all__ = ["HELD_OUT", "HELD_OUT_NEXT"]

_THAI = """กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทยและเป็นศูนย์กลางทางเศรษฐกิจที่สำคัญที่สุดของประเทศ \
ผู้คนจำนวนมากเดินทางเข้ามาทำงานในเมืองทุกวันโดยใช้รถไฟฟ้าและเรือโดยสารในแม่น้ำเจ้าพระยา

ในช่วงฤดูฝนการจราจรมักติดขัดเป็นเวลานาน ดังนั้นหลายคนจึงเลือกออกจากบ้านแต่เช้าเพื่อหลีกเลี่ยงรถติด \
อาหารริมทางก็เป็นเสน่ห์อย่างหนึ่งของเมืองนี้ ทั้งข้าวมันไก่ ผัดไทย และส้มตำที่หาได้แทบทุกมุมถนน
"""

_KOREAN = """서울은 한국의 수도이자 가장 큰 도시입니다. 한강을 중심으로 북쪽과 남쪽으로 나뉘며, 오래된 궁궐과 \
현대적인 고층 건물이 함께 어우러져 있습니다.

지하철은 서울에서 가장 편리한 교통수단입니다. 교통카드를 사용하면 버스와 지하철을 환승할 때 요금이 할인되고, \
대부분의 역에는 영어 안내 방송도 나옵니다. 주말에는 북촌 한옥마을이나 남산 서울타워를 방문해 보세요.
"""

_ARABIC = """مرحبًا بكم في الدليل السريع. يعمل الخادم على المنفذ \u200e8080\u200f افتراضيًا، ويمكن تغييره من ملف \
الإعدادات \u200econfig.toml\u200f قبل التشغيل.

عند حدوث خطأ، راجع السجل أولًا ثم أعد تشغيل الخدمة. إذا استمرت المشكلة، تواصل مع فريق الدعم عبر البريد \
\u200esupport@example.com\u200f وأرفق رقم الطلب.

שלום לכולם: הגרסה החדשה \u200ev2.4\u200f כוללת תיקונים רבים, ובעיקר שיפור בזמני התגובה של השרת.
"""

_SQL = """To find the customers who ordered more than three times last month, join the two tables and group:

```sql
SELECT c.id,
       c.name,
       COUNT(o.id) AS order_count,
       SUM(o.total_cents) / 100.0 AS revenue
FROM customers AS c
JOIN orders AS o ON o.customer_id = c.id
WHERE o.created_at >= date_trunc('month', now()) - interval '1 month'
  AND o.created_at < date_trunc('month', now())
GROUP BY c.id, c.name
HAVING COUNT(o.id) > 3
ORDER BY revenue DESC
LIMIT 20;
```

An index on `orders (customer_id, created_at)` keeps this fast even when the table holds millions of rows.
"""

_YAML = """A minimal deployment for the worker looks like this:

```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: queue-worker
  labels:
    app: queue-worker
spec:
  replicas: 3
  selector:
    matchLabels:
      app: queue-worker
  template:
    spec:
      containers:
        - name: worker
          image: registry.example.com/queue-worker:1.8.2
          env:
            - name: QUEUE_URL
              value: "redis://queue:6379/0"
          resources:
            limits:
              memory: "512Mi"
```

Raise `replicas` before a batch import, and lower it again afterwards.
"""

_LATEX = r"""The variance of a sample follows from the expectation of the squared deviation:

$$
\operatorname{Var}(X) = \mathbb{E}\left[(X - \mu)^2\right] = \frac{1}{n - 1} \sum_{i=1}^{n} \left(x_i - \bar{x}\right)^2
$$

For two independent variables the variances add, $\operatorname{Var}(X + Y) = \operatorname{Var}(X) + \
\operatorname{Var}(Y)$, which is why the standard error of a mean shrinks like $\sigma / \sqrt{n}$.
"""

_SHELL_SESSION = """Here is what a first run looks like:

```console
$ relay --version
splice-relay 0.14.2
$ relay check --config relay.toml
config ok: 3 routes, 5 targets
warning: route "chat" has no fallback
$ curl -s localhost:8080/health | jq .status
"ok"
$ echo $?
0
```

The warning is harmless, but a route without a fallback cannot fail over.
"""

_POEM = """The harbour lamps come on at five,
when fishing boats are dragged ashore;
the gulls go quiet, half alive,
and wait for morning at the door.

A kettle sings in every house,
the nets hang drying on the wall,
and somewhere, patient as a mouse,
the tide comes in to cover all.
"""

_LONG_TABLE = """| Region | Q1 | Q2 | Q3 | Q4 | Change |
|:-------|---:|---:|---:|---:|-------:|
| North America | 1,204 | 1,318 | 1,402 | 1,511 | +25.5% |
| South America | 412 | 398 | 455 | 470 | +14.1% |
| Western Europe | 987 | 1,010 | 1,044 | 1,120 | +13.5% |
| Eastern Europe | 301 | 322 | 318 | 349 | +15.9% |
| Middle East | 220 | 241 | 262 | 290 | +31.8% |
| Africa | 133 | 150 | 171 | 188 | +41.4% |
| South Asia | 640 | 702 | 731 | 805 | +25.8% |
| East Asia | 1,550 | 1,492 | 1,603 | 1,688 | +8.9% |
| Oceania | 96 | 101 | 99 | 112 | +16.7% |

Africa grew fastest, while East Asia dipped in the second quarter before recovering.
"""

_HTML = """A small accessible form:

```html
<form action="/subscribe" method="post" class="newsletter">
  <label for="email">Email address</label>
  <input id="email" name="email" type="email" required autocomplete="email">
  <p class="hint">We send one message a month. Unsubscribe at any time.</p>
  <button type="submit">Subscribe</button>
</form>
```

Keep the `label` element: screen readers announce it when the field gets focus.
"""

_JSON_MINIFIED = (
    '{"event":"checkout.completed","id":"evt_8842","created":1718123456,"data":{"cart":{"items":[{"sku":"TEA-GRN-50",'
    '"name":"Green tea, loose leaf","qty":2,"unit":4.75},{"sku":"MUG-CER-02","name":"Ceramic mug, blue glaze",'
    '"qty":1,"unit":12.0}],"currency":"EUR"},"shipping":{"method":"standard","address":"Via Roma 12, 20121 Milano"},'
    '"coupon":null,"gift":false},"livemode":true}'
)

_CSV = """Here is the export you asked for:

```csv
date,station,temperature_c,rainfall_mm,wind_kmh
2024-03-01,Oslo Blindern,-2.4,0.0,11
2024-03-02,Oslo Blindern,0.8,3.2,17
2024-03-03,Bergen Florida,5.1,21.7,34
2024-03-04,Bergen Florida,4.6,18.9,29
2024-03-05,Tromsø Langnes,-6.3,1.1,22
```

Rainfall is the daily total; wind is the maximum gust.
"""

_MIXED_LANGUAGE = """Our Tokyo office calls the Friday demo 発表会 (happyōkai), and the Berlin team just says \
„Demo-Freitag“. In Madrid it is la demo del viernes, and nobody has ever agreed on a single name.

The rule is the same everywhere: show something that works, even if it is small — 小さくても動くもの. \
Slides are optional; a running build is not. Comme on dit à Lyon : « montre, ne raconte pas ».
"""

HELD_OUT: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("thai", "thai", _THAI),
    ("korean", "korean", _KOREAN),
    ("arabic_hebrew", "rtl", _ARABIC),
    ("sql", "sql", _SQL),
    ("yaml", "yaml", _YAML),
    ("latex", "latex", _LATEX),
    ("shell_session", "shell", _SHELL_SESSION),
    ("poem", "poem", _POEM),
    ("long_table", "long-table", _LONG_TABLE),
    ("html", "html", _HTML),
    ("json_minified", "json-min", _JSON_MINIFIED),
    ("csv", "csv", _CSV),
    ("mixed_language", "mixed", _MIXED_LANGUAGE),
]

_NEXT_LAO = (
    "ປະເທດລາວເປັນປະເທດທີ່ບໍ່ມີທາງອອກສູ່ທະເລ ແລະ ມີແມ່ນ້ຳຂອງໄຫຼຜ່ານຫຼາຍແຂວງ "
    "ຄົນສ່ວນໃຫຍ່ເຮັດນາແລະປູກຜັກ\n"
    "\n"
    "ນະຄອນຫຼວງວຽງຈັນມີວັດວາອາຮາມຫຼາຍແຫ່ງ ເຊັ່ນ ພະທາດຫຼວງ ທີ່ເປັນສັນຍາລັກຂອງຊາດ\n"
)

_NEXT_RUST = (
    "A small parser in Rust:\n"
    "\n"
    "```rust\n"
    "fn parse_pair(s: &str) -> Option<(u32, u32)> {\n"
    "    let (a, b) = s.split_once(',')?;\n"
    "    let a = a.trim().parse().ok()?;\n"
    "    let b = b.trim().parse().ok()?;\n"
    "    Some((a, b))\n"
    "}\n"
    "\n"
    "fn main() {\n"
    '    for line in ["1, 2", "x, 3", "40,50"] {\n'
    "        match parse_pair(line) {\n"
    '            Some((a, b)) => println!("{a} + {b} = {}", a + b),\n'
    '            None => eprintln!("cannot parse {line:?}"),\n'
    "        }\n"
    "    }\n"
    "}\n"
    "```\n"
    "\n"
    "The `?` operator returns `None` early as soon as one step fails.\n"
)

_NEXT_TOML = (
    "Put this in `relay.toml`:\n"
    "\n"
    "```toml\n"
    "[server]\n"
    'host = "0.0.0.0"\n'
    "port = 8080\n"
    "\n"
    "[routes.chat]\n"
    'targets = ["openai/gpt-4o-mini", "anthropic/claude-haiku"]\n'
    "stall_timeout_s = 2.5\n"
    "holdback = true\n"
    "\n"
    "[redis]\n"
    'url = "redis://localhost:6379/0"\n'
    "ttl_s = 600\n"
    "```\n"
    "\n"
    "Every key is optional except `targets`.\n"
)

_NEXT_LEGAL = (
    "§ 3 Termination. (1) Either party may terminate this agreement with three months' notice "
    "to the end of a calendar quarter. (2) The right to terminate for good cause remains "
    "unaffected; good cause exists in particular if the other party (a) is in default of "
    "payment for more than 30 days, or (b) materially breaches its obligations under § 2 and "
    "fails to remedy the breach within 14 days of written notice.\n"
    "\n"
    "§ 4 Confidentiality. The parties shall keep confidential all information marked as such, "
    "including after the end of this agreement.\n"
)

_NEXT_DIALOGUE = (
    "**Alice:** Did the deploy go out?\n"
    "\n"
    "**Bob:** Not yet — the canary showed a 2.3% error rate, so I paused it.\n"
    "\n"
    "**Alice:** Was it the new cache?\n"
    "\n"
    "**Bob:** Probably. The keys changed shape (`user:42` became `u:42`), and the old entries "
    "never expired…\n"
    "\n"
    "**Alice:** Then flush the namespace and resume. I'll watch the graphs.\n"
)

_NEXT_GREEK_RUSSIAN = (
    "Η Αθήνα είναι μία από τις αρχαιότερες πόλεις του κόσμου, με ιστορία που ξεπερνά τα τρεις "
    "χιλιάδες χρόνια.\n"
    "\n"
    "Москва — столица России и крупнейший город страны. Метро открылось в 1935 году, и сегодня "
    "его станции считаются одними из самых красивых в мире.\n"
)

HELD_OUT_NEXT: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("lao", "lao", _NEXT_LAO),
    ("rust", "rust", _NEXT_RUST),
    ("toml", "toml", _NEXT_TOML),
    ("legal", "legal", _NEXT_LEGAL),
    ("dialogue", "dialogue", _NEXT_DIALOGUE),
    ("greek_russian", "greek-cyrillic", _NEXT_GREEK_RUSSIAN),
]
