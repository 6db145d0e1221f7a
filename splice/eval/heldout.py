"""The held-out batches: texts in kinds the development corpus lacked, each written before the rules it judged.

Each batch has the same shape as `corpus.REFERENCES`.  A batch is held out until its misses are looked at: then
its cases join the development corpus and a new batch, written before any rule it led to, is the held-out one, so
the held-out score always measures text no rule was tuned on.  `BATCH_1` to `BATCH_7`, here, are all development
cases now; the later batches have modules of their own (`batch8.py` …), and `CORPORA` in `simulate.py` says which
one is held out.
"""

from __future__ import annotations

__all__ = ["BATCH_1", "BATCH_2", "BATCH_3", "BATCH_4", "BATCH_5", "BATCH_6", "BATCH_7"]

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

BATCH_1: list[tuple[str, str, str]] = [
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

BATCH_2: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("lao", "lao", _NEXT_LAO),
    ("rust", "rust", _NEXT_RUST),
    ("toml", "toml", _NEXT_TOML),
    ("legal", "legal", _NEXT_LEGAL),
    ("dialogue", "dialogue", _NEXT_DIALOGUE),
    ("greek_russian", "greek-cyrillic", _NEXT_GREEK_RUSSIAN),
]

_B3_GO = (
    "Here is a worker pool in Go that stops cleanly when the context is cancelled:\n"
    "\n"
    "```go\n"
    "package main\n"
    "\n"
    "import (\n"
    '\t"context"\n'
    '\t"fmt"\n'
    '\t"sync"\n'
    ")\n"
    "\n"
    "func worker(ctx context.Context, id int, jobs <-chan int, results chan<- string, wg *sync.WaitGroup) {\n"
    "\tdefer wg.Done()\n"
    "\tfor {\n"
    "\t\tselect {\n"
    "\t\tcase <-ctx.Done():\n"
    "\t\t\treturn\n"
    "\t\tcase j, ok := <-jobs:\n"
    "\t\t\tif !ok {\n"
    "\t\t\t\treturn\n"
    "\t\t\t}\n"
    '\t\t\tresults <- fmt.Sprintf("worker %d finished job %d", id, j)\n'
    "\t\t}\n"
    "\t}\n"
    "}\n"
    "```\n"
    "\n"
    "Close `jobs` when the producer is done, then wait on the group before closing `results`.\n"
)

_B3_JAVA = (
    "A record with a compact constructor validates its fields once, at creation:\n"
    "\n"
    "```java\n"
    "public record Invoice(String number, BigDecimal amount, LocalDate dueDate) {\n"
    "    public Invoice {\n"
    '        Objects.requireNonNull(number, "number");\n'
    "        if (amount.signum() < 0) {\n"
    '            throw new IllegalArgumentException("amount must not be negative: " + amount);\n'
    "        }\n"
    "    }\n"
    "\n"
    "    public boolean isOverdue(Clock clock) {\n"
    "        return LocalDate.now(clock).isAfter(dueDate);\n"
    "    }\n"
    "}\n"
    "```\n"
    "\n"
    "Passing a `Clock` instead of calling `LocalDate.now()` directly keeps the method testable.\n"
)

_B3_C = (
    "The classic way to copy a string safely in C is to bound the copy and terminate it yourself:\n"
    "\n"
    "```c\n"
    "#include <stddef.h>\n"
    "#include <string.h>\n"
    "\n"
    "/* Copies at most size - 1 bytes and always terminates dst. Returns strlen(src). */\n"
    "size_t copy_bounded(char *dst, const char *src, size_t size)\n"
    "{\n"
    "    size_t len = strlen(src);\n"
    "    if (size > 0) {\n"
    "        size_t n = len < size - 1 ? len : size - 1;\n"
    "        memcpy(dst, src, n);\n"
    "        dst[n] = '\\0';\n"
    "    }\n"
    "    return len;\n"
    "}\n"
    "```\n"
    "\n"
    "If the return value is `>= size`, the string was truncated.\n"
)

_B3_RUBY = (
    "In Ruby, `each_with_object` builds the index in one pass:\n"
    "\n"
    "```ruby\n"
    "class Library\n"
    "  def initialize(books)\n"
    "    @by_author = books.each_with_object(Hash.new { |h, k| h[k] = [] }) do |book, index|\n"
    "      index[book.author.downcase] << book\n"
    "    end\n"
    "  end\n"
    "\n"
    "  def titles_by(author)\n"
    "    @by_author.fetch(author.downcase, []).map(&:title).sort\n"
    "  end\n"
    "end\n"
    "```\n"
    "\n"
    "`fetch` with a default avoids creating an empty entry for every unknown author.\n"
)

_B3_KOTLIN = (
    "With coroutines the retry loop reads top to bottom:\n"
    "\n"
    "```kotlin\n"
    "suspend fun <T> retrying(times: Int = 3, initialDelayMs: Long = 200, block: suspend () -> T): T {\n"
    "    var delayMs = initialDelayMs\n"
    "    repeat(times - 1) { attempt ->\n"
    "        try {\n"
    "            return block()\n"
    "        } catch (e: IOException) {\n"
    '            println("attempt ${attempt + 1} failed: ${e.message}")\n'
    "        }\n"
    "        delay(delayMs)\n"
    "        delayMs = (delayMs * 2).coerceAtMost(5_000)\n"
    "    }\n"
    "    return block()\n"
    "}\n"
    "```\n"
    "\n"
    "The last attempt is outside the loop, so its exception reaches the caller.\n"
)

_B3_HASKELL = (
    "A word count in Haskell, folding over the lines lazily:\n"
    "\n"
    "```haskell\n"
    "import qualified Data.Map.Strict as Map\n"
    "import Data.Char (isAlpha, toLower)\n"
    "\n"
    "wordFreq :: String -> Map.Map String Int\n"
    "wordFreq = foldr bump Map.empty . words . map normalise\n"
    "  where\n"
    "    normalise c\n"
    "      | isAlpha c = toLower c\n"
    "      | otherwise = ' '\n"
    "    bump w = Map.insertWith (+) w 1\n"
    "\n"
    "main :: IO ()\n"
    "main = interact $ unlines . map show . Map.toList . wordFreq\n"
    "```\n"
    "\n"
    "`Map.Strict` evaluates the counts as it goes, so a large input does not build up thunks.\n"
)

_B3_INI = (
    "The service reads `/etc/mailer/mailer.ini` at start-up:\n"
    "\n"
    "```ini\n"
    "; global settings\n"
    "[general]\n"
    "log_level = info\n"
    "workers = 4\n"
    "\n"
    "[smtp]\n"
    "host = smtp.example.org\n"
    "port = 587\n"
    "starttls = yes\n"
    "username = notifications@example.org\n"
    "\n"
    "[queue]\n"
    "path = /var/spool/mailer\n"
    "max_retries = 6\n"
    "retry_backoff = 30s, 2m, 10m, 1h\n"
    "```\n"
    "\n"
    "Restart the service after editing it; the file is not watched.\n"
)

_B3_XML = (
    "Add the dependency to your `pom.xml`:\n"
    "\n"
    "```xml\n"
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
    "  <modelVersion>4.0.0</modelVersion>\n"
    "  <dependencies>\n"
    "    <dependency>\n"
    "      <groupId>com.fasterxml.jackson.core</groupId>\n"
    "      <artifactId>jackson-databind</artifactId>\n"
    "      <version>2.17.1</version>\n"
    "    </dependency>\n"
    "    <!-- test-only: not shipped -->\n"
    "    <dependency>\n"
    "      <groupId>org.junit.jupiter</groupId>\n"
    "      <artifactId>junit-jupiter</artifactId>\n"
    "      <scope>test</scope>\n"
    "    </dependency>\n"
    "  </dependencies>\n"
    "</project>\n"
    "```\n"
    "\n"
    "Maven resolves the transitive dependencies on the next build.\n"
)

_B3_DOCKERFILE = (
    "A two-stage build keeps the compiler out of the final image:\n"
    "\n"
    "```dockerfile\n"
    "FROM golang:1.22-bookworm AS build\n"
    "WORKDIR /src\n"
    "COPY go.mod go.sum ./\n"
    "RUN go mod download\n"
    "COPY . .\n"
    'RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server\n'
    "\n"
    "FROM gcr.io/distroless/static-debian12:nonroot\n"
    "COPY --from=build /out/server /server\n"
    "EXPOSE 8080\n"
    'ENTRYPOINT ["/server", "--listen", ":8080"]\n'
    "```\n"
    "\n"
    "The final image is about 12 MB and runs as an unprivileged user.\n"
)

