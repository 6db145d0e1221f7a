"""The fifteenth held-out batch of the splice eval: 15 answers and 4 fallback behaviours.

The answers are in kinds no earlier batch has: prose in Maltese (`għ`, `ħ`, `ż` and apostrophes inside words),
Azerbaijani (with a fare table and a flag emoji), Punjabi in Gurmukhi and Urdu (English terms between
left-to-right and right-to-left marks), APL (its glyphs in code), a Cypher query with its result table, a G-code
program, AArch64 assembly (tab-indented), an HAProxy config, a Racket program, a JSON Schema with a sample
payload, a vCard (CRLF line ends and a folded line inside the block), a `tree` listing (its no-break spaces),
an interview transcript (timestamps, speaker labels, trailing-space line breaks) and a patent claim set
((a)/(i) sub-items).  The behaviours: the rest in a collapsible HTML `<details>` block under a summary line such
as "Continued" (`details_wrap`); its list markers and bold in another Markdown spelling than the answer's, "2)"
for "2.", "*" for "-", "__" for "**" (`md_style_swap`); an emoji after each heading's and list item's marker
(`emoji_decorated`); and cut in code, a comment line in the block's language, "# (continued)", before the current
line said again (`code_comment_lead`).
"""

from __future__ import annotations

import random
import re

from .fences import fence_spans

__all__ = ["BATCH_15", "BATCH15_BEHAVIOURS", "batch15_output"]

#: The fallback behaviours written with this batch.
BATCH15_BEHAVIOURS = ["details_wrap", "md_style_swap", "emoji_decorated", "code_comment_lead"]

_MALTESE = """\
## Kif tagħmel pastizzi tal-irkotta d-dar

Il-pastizzi huma l-ikla ta’ kuljum għal ħafna Maltin: tiekol wieħed jew tnejn mal-kafè ta’ filgħodu, jew \
tixtrihom sħan mill-pastizzerija tar-raħal. Li tagħmilhom id-dar jieħu ftit paċenzja, iżda r-riżultat \
jixraqlu — l-għaġina trid tkun irqiqa u titfarrak, u l-mili kremuż.

### Ingredjenti (għal madwar 24 pastizz)

- 500\u00a0g dqiq abjad (tip 00)
- 250\u00a0ml ilma kiesaħ, u ftit melħ
- 200\u00a0g xaħam jew butir artab, għall-istrati
- 500\u00a0g irkotta friska, imsaffija mill-ilma
- 2 bajdiet, kaxxa żgħira piżelli u ftit tursin

### Il-metodu

1. **Agħġen** id-dqiq mal-ilma u l-melħ sa ma l-għaġina ssir lixxa. Ħalliha tistrieħ 30\u00a0minuta taħt \
drapp niedi.
2. **Iftaħ l-għaġina** fuq il-mejda b’idejk, kemm jista’ jkun irqiqa, qisha folja tal-karta.
3. **Xerred ix-xaħam** fuq il-wiċċ kollu, imbagħad irrumblaha fi ssalsiċċa twila u ssikkata. Poġġiha \
fil-friġġ għal lejl sħiħ.
4. **Qatta’ biċċiet** ħoxnin daqs żewġ ċentimetri, iftaħhom b’subgħajk f’forma ta’ skutella, u imlihom \
b’kuċċarina mimlija mill-mili.
5. **Aħmihom** f’forn sħun ħafna (220\u00a0°C) għal 25–30\u00a0minuta, sakemm jieħdu kulur ta’ deheb.

> **Tip:** jekk trid pastizzi tal-piżelli, sajjar il-piżelli mal-basal, il-kurry u ftit \
*corned beef*, u għalaqhom b’forma tonda minflok twila.

Il-pastizzi jinżammu sew fil-friża qabel ma jinħmew: iħmihom dritt mill-friża, u żid ħames minuti \
oħra fil-forn. Il-ġurnata t-tajba hija l-Ħadd filgħodu, meta d-dar kollha tfuħ bihom!
"""

_AZERBAIJANI = """\
## Bakıda ictimai nəqliyyatdan necə istifadə etmək olar? 🇦🇿🚇

Bakıda metro və avtobuslar ucuz və rahatdır, amma bir neçə qaydanı bilmək lazımdır. Ən vacibi \
**BakıKart**dır: nağd pulla gediş haqqı ödəmək, demək olar ki, mümkün deyil.

### BakıKart necə alınır?

1. Metro stansiyasının girişindəki **terminala** yaxınlaşın və «Yeni kart» düyməsini seçin.
2. Kartın qiyməti olan 2\u00a0AZN-i əskinas və ya bank kartı ilə ödəyin.
3. Balansı artırın: ilk dəfə üçün 10\u00a0AZN kifayətdir.
4. Kartı turniketə toxundurun — ekranda qalan balans görünəcək.

### Gediş haqları (2024)

| Nəqliyyat növü | Bir gediş | Qeyd |
|---|---|---|
| Metro | 0,50\u00a0AZN | Stansiyalararası keçid pulsuzdur |
| Şəhər avtobusu | 0,50\u00a0AZN | Bəzi xətlərdə 0,60\u00a0AZN |
| Ekspress avtobus (H1) | 1,30\u00a0AZN | Hava limanına qədər |
| Aeroekspress kartı | 2\u00a0AZN | Yalnız bu xətt üçün |

### Faydalı məsləhətlər

- Metro səhər 06:00-dan gecə 00:00-a qədər işləyir; «28 May» və «Cəfər Cabbarlı» stansiyaları \
arasında keçid var.
- Bir kartla bir neçə nəfər keçə bilər: hər dəfə toxunanda balansdan ayrıca məbləğ çıxılır.
- Pik saatlarda (08:00–10:00 və 18:00–20:00) vaqonlar çox sıx olur, çamadanla səyahət edirsinizsə, \
bu saatlardan qaçın.
- Ümumi şəbəkə 1\u2009000\u00a0km-dən çox avtobus xəttini əhatə edir; marşrutları «BakuBus» tətbiqində \
izləmək olar 📱.

Yaxşı səfərlər! Sualınız olsa, stansiya növbətçisinə müraciət etməkdən çəkinməyin.
"""

