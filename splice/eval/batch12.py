"""The twelfth held-out batch of the splice eval: 15 answers and 4 fallback behaviours.

The answers are in kinds no earlier batch has: prose in Sinhala, Mongolian Cyrillic and Gujarati, a phrase list in
Inuktitut syllabics, a multi-document Kubernetes manifest, a CMake file, an Ansible playbook, a Go text/template
program, a TSV block, a numbered procedure with code nested in its items, a math answer in `$$` blocks, a refactoring
shown before and after, a Graphviz diagram, an iCalendar file and meeting minutes.  The behaviours: the continuation
wrapped in a JSON object (`json_wrap`), wrapped in XML-style tags (`xml_tag_wrap`), begun with the last subword piece
of the text said again (`subword_overlap`), and followed by a closing offer of more help (`trailing_offer`).
"""

from __future__ import annotations

import json
import random
import re
import unicodedata

__all__ = ["BATCH_12", "BATCH12_BEHAVIOURS", "batch12_output"]

#: The fallback behaviours written with this batch.
BATCH12_BEHAVIOURS = ["json_wrap", "xml_tag_wrap", "subword_overlap", "trailing_offer"]

_SINHALA = """\
## මාසික අයවැයක් සකස් කරන්නේ කෙසේද?

මාසික අයවැයක් යනු ඔබේ ආදායම සහ වියදම් පාලනය කර ගැනීමට ඇති සරලම ක්\u200dරමයයි. පහත පියවර අනුගමනය කරන්න:

1. **ආදායම ලියා ගන්න** – වැටුප, අමතර ආදායම් සහ වෙනත් ලැබීම් සියල්ල එකතු කරන්න.
2. **ස්ථාවර වියදම් හඳුනා ගන්න** – නිවාස කුලිය, විදුලි බිල, ජල බිල සහ ණය වාරික.
3. **විචල්\u200dය වියදම් ගණනය කරන්න** – ආහාර, ප්\u200dරවාහනය, ඇඳුම් සහ විනෝදාස්වාදය.
4. **ඉතිරි කිරීමේ ඉලක්කයක් තබන්න** – ආදායමෙන් අවම වශයෙන් 10%ක් ඉතිරි කිරීමට උත්සාහ කරන්න.

### 50/30/20 නීතිය

බොහෝ මූල්\u200dය උපදේශකයින් නිර්දේශ කරන සරල ක්\u200dරමයක් මෙයයි:

- **50%** – අත්\u200dයවශ්\u200dය දේ (කුලිය, ආහාර, බිල්පත්)
- **30%** – කැමති දේ (අවන්හල්, චිත්\u200dරපට, සංචාර)
- **20%** – ඉතිරිකිරීම් සහ ණය ගෙවීම

උදාහරණයක් ලෙස, ඔබේ මාසික ආදායම රුපියල් 150,000ක් නම්, රු. 75,000ක් අත්\u200dයවශ්\u200dය දේ සඳහා, \
රු. 45,000ක් කැමති දේ සඳහා සහ රු. 30,000ක් ඉතිරිකිරීම් සඳහා වෙන් කළ හැකිය.

> **ඉඟිය:** සෑම සතියකම ඔබේ වියදම් සටහන් කර, මාසය අවසානයේ අයවැය සමඟ සසඳා බලන්න. \
එවිට අනවශ්\u200dය වියදම් පහසුවෙන් හඳුනා ගත හැකිය.
"""

