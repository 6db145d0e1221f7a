"""The tenth held-out batch: answers in kinds no earlier batch had, and four fallback behaviours no rule knew.

The texts are chat-assistant answers: a travel itinerary, a Verilog module, awk one-liners, Prolog, modern
Fortran, a cover letter, a tune in ABC notation, a Polish answer, a multiple-choice quiz with its key, a raw HTTP
exchange, MediaWiki markup, reStructuredText, an Org-mode file and a plain-text-accounting ledger.  The behaviours
are what an instruct model does around the first characters of its continuation: it closes the code block it was
cut in and opens a new one, marks the elided text with "[…]", quotes the words it resumes from as a blockquote, or
writes its lead-in in another language than the answer's.
"""

from __future__ import annotations

import random
import re

from .fences import fence_spans

__all__ = ["BATCH_10", "BATCH10_BEHAVIOURS", "batch10_output"]

_ITINERARY = """Here's a relaxed 3-day plan for Lisbon in early October, assuming you land on Friday morning and stay \
in Baixa or Chiado.

## Day 1 — Friday: Baixa, Alfama and the river

- **09:30** — Drop bags at the hotel, coffee and a *pastel de nata* at Manteigaria (Rua do Loreto).
- **10:30** — Walk down Rua Augusta to **Praça do Comércio**; the arch's viewpoint costs €5 and is worth it.
- **12:30** — Lunch in Alfama: grilled sardines at a *tasca* near Largo de São Miguel (~€15 pp).
- **14:00** — Tram 28 up to **Miradouro de Santa Luzia**, then walk to the Castelo de São Jorge (€15, allow 1.5 h).
- **19:30** — Dinner + fado in Alfama. Book ahead: Clube de Fado or Tasca do Chico (no reservations, queue at 19:00).

## Day 2 — Saturday: Belém

1. Take tram 15E from Praça da Figueira (~35 min) — go **before 09:00** to beat the queues.
2. Jerónimos Monastery (€12; free on the first Sunday of the month for residents only).
3. Pastéis de Belém for the original custard tarts; the takeaway line moves faster than the tables.
4. Walk along the river to the **Padrão dos Descobrimentos** and the Torre de Belém (outside views are enough).
5. Back to Cais do Sodré; sunset drinks at the Time Out Market or a rooftop in Bairro Alto.

## Day 3 — Sunday: day trip to Sintra

Train from Rossio station every 20–30 minutes (40 min, €2.40 each way with a Navegante card). In Sintra:

- **Pena Palace** — pre-book a timed ticket (€20); take bus 434 up rather than walking the 50-minute climb.
- **Quinta da Regaleira** — the initiation well gets busy by 11:00; go there first if you can only do one.
- Be back in Lisbon by 18:00 if your flight is early Monday.

**Budget estimate:** about €120–150 per person per day excluding the hotel. Tip: the *Lisboa Card* (72 h, €45) \
covers trams, the Sintra train and several museum entries, so it pays off if you do Belém and Sintra.
"""

_VERILOG = """Here's a parameterised synchronous FIFO in Verilog-2001. It uses one extra address bit to tell \
"full" from "empty" without a separate counter.

```verilog
module sync_fifo #(
    parameter DATA_W = 8,
    parameter ADDR_W = 4            // depth = 2**ADDR_W = 16
) (
    input  wire              clk,
    input  wire              rst_n,
    input  wire              wr_en,
    input  wire [DATA_W-1:0] din,
    input  wire              rd_en,
    output reg  [DATA_W-1:0] dout,
    output wire              full,
    output wire              empty
);
    reg [DATA_W-1:0] mem [0:(1<<ADDR_W)-1];
    reg [ADDR_W:0]   wr_ptr, rd_ptr;   // MSB is the wrap bit

    assign empty = (wr_ptr == rd_ptr);
    assign full  = (wr_ptr[ADDR_W] != rd_ptr[ADDR_W]) &&
                   (wr_ptr[ADDR_W-1:0] == rd_ptr[ADDR_W-1:0]);

    always @(posedge clk or negedge rst_n) begin
        if (!rst_n) begin
            wr_ptr <= {(ADDR_W+1){1'b0}};
            rd_ptr <= {(ADDR_W+1){1'b0}};
        end else begin
            if (wr_en && !full) begin
                mem[wr_ptr[ADDR_W-1:0]] <= din;
                wr_ptr <= wr_ptr + 1'b1;
            end
            if (rd_en && !empty) begin
                dout   <= mem[rd_ptr[ADDR_W-1:0]];
                rd_ptr <= rd_ptr + 1'b1;
            end
        end
    end
endmodule
```

A few notes:

- `dout` is registered, so data appears **one cycle after** `rd_en`. If you need first-word fall-through, \
read `mem` combinationally instead.
- Writing and reading in the same cycle while full is refused by the `!full` guard, even though a read is \
freeing a slot; that's the usual conservative choice.
- For clock-domain crossing you need an *asynchronous* FIFO with Gray-coded pointers — this one is single-clock only.
"""

