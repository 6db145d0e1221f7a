"""The fourteenth held-out batch of the splice eval: 15 answers and 4 fallback behaviours.

The answers are in kinds no earlier batch has: prose in Lithuanian, Bengali, Uzbek (Latin, with `ʻ`/`ʼ`) and
Yiddish (pointed letters amid left-to-right words), a WebAssembly text module, a Windows batch script (CRLF line
ends throughout), a Bazel BUILD file, a VHDL debouncer (tab-indented), an SSH client config, a press release, an
incident postmortem, a job posting, a role-playing game's stat block, social media captions with emoji ZWJ
sequences and a lesson plan.  The behaviours: the rest set as a Markdown blockquote (`quoted_rest`), begun with the
last heading said again, marked as continued (`heading_continued`), with a retrieval tool's source markers after
its sentences, "【4:0†source】" (`citation_marks`), and with Markdown characters backslash-escaped (`md_escaped`).
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable

from .fences import fence_spans

__all__ = ["BATCH_14", "BATCH14_BEHAVIOURS", "batch14_output"]

#: The fallback behaviours written with this batch.
BATCH14_BEHAVIOURS = ["quoted_rest", "heading_continued", "citation_marks", "md_escaped"]

_LITHUANIAN = """\
## Kaip pasiruošti pirmajam pusmaratoniui?

Pusmaratonis — 21,1\u00a0km — yra puikus tikslas tiems, kurie jau gali be sustojimo nubėgti 5–8\u00a0km. \
Svarbiausia ne greitis, o nuoseklumas: geriau bėgti tris kartus per savaitę po 40\u00a0minučių, nei vieną kartą \
„iki išsekimo“.

### Dvylikos savaičių planas

1. **1–4 savaitės.** Trys lengvi bėgimai po 30–40\u00a0min. ir vienas ilgesnis, kurį kas savaitę pailginkite \
1\u00a0km.
2. **5–8 savaitės.** Įtraukite vieną tempo treniruotę: 10\u00a0min. apšilimo, 20\u00a0min. „patogiai sunkiu“ tempu, \
10\u00a0min. atvėsimo.
3. **9–11 savaitės.** Ilgiausias bėgimas pasiekia 16–18\u00a0km. Nebijokite įkalnėse eiti pėsčiomis…
4. **12 savaitė.** Krūvį sumažinkite perpus — kojos turi pailsėti prieš startą.

### Mityba ir skysčiai

Likus dviem dienoms iki varžybų valgykite daugiau angliavandenių: makaronų, ryžių, bulvių. Varžybų rytą \
pusryčiaukite likus 2–3 val. iki starto. Trasoje gerkite po kelis gurkšnius kas 5\u00a0km, net jei dar nejaučiate \
troškulio.

> **Patarimas:** naujų bėgimo batelių varžybų dieną neavėkite — juos reikia išbandyti bent 50\u00a0km treniruotėse.

Sėkmės starte! Svarbiausia — mėgautis kiekvienu kilometru, o ne laikrodžio skaičiais."""

_BENGALI = """\
## বর্ষাকালে ছাদবাগানে সবজি চাষের কয়েকটি টিপস

বর্ষা ছাদবাগানের জন্য আশীর্বাদ — আবার বিপদও। অতিরিক্ত জল জমে গেলে গাছের শিকড় পচে যায়, তাই শুরুতেই নিকাশির \
ব্যবস্থা ঠিক করে নিন।

### টব ও মাটি

১. প্রতিটি টবের নিচে অন্তত ২–৩টি ছিদ্র রাখুন।
২. মাটির সঙ্গে ৩০% কোকোপিট আর ২০% জৈব সার মেশান — এতে মাটি ঝুরঝুরে থাকে।
৩. টবগুলো ইট বা কাঠের টুকরোর ওপর বসান, যাতে তলায় জল না জমে।

### কোন সবজি লাগাবেন?

- **ঢেঁড়স** — গরম ও আর্দ্র আবহাওয়ায় দ্রুত বাড়ে।
- **লাউ ও ঝিঙে** — মাচা করে দিলে ছাদেই প্রচুর ফলন হয়।
- **পুঁই শাক** — একবার লাগালে সারা বর্ষা পাতা তোলা যায়।

### পোকামাকড় দমন