_MONGOLIAN = """\
**Наадам** бол Монголын хамгийн том үндэсний баяр юм. Жил бүр долдугаар сарын 11-15-ны хооронд тэмдэглэдэг.

## Эрийн гурван наадам

1. **Бөх** – Монгол бөхийн барилдаанд 512 эсвэл 1024 бөх оролцдог. Ялагч бөх «Арслан», «Аварга» зэрэг цол хүртдэг.
2. **Морь уралдаан** – Хурдан морьдыг 5–12 насны хүүхдүүд унадаг. Уралдааны зай морины наснаас хамаарч 10–30 км байдаг.
3. **Сур харваа** – Эрэгтэй харваачид 75 метр, эмэгтэй харваачид 60 метрийн зайнаас харвадаг.

## Түүх

Наадам нь Хүннү гүрний үеэс уламжлалтай гэж үздэг. 1921 оны ардын хувьсгалаас хойш албан ёсны улсын баяр болсон. \
2010 онд ЮНЕСКО-гийн Хүн төрөлхтний биет бус соёлын өвийн жагсаалтад бүртгэгдсэн.

## Зочдод өгөх зөвлөгөө

- Нээлтийн ёслолын тасалбарыг урьдчилан худалдаж аваарай.
- Наадмын үеэр **хуушуур** заавал амтлаарай.
- Морь уралдааныг үзэхээр хотоос гарах бол өглөө эрт хөдлөөрэй.

Сайхан наадаарай!"""

_INUKTITUT = """\
Here are some everyday Inuktitut phrases, written in syllabics (ᖃᓂᐅᔮᖅᐸᐃᑦ) with the Roman orthography in brackets:

### Greetings

- **ᐊᐃ** (ai) — hello
- **ᐅᓪᓛᒃᑯᑦ** (ullaakkut) — good morning
- **ᐅᓐᓄᓴᒃᑯᑦ** (unnusakkut) — good afternoon
- **ᖃᓄᐃᑉᐱᑦ?** (qanuippit?) — how are you?
- **ᖃᓄᐃᙱᑦᑐᖓ** (qanuinngittunga) — I'm fine

### Courtesy

- **ᖁᔭᓐᓇᒦᒃ** (qujannamiik) — thank you
- **ᐄ** (ii) — yes
- **ᐋᒃᑲ** (aakka) — no
- **ᐃᓛᓕ** (ilaali) — you're welcome

### Reading tips

Each syllabic character stands for a consonant plus a vowel, and the character's **orientation** gives the vowel: \
ᐱ (pi), ᐳ (pu), ᐸ (pa). A dot above the character lengthens the vowel, so ᐸ (pa) becomes ᐹ (paa). Small \
superscript characters such as ᑦ or ᒃ are final consonants with no vowel.

Inuktitut is an official language of Nunavut, where road signs, government documents and the legislature's \
proceedings all use syllabics. If you want to practise, the Inuktitut Living Dictionary (livingdictionary.com) \
gives audio for most words.
"""

_GUJARATI = """\
## UPI થી પૈસા કેવી રીતે મોકલવા

UPI (યુનિફાઇડ પેમેન્ટ્સ ઇન્ટરફેસ) દ્વારા તમે તમારા મોબાઇલથી તરત જ પૈસા મોકલી શકો છો. નીચેના પગલાં અનુસરો:

1. તમારી પસંદગીની UPI એપ (જેમ કે BHIM, Google Pay અથવા PhonePe) ડાઉનલોડ કરો.
2. તમારો બેંક સાથે જોડાયેલો મોબાઇલ નંબર ચકાસો.
3. તમારું બેંક ખાતું પસંદ કરો અને ડેબિટ કાર્ડની વિગતો દાખલ કરીને **UPI PIN** બનાવો.
4. "પૈસા મોકલો" પર ટેપ કરો અને મેળવનારનું UPI ID (ઉદાહરણ: `nameshah@okaxis`) દાખલ કરો અથવા QR કોડ સ્કેન કરો.
5. રકમ દાખલ કરો, PIN નાખો અને વ્યવહાર પૂર્ણ કરો.

### ધ્યાનમાં રાખવાની બાબતો

- એક દિવસમાં સામાન્ય રીતે ₹1,00,000 સુધીની મર્યાદા હોય છે.
- પૈસા **મેળવવા** માટે ક્યારેય PIN નાખવાની જરૂર પડતી નથી. જો કોઈ તમને પૈસા મેળવવા માટે PIN નાખવાનું કહે, \
તો તે છેતરપિંડી છે.
- વ્યવહાર નિષ્ફળ જાય અને પૈસા કપાઈ જાય, તો સામાન્ય રીતે ૩-૫ કાર્યકારી દિવસમાં પરત આવી જાય છે.

કોઈ સમસ્યા હોય તો તમારી બેંકની ગ્રાહક સેવાનો સંપર્ક કરો."""