_PUNJABI = """\
## ਸਰ੍ਹੋਂ ਦਾ ਸਾਗ ਕਿਵੇਂ ਬਣਾਈਏ?

ਸਰ੍ਹੋਂ ਦਾ ਸਾਗ ਤੇ ਮੱਕੀ ਦੀ ਰੋਟੀ ਪੰਜਾਬ ਦੀ ਸਰਦੀਆਂ ਦੀ ਸਭ ਤੋਂ ਮਸ਼ਹੂਰ ਖੁਰਾਕ ਹੈ। ਸਾਗ ਨੂੰ ਹੌਲੀ ਅੱਗ ’ਤੇ \
ਦੇਰ ਤੱਕ ਪਕਾਉਣਾ ਹੀ ਇਸ ਦੇ ਸੁਆਦ ਦਾ ਭੇਤ ਹੈ।

### ਸਮੱਗਰੀ (4 ਜਣਿਆਂ ਲਈ)

- ਸਰ੍ਹੋਂ ਦੇ ਪੱਤੇ — 1\u00a0ਕਿੱਲੋ
- ਪਾਲਕ — 250\u00a0ਗ੍ਰਾਮ ਅਤੇ ਬਾਥੂ — 250\u00a0ਗ੍ਰਾਮ
- ਅਦਰਕ, ਲਸਣ ਅਤੇ ਹਰੀਆਂ ਮਿਰਚਾਂ
- ਮੱਕੀ ਦਾ ਆਟਾ — 2 ਵੱਡੇ ਚਮਚ
- ਦੇਸੀ ਘਿਓ ਅਤੇ ਸੁਆਦ ਅਨੁਸਾਰ ਲੂਣ

### ਵਿਧੀ

1. ਸਾਰੇ ਪੱਤਿਆਂ ਨੂੰ ਚੰਗੀ ਤਰ੍ਹਾਂ ਧੋ ਕੇ ਬਾਰੀਕ ਕੱਟ ਲਓ।
2. ਪਤੀਲੇ ਵਿੱਚ ਥੋੜ੍ਹਾ ਪਾਣੀ, ਲੂਣ ਅਤੇ ਅਦਰਕ ਪਾ ਕੇ ਪੱਤਿਆਂ ਨੂੰ **ਡੇਢ ਘੰਟਾ** ਹੌਲੀ ਅੱਗ ’ਤੇ ਉਬਾਲੋ।
3. ਠੰਢਾ ਹੋਣ ’ਤੇ ਘੋਟਣੇ ਨਾਲ ਘੋਟੋ — ਮਿਕਸੀ ਵਰਤਣੀ ਹੋਵੇ ਤਾਂ ਬਹੁਤ ਬਾਰੀਕ ਨਾ ਪੀਸੋ।
4. ਮੱਕੀ ਦਾ ਆਟਾ ਮਿਲਾ ਕੇ ਹੋਰ 20 ਮਿੰਟ ਪਕਾਓ ਤਾਂ ਜੋ ਸਾਗ ਗਾੜ੍ਹਾ ਹੋ ਜਾਵੇ।
5. ਘਿਓ ਵਿੱਚ ਲਸਣ ਅਤੇ ਪਿਆਜ਼ ਦਾ ਤੜਕਾ ਲਗਾ ਕੇ ਉੱਪਰ ਪਾਓ।

**ਸੁਝਾਅ:** ਸਾਗ ਅਗਲੇ ਦਿਨ ਹੋਰ ਵੀ ਸੁਆਦੀ ਲੱਗਦਾ ਹੈ। ਇਸ ਨੂੰ ਮੱਖਣ ਦੀ ਟਿੱਕੀ, ਗੁੜ ਅਤੇ ਲੱਸੀ ਨਾਲ ਪਰੋਸੋ।
"""