রাসায়নিক কীটনাশকের বদলে নিমতেলের স্প্রে ব্যবহার করুন: ১ লিটার জলে ৫ মিলি নিমতেল আর কয়েক ফোঁটা তরল সাবান। সপ্তাহে \
একবার, বিকেলের দিকে স্প্রে করাই ভালো…

শেষ কথা: ছাদের ওয়াটারপ্রুফিং আগে পরীক্ষা করিয়ে নিন, আর দরকার হলে মিস্ত্রিকে দিয়ে র\u200d্যাম্প ও ড্রেনের ঢাল ঠিক \
করিয়ে নিন।"""

_UZBEK = """\
## Toshkent metrosidan qanday foydalanish mumkin?

Toshkent metrosi — Markaziy Osiyodagi birinchi metro. Bugun unda toʻrtta liniya bor, bekatlarning koʻpchiligi esa \
oʻziga xos bezaklari bilan mashhur: «Kosmonavtlar» bekatidagi koinot mavzusidagi panno, «Alisher Navoiy» bekatidagi \
gumbazlar…

### Chipta va toʻlov

1. Bir martalik yoʻl haqi — 2\u00a0000 soʻm (narxlar oʻzgarishi mumkin, soʻnggi maʼlumotni rasmiy saytdan \
tekshiring).
2. Eng qulayi — **ATTO** transport kartasi: uni bekat kassasida sotib olib, ilova orqali toʻldirasiz.
3. Bank kartasi yoki telefondagi QR-kod bilan ham toʻlash mumkin.

### Foydali maslahatlar

- Metro soat 05:00 dan 24:00 gacha ishlaydi; tirbandlik vaqtida (08:00–09:30 va 17:30–19:00) vagonlar gavjum \
boʻladi.
- Bekatlarda suratga olish endi taqiqlanmagan, lekin xavfsizlik xodimlarining koʻrsatmalariga amal qiling.
- Xaritada liniyalar rang bilan belgilangan — masalan, Chilonzor liniyasi qizil, Yunusobod liniyasi esa koʻk.

Agar shaharga birinchi marta kelgan boʻlsangiz, «Mustaqillik maydoni» bekatidan boshlang: u yerdan markazdagi \
asosiy joylarga piyoda borish oson."""

_YIDDISH = """\
## ייִדישער אויסלייג: די ייִוואָ־כּללים

אין 1936 האָט דער ייִוואָ (YIVO) אין ווילנע פֿאַרעפֿנטלעכט די „תּקנות פֿונעם ייִדישן אויסלייג“ — אַ סיסטעם וואָס מע \
ניצט ביז הײַנט אין לערנביכער, ווערטערביכער און אוניווערסיטעטן.

### די וויכטיקסטע פּונקטן

- **אַ / אָ** — פּתח־אַלף איז [a], קמץ־אַלף איז [o]: „מאַמע“, „שטאָט“.
- **פּ / פֿ** — מיט אַ דגש איז עס [p], מיט אַ רפֿה — [f]: „פּאַפּיר“, „פֿיש“.
- **ײַ** — די צוויי יודן מיט אַ פּתח זענען [aj]: „ווײַן“, „מײַן“.
- **ייִ** — אַ חיריק אונטער דעם צווייטן יוד ווײַזט, אַז ער איז אַ וואָקאַל: „ייִדיש“.

### דיגיטאַלע טעקסטן

אין Unicode קען מען שרײַבן אַ „אַ“ אויפֿ צוויי אופֿנים: `U+05D0 U+05B7` (אַלף + פּתח) אָדער דער איינציקער צייכן \
`U+FB2E` (\ufb2e). NFC מאַכט פֿון `U+FB2E` צוויי צייכנס, אַבער עס פֿאַרבינדט זיי קיינמאָל נישט צוריק — דאַרום \
דאַרפֿ אַ זוכמאַשין נאָרמאַליזירן ביידע פֿאָרמען…

אַ גוטער מקור איז דער „Comprehensive Yiddish-English Dictionary“ (2013), וואָס ניצט שאָן אַלע ייִוואָ־כּללים."""

_WAT = """\
Here's a minimal WebAssembly module in the text format (`.wat`) that exports a function summing an array of 32-bit \
integers stored in linear memory.

### The module