_K8S = """\
Here's a minimal setup: a Deployment, a Service and an Ingress for the `web` app, in one file you can apply with \
`kubectl apply -f web.yaml`:

```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/example/web:1.4.2
          ports:
            - containerPort: 8080
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
            initialDelaySeconds: 5
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
spec:
  ingressClassName: nginx
  tls:
    - hosts: [web.example.com]
      secretName: web-tls
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
```

A few notes:

- The `---` lines separate the three documents; `kubectl` applies them in order.
- The Service's `selector` must match the Pod template's labels, or it will have no endpoints.
- There is no CPU limit on purpose: CPU limits cause throttling, while the memory limit protects the node.

Check the rollout with `kubectl rollout status deployment/web`."""

_CMAKE = """\
A modern CMake layout for a library plus an executable and tests:

```cmake
cmake_minimum_required(VERSION 3.20)
project(geo VERSION 0.3.0 LANGUAGES CXX)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

option(GEO_BUILD_TESTS "Build the unit tests" ON)

add_library(geo
  src/point.cpp
  src/polygon.cpp
)
target_include_directories(geo PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:include>
)
target_compile_options(geo PRIVATE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic>
  $<$<CXX_COMPILER_ID:MSVC>:/W4>
)

add_executable(geo-cli apps/main.cpp)
target_link_libraries(geo-cli PRIVATE geo)

if(GEO_BUILD_TESTS)
  include(FetchContent)
  FetchContent_Declare(
    googletest
    URL https://github.com/google/googletest/archive/refs/tags/v1.14.0.zip
  )
  FetchContent_MakeAvailable(googletest)
  enable_testing()
  add_executable(geo_tests tests/test_polygon.cpp)
  target_link_libraries(geo_tests PRIVATE geo GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(geo_tests)
endif()
```

Build and test it out of source:

```bash
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j
ctest --test-dir build --output-on-failure
```

Why it is written this way:

- **Targets, not variables.** `target_include_directories` and `target_link_libraries` carry their usage \
requirements to whatever links `geo`, so `geo-cli` gets the include path for free.
- **Generator expressions** (`$<...>`) pick flags per compiler at build time instead of `if(MSVC)` blocks.
- `CMAKE_EXPORT_COMPILE_COMMANDS` writes `compile_commands.json` for clangd and other tools."""

_ANSIBLE = """\
Here's a playbook that installs and configures nginx on Ubuntu hosts, with a handler so nginx only reloads when its \
config changes:

```yaml
---
- name: Set up nginx web servers
  hosts: webservers
  become: true
  vars:
    server_name: shop.example.com
    doc_root: /var/www/shop

  tasks:
    - name: Install nginx
      ansible.builtin.apt:
        name: nginx
        state: present
        update_cache: true
        cache_valid_time: 3600

    - name: Create the document root
      ansible.builtin.file:
        path: "{{ doc_root }}"
        state: directory
        owner: www-data
        group: www-data
        mode: "0755"

    - name: Deploy the site config
      ansible.builtin.template:
        src: templates/shop.conf.j2
        dest: /etc/nginx/sites-available/shop.conf
        mode: "0644"
      notify: Reload nginx

    - name: Enable the site
      ansible.builtin.file:
        src: /etc/nginx/sites-available/shop.conf
        dest: /etc/nginx/sites-enabled/shop.conf
        state: link
      notify: Reload nginx

    - name: Make sure nginx is running
      ansible.builtin.service:
        name: nginx
        state: started
        enabled: true

  handlers:
    - name: Reload nginx
      ansible.builtin.service:
        name: nginx
        state: reloaded
```

Run it against your inventory, first as a dry run:

```bash
ansible-playbook -i inventory.ini site.yml --check --diff
ansible-playbook -i inventory.ini site.yml
```

**Notes**

- Quote the `mode` values (`"0755"`): unquoted, YAML reads `0755` as an octal integer and you can end up with odd \
permissions.
- Quote any value that starts with `{{`, or YAML will try to parse it as a dictionary.
- Handlers run once at the end of the play, even if several tasks notify them."""