_URDU = """\
## واٹس ایپ چیٹس کا بیک اپ کیسے لیں؟

اگر آپ نیا فون لے رہے ہیں تو سب سے پہلے اپنی چیٹس کا بیک اپ لے لیں، ورنہ تمام پیغامات ضائع ہو سکتے ہیں۔ \
یہ طریقہ \u200eAndroid\u200f اور \u200eiPhone\u200f دونوں کے لیے تھوڑا مختلف ہے۔

### اینڈرائیڈ پر

1. واٹس ایپ کھولیں اور اوپر دائیں کونے میں تین نقطوں پر ٹیپ کریں۔
2. \u200eSettings > Chats > Chat backup\u200f پر جائیں۔
3. اپنا \u200eGoogle\u200f اکاؤنٹ منتخب کریں اور «\u200eBack up\u200f» دبائیں۔
4. اگر ویڈیوز بھی محفوظ کرنی ہیں تو «ویڈیوز شامل کریں» کا آپشن آن کر دیں۔

### آئی فون پر

- \u200eSettings > Chats > Chat Backup\u200f میں جا کر «\u200eBack Up Now\u200f» دبائیں۔
- بیک اپ \u200eiCloud\u200f پر محفوظ ہوتا ہے، اس لیے اس میں کم از کم \u200e5\u00a0GB\u200f خالی جگہ ہونی چاہیے۔
- خودکار بیک اپ کے لیے «روزانہ» یا «ہفتہ وار» منتخب کریں۔

**اہم بات:** بیک اپ صرف اسی فون نمبر سے بحال ہو سکتا ہے جس سے وہ بنایا گیا تھا۔ نئے فون پر واٹس ایپ \
انسٹال کرنے کے بعد جب نمبر کی تصدیق ہو جائے تو «بحال کریں» پر ٹیپ کریں، اور چند منٹ انتظار کریں۔

کوئی مسئلہ ہو تو \u200ehttps://faq.whatsapp.com/\u200f پر مدد کے صفحات دیکھیں۔
"""
_APL = """\
Here are a few idiomatic Dyalog APL one-liners for the statistics you asked about. Each is a dfn: `⍵` is the \
right argument and `⍺` the left one.

```apl
⍝ Arithmetic mean: sum divided by tally
mean ← {(+/⍵)÷≢⍵}

⍝ Median: sort, then average the middle one or two items
median ← {s←⍵[⍋⍵] ⋄ n←≢s ⋄ mean s[⌈(n÷2),(1+n÷2)]}

⍝ Sample standard deviation
sd ← {√(+/(⍵-mean ⍵)*2)÷¯1+≢⍵}

⍝ Frequency table: each unique value and how often it occurs
freq ← {(∪⍵),[1.5]+/(∪⍵)∘.=⍵}
```

Trying them in the session:

```apl
      data ← 4 8 15 16 23 42
      mean data
18
      median data
15.5
      sd data
13.49814802
      freq 3 1 3 2 1 3
3 3
1 2
2 1
```

A few notes on the glyphs:

1. `≢` (tally) counts the major cells, so `mean` also works on the rows of a matrix.
2. `⍋` (grade up) returns the indices that would sort the vector; indexing with them sorts it.
3. `∘.=` is the outer product with equality: a boolean table comparing every unique value with every item.
4. `¯1` is a negative literal. APL's high minus is part of the number, not the function `-`.

If you want the mean of each column of a matrix instead, use `mean⍤1⍉m` or simply `(+⌿m)÷≢m`.
"""

_CYPHER = """\
To find each customer's most frequently bought product in Neo4j, aggregate the purchase relationships first, \
then keep the top row per customer:

```cypher
MATCH (c:Customer)-[p:PURCHASED]->(prod:Product)
WITH c, prod, count(p) AS times, sum(p.quantity) AS units
ORDER BY c.id, times DESC, units DESC
WITH c, collect({name: prod.name, times: times, units: units})[0] AS top
RETURN c.name AS customer,
       top.name AS favourite,
       top.times AS orders,
       top.units AS units
ORDER BY orders DESC
LIMIT 5;
```

On the sample dataset this returns:

| customer | favourite | orders | units |
|---|---|---|---|
| Ana Souza | Cold brew concentrate | 14 | 31 |
| Kwame Mensah | Oat milk 1L | 11 | 22 |
| Li Wei | Sourdough loaf | 9 | 9 |
| Zoë Müller | Espresso beans 250g | 8 | 16 |
| Dmitri Ivanov | Oat milk 1L | 7 | 12 |

How it works:

1. The first `WITH` groups by customer *and* product, so `count(p)` is the number of orders of that product.
2. `ORDER BY` before `collect()` makes the list come out sorted, and `[0]` takes the first element.
3. Ties on `times` are broken by `units`; add `prod.name` to the ordering if you need a stable result.

For large graphs, create an index so the first `MATCH` can start from customers efficiently:

```cypher
CREATE INDEX customer_id IF NOT EXISTS FOR (c:Customer) ON (c.id);
```

If you're on Neo4j 5, you can also write this with a `CALL { ... }` subquery per customer, which avoids building \
the intermediate list for customers with thousands of purchases.
"""

_GCODE = """\
Here's a G-code program that mills a 40 × 20\u00a0mm rectangular pocket, 3\u00a0mm deep, in 1\u00a0mm passes, with a \
6\u00a0mm flat end mill. It's written for a GRBL-style controller; check the feeds for your material first.

```gcode
(POCKET 40x20 DEPTH 3 - TOOL T1 D6 FLAT)
G21         ; millimetres
G90         ; absolute coordinates
G17         ; XY plane
G54         ; work offset
M3 S12000   ; spindle on, 12000 rpm
G0 Z5.000   ; safe height
G0 X3.000 Y3.000

; --- pass 1: Z-1.0 ---
G1 Z-1.000 F150
G1 X37.000 F600
G1 Y17.000
G1 X3.000
G1 Y3.000
G1 X34.000 Y6.000
G1 X6.000 Y14.000

; --- pass 2: Z-2.0 ---
G1 X3.000 Y3.000
G1 Z-2.000 F150
G1 X37.000 F600
G1 Y17.000
G1 X3.000
G1 Y3.000

; --- pass 3: Z-3.0 (finish) ---
G1 Z-3.000 F150
G1 X37.000 F450
G1 Y17.000
G1 X3.000
G1 Y3.000

G0 Z5.000
M5          ; spindle off
G0 X0 Y0
M30         ; end of program
```

A few things to adjust before running it:

- **Origin:** X0 Y0 is the pocket's lower-left corner and Z0 the top of the stock. With a 6\u00a0mm tool the \
centre stays 3\u00a0mm inside the walls, which is why the path runs from 3 to 37 and 3 to 17.
- **Stepover:** the zig-zag in pass 1 clears the middle; at 40 × 20 a single diagonal clean-up is enough, \
but a wider pocket needs a proper spiral or offset path (let your CAM do that).
- **Feeds:** F600 suits aluminium with a 2-flute cutter at 12\u2009000\u00a0rpm; for hardwood you can go to \
F1200.

Always air-cut the program once with Z raised by 10\u00a0mm (set a temporary offset) before touching the stock.
"""