_AWK = """You can do all of that with `awk` alone — no need for `cut | sort | uniq`. Assuming an nginx-style access \
log where field 1 is the client IP, field 9 the status and field 10 the bytes sent:

**Requests per status code**

```sh
awk '{ n[$9]++ } END { for (s in n) printf "%s\\t%d\\n", s, n[s] }' access.log | sort -k2,2nr
```

**Top 10 IPs by bandwidth (in MB)**

```sh
awk '$10 ~ /^[0-9]+$/ { b[$1] += $10 }
     END { for (ip in b) printf "%-15s %8.2f\\n", ip, b[ip] / 1048576 }' access.log \\
  | sort -k2,2nr | head -n 10
```

The `$10 ~ /^[0-9]+$/` guard skips lines where the byte count is `-` (e.g. 304 responses).

**Only 5xx errors between two timestamps**

```sh
awk -v from="[05/Dec/2026:14:00" -v to="[05/Dec/2026:15:00" \\
    '$4 >= from && $4 < to && $9 ~ /^5/ { print $1, $4, $7, $9 }' access.log
```

String comparison works here only because both bounds share the same day; across midnight you'd have to parse \
the date with `mktime()` (gawk only).

**Average response time per endpoint**, if you log `$request_time` as the last field:

```sh
awk '{ t[$7] += $NF; c[$7]++ } END { for (u in t) printf "%.3f %s\\n", t[u]/c[u], u }' access.log | sort -rn | head
```

Tip: run with `LC_ALL=C awk …` on big files — it skips locale-aware string handling and is often 2–3× faster.
"""

_PROLOG = """Here's a small family-tree program in Prolog, with the recursive `ancestor/2` rule you asked about.

```prolog
% Facts: parent(Parent, Child).
parent(tom, bob).
parent(tom, liz).
parent(bob, ann).
parent(bob, pat).
parent(pat, jim).

male(tom). male(bob). male(jim).
female(liz). female(ann). female(pat).

% Rules
father(X, Y) :- parent(X, Y), male(X).
mother(X, Y) :- parent(X, Y), female(X).

sibling(X, Y) :-
    parent(P, X),
    parent(P, Y),
    X \\= Y.

ancestor(X, Y) :- parent(X, Y).
ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).
```

Some queries to try in SWI-Prolog (`swipl family.pl`):

```text
?- ancestor(tom, jim).
true .

?- findall(A, ancestor(A, jim), As).
As = [pat, tom, bob].

?- sibling(ann, S).
S = pat ;
false.
```

Why the order of the two `ancestor/2` clauses matters: Prolog tries clauses top to bottom and goals left to right. \
If you wrote the recursive clause as `ancestor(X, Y) :- ancestor(Z, Y), parent(X, Z).`, a query with an unbound \
first argument would recurse forever before ever reaching a fact — **left recursion** is the classic pitfall. \
Keeping the base case first and the `parent/2` goal before the recursive call guarantees progress.
"""