_GO_TEMPLATE = """\
In Go's `text/template`, use `range` with `else` for the empty case and register helper functions with `Funcs`. \
Here is a full example that renders an invoice:

```go
package main

import (
\t"os"
\t"strings"
\t"text/template"
)

type Item struct {
\tName  string
\tQty   int
\tPrice float64
}

const invoice = `Invoice for {{.Customer | upper}}
{{- range $i, $it := .Items}}
{{add $i 1}}. {{printf "%-12s" $it.Name}} x{{$it.Qty}}  {{printf "%8.2f" (mul $it.Qty $it.Price)}}
{{- else}}
(no items)
{{- end}}
{{if gt .Total 100.0}}Free shipping!{{else}}Shipping: 4.90{{end}}
`

func main() {
\tfuncs := template.FuncMap{
\t\t"upper": strings.ToUpper,
\t\t"add":   func(a, b int) int { return a + b },
\t\t"mul":   func(q int, p float64) float64 { return float64(q) * p },
\t}
\tt := template.Must(template.New("invoice").Funcs(funcs).Parse(invoice))
\tdata := map[string]any{
\t\t"Customer": "Ada Lovelace",
\t\t"Items":    []Item{{"Notebook", 2, 3.5}, {"Pen", 10, 1.2}},
\t\t"Total":    19.0,
\t}
\tif err := t.Execute(os.Stdout, data); err != nil {
\t\tpanic(err)
\t}
}
```

The output:

```text
Invoice for ADA LOVELACE
1. Notebook     x2      7.00
2. Pen          x10     12.00
Shipping: 4.90
```

Things to watch:

- `{{-` and `-}}` trim the whitespace (newlines included) on that side of the action; that is how the list avoids \
blank lines.
- Inside `range`, the dot is the current element, so use `$` (`{{$.Customer}}`) to reach the top-level data.
- `Funcs` must be called **before** `Parse`, or parsing fails with `function "upper" not defined`."""

_TSV = """\
Here is the data as tab-separated values. Copy the block and paste it into cell A1 of Google Sheets or Excel; the \
tabs split it into columns automatically.

```tsv
Country\tCapital\tPopulation (millions)\tArea (km²)\tCurrency
Norway\tOslo\t5.5\t385207\tNorwegian krone (NOK)
Portugal\tLisbon\t10.4\t92212\tEuro (EUR)
Japan\tTokyo\t124.5\t377975\tYen (JPY)
Kenya\tNairobi\t55.1\t580367\tKenyan shilling (KES)
Chile\tSantiago\t19.6\t756102\tChilean peso (CLP)
Canada\tOttawa\t40.1\t9984670\tCanadian dollar (CAD)
New Zealand\tWellington\t5.2\t268021\tNew Zealand dollar (NZD)
Morocco\tRabat\t37.0\t446550\tMoroccan dirham (MAD)
```

A few things to know:

- I left the numbers unformatted (no thousands separators) so the spreadsheet reads them as numbers rather than text.
- Population figures are 2023 estimates, rounded to one decimal.
- If your spreadsheet puts everything in column A, the tabs were probably turned into spaces when copying; use \
**Data → Split text to columns** with "Tab" as the separator, or save the block as a `.tsv` file and open it directly.

Want me to add a column, such as GDP per capita or the official languages?"""