_ARM64 = """\
Here's `strlen` in AArch64 assembly (GNU as syntax), first the simple byte loop, then a version that checks \
eight bytes at a time:

```asm
\t.text
\t.global\tstrlen_simple
\t.type\tstrlen_simple, %function
// size_t strlen_simple(const char *s)
// x0 = s on entry, length on return
strlen_simple:
\tmov\tx1, x0\t\t// x1 walks the string
1:
\tldrb\tw2, [x1], #1\t// load a byte, post-increment
\tcbnz\tw2, 1b\t\t// loop until the NUL
\tsub\tx0, x1, x0\t// bytes read, including the NUL
\tsub\tx0, x0, #1
\tret
\t.size\tstrlen_simple, .-strlen_simple

\t.global\tstrlen_words
\t.type\tstrlen_words, %function
// Assumes s is 8-byte aligned (reading past the NUL stays inside the page)
strlen_words:
\tmov\tx1, x0
\tmov\tx3, #0x0101010101010101
\tmov\tx4, #0x8080808080808080
2:
\tldr\tx2, [x1], #8
\tsub\tx5, x2, x3\t// (v - 0x01..) & ~v & 0x80..
\tbic\tx5, x5, x2
\tands\tx5, x5, x4\t// non-zero when some byte was 0
\tb.eq\t2b
\trev\tx5, x5\t\t// little-endian: find the lowest set byte
\tclz\tx5, x5
\tsub\tx0, x1, x0
\tsub\tx0, x0, #8
\tadd\tx0, x0, x5, lsr #3
\tret
\t.size\tstrlen_words, .-strlen_words
```

Notes:

1. `ldrb w2, [x1], #1` is post-indexed addressing: it loads from `x1`, then adds 1 to `x1`.
2. Labels like `1:` are local; `1b` means "the nearest label 1 backwards".
3. The word version uses the classic *has-zero-byte* trick; `rev` + `clz` turn the mask into a byte index.
4. `mov` with a 64-bit pattern like `0x0101010101010101` is accepted by GNU as because it is a valid bitmask \
immediate; for arbitrary constants you'd need `movz`/`movk` pairs or a literal pool.

Build and test with `aarch64-linux-gnu-gcc -O2 main.c strlen.S` and run under `qemu-aarch64 -L /usr/aarch64-linux-gnu`.
"""
_HAPROXY = """\
Here's an `haproxy.cfg` that terminates TLS, redirects HTTP to HTTPS, and balances two app servers with health \
checks and sticky sessions:

```haproxy
global
    log /dev/log local0
    maxconn 4096
    ssl-default-bind-options ssl-min-ver TLSv1.2
    tune.ssl.default-dh-param 2048

defaults
    mode http
    log global
    option httplog
    option forwardfor
    timeout connect 5s
    timeout client  30s
    timeout server  30s

frontend www
    bind :80
    bind :443 ssl crt /etc/haproxy/certs/example.com.pem alpn h2,http/1.1
    http-request redirect scheme https code 301 unless { ssl_fc }
    http-response set-header Strict-Transport-Security "max-age=31536000"
    acl is_api path_beg /api/
    use_backend api if is_api
    default_backend app

backend app
    balance roundrobin
    cookie SRV insert indirect nocache
    option httpchk GET /healthz
    http-check expect status 200
    server app1 10.0.1.11:8080 check cookie app1
    server app2 10.0.1.12:8080 check cookie app2

backend api
    balance leastconn
    option httpchk GET /api/health
    server api1 10.0.2.21:9000 check inter 2s fall 3 rise 2
    server api2 10.0.2.22:9000 check inter 2s fall 3 rise 2

listen stats
    bind 127.0.0.1:8404
    stats enable
    stats uri /stats
    stats refresh 10s
```

What the important lines do:

- `unless { ssl_fc }` sends a 301 only for requests that did **not** arrive over TLS, so HTTPS traffic isn't \
redirected in a loop.
- `cookie SRV insert indirect nocache` makes HAProxy set a cookie naming the server, so a user's session stays \
on `app1` or `app2`.
- `inter 2s fall 3 rise 2` checks the API servers every two seconds; three failures take a server out and two \
successes bring it back.
- The stats page listens on localhost only: reach it with `ssh -L 8404:localhost:8404 yourhost`.

Validate before reloading with `haproxy -c -f /etc/haproxy/haproxy.cfg`, then `systemctl reload haproxy` for a \
zero-downtime reload.
"""

_RACKET = """\
Here's a small Racket program that parses arithmetic expressions into an AST and evaluates them, with proper \
error messages:

```racket
#lang racket

;; An expression is one of:
;;   (num n) | (var name) | (binop op left right)
(struct num (n) #:transparent)
(struct var (name) #:transparent)
(struct binop (op left right) #:transparent)

;; parse : S-expression -> expression
(define (parse sx)
  (match sx
    [(? number? n) (num n)]
    [(? symbol? s) (var s)]
    [(list (and op (or '+ '- '* '/)) l r)
     (binop op (parse l) (parse r))]
    [_ (error 'parse "bad syntax: ~a" sx)]))

;; evaluate : expression (hash symbol number) -> number
(define (evaluate e env)
  (match e
    [(num n) n]
    [(var s)
     (hash-ref env s
               (lambda () (error 'evaluate "unbound variable: ~a" s)))]
    [(binop op l r)
     (define a (evaluate l env))
     (define b (evaluate r env))
     (case op
       [(+) (+ a b)]
       [(-) (- a b)]
       [(*) (* a b)]
       [(/) (if (zero? b)
                (error 'evaluate "division by zero")
                (/ a b))])]))

(module+ test
  (require rackunit)
  (define env (hash 'x 6 'y 4))
  (check-equal? (evaluate (parse '(+ x (* 2 y))) env) 14)
  (check-equal? (evaluate (parse '(/ x y)) env) 3/2)
  (check-exn #rx"unbound" (lambda () (evaluate (parse 'z) env))))
```

Some things worth pointing out:

1. `match` with `(? number? n)` tests a predicate and binds the value in one pattern.
2. `(and op (or '+ '- '* '/))` binds `op` only when it is one of the four operator symbols.
3. Division of exact integers gives an exact rational: `(/ 6 4)` is `3/2`, not `1.5`. Use `exact->inexact` \
if you want a float.
4. `module+ test` keeps the tests in the same file; `raco test calc.rkt` runs them, and they're skipped when \
the module is required elsewhere.

To add `let`, extend the struct definitions with `(struct let-expr (name value body))` and thread an extended \
`env` through `evaluate` with `hash-set`.
"""