_B3_MAKEFILE = (
    "A Makefile whose targets rebuild only what changed:\n"
    "\n"
    "```makefile\n"
    "CC ?= cc\n"
    "CFLAGS += -O2 -Wall -Wextra\n"
    "SRC := $(wildcard src/*.c)\n"
    "OBJ := $(SRC:src/%.c=build/%.o)\n"
    "\n"
    ".PHONY: all clean\n"
    "\n"
    "all: build/app\n"
    "\n"
    "build/app: $(OBJ)\n"
    "\t$(CC) $(LDFLAGS) -o $@ $^\n"
    "\n"
    "build/%.o: src/%.c | build\n"
    "\t$(CC) $(CFLAGS) -c -o $@ $<\n"
    "\n"
    "build:\n"
    "\tmkdir -p $@\n"
    "\n"
    "clean:\n"
    "\trm -rf build\n"
    "```\n"
    "\n"
    "Recipes must start with a tab, not spaces, or make stops with a missing separator error.\n"
)

_B3_CHAT_LIST = (
    "Great question! 🎉 Here's a plan for your trip to Lisbon (14–18 October 2026):\n"
    "\n"
    "1. **Day 1 (Wed 14 Oct)**: arrive, check in near Baixa, walk up to the Miradouro de Santa Luzia at sunset 🌅\n"
    "2. **Day 2**: tram 28 early (before 9:00, it gets packed), then the Alfama and the castle; tickets are €15 "
    "online at https://castelodesaojorge.pt/en/tickets\n"
    "3. **Day 3**: a day trip to Sintra, 40 minutes by train from Rossio; the return ticket costs €4.80\n"
    "4. **Day 4**: Belém 🥮 (try the pastéis, ~€1.40 each) and the MAAT museum by the river\n"
    "5. **Day 5 (Sun 18 Oct)**: the LX Factory market, then the airport; allow 45 min by metro\n"
    "\n"
    "Budget roughly €120–150 a day for two, without the hotel. Have fun! 😊🇵🇹\n"
)

_B3_INDIC = (
    "भारत में मानसून जून में केरल से शुरू होता है और धीरे-धीरे पूरे देश में फैल जाता है। किसानों के लिए यह "
    "समय बहुत महत्वपूर्ण है, क्योंकि खरीफ़ की फ़सलें इसी बारिश पर निर्भर करती हैं।\n"
    "\n"
    "தமிழ்நாட்டில் வடகிழக்கு பருவமழை அக்டோபர் முதல் டிசம்பர் வரை பெய்கிறது. சென்னை நகரத்தின் "
    "குடிநீர் ஏரிகள் இந்த மழையால் நிரம்புகின்றன.\n"
)

_B3_LATIN_DIACRITICS = (
    "W Krakowie najlepiej zacząć od Rynku Głównego, a potem przejść Drogą Królewską na Wawel. "
    "Żółć, źdźbło i gęślą to słowa, którymi Polacy lubią straszyć cudzoziemców.\n"
    "\n"
    "İstanbul'da Kapalıçarşı pazar günleri kapalıdır; çarşamba ya da perşembe sabahı gitmek daha "
    "sakin olur. Çay her yerde ikram edilir, reddetmek ayıp sayılmaz.\n"
    "\n"
    "Příliš žluťoučký kůň úpěl ďábelské ódy, říkají Češi, když zkoušejí klávesnici.\n"
)

_B3_TASKS = (
    "### Release checklist for v3.2\n"
    "\n"
    "- [x] Freeze the `release/3.2` branch and tag `v3.2.0-rc1`\n"
    "- [x] Run the migration dry-run against a copy of production (took 14 min, 0 errors)\n"
    "- [ ] Update the changelog:\n"
    "  - [ ] *Breaking*: the `/v1/export` endpoint now pages by cursor\n"
    "  - [ ] *Fixed*: time zones in the weekly digest (#4127)\n"
    "- [ ] Announce the window in #ops at least 24 hours ahead\n"
    "\n"
    "> **Note:** if the dry-run exceeds 20 minutes, split the migration into two deploys.\n"
)

_B3_QUOTES_NESTED = (
    "In the German edition the line reads „Er sagte: ‚Morgen vielleicht.‘“ and the French one "
    "« Il a dit : “Demain, peut-être.” », while the Japanese translator chose 「彼は『明日かな』と言った」. "
    "Three languages, three ways to nest a quotation, and every one of them breaks naive "
    "quote matching.\n"
    "\n"
    "Typographers call the inner marks 'secondary quotes'; style guides disagree on whether the full stop "
    "goes inside them.\n"
)

#: The third batch: written after the rules that the first two led to, judged once before any rule sees it.
BATCH_3: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("b3_go", "go", _B3_GO),
    ("b3_java", "java", _B3_JAVA),
    ("b3_c", "c", _B3_C),
    ("b3_ruby", "ruby", _B3_RUBY),
    ("b3_kotlin", "kotlin", _B3_KOTLIN),
    ("b3_haskell", "haskell", _B3_HASKELL),
    ("b3_ini", "ini", _B3_INI),
    ("b3_xml", "xml", _B3_XML),
    ("b3_dockerfile", "dockerfile", _B3_DOCKERFILE),
    ("b3_makefile", "makefile", _B3_MAKEFILE),
    ("b3_chat_list", "chat-list", _B3_CHAT_LIST),
    ("b3_indic", "indic", _B3_INDIC),
    ("b3_latin_diacritics", "latin-diacritics", _B3_LATIN_DIACRITICS),
    ("b3_tasks", "task-list", _B3_TASKS),
    ("b3_quotes_nested", "nested-quotes", _B3_QUOTES_NESTED),
]

_B4_SWIFT = (
    "In Swift, an `actor` serialises access to its state:\n"
    "\n"
    "```swift\n"
    "actor RateLimiter {\n"
    "    private var tokens: Int\n"
    "    private let capacity: Int\n"
    "\n"
    "    init(capacity: Int) {\n"
    "        self.capacity = capacity\n"
    "        self.tokens = capacity\n"
    "    }\n"
    "\n"
    "    func take() -> Bool {\n"
    "        guard tokens > 0 else { return false }\n"
    "        tokens -= 1\n"
    "        return true\n"
    "    }\n"
    "\n"
    "    func refill(_ amount: Int = 1) {\n"
    "        tokens = min(capacity, tokens + amount)\n"
    "    }\n"
    "}\n"
    "```\n"
    "\n"
    "Callers `await limiter.take()`, so two tasks never decrement the count at once.\n"
)

_B4_PHP = (
    "A PHP 8 function with named arguments and a match expression:\n"
    "\n"
    "```php\n"
    "<?php\n"
    "\n"
    "function shippingCost(float $weightKg, string $zone = 'EU', bool $express = false): float\n"
    "{\n"
    "    $base = match ($zone) {\n"
    "        'EU' => 4.90,\n"
    "        'UK', 'CH' => 9.50,\n"
    "        default => 14.00,\n"
    "    };\n"
    "    $cost = $base + max(0, $weightKg - 1) * 1.20;\n"
    "    return $express ? $cost * 1.8 : $cost;\n"
    "}\n"
    "\n"
    "echo shippingCost(weightKg: 2.5, express: true), PHP_EOL;\n"
    "```\n"
    "\n"
    "Named arguments let you skip `$zone` and keep its default.\n"
)

_B4_ELIXIR = (
    "Pattern matching in Elixir makes the state machine explicit:\n"
    "\n"
    "```elixir\n"
    "defmodule Door do\n"
    "  def handle(:closed, :open), do: {:ok, :opened}\n"
    "  def handle(:opened, :close), do: {:ok, :closed}\n"
    "  def handle(:closed, :lock), do: {:ok, :locked}\n"
    "  def handle(:locked, {:unlock, code}) when code == 1234, do: {:ok, :closed}\n"
    "  def handle(state, event), do: {:error, {:invalid, state, event}}\n"
    "end\n"
    "```\n"
    "\n"
    "The last clause catches everything else, so an unknown event never crashes the process.\n"
)

_B4_SQL_PLPGSQL = (
    "A trigger keeps `updated_at` current:\n"
    "\n"
    "```sql\n"
    "CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger AS $$\n"
    "BEGIN\n"
    "    NEW.updated_at := now();\n"
    "    RETURN NEW;\n"
    "END;\n"
    "$$ LANGUAGE plpgsql;\n"
    "\n"
    "CREATE TRIGGER orders_touch\n"
    "    BEFORE UPDATE ON orders\n"
    "    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();\n"
    "```\n"
    "\n"
    "Attach the same function to every table that has the column.\n"
)

_B4_NGINX = (
    "Put the relay behind nginx with buffering off:\n"
    "\n"
    "```nginx\n"
    "server {\n"
    "    listen 443 ssl http2;\n"
    "    server_name relay.example.com;\n"
    "\n"
    "    location /v1/ {\n"
    "        proxy_pass http://127.0.0.1:8080;\n"
    "        proxy_http_version 1.1;\n"
    "        proxy_buffering off;\n"
    "        proxy_read_timeout 3600s;\n"
    '        proxy_set_header Connection "";\n'
    "    }\n"
    "}\n"
    "```\n"
    "\n"
    "Without `proxy_buffering off`, nginx holds the events until its buffer fills.\n"
)