```wat
(module
  (memory (export "memory") 1)

  ;; sum(ptr, len) -> i32: adds `len` i32 values starting at byte offset `ptr`
  (func $sum (export "sum") (param $ptr i32) (param $len i32) (result i32)
    (local $acc i32)
    (local $end i32)
    (local.set $end
      (i32.add (local.get $ptr) (i32.shl (local.get $len) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $acc (i32.add (local.get $acc) (i32.load (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
        (br $next)))
    (local.get $acc)))
```

### Things worth noting

- `i32.shl` by 2 multiplies `len` by 4 — each `i32` occupies four bytes.
- `br_if $done` jumps *out of* the `block`, while `br $next` jumps back to the *start* of the `loop`; that \
asymmetry trips up almost everyone at first.
- The memory is exported so that the host can write the array before calling `sum`.

### Running it

```sh
wat2wasm sum.wat -o sum.wasm
wasmtime run --invoke sum sum.wasm 0 0
```

From JavaScript, write the values into `new Int32Array(instance.exports.memory.buffer)` first, then call \
`instance.exports.sum(0, values.length)`…"""

_BATCH_FILE = """\
Here's a batch script that mirrors your `Documents` folder to an external drive with `robocopy` and keeps a dated \
log.\r
\r
## backup.bat\r
\r
```bat\r
@echo off\r
setlocal EnableExtensions EnableDelayedExpansion\r
\r
REM --- settings -------------------------------------------\r
set "SRC=%USERPROFILE%\\Documents"\r
set "DST=E:\\Backup\\Documents"\r
set "LOGDIR=%~dp0logs"\r
\r
if not exist "%LOGDIR%" mkdir "%LOGDIR%"\r
\r
:: a yyyy-mm-dd stamp that does not depend on the locale\r
for /f "tokens=2 delims==" %%I in ('wmic os get LocalDateTime /value') do set "DT=%%I"\r
set "STAMP=!DT:~0,4!-!DT:~4,2!-!DT:~6,2!"\r
\r
robocopy "%SRC%" "%DST%" /MIR /R:2 /W:5 /XJ /NP /LOG+:"%LOGDIR%\\backup_%STAMP%.log"\r
\r
REM robocopy exit codes below 8 mean success\r
if %ERRORLEVEL% GEQ 8 (\r
    echo Backup FAILED with code %ERRORLEVEL% - see the log.\r
    exit /b 1\r
)\r
echo Backup finished: %STAMP%\r
endlocal\r
```\r
\r
## Notes\r
\r
- `/MIR` deletes files on the destination that no longer exist in the source — double-check `DST` before the first \
run.\r
- `%~dp0` expands to the folder the script lives in, so the logs end up next to it.\r
- `wmic` is deprecated on recent Windows 11 builds; if it is missing, replace that line with `for /f %%I in \
('powershell -NoProfile -Command "Get-Date -Format yyyy-MM-dd"') do set "STAMP=%%I"`.\r
\r
To run it every evening, create a task in Task Scheduler that starts `backup.bat` at 21:00 with "Run whether user \
is logged on or not" checked…"""

_BAZEL = """\
For a small C++ library with a Python test that drives its CLI, a `BUILD.bazel` like this works with Bazel 7 and \
bzlmod.

## The BUILD file

```starlark
load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library")
load("@rules_python//python:defs.bzl", "py_test")

cc_library(
    name = "geo",
    srcs = glob(["src/*.cc"], exclude = ["src/*_test.cc"]),
    hdrs = glob(["include/geo/*.h"]),
    strip_include_prefix = "include",
    copts = select({
        "@platforms//os:windows": ["/std:c++20"],
        "//conditions:default": ["-std=c++20", "-Wall"],
    }),
    visibility = ["//visibility:public"],
)

cc_binary(
    name = "geocli",
    srcs = ["cli/main.cc"],
    deps = [":geo"],
)

py_test(
    name = "cli_test",
    srcs = ["cli_test.py"],
    data = [":geocli"],
    env = {"GEOCLI": "$(rootpath :geocli)"},
    size = "small",
)
```

## A macro for shared steps

If several packages need the same stamping step, wrap it in a macro in `tools/defs.bzl`:

```starlark
def versioned_file(name, src, version, **kwargs):
    \"""Copies `src` with @VERSION@ replaced by `version`.\"""
    native.genrule(
        name = name,
        srcs = [src],
        outs = [name + ".txt"],
        cmd = "sed 's/@VERSION@/%s/' $< > $@" % version,
        **kwargs
    )
```

Two gotchas: `glob()` never crosses a package boundary — a directory with its own `BUILD` file is skipped silently \
— and `$(rootpath …)` only resolves targets that are listed in `data`."""

_VHDL = """\
Below is a synthesizable debouncer for a push button. It passes the input through a two-flop synchronizer and only \
changes the output once the input has been stable for `STABLE_CYCLES` clock cycles.

```vhdl
library ieee;
use ieee.std_logic_1164.all;

entity debounce is
\tgeneric (STABLE_CYCLES : positive := 500_000);  -- 10 ms at 50 MHz
\tport (
\t\tclk, rst_n : in  std_logic;
\t\tbtn_in     : in  std_logic;
\t\tbtn_out    : out std_logic
\t);
end entity debounce;

architecture rtl of debounce is
\tsignal sync    : std_logic_vector(1 downto 0) := "00";
\tsignal counter : natural range 0 to STABLE_CYCLES := 0;
\tsignal state   : std_logic := '0';
begin
\tprocess (clk)
\tbegin
\t\tif rising_edge(clk) then
\t\t\tif rst_n = '0' then
\t\t\t\tsync <= "00"; counter <= 0; state <= '0';
\t\t\telse
\t\t\t\tsync <= sync(0) & btn_in;
\t\t\t\tif sync(1) = state then
\t\t\t\t\tcounter <= 0;
\t\t\t\telsif counter = STABLE_CYCLES - 1 then
\t\t\t\t\tstate   <= sync(1);
\t\t\t\t\tcounter <= 0;
\t\t\t\telse
\t\t\t\t\tcounter <= counter + 1;
\t\t\t\tend if;
\t\t\tend if;
\t\tend if;
\tend process;

\tbtn_out <= state;
end architecture rtl;
```

## Notes

**Why the synchronizer?** `btn_in` is asynchronous to `clk`; sampling it directly can leave the first flip-flop \
metastable. Two stages make that vanishingly unlikely — at the cost of two cycles of latency, which is irrelevant \
next to a 10 ms window.

In simulation, override the generic (`STABLE_CYCLES => 4`) to keep the testbench short."""

_SSH_CONFIG = """\
You can keep all of this in `~/.ssh/config`, so that a plain `ssh db-prod` hops through the bastion on its own.

## `~/.ssh/config`

```sshconfig
Host bastion
\tHostName bastion.example.net
\tUser ops
\tPort 2222
\tIdentityFile ~/.ssh/id_ed25519_work

Host db-prod app-prod-*
\tUser deploy
\tProxyJump bastion
\tIdentityFile ~/.ssh/id_ed25519_work

Host github.com
\tUser git
\tIdentityFile ~/.ssh/id_ed25519_github

# Defaults: keep this block last, because for each option the first value found wins
Host *
\tServerAliveInterval 30
\tServerAliveCountMax 4
\tAddKeysToAgent yes
\tIdentitiesOnly yes
```

## Checking the result

See what `ssh` will actually use for a host with:

```sh
ssh -G db-prod | grep -Ei '^(user|hostname|proxyjump) '
```

A few details:

- Indentation is only for readability — `ssh` ignores it, and tabs and spaces both work.
- `IdentitiesOnly yes` stops the agent from offering every key it holds, which avoids *Too many authentication \
failures* on servers with `MaxAuthTries 3`.
- Patterns such as `app-prod-*` match the name you type, not the resolved `HostName`.
- Keep the file private: `chmod 600 ~/.ssh/config`, or OpenSSH may refuse to read it…"""

_PRESS_RELEASE = """\
**FOR IMMEDIATE RELEASE**

# Northwind Robotics Raises $42 Million to Bring Autonomous Forklifts to Mid-Sized Warehouses

*Series B led by Harbor Lane Capital will fund a service center in Rotterdam and triple the field-support team*

**AUSTIN, Texas — March 4, 2025** — Northwind Robotics, maker of the NW-3 autonomous forklift, today announced a \
$42 million Series B round led by Harbor Lane Capital, with participation from existing investors Pillar Ventures \
and Ridgeway Partners.