_JSON_SCHEMA = """\
Here's a JSON Schema (draft 2020-12) for the event-registration payload you described:

```json
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://example.com/schemas/registration.json",
  "title": "Registration",
  "type": "object",
  "required": ["eventId", "attendee", "tickets"],
  "additionalProperties": false,
  "properties": {
    "eventId": {
      "type": "string",
      "pattern": "^EVT-[0-9]{6}$"
    },
    "attendee": {
      "type": "object",
      "required": ["name", "email"],
      "properties": {
        "name": { "type": "string", "minLength": 1, "maxLength": 120 },
        "email": { "type": "string", "format": "email" },
        "phone": { "type": "string", "pattern": "^\\\\+[1-9][0-9]{6,14}$" }
      }
    },
    "tickets": {
      "type": "array",
      "minItems": 1,
      "maxItems": 10,
      "items": {
        "type": "object",
        "required": ["type", "quantity"],
        "properties": {
          "type": { "enum": ["standard", "student", "vip"] },
          "quantity": { "type": "integer", "minimum": 1 }
        }
      }
    },
    "dietary": {
      "type": "array",
      "items": { "type": "string" },
      "uniqueItems": true
    }
  }
}
```

And a payload that validates against it:

```json
{
  "eventId": "EVT-204518",
  "attendee": {
    "name": "山田　花子",
    "email": "hanako.yamada@example.jp",
    "phone": "+81312345678"
  },
  "tickets": [
    { "type": "standard", "quantity": 2 },
    { "type": "student", "quantity": 1 }
  ],
  "dietary": ["vegetarian"]
}
```

Design choices:

1. `additionalProperties: false` at the top level rejects typos like `"eventID"` instead of silently ignoring them.
2. The phone pattern is E.164: a plus sign, then 7 to 15 digits. In JSON the backslash before `+` is doubled.
3. `format: email` is only an annotation by default in 2020-12; enable format assertion in your validator \
(in Ajv: `addFormats(ajv)`) if you want it enforced.
4. `uniqueItems` stops `["vegan", "vegan"]`, but not `["vegan", "Vegan"]`: normalise case before validating.
"""

_VCARD = """\
Here's the contact as a vCard 4.0 file. vCard requires CRLF line endings, and long lines are folded with a CRLF \
followed by a single space:

```vcard
BEGIN:VCARD\r
VERSION:4.0\r
FN:Dr. Amira Haddad\r
N:Haddad;Amira;;Dr.;\r
ORG:Meridian Health Partners;Cardiology\r
TITLE:Consultant Cardiologist\r
TEL;TYPE=work,voice;VALUE=uri:tel:+44-20-7946-0321\r
TEL;TYPE=cell;VALUE=uri:tel:+44-7700-900457\r
EMAIL;TYPE=work:a.haddad@meridian-health.example\r
ADR;TYPE=work:;;14 Harley Street;London;;W1G 9PQ;United Kingdom\r
URL:https://meridian-health.example/team/amira-haddad\r
NOTE:Clinics on Tuesdays and Thursdays. For appointments please call the \r
 practice line rather than the mobile number.\r
BDAY:--0412\r
LANG;PREF=1:en\r
LANG;PREF=2:ar\r
REV:20240315T101500Z\r
END:VCARD\r
```

A few details that trip up importers:

- **N** has five components separated by semicolons: family name, given name, additional names, prefix, \
suffix. Empty ones still need their semicolons.
- **BDAY:--0412** is a birthday without a year (12 April); some older clients only accept full dates.
- The folded **NOTE** line continues on the next line after one space. The space is removed when unfolding, \
so the text reads "…call the practice line…" with a single space, kept at the end of the first part.
- Commas and semicolons inside a value must be escaped with a backslash (not needed here).

Save it as `amira-haddad.vcf`; both Apple Contacts and Google Contacts import vCard 4.0, though Outlook prefers \
3.0 (change `VERSION:4.0` to `VERSION:3.0` and drop the `VALUE=uri:` parameters).
"""
_DIR_TREE = """\
Here's a layout that works well for a FastAPI service with a worker and a small frontend. This is the output \
of `tree -a -I '.git|node_modules|__pycache__' --dirsfirst`:

```text
acme-orders/
├── .github/
│\u00a0\u00a0 └── workflows/
│\u00a0\u00a0     ├── ci.yml
│\u00a0\u00a0     └── deploy.yml
├── app/
│\u00a0\u00a0 ├── api/
│\u00a0\u00a0 │\u00a0\u00a0 ├── __init__.py
│\u00a0\u00a0 │\u00a0\u00a0 ├── orders.py
│\u00a0\u00a0 │\u00a0\u00a0 └── health.py
│\u00a0\u00a0 ├── core/
│\u00a0\u00a0 │\u00a0\u00a0 ├── config.py
│\u00a0\u00a0 │\u00a0\u00a0 └── db.py
│\u00a0\u00a0 ├── models/
│\u00a0\u00a0 │\u00a0\u00a0 └── order.py
│\u00a0\u00a0 ├── __init__.py
│\u00a0\u00a0 └── main.py
├── frontend/
│\u00a0\u00a0 ├── src/
│\u00a0\u00a0 │\u00a0\u00a0 ├── App.tsx
│\u00a0\u00a0 │\u00a0\u00a0 └── main.tsx
│\u00a0\u00a0 └── package.json
├── migrations/
│\u00a0\u00a0 └── 0001_create_orders.sql
├── tests/
│\u00a0\u00a0 ├── conftest.py
│\u00a0\u00a0 └── test_orders.py
├── worker/
│\u00a0\u00a0 └── tasks.py
├── .env.example
├── Dockerfile
├── docker-compose.yml
└── pyproject.toml

14 directories, 23 files
```

Why it's laid out this way:

- **`app/api/`** holds only the HTTP layer: routers validate input and call into `core/` or the models. \
Nothing in `api/` talks to the database directly.
- **`app/core/`** is configuration and shared infrastructure. `config.py` reads the environment once, with \
pydantic-settings, so the rest of the code imports a typed `settings` object.
- **`worker/`** is a separate entry point that imports from `app/`, never the other way round: the API can be \
deployed without the worker's dependencies.
- **`migrations/`** are plain SQL files numbered in order; a tool like `dbmate` or `yoyo` applies them.
- **`.env.example`** lists every variable with a harmless default. The real `.env` stays out of git.

If the service grows past a handful of routers, split `app/` by feature (`app/orders/`, `app/billing/`) \
instead of by layer, each with its own `api.py`, `models.py` and `service.py`.
"""