_B4_HCL = (
    "The bucket in Terraform:\n"
    "\n"
    "```hcl\n"
    'resource "aws_s3_bucket" "exports" {\n'
    '  bucket = "acme-exports-${var.environment}"\n'
    "\n"
    "  tags = {\n"
    '    Team        = "data"\n'
    '    CostCenter  = "4410"\n'
    "  }\n"
    "}\n"
    "\n"
    'resource "aws_s3_bucket_lifecycle_configuration" "exports" {\n'
    "  bucket = aws_s3_bucket.exports.id\n"
    "  rule {\n"
    '    id     = "expire-old"\n'
    '    status = "Enabled"\n'
    "    expiration {\n"
    "      days = 90\n"
    "    }\n"
    "  }\n"
    "}\n"
    "```\n"
    "\n"
    "Objects older than 90 days are deleted automatically.\n"
)

_B4_DIFF = (
    "The fix is a one-line change:\n"
    "\n"
    "```diff\n"
    "--- a/relay/limits.py\n"
    "+++ b/relay/limits.py\n"
    "@@ -41,7 +41,7 @@ def admit(self, stream_id: str) -> bool:\n"
    "     if self.closed:\n"
    "         return False\n"
    "-    if len(self.active) > self.max_streams:\n"
    "+    if len(self.active) >= self.max_streams:\n"
    "         self.rejected += 1\n"
    "         return False\n"
    "     self.active.add(stream_id)\n"
    "```\n"
    "\n"
    "With `>` the limit let one stream too many through.\n"
)

_B4_TRACEBACK = (
    "The worker crashed with this traceback:\n"
    "\n"
    "```text\n"
    "Traceback (most recent call last):\n"
    '  File "/app/worker.py", line 88, in run\n'
    "    result = handler(job.payload)\n"
    '  File "/app/handlers/invoice.py", line 23, in handle\n'
    '    total = sum(line["amount"] for line in payload["lines"])\n'
    "KeyError: 'lines'\n"
    "```\n"
    "\n"
    "The payload came from the old API version, which called the field `items`.\n"
)

_B4_PERSIAN = (
    "تهران پایتخت ایران است و در دامنه\u200cی کوه\u200cهای البرز قرار دارد. زمستان\u200cها برف می\u200cبارد "
    "و تابستان\u200cها گرم و خشک است.\n"
    "\n"
    "بازار بزرگ تهران یکی از قدیمی\u200cترین بازارهای شهر است؛ بیشتر مغازه\u200cها ساعت ۹ صبح باز می\u200cشوند.\n"
)

_B4_KHMER_MYANMAR = (
    "ភ្នំពេញជារាជធានីនៃប្រទេសកម្ពុជា ហើយមានទីតាំងនៅចំណុចប្រសព្វនៃទន្លេមេគង្គនិងទន្លេសាប។\n"
    "\n"
    "ရန်ကုန်မြို့သည် မြန်မာနိုင်ငံ၏ အကြီးဆုံးမြို့ဖြစ်ပြီး ရွှေတိဂုံစေတီတော်ကြောင့် လူသိများသည်။\n"
)

_B4_EMAIL = (
    "Subject: Your order #58213 has shipped\n"
    "\n"
    "Hi Maria,\n"
    "\n"
    "Good news: your order left our warehouse in Rotterdam on Tuesday, 3 March, and should arrive "
    "within 2–4 working days. You can follow it here: https://track.example.net/p/NL58213X9?lang=en\n"
    "\n"
    "Items:\n"
    "- 1 × Trail running shoes, size 39 (€119.00)\n"
    "- 2 × Merino socks (€14.50 each)\n"
    "\n"
    "If anything is missing, just reply to this email.\n"
    "\n"
    "Best,\n"
    "Joost — Customer Care\n"
)

_B4_RECIPE = (
    "## Shakshuka for two\n"
    "\n"
    "**Ingredients:** 4 eggs, 1 onion, 2 cloves of garlic, 1 red pepper, 400 g chopped tomatoes, "
    "1 tsp cumin, ½ tsp smoked paprika, salt, and a handful of parsley.\n"
    "\n"
    "1. Soften the onion and pepper in olive oil for 8–10 minutes.\n"
    "2. Add the garlic and spices; stir for 30 seconds until fragrant.\n"
    "3. Pour in the tomatoes, season, and simmer for about 10 minutes.\n"
    "4. Make four hollows, crack an egg into each, cover, and cook for 6–8 minutes.\n"
    "\n"
    "Serve straight from the pan with bread. 🍳\n"
)

_B4_FOOTNOTES = (
    "The term *technical debt* was coined by Ward Cunningham in 1992.[^1] He compared shipping "
    "imperfect code to taking on a loan: useful, as long as you pay it back.[^2]\n"
    "\n"
    "[^1]: Cunningham, W. (1992). *The WyCash Portfolio Management System*. OOPSLA '92.\n"
    "[^2]: He later regretted that the metaphor was read as permission to write bad code.\n"
)

_B4_VIET_HUNGARIAN = (
    "Phở là món ăn nổi tiếng nhất của Việt Nam, thường được ăn vào buổi sáng với rau thơm, chanh và ớt.\n"
    "\n"
    "Az Országház Budapest egyik legismertebb épülete; a Duna partján áll, és naponta több ezer "
    "látogató keresi fel. Öt perc sétára van a Szabadság tértől.\n"
)

#: The fourth batch: written before any rule that batch 3's misses lead to, so it judges those rules.
BATCH_4: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("b4_swift", "swift", _B4_SWIFT),
    ("b4_php", "php", _B4_PHP),
    ("b4_elixir", "elixir", _B4_ELIXIR),
    ("b4_plpgsql", "plpgsql", _B4_SQL_PLPGSQL),
    ("b4_nginx", "nginx", _B4_NGINX),
    ("b4_hcl", "hcl", _B4_HCL),
    ("b4_diff", "diff", _B4_DIFF),
    ("b4_traceback", "traceback", _B4_TRACEBACK),
    ("b4_persian", "persian", _B4_PERSIAN),
    ("b4_khmer_myanmar", "khmer-myanmar", _B4_KHMER_MYANMAR),
    ("b4_email", "email", _B4_EMAIL),
    ("b4_recipe", "recipe", _B4_RECIPE),
    ("b4_footnotes", "footnotes", _B4_FOOTNOTES),
    ("b4_viet_hungarian", "viet-hungarian", _B4_VIET_HUNGARIAN),
]

_B5_SCALA = (
    "A Scala 3 enum with a match that the compiler checks for exhaustiveness:\n"
    "\n"
    "```scala\n"
    "enum Payment:\n"
    "  case Card(last4: String, expiry: String)\n"
    "  case Transfer(iban: String)\n"
    "  case Voucher(code: String, cents: Long)\n"
    "\n"
    "def describe(p: Payment): String = p match\n"
    '  case Payment.Card(last4, _)      => s"card ending in $last4"\n'
    '  case Payment.Transfer(iban)      => s"transfer from ${iban.take(4)}…"\n'
    '  case Payment.Voucher(code, cents) if cents > 0 => s"voucher $code"\n'
    '  case Payment.Voucher(_, _)       => "empty voucher"\n'
    "```\n"
    "\n"
    "Drop a case and `scalac` warns that the match may not be exhaustive.\n"
)

_B5_LUA = (
    "Lua functions take a variable number of arguments with `...`:\n"
    "\n"
    "```lua\n"
    "local function log(level, fmt, ...)\n"
    "  local args = { ... }\n"
    '  local line = string.format("[%s] " .. fmt, level, table.unpack(args))\n'
    '  io.stderr:write(line, "\\n")\n'
    "  return #args\n"
    "end\n"
    "\n"
    "local M = {}\n"
    'function M.info(...) return log("INFO", ...) end\n'
    'function M.warn(...) return log("WARN", ...) end\n'
    "return M\n"
    "```\n"
    "\n"
    '`select("#", ...)` counts the arguments, including trailing `nil`s, where `#args` may not.\n'
)

_B5_R = (
    "In R, the tidyverse version of a grouped summary:\n"
    "\n"
    "```r\n"
    "library(dplyr)\n"
    "\n"
    "sales %>%\n"
    "  filter(year >= 2022, !is.na(region)) %>%\n"
    "  group_by(region, quarter) %>%\n"
    "  summarise(\n"
    "    revenue = sum(amount, na.rm = TRUE),\n"
    "    orders  = n(),\n"
    '    .groups = "drop"\n'
    "  ) %>%\n"
    "  arrange(desc(revenue))\n"
    "```\n"
    "\n"
    'With `.groups = "drop"` the result is an ordinary tibble again, so later steps are not grouped by surprise.\n'
)