Since its launch in 2023, the NW-3 has moved more than 1.8 million pallets at 60 customer sites. Unlike systems \
that need reflectors or floor markings, it navigates with onboard lidar and can be installed in a working warehouse \
in under a week.

“Mid-sized warehouses have been priced out of automation for a decade,” said Priya Raman, co-founder and CEO. “We \
built the NW-3 so that a 50,000-square-foot facility can lease two forklifts on Monday and have them working a \
shift by Friday.”

The funding will be used to:

- open a service and parts center in Rotterdam, Northwind’s first outside the U.S.;
- grow the field-support team from 14 to 45 engineers by mid-2026;
- certify the NW-3 for cold storage down to −25\u00a0°C.

### About Northwind Robotics

Founded in 2021 and based in Austin, Northwind Robotics designs autonomous material-handling vehicles for \
warehouses of 20,000 to 250,000 square feet.

**Media contact**\x20\x20
Dana Whitfield\x20\x20
press@northwind-robotics.example.com\x20\x20
+1\u00a0512\u00a0555\u00a00143

###"""

_POSTMORTEM = """\
# Postmortem: checkout API returned HTTP 502 for 38 minutes

**Date:** 2025-02-11 · **Severity:** SEV-2 · **Status:** action items in progress

## Summary

Between 14:02 and 14:40 UTC, 31% of checkout requests failed with HTTP 502. A config change lowered the keep-alive \
timeout of the app servers to 5 s, below the load balancer's 60 s idle timeout, so the load balancer kept reusing \
connections the app servers had already closed — every request that landed on one of them failed at once.

## Timeline (UTC)

| Time | Event |
|---|---|
| 13:55 | Change `app-412` (keep-alive 75 s → 5 s) rolled out to all app servers |
| 14:02 | 5xx alert fires for `checkout-api` |
| 14:09 | On-call suspects the 14:00 frontend deploy and rolls it back — no effect |
| 14:31 | Load balancer logs show `upstream prematurely closed connection` |
| 14:40 | `app-412` reverted; error rate back to baseline by 14:43 |

## What went well

- The alert fired within 7 minutes of the rollout.
- The revert took under 2 minutes once the cause was known.

## What went wrong

The change was reviewed as an "app tuning" change, so nobody checked it against the load balancer's settings; and \
the incident channel's first message did not list the infrastructure changes of the previous hour.

## Action items

- [x] Revert `app-412` (done 14:40)
- [ ] CI check: app keep-alive must exceed the LB idle timeout — owner @mkhan, due 2025-02-25
- [ ] Post recent changes automatically when an incident channel opens…"""

_JOB_POSTING = """\
## Senior Backend Engineer (Payments) — Remote, EU time zones

**Salary:** €85,000–€105,000 + equity · **Contract:** full-time, permanent

We're a 40-person team building the payment layer for independent bookshops: card payments at the till, online \
orders and the monthly payouts that keep 1,200+ shops running.

### What you'll do

- Own the services that move money:
  - the ledger (Go, PostgreSQL)
  - payouts via SEPA and Stripe Connect
  - the reconciliation jobs that run every night
- Review designs and code with two other backend engineers
- Join an on-call rotation (one week in six, paid)

### What we're looking for

1. 5+ years of backend experience, 2+ of them with Go or a similar language in production
2. Solid SQL — you've debugged a slow query plan, not just written one
3. Experience with at least one of:
   - double-entry bookkeeping
   - idempotent APIs and safe retries
   - reducing PCI DSS scope
4. Clear written English; most of our discussion is async

### Nice to have

- Kafka or NATS
- Some German or Dutch 🇩🇪🇳🇱

### How to apply

Send your CV and a few lines about a system you're proud of to jobs@inkwell.example. No cover letter needed — we \
reply to everyone within 10 working days…"""