_INTERVIEW = """\
Here's the cleaned-up transcript of the first ten minutes, with timestamps and speaker labels. I removed filler \
words but kept false starts where they change the meaning.

---

**[00:00:04] INTERVIEWER (Dana Okafor):** Thanks for making the time. Could you start by telling us what \
your team actually does day to day?\u0020\u0020
**[00:00:11] GUEST (Rafael Lindqvist):** Sure. We're the platform team — six engineers — and we own \
everything between "the code is merged" and "a customer can use it": the build pipeline, the deploy tooling, \
the on-call rotation for infrastructure.\u0020\u0020

**[00:00:32] INTERVIEWER:** And how did that team come about? Was it planned?\u0020\u0020
**[00:00:36] GUEST:** Honestly… no. [laughs] It grew out of three people who kept fixing the CI on \
weekends. At some point our CTO said, "You're already doing this job, let's make it official."\u0020\u0020

**[00:01:05] INTERVIEWER:** What was the first thing you changed once it *was* official?\u0020\u0020
**[00:01:09] GUEST:** We killed the shared staging server. Everyone deployed to the same box, so on a \
Tuesday you'd have four teams overwriting each other's builds. We moved to one preview environment per pull \
request — it cost more in cloud spend, maybe 1,800 dollars a month, but we got back hours every week.\u0020\u0020

**[00:02:14] INTERVIEWER:** How did you convince leadership that it was worth it?\u0020\u0020
**[00:02:18] GUEST:** We measured. For two weeks we logged every time someone said "staging is broken" in \
Slack. It was 41 times. [crosstalk] Sorry — go ahead.\u0020\u0020
**[00:02:31] INTERVIEWER:** No, please finish.\u0020\u0020
**[00:02:33] GUEST:** So, 41 interruptions, and each one cost about half an hour for a few people. Once you \
put a number on it, the conversation is easy.\u0020\u0020

**[00:03:40] INTERVIEWER:** What would you tell a company that's about to form its first platform team?\u0020\u0020
**[00:03:46] GUEST:** Three things. First, pick a customer: the product engineers are your users, so talk to \
them like users. Second, don't build a portal before you have paved roads — the shiny UI comes last. And \
third… protect the team's time. If you're also the help desk, you'll never ship anything.\u0020\u0020

---

*Transcript continues at [00:04:58] with the discussion of on-call load. Let me know if you want that part in \
the same format.*
"""

_PATENT_CLAIMS = """\
Here's a draft claim set for the invention as you described it. Independent claims 1 and 7 cover the system \
and the method; the rest narrow them. Have a registered patent attorney review it before filing.

**What is claimed is:**

1. A system for reducing food waste in a refrigerated display unit, the system comprising:

   (a) a plurality of weight sensors, each disposed beneath a respective product tray;

   (b) an optical sensor positioned to capture images of the product trays; and

   (c) a controller communicatively coupled to the weight sensors and the optical sensor, the controller \
being configured to:

      (i) estimate, for each product tray, a remaining shelf life of the products thereon based at least on \
the images and on a temperature history of the display unit;

      (ii) determine a markdown price when the remaining shelf life falls below a threshold; and

      (iii) cause an electronic shelf label associated with the product tray to display the markdown price.

2. The system of claim 1, wherein the threshold is selected from a range of 12 to 48\u00a0hours.

3. The system of claim 1, wherein the controller is further configured to reduce the markdown price in \
steps of no more than 10\u00a0% per step, each step separated by at least 2\u00a0hours.

4. The system of claim 1, wherein estimating the remaining shelf life comprises applying a trained \
classifier to the images to detect discoloration.

5. The system of claim 4, wherein the classifier is retrained using sales data indicating which marked-down \
products were sold before disposal.

6. The system of claim 1, further comprising a door sensor, wherein the temperature history is corrected for \
periods during which a door of the display unit was open for more than 60\u00a0seconds.

7. A method for reducing food waste in a refrigerated display unit, the method comprising:

   (a) measuring, by weight sensors, a quantity of product on each of a plurality of product trays;

   (b) estimating, by a controller, a remaining shelf life of the product on each tray; and

   (c) displaying, on an electronic shelf label, a markdown price determined from the remaining shelf life.

8. The method of claim 7, wherein step (b) uses a temperature history recorded at intervals of no more \
than 5\u00a0minutes.

*Note:* claims 2–6 depend on claim 1 and claim 8 on claim 7. Dependent claims in excess of 20 total, or \
independent claims beyond 3, incur extra fees at the USPTO, so this set of 8 stays within the basic fee.
"""