_PROCEDURE = """\
Here's how to set up an SSH key for GitHub on macOS or Linux:

1. **Check for an existing key.**

   ```bash
   ls -al ~/.ssh
   ```

   If you see `id_ed25519` and `id_ed25519.pub`, you already have a key and can skip to step 4.

2. **Generate a new key.** Use your GitHub email as the comment:

   ```bash
   ssh-keygen -t ed25519 -C "you@example.com"
   ```

   Press Enter to accept the default file location, then choose a passphrase.

3. **Add the key to the SSH agent.**

   ```bash
   eval "$(ssh-agent -s)"
   ssh-add ~/.ssh/id_ed25519
   ```

   On macOS, add these lines to `~/.ssh/config` so the agent keeps the passphrase in the Keychain:

   ```text
   Host github.com
     AddKeysToAgent yes
     UseKeychain yes
     IdentityFile ~/.ssh/id_ed25519
   ```

4. **Copy the public key.**

   ```bash
   cat ~/.ssh/id_ed25519.pub
   ```

   Copy the whole line, starting with `ssh-ed25519`.

5. **Add it to GitHub.** Go to **Settings → SSH and GPG keys → New SSH key**, paste the key, give it a title such \
as "Work laptop", and save.

6. **Test the connection.**

   ```bash
   ssh -T git@github.com
   ```

   You should see: `Hi username! You've successfully authenticated, but GitHub does not provide shell access.`

Finally, switch an existing clone from HTTPS to SSH with `git remote set-url origin git@github.com:USER/REPO.git`."""

_MATH = r"""We want to evaluate

$$
I = \int_0^{\infty} x^2 e^{-a x}\,dx, \qquad a > 0.
$$

**Step 1: integrate by parts.** Take $u = x^2$ and $dv = e^{-ax}\,dx$, so $du = 2x\,dx$ and $v = -\tfrac{1}{a}e^{-ax}$:

$$
I = \Big[-\frac{x^2}{a}e^{-ax}\Big]_0^{\infty} + \frac{2}{a}\int_0^{\infty} x e^{-ax}\,dx.
$$

The boundary term vanishes: at $x = 0$ it is $0$, and as $x \to \infty$ the exponential beats the polynomial.

**Step 2: repeat.** The same step with $u = x$ gives

$$
\int_0^{\infty} x e^{-ax}\,dx = \frac{1}{a}\int_0^{\infty} e^{-ax}\,dx = \frac{1}{a}\cdot\frac{1}{a} = \frac{1}{a^2}.
$$

**Step 3: combine.**

$$
I = \frac{2}{a}\cdot\frac{1}{a^2} = \boxed{\frac{2}{a^3}}.
$$

**Check with the Gamma function.** Substituting $t = ax$ turns the integral into

$$
I = \frac{1}{a^3}\int_0^{\infty} t^2 e^{-t}\,dt = \frac{\Gamma(3)}{a^3} = \frac{2!}{a^3} = \frac{2}{a^3},
$$

which agrees. In general,

$$
\int_0^{\infty} x^n e^{-ax}\,dx = \frac{n!}{a^{n+1}}, \qquad n = 0, 1, 2, \dots
$$

For example, with $a = 2$ the answer is $I = 2/8 = 1/4$."""

_REFACTOR = '''\
Your function mixes three jobs (parsing, validating and summing) and repeats the same `try`/`except` for each \
field. Here is the original next to a refactored version.

**Before**

```python
def total(rows):
    t = 0
    for r in rows:
        parts = r.split(",")
        try:
            q = int(parts[1])
        except:
            q = 0
        try:
            p = float(parts[2])
        except:
            p = 0
        if q > 0 and p > 0:
            t = t + q * p
    return t
```

**After**

```python
from decimal import Decimal, InvalidOperation


def parse_line(line: str) -> tuple[int, Decimal] | None:
    """Quantity and unit price of one CSV line, or None if either is missing or invalid."""
    try:
        _, qty, price = line.split(",")[:3]
        return int(qty), Decimal(price)
    except (ValueError, InvalidOperation):
        return None


def order_total(lines: list[str]) -> Decimal:
    """Sum of quantity × price over the valid lines with positive values."""
    parsed = (parse_line(line) for line in lines)
    return sum(
        (qty * price for qty, price in filter(None, parsed) if qty > 0 and price > 0),
        start=Decimal(0),
    )
```

**What changed and why**

| Before | After | Why |
|---|---|---|
| bare `except:` | `except (ValueError, InvalidOperation)` | a bare except also swallows `KeyboardInterrupt` and typos |
| `float` prices | `Decimal` | floats can't represent 0.10 exactly, and money sums drift |
| one function | `parse_line` + `order_total` | each piece can be tested on its own |
| `t = t + ...` loop | `sum(...)` over a generator | shorter, and no mutable accumulator |

One behaviour change to be aware of: the result is now a `Decimal`, so format it with `f"{total:.2f}"`, or \
convert it with `float(total)` where a float is expected.'''