_FORTRAN = """Here's a modern Fortran (2008) version of the trapezoidal rule with a module, an abstract interface \
for the integrand, and `real64` kinds throughout.

```fortran
module quadrature
  use, intrinsic :: iso_fortran_env, only: dp => real64
  implicit none
  private
  public :: trapz, dp

  abstract interface
    pure function integrand(x) result(y)
      import :: dp
      real(dp), intent(in) :: x
      real(dp) :: y
    end function integrand
  end interface

contains

  pure function trapz(f, a, b, n) result(s)
    procedure(integrand) :: f
    real(dp), intent(in) :: a, b
    integer, intent(in)  :: n
    real(dp) :: s, h
    integer  :: i

    h = (b - a) / real(n, dp)
    s = 0.5_dp * (f(a) + f(b))
    do i = 1, n - 1
      s = s + f(a + real(i, dp) * h)
    end do
    s = s * h
  end function trapz

end module quadrature

program main
  use quadrature
  implicit none
  real(dp), parameter :: pi = 4.0_dp * atan(1.0_dp)

  print '(a, f12.9)', 'integral of sin on [0, pi] = ', trapz(my_sin, 0.0_dp, pi, 1000)

contains

  pure function my_sin(x) result(y)
    real(dp), intent(in) :: x
    real(dp) :: y
    y = sin(x)
  end function my_sin

end program main
```

Compile and run with `gfortran -O2 -std=f2008 -Wall trapz.f90 -o trapz && ./trapz`; you should get \
`1.999998355`, and the error shrinks by about 4× each time you double `n` (the rule is second-order).

Note that you can't pass the intrinsic `sin` directly as `f` here because it's generic; wrapping it in `my_sin` \
gives the compiler a specific procedure matching the interface.
"""

_COVER_LETTER = """Here's a draft you can adapt — I kept it to one page and tied each paragraph to something in the \
job ad.

---

Maria Kowalczyk
ul. Długa 14/3, 80-827 Gdańsk
maria.kowalczyk@example.com · +48 501 234 567

5 December 2026

Hiring Team
Northwind Logistics Sp. z o.o.
Al. Grunwaldzka 472
80-309 Gdańsk

**Re: Data Analyst (ref. DA-2026-41)**

Dear Hiring Team,

I am writing to apply for the Data Analyst position advertised on your careers page. For the past three years I \
have worked as a reporting specialist at Baltic Freight, where I rebuilt our weekly on-time-delivery dashboard in \
Power BI and cut its refresh time from 40 minutes to under 5.

Your posting emphasises SQL, forecasting and "explaining numbers to people who don't love numbers". In my current \
role I:

- wrote the SQL models behind 12 operational reports used by 60+ dispatchers;
- built a seasonal demand forecast (Python, statsmodels) that reduced empty truck runs by 8% in Q3;
- run a monthly 30-minute "data clinic" for the operations team.

I am particularly drawn to Northwind's plan to move route planning onto real-time data, and I would welcome the \
chance to contribute to it.

Thank you for your time and consideration. I would be glad to discuss how my experience fits your team.

Yours sincerely,
Maria Kowalczyk

---

A couple of tips: swap in one concrete number from *your* own work for each bullet, and if the ad names a hiring \
manager, address them directly instead of "Hiring Team".
"""

_ABC = """Here's a simple jig in ABC notation you can paste into an ABC renderer (e.g. abcjs or EasyABC) to hear \
and print it.

```abc
X: 1
T: The Harbour Lights
C: trad. arr. for tin whistle
R: jig
M: 6/8
L: 1/8
Q: 3/8=110
K: D
|: A | d2 f a2 f | g2 e c2 A | d2 f a2 d' | c'2 a a2 g |
f2 d e2 c | d2 B A2 F | G2 B A2 G | F3 D2 :|
|: e | f2 g a2 b | a2 f d2 f | g2 e c2 e | a3 a2 g |
f2 d e2 c | d2 B A2 F | G2 B A2 c | d3 d2 :|
```

How to read the header fields:

| Field | Meaning |
|-------|---------|
| `X:` | reference number (must come first) |
| `M: 6/8` | metre — two dotted-quarter beats per bar |
| `L: 1/8` | default note length, so `d2` is a quarter note |
| `K: D` | key of D major (F♯ and C♯ are implied) |

In the tune body, lowercase letters are the upper octave, `d'` goes one octave higher still, `|:` and `:|` are \
repeat signs, and the lone `A` before the first full bar is the pickup (anacrusis). On a D whistle, everything here \
is playable without half-holing — the C♯ comes out naturally with all holes open.
"""