_B5_ZIG = (
    "Zig makes every allocation explicit:\n"
    "\n"
    "```zig\n"
    'const std = @import("std");\n'
    "\n"
    "pub fn main() !void {\n"
    "    var gpa = std.heap.GeneralPurposeAllocator(.{}){};\n"
    "    defer _ = gpa.deinit();\n"
    "    const allocator = gpa.allocator();\n"
    "\n"
    "    const words = try allocator.alloc([]const u8, 3);\n"
    "    defer allocator.free(words);\n"
    '    words[0] = "alpha";\n'
    '    words[1] = "beta";\n'
    '    words[2] = "gamma";\n'
    "    for (words, 0..) |word, i| {\n"
    '        std.debug.print("{d}: {s}\\n", .{ i, word });\n'
    "    }\n"
    "}\n"
    "```\n"
    "\n"
    "The `defer` lines run in reverse order when `main` returns, so the leak check sees the freed slice.\n"
)

_B5_ERLANG = (
    "A minimal gen_server in Erlang keeps a counter:\n"
    "\n"
    "```erlang\n"
    "-module(counter).\n"
    "-behaviour(gen_server).\n"
    "-export([start_link/0, bump/1, init/1, handle_call/3, handle_cast/2]).\n"
    "\n"
    "start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, 0, []).\n"
    "bump(N) -> gen_server:call(?MODULE, {bump, N}).\n"
    "\n"
    "init(Count) -> {ok, Count}.\n"
    "handle_call({bump, N}, _From, Count) -> {reply, Count + N, Count + N};\n"
    "handle_call(_Other, _From, Count) -> {reply, {error, unknown}, Count}.\n"
    "handle_cast(_Msg, Count) -> {noreply, Count}.\n"
    "```\n"
    "\n"
    "A crash in `handle_call` restarts the process under its supervisor with the count back at zero.\n"
)

_B5_TOML_CONFIG = (
    "Here is a fuller `relay.toml` with two providers and a route that fails over:\n"
    "\n"
    "```toml\n"
    "[server]\n"
    'listen = "0.0.0.0:8080"\n'
    "max_streams = 2_000\n"
    "\n"
    "[[providers]]\n"
    'name     = "openai"\n'
    'base_url = "https://api.openai.com/v1"\n'
    'api_key  = { env = "OPENAI_API_KEY" }\n'
    "\n"
    "[[providers]]\n"
    'name     = "anthropic"\n'
    'base_url = "https://api.anthropic.com"\n'
    'api_key  = { env = "ANTHROPIC_API_KEY" }\n'
    "\n"
    "[routes.chat]\n"
    'targets = ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku"]\n'
    "stall_timeout_s = 8.5\n"
    "holdback = true\n"
    "```\n"
    "\n"
    "Keys in `[[providers]]` are read in order; the first target of a route is its primary.\n"
)

_B5_GRAPHQL = (
    "Ask only for the fields you render:\n"
    "\n"
    "```graphql\n"
    "query RecentOrders($first: Int = 10, $after: String) {\n"
    "  viewer {\n"
    "    orders(first: $first, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {\n"
    "      edges {\n"
    "        node {\n"
    "          id\n"
    "          number\n"
    "          total { amount currency }\n"
    "        }\n"
    "      }\n"
    "      pageInfo { hasNextPage endCursor }\n"
    "    }\n"
    "  }\n"
    "}\n"
    "```\n"
    "\n"
    "Pass `endCursor` back as `$after` to fetch the next page.\n"
)

_B5_PROTOBUF = (
    "The message and service definitions:\n"
    "\n"
    "```protobuf\n"
    'syntax = "proto3";\n'
    "\n"
    "package relay.v1;\n"
    "\n"
    "message StreamEvent {\n"
    "  uint64 seq = 1;\n"
    "  oneof payload {\n"
    "    string token = 2;\n"
    "    Failover failover = 3;\n"
    "    bool done = 4;\n"
    "  }\n"
    "}\n"
    "\n"
    "message Failover {\n"
    "  string from_model = 1;\n"
    "  string to_model = 2;\n"
    "  string reason = 3;\n"
    "}\n"
    "\n"
    "service Relay {\n"
    "  rpc Watch(WatchRequest) returns (stream StreamEvent);\n"
    "}\n"
    "```\n"
    "\n"
    "Field numbers, not names, go on the wire, so never reuse a deleted one.\n"
)

_B5_CSV_ANSWER = (
    "I cleaned the file: quoted the fields with commas, fixed the dates to ISO 8601, and dropped two duplicates.\n"
    "\n"
    "```csv\n"
    "id,name,city,joined,plan,monthly_eur\n"
    '1041,"Okafor, Chidi",Lagos,2023-02-14,pro,49.00\n'
    '1042,"Lindqvist, Åsa",Malmö,2023-03-01,team,129.00\n'
    "1043,Mateus Rocha,Porto,2023-03-09,free,0.00\n"
    '1044,"Nguyen, Thi Lan",Hà Nội,2023-04-22,pro,49.00\n'
    '1045,"O\'Brien, Seán",Cork,2023-05-30,team,129.00\n'
    "```\n"
    "\n"
    "Totals: 5 customers, 356.00 EUR a month; the `team` plan brings in 258.00 of it.\n"
)

_B5_LATEX_PROOF = (
    r"\begin{theorem}"
    "\n"
    r"There are infinitely many primes."
    "\n"
    r"\end{theorem}"
    "\n"
    "\n"
    r"\begin{proof}"
    "\n"
    r"Suppose there were finitely many, $p_1, p_2, \dots, p_k$, and let $N = p_1 p_2 \cdots p_k + 1$. "
    r"Each $p_i$ divides $N - 1$, so $N \equiv 1 \pmod{p_i}$ for every $i$, and no $p_i$ divides $N$. "
    r"But $N > 1$ has a prime factor $q$, and $q \notin \{p_1, \dots, p_k\}$, a contradiction."
    "\n"
    r"\end{proof}"
    "\n"
    "\n"
    "The same argument shows that for every $n$ there is a prime between $n$ and $n! + 1$.\n"
)

_B5_SMS = "yes! 7:30 works 👍 meet u at the north entrance, I'll bring the tix. running ~5 min late maybe\n"

_B5_LEGAL_CLAUSES = (
    "**12. Termination**\n"
    "\n"
    "12.1 Either party may terminate this Agreement by giving the other party not less than thirty (30) days' "
    "written notice.\n"
    "\n"
    "12.2 Either party may terminate this Agreement with immediate effect if the other party:\n"
    "\n"
    "(a) commits a material breach that is incapable of remedy;\n"
    "(b) fails to remedy a remediable breach within fourteen (14) days of being notified of it; or\n"
    "(c) becomes insolvent, enters into liquidation, or has a receiver appointed over its assets.\n"
    "\n"
    "12.3 Clauses 9 (Confidentiality), 11 (Liability) and 14 (Governing Law) survive termination.\n"
)

_B5_CAUCASUS_ETHIOPIC = (
    "አዲስ አበባ የኢትዮጵያ ዋና ከተማ ናት፤ ከባሕር ጠለል በላይ 2,355 ሜትር ከፍታ ላይ ትገኛለች።\n"
    "\n"
    "თბილისი საქართველოს დედაქალაქია და მტკვრის ნაპირებზე მდებარეობს. ძველ უბანში ბევრი გოგირდის აბანოა.\n"
    "\n"
    "Երևանը Հայաստանի մայրաքաղաքն է, և պարզ օրերին քաղաքից երևում է Արարատ լեռը։\n"
)

_B5_RTL_LTR = (
    "הפקודה להפעלה היא \u200e`relay serve --port 8080`\u200f, ואחריה יש לבדוק את \u200e/healthz\u200f.\n"
    "\n"
    "Build 2.7 שוחרר ביום שלישי; the changelog lists 14 fixes, ו־3 מהם נוגעים ל־Redis.\n"
    "\n"
    "للتثبيت: \u200epip install splice-relay==2.7.0\u200f ثم شغّل الأمر أعلاه. Version 2.7 requires Python 3.11.\n"
)

#: The fifth batch: written before any rule that batch 4's misses lead to, so it judges those rules.
BATCH_5: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("b5_scala", "scala", _B5_SCALA),
    ("b5_lua", "lua", _B5_LUA),
    ("b5_r", "r", _B5_R),
    ("b5_zig", "zig", _B5_ZIG),
    ("b5_erlang", "erlang", _B5_ERLANG),
    ("b5_toml_config", "toml-config", _B5_TOML_CONFIG),
    ("b5_graphql", "graphql", _B5_GRAPHQL),
    ("b5_protobuf", "protobuf", _B5_PROTOBUF),
    ("b5_csv_answer", "csv-answer", _B5_CSV_ANSWER),
    ("b5_latex_proof", "latex-proof", _B5_LATEX_PROOF),
    ("b5_sms", "sms", _B5_SMS),
    ("b5_legal_clauses", "legal-clauses", _B5_LEGAL_CLAUSES),
    ("b5_caucasus_ethiopic", "amharic-georgian-armenian", _B5_CAUCASUS_ETHIOPIC),
    ("b5_rtl_ltr", "rtl-ltr", _B5_RTL_LTR),
]