_STAT_BLOCK = """\
Here's a homebrew stat block for a mid-tier swamp creature, laid out like the 5e *Monster Manual* — a good fit for \
a party of four level-6 characters:

## Bog Warden

*Large plant, neutral*

___

- **Armor Class** 15 (natural armor)
- **Hit Points** 114 (12d10 + 48)
- **Speed** 30 ft., swim 30 ft.

___

| STR | DEX | CON | INT | WIS | CHA |
|:---:|:---:|:---:|:---:|:---:|:---:|
| 19 (+4) | 8 (−1) | 18 (+4) | 6 (−2) | 13 (+1) | 7 (−2) |

___

- **Damage Vulnerabilities** fire
- **Senses** tremorsense 60 ft., passive Perception 11
- **Languages** understands Sylvan but can't speak
- **Challenge** 6 (2,300 XP)

___

***Swamp Camouflage.*** While motionless in marsh terrain, the warden is indistinguishable from a mound of rotting \
reeds.

### Actions

***Multiattack.*** The warden makes two Slam attacks.

***Slam.*** *Melee Weapon Attack:* +7 to hit, reach 10 ft., one target. *Hit:* 13 (2d8 + 4) bludgeoning damage, and \
the target is grappled (escape DC 15).

***Engulf (Recharge 5–6).*** The warden pulls a creature it is grappling into its body. The creature is restrained, \
can't breathe and takes 14 (4d6) acid damage at the start of each of its turns…"""

_CAPTIONS = """\
Here are five caption options for your bakery's post about the new sourdough class — pick the one that matches your \
tone:

1. **Warm & personal**
   Flour on our hands, butter in our hearts 🧑🏽\u200d🍳🍞 Saturday mornings just got better: our sourdough class \
starts 12 April. Link in bio!

2. **Playful**
   Raise your hand if your starter has a name 🙋\u200d♀️ Ours is called Doughlores 👩\u200d🍳✨ Come meet her — and \
take home a jar of your own.

3. **Family-friendly**
   Bring the whole crew 👨\u200d👩\u200d👧\u200d👦 Kids knead, grown-ups shape, everybody eats. Ages 8+ welcome.

4. **Everyone welcome**
   There's a seat for you at our table 🏳️\u200d🌈 🏳️\u200d⚧️ Small groups, no experience needed, gluten-free dough \
on request.

5. **Short & punchy**
   Sourdough. Saturday. You. 🍞❤️\u200d🔥

**Hashtags** (5–8 is plenty): #sourdoughclass #bakerylife #realbread #shoplocal #weekendbaking

💡 Post between 7 and 9 a.m. — that's when your followers scroll with their first coffee…"""

_LESSON_PLAN = """\
# Lesson plan: Photosynthesis (Year 8, 50 minutes)

**Learning objectives** — by the end of the lesson, students can:

- state the word equation for photosynthesis;
- explain why leaves are broad and thin;
- plan a fair test using pondweed.

## Materials

| Item | Quantity | Notes |
|---|---|---|
| Pondweed (*Elodea*) | 1 sprig per group | keep it under a lamp until use |
| Sodium hydrogencarbonate | 5 g per group | raises the dissolved CO₂ |
| LED desk lamp | 1 per group | no filament bulbs — they heat the water |

## Sequence

1. **Starter (0–5 min):** show a time-lapse of a growing seedling and ask: *where does the plant's mass come from?*
2. **Direct instruction (5–15 min)**
\t- word equation: carbon dioxide + water → glucose + oxygen
\t- the role of chlorophyll and light
3. **Practical (15–40 min)**
\t- groups count oxygen bubbles per minute with the lamp at 10, 20 and 30 cm
\t- results go into the table on the worksheet
\t- *Safety:* wipe up spills at once; lamps stay away from the water
4. **Plenary (40–50 min):** exit ticket — "Why did the bubble rate fall as the lamp moved away?"

## Differentiation

- **Support:** a partly completed results table and sentence starters for the conclusion.
- **Stretch:** predict the graph's shape beyond 30 cm, and explain why it levels off…"""