_POLISH = """Oto najważniejsze różnice między aspektem **dokonanym** a **niedokonanym** w języku polskim — to \
jedna z rzeczy, które sprawiają uczącym się najwięcej kłopotu.

### 1. Co wyraża aspekt?

- **Niedokonany** (np. *robić, pisać, czytać*) opisuje czynność w trakcie, powtarzaną lub ogólną: \
„Codziennie czytam gazetę".
- **Dokonany** (np. *zrobić, napisać, przeczytać*) mówi o czynności zakończonej, z rezultatem: \
„Przeczytałem już tę książkę".

### 2. Jak tworzy się pary aspektowe?

1. Przez przedrostek: *pisać → napisać*, *robić → zrobić*, *czytać → przeczytać*.
2. Przez przyrostek: *kupić → kupować*, *zapomnieć → zapominać*.
3. Zupełnie inne słowo (rzadko): *brać → wziąć*, *mówić → powiedzieć*.

Uwaga: przedrostek często zmienia też znaczenie — *wypisać* to nie to samo co *napisać*.

### 3. Czas przyszły

Tu różnica jest najbardziej widoczna:

- niedokonany → forma złożona: *będę pisać* / *będę pisał(a)*;
- dokonany → forma prosta, która *wygląda* jak teraźniejsza: *napiszę*.

Dlatego zdanie „Jutro napiszę list" jest poprawne, a „Teraz napiszę list" znaczy „zaraz to zrobię", \
a nie „właśnie piszę".

### 4. Ćwiczenie

Wstaw właściwą formę: „Wczoraj cały wieczór ___ (czytać/przeczytać) i w końcu ___ (czytać/przeczytać) całą \
powieść". Odpowiedź: *czytałem/czytałam*, *przeczytałem/przeczytałam* — pierwsza czynność trwała, druga się \
zakończyła.
"""

_QUIZ = """Here's a 6-question quiz on the water cycle for a Year 5 class, with an answer key at the end.

**1. What is the main source of energy that drives the water cycle?**
A) The Moon's gravity
B) The Sun
C) Wind
D) The Earth's core

**2. When water vapour cools and turns into tiny droplets, this is called:**
A) Evaporation
B) Precipitation
C) Condensation
D) Infiltration

**3. Which of these is NOT a form of precipitation?**
A) Hail
B) Sleet
C) Fog
D) Snow

**4. Plants release water vapour through their leaves. What is this process called?**
A) Transpiration
B) Respiration
C) Photosynthesis
D) Runoff

**5. True or false: the amount of water on Earth stays roughly the same over time.**

**6. Put these in order, starting with water in the ocean:** clouds form · rain falls · water evaporates · \
water flows back to the sea

---

### Answer key

| Q | Answer | Why |
|---|--------|-----|
| 1 | **B** | The Sun heats water so it evaporates. |
| 2 | **C** | Condensation is gas → liquid. |
| 3 | **C** | Fog is a cloud at ground level; it doesn't *fall*. |
| 4 | **A** | Transpiration happens through tiny pores (stomata). |
| 5 | **True** | Water is recycled, not made or destroyed. |
| 6 | evaporates → clouds form → rain falls → flows back | The cycle then repeats. |

*Extension idea:* ask pupils to draw the cycle and label each arrow with one of the key words from Q2–Q4.
"""