BATCH_15: list[tuple[str, str, str]] = [
    ("b15_maltese", "maltese", _MALTESE),
    ("b15_azerbaijani", "azerbaijani", _AZERBAIJANI),
    ("b15_punjabi", "punjabi-gurmukhi", _PUNJABI),
    ("b15_urdu", "urdu", _URDU),
    ("b15_apl", "apl", _APL),
    ("b15_cypher", "cypher", _CYPHER),
    ("b15_gcode", "gcode", _GCODE),
    ("b15_arm64", "arm64-asm", _ARM64),
    ("b15_haproxy", "haproxy-config", _HAPROXY),
    ("b15_racket", "racket", _RACKET),
    ("b15_json_schema", "json-schema", _JSON_SCHEMA),
    ("b15_vcard", "vcard", _VCARD),
    ("b15_dir_tree", "dir-tree", _DIR_TREE),
    ("b15_interview", "interview-transcript", _INTERVIEW),
    ("b15_patent_claims", "patent-claims", _PATENT_CLAIMS),
]


#: The summary line of the collapsible block a model sets the rest in, in the answer's language or in English.
_SUMMARIES = {
    "en": ["Continued", "Show the rest of the answer", "Continuation (click to expand)", "<b>Part 2</b>"],
    "de": ["Fortsetzung"],
    "fr": ["Suite de la réponse"],
    "es": ["Continuación"],
    "pt": ["Continuação"],
    "zh": ["续"],
    "ja": ["続き"],
}

#: A list item's marker (numbered "3." / "3)" or a bullet) at a line's start, and bold set with asterisks or
#: underscores at word boundaries.
_NUMBERED = re.compile(r"^([ \t]*)(\d{1,9})([.)])(?=[ \t])", re.M)
_BULLET = re.compile(r"^([ \t]*)([-*+])(?=[ \t]+\S)", re.M)
_BOLD = re.compile(r"(?<![\w*_\\])(\*\*|__)(?=\S)([^*_\n]+?)(?<=\S)\1(?![\w*_])")

#: The emoji a decorating model puts after a heading's or list item's marker: one per heading, one per list.
_HEADING_EMOJI = ["🚀", "📌", "🛠️", "💡", "📝", "⚙️", "🔍", "✨", "📦", "🧭"]
_ITEM_EMOJI = ["✅", "🔹", "👉", "▶️", "📍", "⭐"]
_DECORATED = re.compile(r"^([ \t]*)(#{1,6}[ \t]+|[-*+][ \t]+|\d{1,9}[.)][ \t]+)(?=\S)", re.M)
_EMOJI_START = re.compile("[\u2190-\u2bff\u2600-\u27bf\U0001f000-\U0001faff]")

#: Languages by comment syntax: a line comment's opener, or a block comment's opener and closer.
_COMMENT_SYNTAX = (
    (
        "python py sh bash shell zsh ruby rb perl r yaml yml toml dotenv make makefile dockerfile nix "
        "hcl terraform tf elixir ex exs nginx haproxy conf cmake powershell ps1 julia graphql promql gdscript "
        "crystal nim awk sed tcl",
        ("# ", ""),
    ),
    (
        "c cpp c++ h hpp cs csharp java js javascript ts typescript jsx tsx go rust rs swift kotlin kt scala dart "
        "zig php proto protobuf solidity sol groovy gradle glsl wgsl verilog v json jsonc json5 cypher arm aarch64 "
        "fsharp",
        ("// ", ""),
    ),
    ("sql plpgsql lua haskell hs elm ada vhdl applescript", ("-- ", "")),
    ("lisp scheme racket clojure clj elisp wat gcode nasm x86asm ini", ("; ", "")),
    ("html xml svg vue markdown md", ("<!-- ", " -->")),
    ("css scss less", ("/* ", " */")),
    ("latex tex matlab octave erlang prolog", ("% ", "")),
    ("fortran f90", ("! ", "")),
    ("apl dyalog", ("⍝ ", "")),
    ("bat batch cmd", ("REM ", "")),
    ("ocaml ml", ("(* ", " *)")),
)
#: A code block's comment syntax by its info string's language.
_COMMENT = {lang: marks for langs, marks in _COMMENT_SYNTAX for lang in langs.split()}
#: What the model's comment says.
_COMMENT_TEXTS = [
    "... continuing from where the previous output stopped",
    "(continued)",
    "continued from above",
    "... rest of the code",
    "continuing the code",
]


def _code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text's code and markup: fenced blocks with their fence lines, inline code, HTML tags."""
    spans = []
    for a, b in fence_spans(text):
        start = text.rfind("\n", 0, max(a - 1, 0)) + 1
        end = text.find("\n", b)
        spans.append((start, len(text) if end < 0 else end))
    for m in re.finditer(r"`[^`\n]+`|</?[A-Za-z][^<>\n]*>", text):
        if not any(a <= m.start() < b for a, b in spans):
            spans.append(m.span())
    return sorted(spans)


def _in_code(text: str, pos: int) -> bool:
    return any(a <= pos < b for a, b in _code_spans(text))