#: (name, kind, text) of each answer in this batch.
BATCH_14: list[tuple[str, str, str]] = [
    ("b14_lithuanian", "lithuanian", _LITHUANIAN),
    ("b14_bengali", "bengali", _BENGALI),
    ("b14_uzbek", "uzbek-latin", _UZBEK),
    ("b14_yiddish", "yiddish", _YIDDISH),
    ("b14_wat", "wasm-text", _WAT),
    ("b14_batch_file", "windows-batch", _BATCH_FILE),
    ("b14_bazel", "bazel-starlark", _BAZEL),
    ("b14_vhdl", "vhdl", _VHDL),
    ("b14_ssh_config", "ssh-config", _SSH_CONFIG),
    ("b14_press_release", "press-release", _PRESS_RELEASE),
    ("b14_postmortem", "incident-postmortem", _POSTMORTEM),
    ("b14_job_posting", "job-posting", _JOB_POSTING),
    ("b14_stat_block", "rpg-statblock", _STAT_BLOCK),
    ("b14_captions", "social-captions", _CAPTIONS),
    ("b14_lesson_plan", "lesson-plan", _LESSON_PLAN),
]


#: How a model marks a heading it says again: its own language's word, or the English one.
_CONTINUED = {
    "en": ["(continued)", "(cont.)", "— continued"],
    "de": ["(Fortsetzung)"],
    "fr": ["(suite)"],
    "es": ["(continuación)"],
    "pt": ["(continuação)"],
    "uk": ["(продовження)"],
    "lt": ["(tęsinys)"],
    "uz": ["(davomi)"],
    "bn": ["(বাকি অংশ)"],
    "yi": ["(המשך)"],
}

#: The source markers a model with a retrieval or browsing tool puts after its sentences: {n}, {k} numbers, {f} a file.
_CITATION_STYLES = ["【{n}:{k}†source】", "【{n}†source】", "【{n}:{k}†{f}】", "\ue200cite\ue202turn{k}search{n}\ue201"]
_CITED_FILES = ["handbook.pdf", "notes.md", "answer_draft.txt", "kb-export.json"]
#: A sentence's end in prose: its closing mark (Latin, Bengali danda, CJK) before a space or line break.
_SENTENCE_END = re.compile(r"(?<=[^\s\d][.!?।。…])(?=\s)")

#: Which Markdown characters an escaping model backslashes: underscores always, emphasis and links sometimes.
_ESCAPED_SETS = ["_", "_*", "_*[]"]

#: A heading line: a Markdown heading, or a line, or a list item's whole text, that is all bold ("**Notes**",
#: "**Media contact:**", "2. **Playful**").
_HEADING = re.compile(r"^(#{1,6}[ \t]+.+?|(?:(?:\d+[.)]|[-*+])[ \t]+)?\*\*[^*\n]+\*\*:?)[ \t]*(\r?)$", re.M)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text's code: fenced blocks with their fence lines, and inline code spans."""
    spans = []
    for a, b in fence_spans(text):
        start = text.rfind("\n", 0, max(a - 1, 0)) + 1
        end = text.find("\n", b)
        spans.append((start, len(text) if end < 0 else end))
    for m in re.finditer(r"`[^`\n]+`", text):
        if not any(a <= m.start() < b for a, b in spans):
            spans.append(m.span())
    return sorted(spans)