_HTTP = """Here's what the exchange looks like on the wire for a conditional GET with an ETag, so you can see why \
the second response has no body.

**First request** — the browser has nothing cached:

```http
GET /api/v2/products/8841 HTTP/1.1
Host: shop.example.com
Accept: application/json
Accept-Encoding: gzip, br
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0
```

```http
HTTP/1.1 200 OK
Content-Type: application/json; charset=utf-8
Content-Length: 187
Cache-Control: private, max-age=0, must-revalidate
ETag: "a7f3c-1733400000"
Date: Sat, 05 Dec 2026 10:14:07 GMT

{"id": 8841, "name": "Trail Runner 3", "price": {"amount": 129.9, "currency": "EUR"}, "stock": 14}
```

**Second request** — the browser revalidates, sending the ETag back in `If-None-Match`:

```http
GET /api/v2/products/8841 HTTP/1.1
Host: shop.example.com
Accept: application/json
If-None-Match: "a7f3c-1733400000"
```

```http
HTTP/1.1 304 Not Modified
Cache-Control: private, max-age=0, must-revalidate
ETag: "a7f3c-1733400000"
Date: Sat, 05 Dec 2026 10:15:52 GMT
```

Key points:

1. `max-age=0, must-revalidate` means "you may store it, but ask me before every use".
2. The **304** carries no body; the browser reuses its stored copy, so only ~200 bytes of headers cross the network.
3. Weak ETags (`W/"…"`) are fine for `If-None-Match`, but not for `If-Match` on a PUT, which needs strong comparison.
"""

_WIKITEXT = """Sure — here's the article stub in MediaWiki markup, with an infobox, a table and references. Paste it \
into the source editor.

```wikitext
{{Infobox lighthouse
| name        = Rozewie Lighthouse
| image       = Rozewie latarnia.jpg
| location    = [[Rozewie]], [[Pomeranian Voivodeship]], Poland
| yearbuilt   = 1822
| height      = 33 m
| range       = 26 nmi
}}
'''Rozewie Lighthouse''' ({{lang-pl|Latarnia Morska Rozewie}}) is a lighthouse on the [[Baltic Sea]] coast \
near [[Władysławowo]].<ref name="ptm">{{cite web |url=https://www.example.org/rozewie |title=Latarnia Rozewie \
|publisher=Polskie Towarzystwo Morskie |access-date=5 December 2026}}</ref>

== History ==
The first tower was lit in '''1822''' with a coal fire; it was converted to oil lamps in 1866 and to electric \
light in 1910.

== Keepers ==
{| class="wikitable sortable"
|-
! Years !! Keeper !! Notes
|-
| 1822–1838 || Johann Schultz || first keeper
|-
| 1920–1939 || Leon Wzorek || raised the tower by 8.3 m
|-
| 1945–1978 || ''various'' || post-war restoration
|}

== See also ==
* [[List of lighthouses in Poland]]
* [[Hel Lighthouse]]

== References ==
{{reflist}}

[[Category:Lighthouses in Poland]]
[[Category:Buildings and structures completed in 1822]]
```

Notes: `'''…'''` is bold and `''…''` italic; `!!` separates header cells on one line and `||` data cells. The named \
`<ref name="ptm">` lets you reuse the citation later with `<ref name="ptm" />`.
"""

_RST = """Here's the README rewritten in reStructuredText so it renders on PyPI and in Sphinx. The main differences \
from Markdown are the heading underlines and the directive syntax.

.. code-block:: rst

   ===========
   tidyframes
   ===========

   *Small, typed helpers for cleaning pandas DataFrames.*

   .. contents:: Table of contents
      :depth: 2

   Installation
   ============

   .. code-block:: console

      $ pip install tidyframes

   Quick start
   ===========

   .. code-block:: python

      import tidyframes as tf

      df = tf.read_messy_csv("sales.csv")
      df = tf.snake_case_columns(df)

   Functions
   ---------

   ``snake_case_columns(df)``
      Renames ``"Order Date"`` to ``order_date``.

   ``drop_empty(df, how="all")``
      Drops rows where all (or any) values are missing.

   .. note::

      All functions return a **new** DataFrame; nothing is modified in place.

   .. warning::

      Python 3.8 is no longer supported as of version 2.0.

   License
   =======

   MIT — see `LICENSE <https://github.com/example/tidyframes/blob/main/LICENSE>`_.

Things that commonly trip people up:

- The underline must be **at least as long** as the title text, or Sphinx emits a warning.
- Inline code uses *double* backticks (````like this````); single backticks mean "interpreted text".
- A directive's content must be indented consistently (three spaces is conventional) and separated by a blank line.
- Links are ```text <url>`_`` — note the trailing underscore.

Check it with ``python -m readme_renderer README.rst`` before uploading.
"""