def _details_wrap(reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The rest in a collapsible HTML block: "<details>\n<summary>Continued</summary>\n\n" + the rest + "</details>".

    Cut mid-line, the rest starts the block's first paragraph; cut in code, the model reopens the block instead.
    """
    cut = len(sent)
    if reference.lstrip()[:1] in ("{", "[", "<", "\\") or any(a <= cut <= b for a, b in fence_spans(reference)):
        return None  # a raw JSON, HTML or LaTeX text, or code: the model would not wrap it in HTML
    cont = reference[cut:]
    body = cont.lstrip("\n") if not sent or sent.endswith("\n") else cont.lstrip(" \t\n")
    summaries = _SUMMARIES["en"] if lang == "en" else _SUMMARIES.get(lang, []) + _SUMMARIES["en"][:1]
    head = f"<details>\n<summary>{rng.choice(summaries)}</summary>\n\n"
    return head + body.rstrip("\n") + "\n\n</details>" + ("\n" if cont.endswith("\n") else "")


def _md_style_swap(reference: str, sent: str) -> str | None:
    """The rest's Markdown in another spelling that renders the same: "3)" for "3.", "*" for "-", "__" for "**".

    Only the constructs the sent text has shown in the answer's own spelling are respelled, so that a repair can
    tell the answer's style from the model's.
    """
    cut = len(sent)
    swaps = {".": ")", ")": ".", "-": "*", "*": "-", "+": "-", "**": "__", "__": "**"}
    shown = {
        m.group(group)
        for pattern, group in ((_NUMBERED, 3), (_BULLET, 2), (_BOLD, 1))
        for m in pattern.finditer(sent)
        if not _in_code(reference, m.start()) and m.end() <= cut
    }
    edits: list[tuple[int, int, str]] = []
    for pattern, group in ((_NUMBERED, 3), (_BULLET, 2)):
        for m in pattern.finditer(reference, cut):
            if m.group(group) in shown and not _in_code(reference, m.start()):
                edits.append((m.start(group), m.end(group), swaps[m.group(group)]))
    for m in _BOLD.finditer(reference, cut):
        if m.group(1) in shown and not _in_code(reference, m.start()):
            mark = swaps[m.group(1)]
            edits += [(m.start(1), m.end(1), mark), (m.end() - 2, m.end(), mark)]
    if not edits:
        return None
    out, i = [], cut
    for a, b, text in sorted(edits):
        out += [reference[i:a], text]
        i = b
    out.append(reference[i:])
    return "".join(out)


def _emoji_decorated(reference: str, sent: str, rng: random.Random) -> str | None:
    """The rest's headings and list items with an emoji after their marker ("### 🛠️ Setup", "- ✅ Flour").

    Only where the answer's own headings and items have none and the sent text has shown some of them bare.
    """
    cut = len(sent)
    marked = [m for m in _DECORATED.finditer(reference) if not _in_code(reference, m.start())]
    if any(_EMOJI_START.match(reference, m.end()) for m in marked):
        return None  # the answer decorates its own items: the model's emoji would be ambiguous
    if not any(m.end() <= cut for m in marked):
        return None
    item_emoji = rng.choice(_ITEM_EMOJI)
    out, i = [], cut
    for m in marked:
        if m.start() < cut or (m.start() == cut and cut and reference[cut - 1] != "\n"):
            continue
        emoji = rng.choice(_HEADING_EMOJI) if m.group(2).startswith("#") else item_emoji
        out += [reference[i : m.end()], emoji + " "]
        i = m.end()
    if not out:
        return None
    out.append(reference[i:])
    return "".join(out)


def _comment_marks(reference: str, a: int, b: int) -> tuple[str, str] | None:
    """The comment syntax of the code block whose body is reference[a:b]: from its language, or from its comments."""
    open_line = reference[: max(a - 1, 0)].rsplit("\n", 1)[-1].strip().lstrip("`~").strip()
    info = open_line.split()[0].lower() if open_line.split() else ""
    if info in _COMMENT:
        return _COMMENT[info]
    for m in re.finditer(r"(?m)^[ \t]*(#|//|--|;|%|⍝) ", reference[a:b]):
        return m.group(1) + " ", ""
    return None


def _code_comment_lead(reference: str, sent: str, rng: random.Random) -> str | None:
    """Cut in a code block, a comment line in the block's language first, then the current line again and the rest.

    "    timeout client  3" + "    # ... continuing from where the previous output stopped\\n    timeout client  30s…"
    """
    cut = len(sent)
    block = next(((a, b) for a, b in fence_spans(reference) if a <= cut < b), None)
    if block is None:
        return None
    marks = _comment_marks(reference, *block)
    if marks is None:
        return None
    line_start = max(sent.rfind("\n") + 1, block[0])
    line = sent[line_start:]
    first = (line + reference[cut:]).split("\n", 1)[0]
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    eol = "\r\n" if first.endswith("\r") else "\n"
    comment = indent + marks[0] + rng.choice(_COMMENT_TEXTS) + marks[1]
    return comment + eol + line + reference[cut:]


def batch15_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fallback model's whole output for one of this batch's behaviours, or None where it does not apply.

    `details_wrap`: the rest in a collapsible `<details>` block with a summary line ("Continued"), as a model
    writing for GitHub sets long parts.  `md_style_swap`: the rest's list markers and bold in another
    Markdown spelling the sent text did not use ("2)" after "1.", "* " after "- ", "__" after "**").
    `emoji_decorated`: an emoji after the marker of each heading and list item in the rest ("- ✅ 2 eggs").
    `code_comment_lead`: cut in a code block, a comment line such as "# (continued)" in the block's language,
    then the current line from its start and the rest.
    """
    if behaviour not in BATCH15_BEHAVIOURS:
        raise ValueError(behaviour)
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    if behaviour == "details_wrap":
        return _details_wrap(reference, sent, lang, rng)
    if behaviour == "md_style_swap":
        return _md_style_swap(reference, sent)
    if behaviour == "emoji_decorated":
        return _emoji_decorated(reference, sent, rng)
    return _code_comment_lead(reference, sent, rng)