_DOT = """\
Here's a Graphviz diagram of the CI/CD pipeline. Save it as `pipeline.dot` and render it with \
`dot -Tsvg pipeline.dot -o pipeline.svg`:

```dot
digraph pipeline {
    rankdir=LR;
    node [shape=box, style="rounded,filled", fillcolor="#eef3ff", fontname="Helvetica"];
    edge [fontname="Helvetica", fontsize=10];

    subgraph cluster_ci {
        label="CI (every push)";
        color="#7a8cc4";
        lint  [label="Lint"];
        test  [label="Unit tests"];
        build [label="Build image"];
        lint -> test -> build;
    }

    subgraph cluster_cd {
        label="CD (main only)";
        color="#6fae7b";
        staging [label="Deploy to staging"];
        smoke   [label="Smoke tests"];
        approve [label="Manual approval", shape=diamond, fillcolor="#fff4d6"];
        prod    [label="Deploy to production", fillcolor="#dff5e1"];
        staging -> smoke -> approve;
        approve -> prod [label="approved"];
    }

    build -> staging [label="push to main"];
    smoke -> rollback [label="fail", color=red, fontcolor=red];
    approve -> rollback [label="rejected", style=dashed];
    rollback [label="Roll back", fillcolor="#ffe0e0"];
}
```

How it's put together:

- `rankdir=LR` lays the graph out left to right, which suits a pipeline better than the default top-to-bottom.
- A subgraph is drawn as a box only if its name starts with `cluster`; that's why they are called `cluster_ci` and \
`cluster_cd`.
- `lint -> test -> build;` is shorthand for two edges.
- Default node and edge attributes are set once at the top; a node can still override them, as `approve` does with \
`shape=diamond`.

If you prefer a top-to-bottom layout for a README, change `rankdir=LR` to `rankdir=TB`."""

_ICS = """\
Here's an `.ics` file for the weekly team meeting. Save it as `sync.ics` and open it, or import it in Google \
Calendar under **Settings → Import & export**:

```ics
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example Corp//Team Calendar//EN
CALSCALE:GREGORIAN
METHOD:PUBLISH
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly-sync-2025@example.com
DTSTAMP:20250106T090000Z
DTSTART;TZID=Europe/Berlin:20250113T100000
DTEND;TZID=Europe/Berlin:20250113T103000
RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20250630T080000Z
EXDATE;TZID=Europe/Berlin:20250421T100000
SUMMARY:Weekly team sync
LOCATION:Room 3.14 / https://meet.example.com/team-sync
DESCRIPTION:Agenda:\\n1. Wins of the week\\n2. Blockers\\n3. Next steps
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Team sync in 10 minutes
TRIGGER:-PT10M
END:VALARM
END:VEVENT
END:VCALENDAR
```

What the key lines do:

- **RRULE** repeats the event every Monday until the end of June; `UNTIL` must be in UTC (the trailing `Z`).
- **EXDATE** skips Easter Monday (21 April), a public holiday.
- The **VTIMEZONE** block lets calendars that don't know `Europe/Berlin` still get daylight saving right.
- In `DESCRIPTION`, line breaks are written as `\\n`; a real newline would end the property.

Strictly, the standard wants CRLF line endings and lines no longer than 75 octets, but every major calendar app \
accepts this file as it is."""