_ORG = """Here's an Org-mode layout for tracking your thesis with TODO states, deadlines and a clocktable. Save \
it as `thesis.org`.

```org
#+TITLE: Thesis — Coastal Erosion Models
#+AUTHOR: J. Okafor
#+TODO: TODO NEXT WAITING | DONE CANCELLED
#+STARTUP: overview

* Literature review                                                :reading:
** DONE Read Bruun (1962) and summarise
   CLOSED: [2026-11-20 Fri 16:42]
** NEXT Compare SBEACH vs XBeach assumptions
   DEADLINE: <2026-12-11 Fri>
** WAITING Access to Dean (1991) via interlibrary loan
   - Requested [2026-11-28 Sat]

* Methods                                                          :writing:
** TODO Describe the field site
   SCHEDULED: <2026-12-08 Tue>
** TODO Write the calibration section
   :PROPERTIES:
   :Effort:   4:00
   :END:

* Analysis
** TODO Run the sensitivity sweep
   #+BEGIN_SRC python :results output
   for d50 in (0.2, 0.3, 0.45):
       print(d50, run_model(d50=d50))
   #+END_SRC

* Time spent
  #+BEGIN: clocktable :scope file :maxlevel 2
  #+END:
```

How to use it:

1. `C-c C-t` cycles an item through the TODO states in the `#+TODO:` line; `|` separates open from closed states.
2. `C-c C-d` adds a DEADLINE and `C-c C-s` a SCHEDULED date — both show up in the agenda (`C-c a a`).
3. Start a clock on the current task with `C-c C-x C-i`, stop it with `C-c C-x C-o`.
4. Put the cursor on the `#+BEGIN: clocktable` line and press `C-c C-c` to fill in the time report.

Tags like `:reading:` let you filter the agenda with `C-c a m reading RET`.
"""

_LEDGER = """Here's how those transactions look in `ledger`/`hledger` plain-text format. Amounts are right-aligned \
for readability but alignment doesn't matter to the parser.

```ledger
; household.journal
commodity 1,000.00 EUR

2026-11-01 * Salary
    Assets:Bank:Checking                  3,250.00 EUR
    Income:Salary

2026-11-02 * Landlord | November rent
    Expenses:Housing:Rent                 1,100.00 EUR
    Assets:Bank:Checking

2026-11-05 * Lidl
    Expenses:Food:Groceries                  84.37 EUR
    Assets:Bank:Checking

2026-11-12 ! Electricity — estimated bill
    Expenses:Utilities:Power                 62.00 EUR
    Liabilities:CreditCard

2026-11-30 * Transfer to savings
    Assets:Bank:Savings                     500.00 EUR
    Assets:Bank:Checking
```

Useful reports:

```console
$ hledger -f household.journal balance --tree --depth 2
$ hledger -f household.journal register Expenses -M
$ hledger -f household.journal incomestatement --monthly
```

A few conventions worth knowing:

- The posting with **no amount** is balanced automatically, so each transaction above sums to zero.
- `*` marks a cleared transaction and `!` a pending one (the electricity bill isn't final yet).
- Everything after `|` in the description is the note; hledger shows the part before it as the payee.
- Keep at least **two spaces** between the account name and the amount — one space makes the amount part of the \
account name, which is the most common error beginners hit.
"""

#: (name, kind, text): chat-assistant answers in kinds no earlier batch has.
BATCH_10: list[tuple[str, str, str]] = [
    ("b10_itinerary", "travel-itinerary", _ITINERARY),
    ("b10_verilog", "verilog", _VERILOG),
    ("b10_awk", "awk", _AWK),
    ("b10_prolog", "prolog", _PROLOG),
    ("b10_fortran", "fortran", _FORTRAN),
    ("b10_cover_letter", "cover-letter", _COVER_LETTER),
    ("b10_abc", "abc-notation", _ABC),
    ("b10_polish", "polish", _POLISH),
    ("b10_quiz", "quiz", _QUIZ),
    ("b10_http", "http-exchange", _HTTP),
    ("b10_wikitext", "wikitext", _WIKITEXT),
    ("b10_rst", "restructuredtext", _RST),
    ("b10_org", "org-mode", _ORG),
    ("b10_ledger", "ledger", _LEDGER),
]