_B6_OCAML = (
    "In OCaml, a variant type plus pattern matching gives you an exhaustive "
    "evaluator almost for free:\n"
    "\n"
    "```ocaml\n"
    "type expr =\n"
    "  | Num of int\n"
    "  | Add of expr * expr\n"
    "  | Mul of expr * expr\n"
    "  | Neg of expr\n"
    "\n"
    "let rec eval = function\n"
    "  | Num n -> n\n"
    "  | Add (a, b) -> eval a + eval b\n"
    "  | Mul (a, b) -> eval a * eval b\n"
    "  | Neg e -> - (eval e)\n"
    "\n"
    "let () =\n"
    "  let e = Add (Num 2, Mul (Num 3, Neg (Num 4))) in\n"
    '  Printf.printf "result = %d\\n" (eval e)\n'
    "```\n"
    "\n"
    "Running it with `ocaml expr.ml` prints `result = -10`. If you later add a `Div "
    "of expr * expr` case, the compiler flags every **non-exhaustive match** "
    "(warning 8) until you handle it, which is why OCaml code leans on variants "
    "where Java would use a class hierarchy.\n"
)

_B6_PERL = (
    "Here's a Perl one-pass summary that counts status codes per host in an access log:\n"
    "\n"
    "```perl\n"
    "#!/usr/bin/env perl\n"
    "use strict;\n"
    "use warnings;\n"
    "\n"
    "my %hits;\n"
    "while (my $line = <STDIN>) {\n"
    '    next unless $line =~ m{^(\\S+) \\S+ \\S+ \\[[^\\]]+\\] "[A-Z]+ \\S+ [^"]*" (\\d{3})};\n'
    "    my ($host, $status) = ($1, $2);\n"
    "    $hits{$host}{$status}++;\n"
    "}\n"
    "\n"
    "for my $host (sort keys %hits) {\n"
    '    my @parts = map { "$_=$hits{$host}{$_}" } sort keys %{ $hits{$host} };\n'
    "    printf \"%-20s %s\\n\", $host, join(', ', @parts);\n"
    "}\n"
    "```\n"
    "\n"
    "Run it as `perl summary.pl < access.log`. The `m{...}` delimiters save you from "
    "escaping every slash, and `%{ $hits{$host} }` dereferences the inner hash. If "
    "you pipe the output into something that should see it line by line, add `$| = "
    "1;` near the top to turn off buffering.\n"
)

_B6_POWERSHELL = (
    "To find the 10 largest files under a folder and export them to CSV in PowerShell:\n"
    "\n"
    "```powershell\n"
    '$root = "C:\\Users\\$env:USERNAME\\Documents"\n'
    "Get-ChildItem -Path $root -Recurse -File -ErrorAction SilentlyContinue |\n"
    "    Sort-Object -Property Length -Descending |\n"
    "    Select-Object -First 10 @{Name = 'SizeMB'; Expression = { "
    "[math]::Round($_.Length / 1MB, 2) }}, FullName |\n"
    '    Export-Csv -Path "$HOME\\largest-files.csv" -NoTypeInformation -Encoding UTF8\n'
    "\n"
    'Write-Host "Saved to $HOME\\largest-files.csv" -ForegroundColor Green\n'
    "```\n"
    "\n"
    "A few notes:\n"
    "\n"
    "- No backtick is needed at the line ends, because each of those lines ends with a pipe `|`.\n"
    "- `-ErrorAction SilentlyContinue` skips folders you cannot read (for example "
    "`AppData\\Local\\Temp` of another user).\n"
    "- `1MB` is a built-in numeric suffix, so `$_.Length / 1MB` gives megabytes "
    "without any constants.\n"
    "- In PowerShell 7 you could add `-Parallel` to `ForEach-Object`, but a single "
    "`Get-ChildItem` does not benefit from it.\n"
)

_B6_JUPYTER = (
    "Let's load the data and look at it first:\n"
    "\n"
    "```python\n"
    "import pandas as pd\n"
    "\n"
    'df = pd.read_csv("measurements.csv", parse_dates=["timestamp"])\n'
    "df.head(3)\n"
    "```\n"
    "\n"
    "```\n"
    "            timestamp sensor  temperature  humidity\n"
    "0 2024-03-01 00:00:00   A-12         21.4      0.43\n"
    "1 2024-03-01 00:05:00   A-12         21.6      0.44\n"
    "2 2024-03-01 00:10:00   B-07         19.8      0.51\n"
    "```\n"
    "\n"
    "The timestamps were parsed correctly. Now the daily mean per sensor:\n"
    "\n"
    "```python\n"
    'daily = df.set_index("timestamp").groupby("sensor").resample("D")["temperature"].mean()\n'
    "daily.unstack(0).round(1)\n"
    "```\n"
    "\n"
    "```\n"
    "sensor      A-12  B-07\n"
    "timestamp\n"
    "2024-03-01  21.9  19.5\n"
    "2024-03-02  22.3  19.9\n"
    "```\n"
    "\n"
    "Sensor **B-07 runs about 2.4 °C cooler** on both days, which fits its place by "
    "the north window. Next, `df.corr(numeric_only=True)` would show whether humidity moves with it.\n"
)

_B6_HELM = (
    "A Helm template for the Service, with values you can override per environment:\n"
    "\n"
    "```yaml\n"
    "apiVersion: v1\n"
    "kind: Service\n"
    "metadata:\n"
    '  name: {{ include "relay.fullname" . }}\n'
    "  labels:\n"
    '    {{- include "relay.labels" . | nindent 4 }}\n'
    "  {{- with .Values.service.annotations }}\n"
    "  annotations:\n"
    "    {{- toYaml . | nindent 4 }}\n"
    "  {{- end }}\n"
    "spec:\n"
    '  type: {{ .Values.service.type | default "ClusterIP" }}\n'
    "  ports:\n"
    "    - port: {{ .Values.service.port }}\n"
    "      targetPort: http\n"
    "      protocol: TCP\n"
    "      name: http\n"
    "  selector:\n"
    '    {{- include "relay.selectorLabels" . | nindent 4 }}\n'
    "```\n"
    "\n"
    "And in `values-prod.yaml`:\n"
    "\n"
    "```yaml\n"
    "service:\n"
    "  type: LoadBalancer\n"
    "  port: 443\n"
    "  annotations:\n"
    "    service.beta.kubernetes.io/aws-load-balancer-type: nlb\n"
    "```\n"
    "\n"
    "The `{{-` form trims the whitespace before the tag, so the rendered YAML has no "
    "stray blank lines. Check the output with `helm template relay ./chart -f "
    "values-prod.yaml` before running `helm upgrade --install`.\n"
)

_B6_REGEX = (
    "Here is the pattern, broken down piece by piece:\n"
    "\n"
    "```\n"
    "^(?<user>[\\w.+-]+)@(?<domain>(?:[a-z0-9-]+\\.)+[a-z]{2,})$\n"
    "```\n"
    "\n"
    "- `^` and `$` anchor the match to the whole string.\n"
    "- `(?<user>[\\w.+-]+)` is a named group: one or more word characters, dots, plus "
    "signs or hyphens. Inside a character class the `.` is literal, so it needs no backslash.\n"
    "- `@` matches itself.\n"
    "- `(?:[a-z0-9-]+\\.)+` is a non-capturing group repeated one or more times: a "
    "label followed by an escaped dot `\\.`.\n"
    "- `[a-z]{2,}` is the top-level domain, two letters or more.\n"
    "\n"
    'In Python, write it as a raw string, `r"^(?P<user>[\\w.+-]+)@..."`, otherwise '
    "`\\w` and `\\.` go through string escaping first; note also that Python spells "
    "named groups `(?P<user>...)`. In JavaScript a regex literal such as "
    '`/\\d+\\.\\d+/` needs no doubling, but `new RegExp("\\\\d+\\\\.\\\\d+")` does.\n'
)

_B6_ASCII_DIAGRAM = (
    "The request path through the relay looks like this:\n"
    "\n"
    "```\n"
    " ┌────────┐   POST /v1/streams   ┌─────────────┐\n"
    " │ client │ ───────────────────▶ │    relay    │\n"
    " └────────┘                      │  (engine)   │\n"
    "     ▲                           └──────┬──────┘\n"
    "     │  SSE events                      │ chat request\n"
    "     │  (Last-Event-ID)                 ▼\n"
    "     │                           ┌─────────────┐\n"
    "     └────────────────────────── │  provider   │\n"
    "                                 │  (primary)  │\n"
    "                                 └─────────────┘\n"
    "```\n"
    "\n"
    "If the primary stalls, the engine opens a second request to the fallback and "
    "keeps writing to the **same event log**, so the client's connection never "
    "notices. The log lives in memory by default, or in Redis when you run more than one instance:\n"
    "\n"
    "```\n"
    "+--------+      +---------+      +--------+\n"
    "| relay1 | ---> |  Redis  | <--- | relay2 |\n"
    "+--------+      +---------+      +--------+\n"
    "```\n"
    "\n"
    "Either relay can then serve a reconnecting client, whichever one it lands on.\n"
)