_MINUTES = """\
# Minutes: Product Sync

- **Date:** Tuesday 14 May 2024, 14:00–14:45 CET
- **Attendees:** Priya Nair (chair), Tom Becker, Léa Martin, Kenji Sato
- **Absent:** Omar Haddad
- **Minute-taker:** Léa Martin

## 1. Review of last week's actions

- *Tom:* migrate the billing service to the new queue. **Done**; no incidents since Thursday.
- *Kenji:* draft the onboarding survey. **In progress**; first draft shared, feedback due Friday.

## 2. Q3 roadmap

Priya presented the three candidate themes: offline mode, team workspaces and the public API. Discussion:

- Tom raised that offline mode needs a sync engine rewrite, about 6–8 weeks of work for two engineers.
- Léa noted that 41% of the churn interviews mentioned team features.
- Kenji suggested shipping a read-only API first to test demand.

**Decision:** team workspaces are the Q3 priority; the read-only API goes in as a stretch goal. Offline mode moves \
to Q4 planning.

## 3. Hiring

Two backend candidates are at the final stage. Interviews are scheduled for 21 and 23 May.

## Action items

| # | Action | Owner | Due |
|---|--------|-------|-----|
| 1 | Write the workspaces one-pager | Priya | 21 May |
| 2 | Estimate the read-only API scope | Kenji | 24 May |
| 3 | Share the churn interview summary with the team | Léa | 17 May |
| 4 | Prepare interview panels for both candidates | Tom | 20 May |

**Next meeting:** Tuesday 21 May 2024, 14:00 CET."""

#: (name, kind, text) of this batch's reference answers.
BATCH_12: list[tuple[str, str, str]] = [
    ("b12_sinhala", "sinhala", _SINHALA),
    ("b12_mongolian", "mongolian-cyrillic", _MONGOLIAN),
    ("b12_inuktitut", "inuktitut-syllabics", _INUKTITUT),
    ("b12_gujarati", "gujarati", _GUJARATI),
    ("b12_k8s", "k8s-multidoc", _K8S),
    ("b12_cmake", "cmake", _CMAKE),
    ("b12_ansible", "ansible-playbook", _ANSIBLE),
    ("b12_go_template", "go-template", _GO_TEMPLATE),
    ("b12_tsv", "tsv", _TSV),
    ("b12_procedure", "numbered-procedure", _PROCEDURE),
    ("b12_math_display", "math-display", _MATH),
    ("b12_refactor", "refactor-before-after", _REFACTOR),
    ("b12_graphviz", "graphviz-dot", _DOT),
    ("b12_icalendar", "icalendar", _ICS),
    ("b12_minutes", "meeting-minutes", _MINUTES),
]

#: The closing offers chat models add after the continuation, by language.
_OFFERS = {
    "en": [
        "Let me know if you'd like me to expand on any part of this!",
        "I hope this helps! Feel free to ask if you have any questions.",
        "Would you like me to go into more detail on any of these points?",
    ],
    "de": ["Lass mich wissen, wenn du weitere Fragen hast!"],
    "fr": ["N'hésitez pas si vous avez d'autres questions !"],
    "es": ["¡Avísame si necesitas algo más!"],
    "pt": ["Se precisar de mais alguma coisa, é só avisar!"],
    "zh": ["如果还有其他问题，欢迎随时提问！"],
    "ja": ["他にご質問があれば、お気軽にどうぞ！"],
    "uk": ["Якщо маєте ще запитання, звертайтеся!"],
    "sw": ["Nijulishe kama una maswali mengine!"],
    "si": ["තවත් ප්\u200dරශ්න ඇත්නම් අසන්න!"],
    "mn": ["Өөр асуулт байвал асуугаарай!"],
    "gu": ["જો તમને બીજા કોઈ પ્રશ્નો હોય, તો જરૂર પૂછો!"],
}