#: Fallback behaviours written with the tenth batch.
BATCH10_BEHAVIOURS = ["fence_close_reopen", "elision_mark", "blockquote_echo", "preamble_foreign"]

_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_LEAD_INS = ["", "", "Continuing the code:\n\n", "Here's the rest of the code:\n\n"]
_ELISION_MARKS = ["[…]", "[...]", "(…)", "(...)"]
_FOREIGN_PREAMBLES = ["好的，我继续写：\n\n", "接着上文继续：\n\n", "好的，下面是剩余的部分：\n\n", "继续："]


def _in_code(reference: str, sent: str) -> tuple[int, int] | None:
    return next(((a, b) for a, b in fence_spans(reference) if a <= len(sent) <= b), None)


def batch10_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The tenth batch's fallback behaviours, what comes before the genuine continuation (None: does not apply).

    `fence_close_reopen`: cut inside a fenced block, an instruct model (GPT-4o-mini, Llama 3.1 8B, Qwen2.5) takes the
    prior turn as finished, so it first closes the dangling fence, sometimes says a lead-in, then opens a new block
    with the same opening line and writes the current line again from its start: "    s = s + f(a" +
    "\n```\n\nHere's the rest of the code:\n\n```fortran\n    s = s + f(a + real(i, dp) * h)\n…".
    `elision_mark`: outside code, Mistral 7B and Llama 3 (and Gemma 2) mark the elided earlier text with the
    scholarly "[…]" / "(...)" before resuming: "…at the arch's " + "[…] viewpoint costs €5…".
    `blockquote_echo`: cut between words outside code, Claude 3 Haiku and GPT-4o-mini quote the words they resume
    from as a Markdown blockquote to orient the reader, then go on: "…sardines at a " +
    "> …grilled sardines at a\n\n*tasca* near…".
    `preamble_foreign`: Qwen2 / Qwen2.5 instruct drift into Chinese for the lead-in on an answer in another
    language ("好的，我继续写：\n\n" + the rest); in code the lead-in is on its own line.
    """
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    span = _in_code(reference, sent)
    if behaviour == "fence_close_reopen":
        if span is None or not sent[span[0] :].strip() or not reference[len(sent) : span[1]].strip():
            return None  # the block is not under way, or nothing of it is left to write
        opening = reference[: span[0]].rstrip("\n").rsplit("\n", 1)[-1]
        m = _FENCE_LINE.match(opening)
        if m is None:
            return None
        line_start = sent.rfind("\n") + 1
        close = ("" if sent.endswith("\n") else "\n") + m.group(1) + "\n\n"
        return close + rng.choice(_CODE_LEAD_INS) + opening.strip() + "\n" + sent[line_start:] + cont
    if behaviour == "elision_mark":
        if span is not None:
            return None
        mark = rng.choice(_ELISION_MARKS)
        body = cont.lstrip()
        lead = cont[: len(cont) - len(body)]
        if "\n" in lead or sent.endswith("\n"):
            return lead + mark + " " + body  # the mark opens the new line, after its indentation
        if lead or sent[-1:].isspace():
            return mark + " " + body
        return mark + cont  # mid-word: "informa" + "[…]tion"
    if behaviour == "blockquote_echo":
        if span is not None or not sent[-1:].isspace():
            return None
        last = sent.rstrip().rsplit("\n", 1)[-1]
        if last.count("`") % 2 or last.count("**") % 2:
            return None  # inside inline code or bold: a quote of half a span is not what a model writes
        words = last[_word_start_in(last, rng.randint(3, 6)) :].strip()
        if not words or _FENCE_LINE.match(words):
            return None
        return "> " + rng.choice(["…", "...", ""]) + words + "\n\n" + cont
    if behaviour == "preamble_foreign":
        if lang == "zh":
            return None
        pre = rng.choice(_FOREIGN_PREAMBLES)
        if span is not None:
            return pre.rstrip() + "\n" + cont
        return pre + cont.lstrip()
    raise ValueError(behaviour)


def _word_start_in(line: str, words: int) -> int:
    starts = [m.start() for m in re.finditer(r"\S+", line)]
    return starts[max(0, len(starts) - words)] if starts else 0