_B6_BLOCKQUOTES = (
    "The thread went roughly like this (trimmed):\n"
    "\n"
    "> **Maria:** Can we drop support for Python 3.9 in the next release?\n"
    ">\n"
    "> > **Tom:** Only if the Debian package is updated first. Bookworm ships 3.11, "
    "so most users are fine.\n"
    "> >\n"
    "> > > **Ana:** The last download stats showed 7.8% of installs still on 3.9.\n"
    "> >\n"
    "> > That number is from March, though.\n"
    ">\n"
    "> Fair. Let's announce it now and drop it in 4.0.\n"
    "\n"
    "My summary: the team agreed to **deprecate Python 3.9 in the 3.8 release** and "
    "remove it in 4.0. Two follow-ups:\n"
    "\n"
    "1. Add a `DeprecationWarning` on import when `sys.version_info < (3, 10)`.\n"
    "2. Update the install guide and the classifiers in `pyproject.toml`.\n"
    "\n"
    "Nobody objected to the timeline, so I'll open the issue for both today.\n"
)

_B6_CHANGELOG = (
    "Here is the changelog in Keep a Changelog format:\n"
    "\n"
    "## [2.4.0] - 2024-11-18\n"
    "\n"
    "### Added\n"
    "- `--workers N` runs N processes behind one port (#412).\n"
    "- A `cost` event now carries `currency`, and `estimated: true` until the "
    "provider's figures arrive.\n"
    "\n"
    "### Changed\n"
    "- The default stall timeout is 8 s instead of 15 s; set `stall_timeout_s = 15` "
    "to keep the old behaviour.\n"
    "- Requires `redis-py >= 5.0.1`.\n"
    "\n"
    "### Fixed\n"
    "- Resuming with a `Last-Event-ID` older than the log's first event returned "
    "500; it now returns 410 Gone (#398).\n"
    "- A UTF-8 character split across two chunks was sent as two replacement characters.\n"
    "\n"
    "## [2.3.2] - 2024-10-02\n"
    "\n"
    "### Fixed\n"
    "- Memory grew by about 1.5 KB per finished stream when the audit log was disabled (#390).\n"
    "\n"
    "## [2.3.1] - 2024-09-27\n"
    "\n"
    "### Security\n"
    "- Bearer tokens no longer appear in debug logs.\n"
    "\n"
    "[2.4.0]: https://github.com/example/splice-relay/compare/v2.3.2...v2.4.0\n"
    "[2.3.2]: https://github.com/example/splice-relay/compare/v2.3.1...v2.3.2\n"
)

_B6_INDONESIAN_RECIPE = (
    "Berikut resep **nasi goreng kampung** untuk 2 porsi:\n"
    "\n"
    "**Bahan:**\n"
    "- 2 piring nasi putih dingin (sisa semalam lebih baik)\n"
    "- 3 siung bawang merah dan 2 siung bawang putih\n"
    "- 2 buah cabai merah, sesuai selera\n"
    "- 1 sdt terasi bakar\n"
    "- 2 sdm kecap manis\n"
    "- 1 butir telur\n"
    "- Garam dan sedikit gula\n"
    "\n"
    "**Cara membuat:**\n"
    "1. Haluskan bawang merah, bawang putih, cabai, dan terasi menjadi bumbu.\n"
    "2. Panaskan 2 sdm minyak, lalu tumis bumbu halus hingga harum, sekitar 2–3 menit.\n"
    "3. Masukkan telur, orak-arik sampai setengah matang.\n"
    "4. Tambahkan nasi, kecap manis, garam, dan gula. Aduk rata dengan api besar "
    "agar nasi sedikit gosong di bagian bawah.\n"
    "5. Cicipi, lalu sajikan dengan kerupuk, irisan mentimun, dan telur ceplok di atasnya.\n"
    "\n"
    "Tips: jangan pakai nasi yang baru matang, karena teksturnya terlalu lembek dan "
    "nasinya akan menggumpal. Selamat mencoba!\n"
)

_B6_HINGLISH = (
    "Haan bilkul! Aapka laptop slow hone ke kuch common reasons hain:\n"
    "\n"
    "1. **Startup apps bahut zyada hain** – Task Manager kholiye (Ctrl + Shift + "
    'Esc), "Startup" tab mein jaake unnecessary apps ko disable kar dijiye.\n'
    "2. **Disk almost full hai** – C: drive mein kam se kam 15-20% space free rakhna "
    "chahiye. Storage Sense on kar dijiye.\n"
    "3. **RAM kam hai** – agar sirf 4 GB hai aur Chrome mein 20 tabs khule hain, toh "
    "slow hona normal hai.\n"
    "\n"
    "अगर इसके बाद भी problem रहे, तो एक बार `sfc /scannow` command चलाइए, यह "
    'corrupted system files को ठीक कर देता है। Command Prompt ko "Run as '
    'administrator" se kholna zaroori hai.\n'
    "\n"
    "Aur haan, SSD upgrade sabse bada farak laata hai – ₹2,500 ke aas-paas mein 512 "
    "GB ka SSD mil jaata hai. Koi aur sawaal ho toh batayiye! 🙂\n"
)

_B6_MATH_INLINE = (
    "To solve $x^2 - 5x + 6 = 0$, use the quadratic formula \\(x = \\frac{-b \\pm "
    "\\sqrt{b^2 - 4ac}}{2a}\\) with $a = 1$, $b = -5$ and $c = 6$.\n"
    "\n"
    "The discriminant is $\\Delta = b^2 - 4ac = 25 - 24 = 1$, so there are two real roots:\n"
    "\n"
    "$$x_{1,2} = \\frac{5 \\pm \\sqrt{1}}{2} \\quad\\Rightarrow\\quad x_1 = 3,\\; x_2 = 2.$$\n"
    "\n"
    "**Check:** $3^2 - 5 \\cdot 3 + 6 = 9 - 15 + 6 = 0$ ✓ and $2^2 - 5 \\cdot 2 + 6 = 0$ ✓.\n"
    "\n"
    "You can also factor directly: look for two numbers whose product is $6$ and "
    "whose sum is $5$, namely $2$ and $3$, so \\(x^2 - 5x + 6 = (x - 2)(x - 3)\\). "
    "Factoring is quicker when the roots are integers; the formula always works, "
    "even when $\\Delta < 0$ (then the roots are complex: $x = \\frac{-b}{2a} \\pm "
    "i\\frac{\\sqrt{-\\Delta}}{2a}$).\n"
    "\n"
    "When the roots are irrational, give a decimal as well: $x^2 - 2 = 0$ has $x = \\pm\\sqrt{2} \\approx "
    "\\pm 1.41421$.\n"
)

#: The sixth batch: written before any rule that batch 5's misses lead to, so it judges those rules.
BATCH_6: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("b6_ocaml", "ocaml", _B6_OCAML),
    ("b6_perl", "perl", _B6_PERL),
    ("b6_powershell", "powershell", _B6_POWERSHELL),
    ("b6_jupyter", "jupyter", _B6_JUPYTER),
    ("b6_helm", "helm", _B6_HELM),
    ("b6_regex", "regex", _B6_REGEX),
    ("b6_ascii_diagram", "ascii-diagram", _B6_ASCII_DIAGRAM),
    ("b6_blockquotes", "nested-blockquote", _B6_BLOCKQUOTES),
    ("b6_changelog", "changelog", _B6_CHANGELOG),
    ("b6_indonesian_recipe", "indonesian-recipe", _B6_INDONESIAN_RECIPE),
    ("b6_hinglish", "hinglish", _B6_HINGLISH),
    ("b6_math_inline", "math-inline", _B6_MATH_INLINE),
]


_B7_CPP = (
    "A C++20 concept keeps the template's error messages short:\n"
    "\n"
    "```cpp\n"
    "#include <concepts>\n"
    "#include <iostream>\n"
    "#include <vector>\n"
    "\n"
    "template <typename T>\n"
    "concept Numeric = std::integral<T> || std::floating_point<T>;\n"
    "\n"
    "template <Numeric T>\n"
    "T sum(const std::vector<T>& values) {\n"
    "    T total{};\n"
    "    for (const auto& v : values) {\n"
    "        total += v;\n"
    "    }\n"
    "    return total;\n"
    "}\n"
    "\n"
    "int main() {\n"
    "    std::vector<int> a{1, 2, 3, 4};\n"
    "    std::vector<double> b{0.5, 1.25};\n"
    "    std::cout << sum(a) << ' ' << sum(b) << '\\n';  // prints \"10 1.75\"\n"
    '    // sum(std::vector<std::string>{"x"});  // error: constraints not satisfied\n'
    "}\n"
    "```\n"
    "\n"
    "Before C++20 you would write `template <typename T, typename = "
    "std::enable_if_t<std::is_arithmetic_v<T>>>`, which works but produces pages of "
    "errors when it fails. Compile with `g++ -std=c++20 -Wall sum.cpp`; with **Clang "
    "16 or newer** the message names the unsatisfied concept directly.\n"
)