_JSON_KEYS = ["continuation", "text", "content"]
_XML_TAGS = ["continuation", "answer", "response"]
_WORDISH = re.compile(r"\w", re.UNICODE)


def _is_word_char(char: str) -> bool:
    """A letter, digit or combining mark: the characters a subword token is made of."""
    return bool(_WORDISH.match(char)) or unicodedata.category(char).startswith("M")


def _last_piece(sent: str, rng: random.Random) -> str | None:
    """The last 2-5 characters of the last word of `sent` (never starting on a combining mark) and the whitespace
    after it, or None when that word is shorter than three characters."""
    end = len(sent.rstrip())
    start = end
    while start and _is_word_char(sent[start - 1]):
        start -= 1
    word = sent[start:end]
    if len(word) < 3:
        return None
    k = rng.randint(2, min(5, len(word) - 1))
    while k < len(word) and unicodedata.category(word[-k]).startswith("M"):
        k += 1
    return word[-k:] + sent[end:]


def _json_wrap(cont: str, rng: random.Random) -> str:
    """The continuation as a string field of a JSON object, sometimes in a json fence."""
    body = "{" + json.dumps(rng.choice(_JSON_KEYS)) + ": " + json.dumps(cont, ensure_ascii=False) + "}"
    return rng.choice([body, "```json\n" + body + "\n```"])


def _xml_tag_wrap(cont: str, rng: random.Random) -> str:
    """The continuation between an opening and a closing tag, with or without a line break inside each."""
    tag = rng.choice(_XML_TAGS)
    if rng.random() < 0.5:
        return f"<{tag}>{cont}</{tag}>"
    return f"<{tag}>\n{cont}\n</{tag}>"


def _trailing_offer(cont: str, lang: str, rng: random.Random) -> str:
    """The continuation, then a closing offer of more help after a blank line (or a rule)."""
    offer = rng.choice(_OFFERS.get(lang, _OFFERS["en"]))
    gap = "\n" if cont.endswith("\n") else "\n\n"
    return cont + rng.choice([gap, gap + "---\n\n"]) + offer


def batch12_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fallback's raw output for this batch's behaviours (None: the behaviour does not apply to this cut).

    `json_wrap`: a model answering through a JSON mode or a structured-output schema the gateway leaves on (OpenAI
    models with `response_format={"type": "json_object"}`, Gemini with `responseMimeType: application/json`, small
    tool-tuned Llama/Qwen models that answer every turn as a tool call) returns the continuation as a JSON string:
    "…the Service's `sel" + '{"continuation": "ector` must match the Pod template\\'s labels…"}', sometimes fenced.

    `xml_tag_wrap`: Claude models (and others prompted in Anthropic's style, where the instructions put the text in
    <text> tags) answer "continue the text" with the continuation inside tags of their own:
    "…pick flags per compiler at" + "<continuation>\\n build time instead of…\\n</continuation>".

    `subword_overlap`: prefill-less instruct models (GPT-4o-mini, Llama 3 and Mistral instruct) see the text end
    on a partial token and start their continuation with the last subword piece again:
    "…a rollout of the Kubern" + "ernetes Deployment…" (the piece "ern" said twice); when the text ends on a space,
    the last piece of the word before it comes again with that space: "…the configuration " + "tion file…".

    `trailing_offer`: chat-tuned models (GPT-4o, Gemini, Llama instruct) finish the continuation and then add
    their habitual closing line: "…with `rankdir=TB`." + "\\n\\nLet me know if you'd like me to expand on any part
    of this!", in the answer's language.
    """
    cont = reference[len(sent) :]
    if not cont.strip() or not sent.strip():
        return None
    if behaviour == "json_wrap":
        return _json_wrap(cont, rng)
    if behaviour == "xml_tag_wrap":
        return _xml_tag_wrap(cont, rng)
    if behaviour == "subword_overlap":
        piece = _last_piece(sent, rng)
        return None if piece is None else piece + cont
    if behaviour == "trailing_offer":
        return _trailing_offer(cont, lang, rng)
    raise ValueError(behaviour)