def _segments(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """(start, end, is code) of the pieces of text[start:end], prose and code alternating."""
    pieces = []
    i = start
    for a, b in _code_spans(text):
        if b <= i or a >= end:
            continue
        if a > i:
            pieces.append((i, a, False))
        pieces.append((max(a, i), min(b, end), True))
        i = min(b, end)
    if i < end:
        pieces.append((i, end, False))
    return pieces


def _prose(text: str, start: int, end: int) -> str:
    """The prose of text[start:end], its pieces joined by NUL so that no pattern matches across code."""
    return "\0".join(text[a:b] for a, b, code in _segments(text, start, end) if not code)


def _map_prose(text: str, start: int, change: Callable[[str], str]) -> str:
    """text[start:] with `change` applied to its prose pieces, code left as it is."""
    return "".join(text[a:b] if code else change(text[a:b]) for a, b, code in _segments(text, start, len(text)))


def _in_fence(text: str, pos: int) -> bool:
    return any(a <= pos <= b for a, b in fence_spans(text))


def _quoted_rest(cont: str, rng: random.Random) -> str:
    """The rest as a blockquote: "> " before each line, a blank line as ">" or left blank."""
    blank = rng.choice([">", ""])
    lines = cont.split("\n")
    quoted = ["> " + line if line.strip("\r") else blank + line for line in lines[:-1]]
    last = lines[-1]
    quoted.append("> " + last if last.strip("\r") else last)
    return "\n".join(quoted)


def _heading_continued(reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The last complete heading before the cut, marked as continued, then the rest.

    Cut in a code block, the model opens the block again after the heading (its fence line as the text has it).
    """
    cut = len(sent)
    if sent.endswith("\r"):
        return None
    blocks = [(a, b) for a, b in fence_spans(reference) if a <= cut <= b]
    reopen = ""
    before = cut
    if blocks:
        a, b = blocks[0]
        if cut == b:
            return None  # at the closing fence: nothing of the block is left to reopen
        before = reference.rfind("\n", 0, a - 1) + 1
        reopen = reference[before:a]
    else:
        line_start = sent.rfind("\n") + 1
        line_end = reference.find("\n", cut)
        if _HEADING.match(reference[line_start : len(reference) if line_end < 0 else line_end]):
            return None
    heads = [m for m in _HEADING.finditer(sent, 0, before) if m.end() < before and not _in_fence(reference, m.start())]
    if not heads:
        return None
    head = heads[-1]
    marks = _CONTINUED["en"] if lang == "en" else _CONTINUED.get(lang, []) + _CONTINUED["en"][:1]
    eol = "\r\n" if head.group(2) else "\n"
    cont = reference[cut:]
    line = f"{head.group(1)} {rng.choice(marks)}{eol}"
    # The heading's own line break only: a blank line after it would hide whether the rest began a new line.
    return line + eol + reopen + cont if reopen else line + cont


def _citation_marks(reference: str, sent: str, rng: random.Random) -> str | None:
    """The rest with retrieval citation markers after some of its prose sentences ("…week.【4:0†source】 Next")."""
    if "【" in reference or "\ue200" in reference:
        return None  # a text's own markers would make them ambiguous
    cut = len(sent)
    ends = [
        m.start()
        for a, b, code in _segments(reference, cut, len(reference))
        if not code
        for m in _SENTENCE_END.finditer(reference, a, b)
    ]
    if not ends:
        return None
    style = rng.choice(_CITATION_STYLES)
    chosen = [end for end in ends if rng.random() < 0.5] or ends[:1]
    out = []
    i = cut
    for end in chosen:
        mark = style.format(n=rng.randint(1, 12), k=rng.randint(0, 3), f=rng.choice(_CITED_FILES))
        out += [reference[i:end], mark]
        i = end
    out.append(reference[i:])
    return "".join(out)


def _escape(piece: str, chars: str) -> str:
    """`piece` with a backslash before each of `chars`."""
    return "".join("\\" + c if c in chars else c for c in piece)


def _md_escaped(reference: str, sent: str, rng: random.Random) -> str | None:
    """The rest with Markdown characters in its prose backslash-escaped (`snake\\_case`, `\\*\\*bold\\*\\*`)."""
    if "\\" in _prose(reference, 0, len(reference)):
        return None  # a text's own backslashes would make the escapes ambiguous
    first = rng.randrange(len(_ESCAPED_SETS))
    for chars in _ESCAPED_SETS[first:]:  # a set the rest has none of escapes nothing: the next, wider one
        out = _map_prose(reference, len(sent), functools.partial(_escape, chars=chars))
        if out != reference[len(sent) :]:
            return out
    return None


def batch14_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fallback model's whole output for one of this batch's behaviours, or None where it does not apply.

    `quoted_rest`: the rest as a Markdown blockquote, "> ration file…\\n>\\n> ## Notes".  `heading_continued`: the
    last heading before the cut said again, marked "(continued)" (or the text's language's word), then the rest
    (cut in a code block: the block's fence line again, then the rest).
    `citation_marks`: the rest with source markers ("【4:0†source】", "【3†source】", ...) after some of its
    prose sentences, as a model with a retrieval tool writes them (none where the text has such marks).
    `md_escaped`: the rest with underscores, asterisks or brackets in its prose backslash-escaped (none where the
    text's prose has backslashes).
    """
    if behaviour not in BATCH14_BEHAVIOURS:
        raise ValueError(behaviour)
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    if behaviour == "quoted_rest":
        return _quoted_rest(cont, rng)
    if behaviour == "heading_continued":
        return _heading_continued(reference, sent, lang, rng)
    if behaviour == "citation_marks":
        return _citation_marks(reference, sent, rng)
    return _md_escaped(reference, sent, rng)