_B7_GRADLE = (
    "Here is a `build.gradle.kts` for a small Kotlin library published to Maven Central:\n"
    "\n"
    "```kotlin\n"
    "plugins {\n"
    '    kotlin("jvm") version "2.0.21"\n'
    "    `java-library`\n"
    "    `maven-publish`\n"
    "    signing\n"
    "}\n"
    "\n"
    'group = "io.example"\n'
    'version = "1.3.0"\n'
    "\n"
    "repositories {\n"
    "    mavenCentral()\n"
    "}\n"
    "\n"
    "dependencies {\n"
    '    implementation("com.squareup.okio:okio:3.9.1")\n'
    '    testImplementation(kotlin("test"))\n'
    '    testImplementation("org.junit.jupiter:junit-jupiter:5.11.3")\n'
    "}\n"
    "\n"
    "kotlin {\n"
    "    jvmToolchain(17)\n"
    "}\n"
    "\n"
    "tasks.test {\n"
    "    useJUnitPlatform()\n"
    "}\n"
    "\n"
    "publishing {\n"
    "    publications {\n"
    '        create<MavenPublication>("maven") {\n'
    '            from(components["java"])\n'
    "            pom {\n"
    '                name.set("example-lib")\n'
    '                licenses { license { name.set("Apache-2.0") } }\n'
    "            }\n"
    "        }\n"
    "    }\n"
    "}\n"
    "```\n"
    "\n"
    "Run `./gradlew publishToMavenLocal` first and check the POM under "
    "`~/.m2/repository/io/example/`, then add the Sonatype repository for the real release.\n"
)

_B7_SOLIDITY = (
    "A minimal ERC-20-style token with an owner-only mint:\n"
    "\n"
    "```solidity\n"
    "// SPDX-License-Identifier: MIT\n"
    "pragma solidity ^0.8.24;\n"
    "\n"
    "contract SimpleToken {\n"
    '    string public constant name = "Simple";\n'
    '    string public constant symbol = "SMP";\n'
    "    uint8 public constant decimals = 18;\n"
    "\n"
    "    address public immutable owner;\n"
    "    uint256 public totalSupply;\n"
    "    mapping(address => uint256) public balanceOf;\n"
    "\n"
    "    event Transfer(address indexed from, address indexed to, uint256 value);\n"
    "\n"
    "    error NotOwner();\n"
    "    error InsufficientBalance(uint256 available, uint256 required);\n"
    "\n"
    "    constructor() {\n"
    "        owner = msg.sender;\n"
    "    }\n"
    "\n"
    "    function mint(address to, uint256 amount) external {\n"
    "        if (msg.sender != owner) revert NotOwner();\n"
    "        totalSupply += amount;\n"
    "        balanceOf[to] += amount;\n"
    "        emit Transfer(address(0), to, amount);\n"
    "    }\n"
    "\n"
    "    function transfer(address to, uint256 amount) external returns (bool) {\n"
    "        uint256 bal = balanceOf[msg.sender];\n"
    "        if (bal < amount) revert InsufficientBalance(bal, amount);\n"
    "        unchecked { balanceOf[msg.sender] = bal - amount; }\n"
    "        balanceOf[to] += amount;\n"
    "        emit Transfer(msg.sender, to, amount);\n"
    "        return true;\n"
    "    }\n"
    "}\n"
    "```\n"
    "\n"
    "Since 0.8, arithmetic reverts on overflow, so the `unchecked` block only saves "
    "gas where the check above already proves the subtraction safe. For production, "
    "inherit OpenZeppelin's audited `ERC20` instead.\n"
)

_B7_ASM = (
    'Here is "hello, world" for x86-64 Linux in NASM syntax, using raw system calls:\n'
    "\n"
    "```nasm\n"
    "; hello.asm - build: nasm -f elf64 hello.asm && ld -o hello hello.o\n"
    "section .data\n"
    '    msg     db  "hello, world", 10    ; 10 = newline\n'
    "    len     equ $ - msg\n"
    "\n"
    "section .text\n"
    "    global _start\n"
    "\n"
    "_start:\n"
    "    mov     rax, 1          ; syscall 1: write\n"
    "    mov     rdi, 1          ; fd 1: stdout\n"
    "    lea     rsi, [rel msg]  ; buffer\n"
    "    mov     rdx, len        ; byte count\n"
    "    syscall\n"
    "\n"
    "    mov     rax, 60         ; syscall 60: exit\n"
    "    xor     edi, edi        ; status 0\n"
    "    syscall\n"
    "```\n"
    "\n"
    "The arguments go in `rdi`, `rsi`, `rdx` (then `r10`, `r8`, `r9`), and the "
    "syscall number in `rax`. `xor edi, edi` is the usual idiom for zeroing a "
    "register: it is shorter than `mov edi, 0` and the CPU recognises it as "
    "independent of the old value.\n"
)

_B7_SQL_MIGRATION = (
    "Here's a reversible migration that splits `full_name` into two columns without downtime:\n"
    "\n"
    "```sql\n"
    "-- 0042_split_full_name.up.sql\n"
    "-- Step 1: add the new columns as nullable so the old app version keeps working.\n"
    "ALTER TABLE users\n"
    "    ADD COLUMN first_name text,\n"
    "    ADD COLUMN last_name  text;\n"
    "\n"
    "-- Step 2: backfill in batches of 10,000 rows to avoid long locks.\n"
    "UPDATE users\n"
    "SET first_name = split_part(full_name, ' ', 1),\n"
    "    last_name  = nullif(substr(full_name, length(split_part(full_name, ' ', 1)) + 2), '')\n"
    "WHERE id IN (\n"
    "    SELECT id FROM users WHERE first_name IS NULL ORDER BY id LIMIT 10000\n"
    ");\n"
    "\n"
    "/* Step 3 runs in the next release, once nothing writes full_name:\n"
    "   ALTER TABLE users DROP COLUMN full_name; */\n"
    "```\n"
    "\n"
    "```sql\n"
    "-- 0042_split_full_name.down.sql\n"
    "ALTER TABLE users\n"
    "    DROP COLUMN IF EXISTS last_name,\n"
    "    DROP COLUMN IF EXISTS first_name;\n"
    "```\n"
    "\n"
    'Repeat the `UPDATE` until it reports `UPDATE 0`. A name like "Mary Ann Smith" '
    "ends up as `first_name = 'Mary'` and `last_name = 'Ann Smith'`, which you may "
    "want to review by hand.\n"
)

_B7_OPENAPI = (
    "An OpenAPI 3.1 description of the two endpoints:\n"
    "\n"
    "```yaml\n"
    "openapi: 3.1.0\n"
    "info:\n"
    "  title: Notes API\n"
    "  version: 1.0.0\n"
    "paths:\n"
    "  /notes:\n"
    "    get:\n"
    "      summary: List notes\n"
    "      parameters:\n"
    "        - name: limit\n"
    "          in: query\n"
    "          schema: { type: integer, minimum: 1, maximum: 100, default: 20 }\n"
    "      responses:\n"
    '        "200":\n'
    "          description: A page of notes\n"
    "          content:\n"
    "            application/json:\n"
    "              schema:\n"
    "                type: array\n"
    '                items: { $ref: "#/components/schemas/Note" }\n'
    "  /notes/{id}:\n"
    "    delete:\n"
    "      summary: Delete a note\n"
    "      parameters:\n"
    "        - { name: id, in: path, required: true, schema: { type: string, format: uuid } }\n"
    "      responses:\n"
    '        "204": { description: Deleted }\n'
    '        "404": { description: No such note }\n'
    "components:\n"
    "  schemas:\n"
    "    Note:\n"
    "      type: object\n"
    "      required: [id, text]\n"
    "      properties:\n"
    "        id: { type: string, format: uuid }\n"
    "        text: { type: string, maxLength: 10000 }\n"
    "```\n"
    "\n"
    "Validate it with `npx @redocly/cli lint openapi.yaml` before generating "
    "clients; the flow-style `{ ... }` mappings are plain YAML, so every tool reads them.\n"
)

_B7_TABLE_ESCAPED = (
    "The shell operators side by side:\n"
    "\n"
    "| Operator | Example | What it does |\n"
    "| --- | --- | --- |\n"
    "| `\\|` | `ps aux \\| grep nginx` | sends the left command's stdout to the right one's stdin |\n"
    "| `\\|\\|` | `make \\|\\| echo failed` | runs the right side only if the left one fails |\n"
    "| `&&` | `cd build && make` | runs the right side only if the left one succeeds |\n"
    "| `>` | `date > now.txt` | writes stdout to a file, replacing it |\n"
    "| `>>` | `echo done >> log.txt` | appends stdout to a file |\n"
    "| `2>&1` | `cmd > out.log 2>&1` | sends stderr wherever stdout goes |\n"
    "| `<(…)` | `diff <(sort a.txt) <(sort b.txt)` | passes a command's output as a "
    "file path (bash, zsh) |\n"
    "\n"
    "Inside a Markdown table a literal pipe must be escaped as `\\|`, even inside "
    "backticks on GitHub, which is why the first two rows look odd in the source. "
    "Other renderers, such as **older versions of Pandoc**, may show the backslash.\n"
)

_B7_FURIGANA = (
    "日本語(にほんご)の漢字(かんじ)には、読(よ)み方(かた)が複数(ふくすう)あるものが多(おお)いです。たとえば「生」は、「生活(せいかつ)」では「せい」、「生"
    "(い)きる」では「い」、「生(なま)ビール」では「なま」と読みます。\n"
    "\n"
    "初心者(しょしんしゃ)には、次(つぎ)の順番(じゅんばん)がおすすめです。\n"
    "\n"
    "1. ひらがなとカタカナを完全(かんぜん)に覚(おぼ)える（約(やく)2週間(しゅうかん)）\n"
    "2. JLPT N5 の漢字(かんじ)約(やく)100字(じ)を、単語(たんご)と一緒(いっしょ)に覚える\n"
    "3. 毎日(まいにち)15分(ふん)、ふりがな付(つ)きの文章(ぶんしょう)を読む\n"
    "\n"
    "「ふりがな」は、漢字の上(うえ)や横(よこ)に小(ちい)さく書(か)かれた読み方のことです。慣(な)れてきたら、ふりがなのない文章にも挑戦(ちょうせん)してみまし"
    "ょう。NHKの「NEWS WEB EASY」（https://www3.nhk.or.jp/news/easy/）は、ふりがな付きのやさしいニュースなので練習(れんしゅう)にぴったりです。\n"
    "\n"
    "勉強(べんきょう)を続(つづ)けるコツは、完璧(かんぺき)を目指(めざ)さないことです。分(わ)からない言葉(ことば)があっても、まず文全体(ぶんぜんたい)の意味"
    "(いみ)をつかみ、あとで辞書(じしょ)を引(ひ)きましょう。**単語(たんご)カード**のアプリを使(つか)えば、1日(いちにち)10分(ぷん)でも3か月(げつ)"
    "で500語(ご)以上(いじょう)覚(おぼ)えられます。\n"
)

_B7_UKRAINIAN = (
    "Щоб оформити закордонний паспорт в Україні, потрібно:\n"
    "\n"
    "1. Записатися онлайн у Державній міграційній службі (ДМС) або прийти до "
    "сервісного центру «Паспортний сервіс».\n"
    "2. Мати із собою ID-картку або паспорт-книжечку та ідентифікаційний код (РНОКПП).\n"
    "3. Оплатити державне мито та вартість бланка — разом близько 1 100 грн за "
    "стандартне оформлення (20 робочих днів).\n"
    "\n"
    "Термінове оформлення за 7 робочих днів коштує дорожче, приблизно 1 600 грн. "
    "Дітям до 16 років паспорт видають на 4 роки, дорослим — на **10 років**.\n"
    "\n"
    "Зверніть увагу: ціни змінюються, тому перед візитом перевірте актуальні тарифи "
    "на сайті https://dmsu.gov.ua/services/foreign.html. Якщо ви за кордоном, "
    "звертайтеся до консульства або до закордонного підрозділу «Документ».\n"
)

_B7_SWAHILI = (
    "Habari! Hapa kuna hatua za kufungua akaunti ya M-Pesa:\n"
    "\n"
    "- Nenda kwenye duka la wakala wa Safaricom ukiwa na kitambulisho chako cha taifa.\n"
    "- Mpe wakala namba yako ya simu; atasajili akaunti yako papo hapo.\n"
    "- Utapokea ujumbe mfupi (SMS) wenye PIN ya muda. Ibadilishe mara moja kwa kupiga *334#.\n"
    "\n"
    "**Gharama:** kufungua akaunti ni bure. Kutuma pesa hadi KSh 100 ni bure pia, "
    "lakini kiasi kikubwa zaidi kina ada ndogo; kwa mfano, kutuma KSh 1,500 "
    "hugharimu takriban KSh 23.\n"
    "\n"
    "| Kiasi (KSh) | Ada ya kutuma |\n"
    "| --- | --- |\n"
    "| 1 – 100 | Bure |\n"
    "| 101 – 500 | 7 |\n"
    "| 501 – 1,000 | 13 |\n"
    "\n"
    "Kumbuka: usimpe mtu yeyote PIN yako, hata kama anadai kuwa ni mfanyakazi wa "
    "Safaricom. Ukipoteza simu, piga 100 haraka ili akaunti yako ifungwe kwa muda.\n"
)

_B7_FAQ = (
    "**Frequently asked questions: the Service Agreement**\n"
    "\n"
    "1. **Can I cancel at any time?**\n"
    "   Yes. You may cancel your subscription at any time under Section 4.2. "
    "Cancellation takes effect at the end of the current billing period, and no "
    "partial refunds are issued except where required by law.\n"
    "\n"
    "2. **What happens to my data after cancellation?**\n"
    '   We keep your data for 30 days (the "Grace Period"), during which you can '
    "export it. After the Grace Period it is deleted from active systems, and from "
    "backups within a further 90 days.\n"
    "\n"
    "3. **Is the price fixed?**\n"
    "   Prices may change with at least 60 days' written notice (Section 7.1). If "
    "you do not accept the change, you may terminate before it takes effect without penalty.\n"
    "\n"
    "4. **Who owns the content I upload?**\n"
    "   You do. You grant us only the limited licence needed to provide the Service, "
    "as described in Section 9.3(b).\n"
    "\n"
    "This summary is for convenience only; if it conflicts with the Agreement, the "
    "Agreement prevails.\n"
)

_B7_LYRICS = (
    "Here are the lyrics, a simple folk song with a repeated chorus:\n"
    "\n"
    "**Verse 1**\n"
    "The river runs down to the harbour,\n"
    "The lanterns are lit on the quay,\n"
    "And every boat sailing at evening\n"
    "Is bringing a letter to me.\n"
    "\n"
    "**Chorus**\n"
    "So sing, sing, sing while the tide's turning,\n"
    "Sing while the night's coming in,\n"
    "Sing, sing, sing while the tide's turning,\n"
    "And I'll be home again.\n"
    "\n"
    "**Verse 2**\n"
    "The winter was long in the mountains,\n"
    "The snow lay as deep as a door,\n"
    "But now there's a light in the window\n"
    "And bread on the table once more.\n"
    "\n"
    "**Chorus**\n"
    "So sing, sing, sing while the tide's turning,\n"
    "Sing while the night's coming in,\n"
    "Sing, sing, sing while the tide's turning,\n"
    "And I'll be home again.\n"
    "\n"
    "*(repeat the last line twice to close)*\n"
    "And I'll be home again.\n"
    "And I'll be home again.\n"
)

_B7_BIBLIOGRAPHY = (
    "Here are the references in APA 7th edition style:\n"
    "\n"
    "Bengio, Y., Ducharme, R., Vincent, P., & Jauvin, C. (2003). A neural "
    "probabilistic language model. *Journal of Machine Learning Research, 3*, 1137–1155.\n"
    "\n"
    "Hochreiter, S., & Schmidhuber, J. (1997). Long short-term memory. *Neural "
    "Computation, 9*(8), 1735–1780. https://doi.org/10.1162/neco.1997.9.8.1735\n"
    "\n"
    "Radford, A., Wu, J., Child, R., Luan, D., Amodei, D., & Sutskever, I. (2019). "
    "*Language models are unsupervised multitask learners* [Technical report]. OpenAI.\n"
    "\n"
    "Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., "
    "Kaiser, Ł., & Polosukhin, I. (2017). Attention is all you need. In *Advances in "
    "Neural Information Processing Systems 30* (pp. 5998–6008). "
    "https://doi.org/10.48550/arXiv.1706.03762\n"
    "\n"
    "The list is in alphabetical order by the first author's surname, as APA "
    "requires, and each DOI is given as a full `https://doi.org/` URL rather than "
    'with a "doi:" prefix.\n'
)

#: The seventh batch: written with the sixth, by the same author and before any rule change, to judge the rules too.
BATCH_7: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("b7_cpp", "cpp-templates", _B7_CPP),
    ("b7_gradle", "gradle-kts", _B7_GRADLE),
    ("b7_solidity", "solidity", _B7_SOLIDITY),
    ("b7_asm", "x86-asm", _B7_ASM),
    ("b7_sql_migration", "sql-migration", _B7_SQL_MIGRATION),
    ("b7_openapi", "openapi", _B7_OPENAPI),
    ("b7_table_escaped", "table-escaped", _B7_TABLE_ESCAPED),
    ("b7_furigana", "japanese-furigana", _B7_FURIGANA),
    ("b7_ukrainian", "ukrainian", _B7_UKRAINIAN),
    ("b7_swahili", "swahili", _B7_SWAHILI),
    ("b7_faq", "faq", _B7_FAQ),
    ("b7_lyrics", "lyrics", _B7_LYRICS),
    ("b7_bibliography", "bibliography", _B7_BIBLIOGRAPHY),
]
