"""The thirteenth held-out batch of the splice eval: 15 answers and 4 fallback behaviours.

The answers are in kinds no earlier batch has: prose in Tamil, Welsh, Kazakh and Icelandic, a Julia program, a jq
filter, a GitHub Actions workflow, an OPA/Rego policy (tab-indented), a GLSL fragment shader, an F# state machine,
PromQL queries, an architecture decision record, a bug report, a thread of numbered posts and a glossary.  The
behaviours: the continuation HTML-escaped (`html_entities`), set in the other quotation style, straight quotes for
curly ones or the reverse (`quote_style`), sent as the body of a JSON string with its line breaks as `\\n`
(`escaped_newlines`), and begun with a summary of what the answer already said (`recap_first`).
"""

from __future__ import annotations

import html
import json
import random
import re

from .fences import fence_spans

__all__ = ["BATCH_13", "BATCH13_BEHAVIOURS", "batch13_output"]

#: The fallback behaviours written with this batch.
BATCH13_BEHAVIOURS = ["html_entities", "quote_style", "escaped_newlines", "recap_first"]

_TAMIL = """\
## வீட்டில் மின்சாரத்தைச் சேமிப்பது எப்படி?

மாதாந்திர மின் கட்டணத்தைக் குறைக்க பெரிய செலவுகள் தேவையில்லை. சில எளிய பழக்கங்களை மாற்றினாலே போதும்:

1. **LED விளக்குகளைப் பயன்படுத்துங்கள்** – சாதாரண குண்டு பல்புகளை விட 80% வரை குறைவான மின்சாரமே \
செலவாகும்.
2. **குளிர்சாதனப் பெட்டியை (ஃப்ரிட்ஜ்) சரியாக அமைக்கவும்** – வெப்பநிலையை 3–4°C என வைத்தால் போதுமானது. \
கதவை அடிக்கடி திறக்க வேண்டாம்.
3. **ஏசியை 24°C-ல் இயக்குங்கள்** – ஒவ்வொரு டிகிரி குறைப்பும் சுமார் 6% கூடுதல் மின்சாரத்தை எடுத்துக்கொள்ளும்.
4. **ஸ்டாண்ட்பை நிலையைத் தவிருங்கள்** – டிவி, செட்-டாப் பாக்ஸ், சார்ஜர்கள் ஆகியவற்றைப் பயன்படுத்தாத போது \
சுவிட்சிலேயே அணைத்து விடுங்கள்.
5. **இயற்கை வெளிச்சத்தைப் பயன்படுத்துங்கள்** – பகலில் ஜன்னல்களைத் திறந்து வைத்தால் விளக்குகளின் தேவை குறையும்.

### மின் பயன்பாட்டைக் கணக்கிடுவது

ஒரு சாதனம் எவ்வளவு மின்சாரம் செலவழிக்கிறது என்பதை இப்படிக் கணக்கிடலாம்:

**யூனிட் = (வாட் × மணி நேரம்) ÷ 1000**

உதாரணமாக, 1500 வாட் ஏசியை தினமும் 8 மணி நேரம் இயக்கினால், ஒரு நாளைக்கு 12 யூனிட், மாதத்திற்குச் சுமார் \
360 யூனிட் ஆகும்.

> குறிப்பு: கட்டணம் ஸ்லாப் அடிப்படையில் கணக்கிடப்படுவதால், பயன்பாடு அடுத்த ஸ்லாப்பைத் தாண்டாமல் பார்த்துக்கொள்வது \
நல்லது. சில யூனிட்கள் கூடினாலும் கட்டணம் பெரிதாக உயரலாம்.

இந்த மாற்றங்களைச் செய்தால், மாதம் ₹300 முதல் ₹800 வரை சேமிக்க முடியும்."""


_WELSH = """\
## Taith gerdded i gopa’r Wyddfa

Mae sawl llwybr i gopa’r Wyddfa (1,085\u00a0m), ond dyma’r tri mwyaf poblogaidd:

- **Llwybr Llanberis** – y llwybr hiraf ond y mwyaf graddol, tua 14.5\u00a0km yno ac yn ôl. Mae’n addas i \
deuluoedd a cherddwyr llai profiadol.
- **Llwybr Pyg** – yn dechrau o Ben-y-Pass ac yn fwy serth. Caniatewch bump i chwe awr.
- **Llwybr y Mwynwyr** – hefyd o Ben-y-Pass; mae’n dilyn glan Llyn Llydaw cyn dringo’n serth at y grib.

### Cyn i chi gychwyn

1. Edrychwch ar ragolygon y tywydd ar gyfer y mynydd, nid ar gyfer y dref. Gall fod yn wyntog ac yn oer ar y \
copa hyd yn oed ym mis Gorffennaf.
2. Gwisgwch esgidiau cerdded cadarn a dewch â chôt sy’n dal dŵr.
3. Ewch â digon o ddŵr a bwyd — does dim sicrwydd y bydd caffi Hafod Eryri ar agor.
4. Dywedwch wrth rywun ble rydych chi’n mynd a phryd rydych chi’n disgwyl dod yn ôl.

Mae’r maes parcio ym Mhen-y-Pass yn llenwi’n gynnar iawn, felly mae’n well defnyddio bws Sherpa’r Wyddfa o \
Lanberis neu o Feddgelert.

> Cofiwch: os bydd y niwl yn cau, peidiwch â mentro ymlaen. Bydd yr Wyddfa’n dal yno yfory.

Pob hwyl ar y daith! 🥾"""


_KAZAKH = """\
## Наурыз мейрамы қалай тойланады?

Наурыз — көктемнің және жаңа жылдың мейрамы. Қазақстанда ол 21–23 наурыз аралығында ресми түрде тойланады.

**Негізгі дәстүрлер:**

- **Наурыз көже** — жеті түрлі дәмнен (су, ет, тұз, май, ұн, дән, сүт) дайындалатын арнайы тағам. Жеті саны — \
береке мен молшылықтың белгісі.
- **Ұлыстың ұлы күні** — адамдар бір-біріне барып, «Жасың құтты болсын!» деп құттықтайды.
- **Ойындар** — алтыбақан, көкпар, қыз қуу және арқан тарту сияқты ұлттық ойындар ұйымдастырылады.
- **Киіз үй** — қалалардың алаңдарында киіз үйлер тігіліп, қонақтарға дастархан жайылады.

### Наурыз көжені дайындау

1. Етті (әдетте сүр ет) 2–3 сағат қайнатыңыз.
2. Тары немесе күрішті жуып, сорпаға салыңыз.
3. Дән піскен соң сүт пен тұзды қосыңыз.
4. Дайын көжені кесемен ұсынып, үлкендерден бата алыңыз.

Наурыз күні үйде көже пісіріп, көршілер мен туыстарды шақыру ырыс әкеледі деп саналады. Мерекеңіз құтты болсын!"""


_ICELANDIC = """\
## Hvar og hvenær er best að sjá norðurljósin?

Norðurljósin sjást á Íslandi frá lokum ágúst fram í miðjan apríl, þegar nóttin er nógu dimm. Til að auka \
líkurnar skaltu hafa þetta í huga:

1. **Fylgstu með spánni** – Veðurstofa Íslands (vedur.is) birtir norðurljósaspá með skýjahulu og virkni á \
kvarðanum 0–9. Virkni upp á 3 eða meira er yfirleitt nóg.
2. **Forðastu ljósmengun** – keyrðu að minnsta kosti 20–30 mínútur út fyrir Reykjavík, t.d. að Þingvöllum eða \
út á Reykjanes.
3. **Vertu þolinmóð(ur)** – ljósin koma oft í bylgjum og það getur liðið klukkutími á milli þeirra.
4. **Klæddu þig vel** – ullarpeysa, húfa og vettlingar. Frostið getur farið niður í −15\u00a0°C.

### Myndatökur

Notaðu þrífót og stilltu myndavélina handvirkt:

- ljósop: f/2.8 eða opnara
- lokarahraði: 5–15 sekúndur
- ISO: 1600–3200
- fókus: á óendanlegt (∞)

Mundu að slökkva á flassinu! Símar nútímans eru líka ótrúlega góðir í næturstillingu, svo það er óþarfi að \
eiga dýra myndavél.

> Athugið: aldrei leggja bílnum í vegkantinum á þjóðvegi 1 til að horfa á ljósin — finndu frekar útskot eða \
bílastæði.

Góða skemmtun og gangi þér vel!"""


_JULIA = """\
Here's an idiomatic way to do it in Julia, with multiple dispatch and broadcasting:

```julia
using Statistics

abstract type Shape end

struct Circle <: Shape
    r::Float64
end

struct Rect <: Shape
    w::Float64
    h::Float64
end

area(c::Circle) = π * c.r^2
area(r::Rect) = r.w * r.h

function summarize(shapes::AbstractVector{<:Shape})
    areas = area.(shapes)              # broadcast over the vector
    return (total = sum(areas),
            mean = mean(areas),
            largest = shapes[argmax(areas)])
end

shapes = Shape[Circle(1.0), Rect(2.0, 3.5), Circle(0.5)]
s = summarize(shapes)
println("total = ", round(s.total; digits = 3))
println("largest: ", s.largest)
```

Output:

```
total = 10.927
largest: Rect(2.0, 3.5)
```

A few things worth knowing:

- `area.(shapes)` is broadcasting: the dot calls `area` on each element, and each call dispatches on that \
element's concrete type at run time.
- `AbstractVector{<:Shape}` accepts a `Vector{Circle}` as well as a `Vector{Shape}`. Writing `Vector{Shape}` \
would reject a `Vector{Circle}`, because Julia's parametric types are *invariant*.
- Since `Shape[...]` has an abstract element type, the loop isn't type-stable. For hot code with millions of \
shapes, keep one vector per concrete type, or use a sum type from a package such as `SumTypes.jl`.
- You type `π` in the REPL as `\\pi` followed by Tab."""


_JQ = """\
Use `group_by` and then `map` to build one object per team. Given `users.json`:

```json
[
  {"name": "Ana", "team": "infra", "active": true, "commits": 42},
  {"name": "Bo", "team": "web", "active": false, "commits": 7},
  {"name": "Cy", "team": "infra", "active": true, "commits": 19},
  {"name": "Di", "team": "web", "active": true, "commits": 23}
]
```

this filter:

```bash
jq 'map(select(.active))
    | group_by(.team)
    | map({team: .[0].team,
           members: map(.name),
           commits: (map(.commits) | add)})
    | sort_by(-.commits)' users.json
```

prints:

```json
[
  {
    "team": "infra",
    "members": [
      "Ana",
      "Cy"
    ],
    "commits": 61
  },
  {
    "team": "web",
    "members": [
      "Di"
    ],
    "commits": 23
  }
]
```

How it works, step by step:

1. `map(select(.active))` keeps only the active users: `select` drops every input for which its condition is \
`false` or `null`.
2. `group_by(.team)` sorts by team and returns an array of arrays, one per team.
3. Inside the second `map`, `.` is one group, so `.[0].team` is the team's name and `map(.commits) | add` sums \
its commits.
4. `sort_by(-.commits)` sorts in descending order; `sort_by(.commits) | reverse` does the same.

For one line per team in a shell loop, add `-r` and end the filter with `| .[] | "\\(.team)\\t\\(.commits)"`. To \
pass a threshold from the shell, use `--argjson min 20` and `select(.commits >= $min)`."""


_GITHUB_ACTIONS = """\
Here's a workflow that runs the tests on every push and pull request against three Python versions, caches pip, \
and publishes to PyPI only when you push a version tag:

```yaml
name: CI

on:
  push:
    branches: [main]
    tags: ["v*"]
  pull_request:

permissions:
  contents: read

jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        python-version: ["3.10", "3.11", "3.12"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python-version }}
          cache: pip
      - run: pip install -e '.[dev]'
      - run: pytest -q --maxfail=1

  publish:
    needs: test
    if: startsWith(github.ref, 'refs/tags/v')
    runs-on: ubuntu-latest
    environment: pypi
    permissions:
      id-token: write   # trusted publishing: no API token needed
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pipx run build
      - uses: pypa/gh-action-pypi-publish@release/v1
```

Notes:

- `fail-fast: false` lets the other matrix jobs finish when one version fails, so you see every failure at once.
- `needs: test` makes `publish` wait for all three test jobs, and its `if:` skips it on ordinary pushes.
- Trusted publishing needs a one-time setup on PyPI: under *Publishing* in your project's settings, add this \
repository, the workflow's file name (`ci.yml`) and the environment name `pypi`.
- Quote version numbers such as `"3.10"`: unquoted, YAML reads `3.10` as the float `3.1`."""


_REGO = """\
Here's an OPA policy that denies Kubernetes Deployments whose containers use the `latest` tag or may run as root, \
with one message per violation:

```rego
package kubernetes.admission

import rego.v1

deny contains msg if {
	input.request.kind.kind == "Deployment"
	some container in input.request.object.spec.template.spec.containers
	endswith(container.image, ":latest")
	msg := sprintf("container %q uses the :latest tag", [container.name])
}

deny contains msg if {
	input.request.kind.kind == "Deployment"
	some container in input.request.object.spec.template.spec.containers
	not runs_as_non_root(container)
	msg := sprintf("container %q must set runAsNonRoot: true", [container.name])
}

runs_as_non_root(container) if {
	container.securityContext.runAsNonRoot == true
}

runs_as_non_root(container) if {
	not container.securityContext.runAsNonRoot == false
	input.request.object.spec.template.spec.securityContext.runAsNonRoot == true
}
```

And a unit test, in `policy_test.rego`:

```rego
package kubernetes.admission_test

import data.kubernetes.admission
import rego.v1

test_latest_tag_denied if {
	some msg in admission.deny with input as {"request": {
		"kind": {"kind": "Deployment"},
		"object": {"spec": {"template": {"spec": {"containers": [
			{"name": "web", "image": "nginx:latest", "securityContext": {"runAsNonRoot": true}},
		]}}}},
	}}
	contains(msg, ":latest")
}
```

Run the tests with `opa test . -v`.

Why it is written like this:

- Two rules with the same head (`deny contains msg`) are OR-ed: each one adds its messages to the set.
- `runs_as_non_root` also has two bodies, so a container passes if *either* it sets the flag itself or it \
inherits it from the pod.
- An image with no tag at all (`nginx`) means `latest` too; add a third rule with \
`not contains(container.image, ":")` if you want to catch it."""


_GLSL = """\
A minimal fragment shader for a soft vignette plus film grain, for WebGL2 (GLSL ES 3.00):

```glsl
#version 300 es
precision highp float;

uniform sampler2D u_image;
uniform vec2 u_resolution;
uniform float u_time;
uniform float u_strength;   // 0.0 – 1.0

in vec2 v_uv;
out vec4 fragColor;

// Cheap hash-based noise: good enough for grain, not for terrain.
float hash(vec2 p) {
    p = fract(p * vec2(123.34, 456.21));
    p += dot(p, p + 45.32);
    return fract(p.x * p.y);
}

void main() {
    vec4 color = texture(u_image, v_uv);

    // Vignette: distance from the centre, corrected for the aspect ratio.
    vec2 centered = v_uv - 0.5;
    centered.x *= u_resolution.x / u_resolution.y;
    float dist = length(centered);
    float vignette = 1.0 - smoothstep(0.25, 0.8, dist);
    color.rgb *= mix(1.0, vignette, u_strength);

    // Grain: new noise every frame, centred on zero.
    float grain = hash(gl_FragCoord.xy + fract(u_time) * 1000.0) - 0.5;
    color.rgb += grain * 0.06 * u_strength;

    fragColor = vec4(clamp(color.rgb, 0.0, 1.0), color.a);
}
```

Things to check if it doesn't look right:

1. Write `1.0 - smoothstep(0.25, 0.8, dist)` rather than swapping the edges: the spec leaves `smoothstep` \
undefined when `edge0 >= edge1`, and some mobile GPUs really do return garbage.
2. `#version 300 es` must be the very first line of the source string. Not even a blank line or a comment may \
come before it.
3. Set `u_time` in seconds, from the `requestAnimationFrame` timestamp divided by 1000; without it the grain is \
frozen and looks like dirt on the lens.
4. `mediump` is enough for colour maths on most phones, but `hash` loses its randomness at low precision and \
shows bands, so keep `highp` here."""


_FSHARP = """\
In F#, model the states as a discriminated union and let pattern matching check that every case is handled:

```fsharp
type OrderState =
    | Draft
    | Placed of placedAt: System.DateTime
    | Shipped of trackingId: string
    | Cancelled of reason: string

type Command =
    | Place
    | Ship of trackingId: string
    | Cancel of reason: string

let apply (now: System.DateTime) (state: OrderState) (cmd: Command) : Result<OrderState, string> =
    match state, cmd with
    | Draft, Place -> Ok (Placed now)
    | Placed _, Ship tid when not (System.String.IsNullOrWhiteSpace tid) -> Ok (Shipped tid)
    | Placed _, Ship _ -> Error "tracking id is empty"
    | (Draft | Placed _), Cancel reason -> Ok (Cancelled reason)
    | Shipped _, Cancel _ -> Error "cannot cancel a shipped order"
    | Cancelled _, _ -> Error "order is cancelled"
    | s, c -> Error (sprintf "%A is not allowed in state %A" c s)

let run commands =
    let now = System.DateTime.UtcNow
    commands
    |> List.fold (fun acc cmd -> acc |> Result.bind (fun s -> apply now s cmd)) (Ok Draft)
```

Try it in `dotnet fsi`:

```fsharp
> run [Place; Ship "1Z999"];;
val it: Result<OrderState,string> = Ok (Shipped "1Z999")

> run [Place; Ship "1Z999"; Cancel "changed my mind"];;
val it: Result<OrderState,string> = Error "cannot cancel a shipped order"
```

Notes:

- `Result.bind` stops at the first `Error`, so the later commands are skipped once one fails.
- The catch-all `s, c` case at the end is what keeps the compiler quiet. Remove it and F# warns (FS0025) about \
the combinations you haven't matched, which is handy while you are still designing the states.
- Naming the union fields (`placedAt:`, `trackingId:`) costs nothing and makes tooltips and constructors \
self-documenting."""


_PROMQL = """\
Here are the PromQL queries for the usual HTTP service dashboard, assuming a histogram \
`http_request_duration_seconds` and a counter `http_requests_total`, both with `status` and `route` labels:

**Request rate per route (req/s):**

```promql
sum by (route) (rate(http_requests_total{job="api"}[5m]))
```

**Error ratio (the share of 5xx responses):**

```promql
sum(rate(http_requests_total{job="api", status=~"5.."}[5m]))
/
sum(rate(http_requests_total{job="api"}[5m]))
```

**p95 latency per route:**

```promql
histogram_quantile(
  0.95,
  sum by (route, le) (rate(http_request_duration_seconds_bucket{job="api"}[5m]))
)
```

**Alert when the error ratio stays above 2% for 10 minutes:**

```yaml
groups:
  - name: api
    rules:
      - alert: HighErrorRatio
        expr: |
          sum(rate(http_requests_total{job="api", status=~"5.."}[5m]))
            / sum(rate(http_requests_total{job="api"}[5m])) > 0.02
        for: 10m
        labels:
          severity: page
        annotations:
          summary: "API error ratio is {{ $value | humanizePercentage }}"
```

Common mistakes:

- Always take `rate()` *before* `sum()`: summing raw counters and then taking the rate breaks on counter resets.
- Keep `le` in the `by` clause for `histogram_quantile`, or all the buckets are merged into one and the result \
is meaningless.
- The range (`[5m]`) should be at least four times your scrape interval; with a 15\u00a0s scrape, `[1m]` is the \
smallest sensible window.
- `status=~"5.."` is anchored: PromQL regex matchers must match the whole label value, so `"5"` alone would \
match nothing."""


_ADR = """\
# ADR 0007: Use PostgreSQL advisory locks for the job scheduler

- **Status:** Accepted
- **Date:** 2024-03-18
- **Deciders:** platform team (M. Okafor, L. Brandt, S. Iyer)
- **Supersedes:** ADR 0003 (Redis-based locking)

## Context

The scheduler runs on three replicas. Every minute each replica scans the `jobs` table for due jobs, and exactly \
one replica must run each job. Since ADR 0003 we take a Redis lock per job (`SET job:<id> NX PX 60000`). Last \
quarter this caused two incidents:

1. A Redis failover lost the lock keys, and 41 invoices were sent twice (INC-2291).
2. A job that ran longer than the 60\u00a0s expiry was started a second time while the first run was still \
writing (INC-2317).

Redis is used for nothing else in this service.

## Decision

We will take a session-level PostgreSQL advisory lock, `pg_try_advisory_lock(hashtext('job:' || id))`, on the \
connection that runs the job, and release it with `pg_advisory_unlock` when the job ends. If a replica dies, the \
database closes its session and the lock goes with it; there is no expiry to tune.

## Consequences

- ✅ One dependency fewer: the scheduler's Redis cluster can be removed (about $310/month).
- ✅ A lock lives exactly as long as the process that holds it.
- ⚠️ Each running job holds a database connection for its whole run. With a pool of 20 per replica, at most 60 \
jobs run at once, which is 4× our current peak.
- ⚠️ `hashtext` can collide. Two jobs sharing a hash would run one after the other, never at the same time, \
which is acceptable.
- ❌ PgBouncer in transaction mode breaks session-level locks, so the scheduler must connect to Postgres directly \
or through a session-mode pool.

## Alternatives considered

- **Redlock over five Redis nodes** — fixes the failover problem but not the expiry one, and adds four nodes.
- **`SELECT … FOR UPDATE SKIP LOCKED`** — a good fit for a queue, but it holds a transaction open for the whole \
job, which blocks vacuum on a busy table."""


_BUG_REPORT = """\
**Title:** Export to CSV drops rows whose notes contain a line break

**Environment**
- App version: 3.14.2 (build 8812), web
- Browser: Firefox 125.0.1 on Windows 11; also reproduced in Chrome 124
- Account: workspace `acme-eu`, role Admin

**Steps to reproduce**
1. Open **Projects → Q2 Launch → Tasks**.
2. Edit any task and type a note on two lines (Shift+Enter between them), e.g. `Check copy` ⏎ `then ship`.
3. Click **Export → CSV** and open the file in Excel or a text editor.

**Expected result**
All 128 tasks are in the file, and the two-line note is kept in one quoted cell:

```
"T-104","Landing page","Check copy
then ship","2024-05-02"
```

**Actual result**
The file has 127 data rows. The task with the two-line note loses its first line, and the rest of the note \
appears as a broken row of its own:

```
"T-103","Hero image","","2024-04-30"
then ship","2024-05-02"
"T-105","Pricing table","","2024-05-06"
```

**Frequency:** 100% (5 of 5 tries)
**Severity:** Major — finance imports this export into the billing system, and a missing row means a task \
isn't invoiced.

**Notes**
- Notes with a comma but no line break export correctly, so quoting itself works.
- The JSON export of the same project contains all 128 tasks.
- It started with the 3.14 release: 3.13.9 exports the file correctly (checked on the staging workspace).

**Attachments:** `tasks-export.csv`, `screen-recording.webm` (0:42)"""


_THREAD = """\
🧵 I spent a week moving our side project from a $40/month VPS to a $5 one. Here's what actually mattered \
(and what didn't): 1/9

2/ First, measure. `htop` said we were "using" 3.1 GB of RAM. Most of it was page cache. Real usage: 410 MB. We'd \
been paying for RAM the kernel was only borrowing.

3/ The biggest win was boring: Postgres `shared_buffers` was set to 2 GB, copied from an old tutorial. On a 1 GB \
box that's a crash waiting to happen. 256 MB plus a sane `work_mem`, and queries were just as fast.

4/ Second: we ran 4 Gunicorn workers "because 2×CPU+1". With 1 vCPU and mostly I/O-bound requests, 2 workers \
with 4 threads each handled our peak (~30 req/s) with p95 under 120 ms.

5/ Things that did NOT matter:
– switching to a "faster" JSON library
– HTTP/3
– tuning the kernel's TCP settings
Total gain from all three: within noise.

6/ Swap. People will tell you swap is bad. A 1 GB swap file saved us during the nightly backup, which briefly \
doubles memory use. Set `vm.swappiness=10` so it's only touched in an emergency.

7/ Backups go to object storage (€0.99/month), not to a second disk on the same VPS. If the host dies, every \
disk on it dies too.

8/ The result: same latency, one thing less to worry about, and $420 a year back. Not life-changing, but it \
pays for our domain names for the next decade 😅

9/ If you want the exact config (Postgres, Gunicorn, Caddy, systemd units), it's all in the repo, link in the \
reply below. Questions welcome! 👇"""


_GLOSSARY = """\
## Glossary of typography terms

Here are the terms you'll meet in the first weeks of a typography course, in alphabetical order.

### A–C
- **Ascender** — the part of a lowercase letter that rises above the x-height, as in *b*, *d* and *h*.
- **Baseline** — the invisible line the letters sit on.
- **Cap height** — the height of a flat capital such as *H*, measured from the baseline. Round letters like *O* \
overshoot it slightly so that they don’t look smaller.
- **Counter** — the enclosed or partly enclosed space inside a letter, such as the hole in *o* or the bowl of *e*.

### D–K
- **Descender** — the part of a letter below the baseline, as in *g*, *p* and *y*.
- **Em dash (—)** — a dash as wide as the font size, for a break in a sentence. Not to be confused with the \
**en dash (–)**, used for ranges: 1990–1995.
- **Kerning** — adjusting the space between one specific pair of letters, e.g. *AV* or *To*. Compare *tracking*.

### L–S
- **Leading** (pronounced “ledding”) — the distance from one baseline to the next, named after the strips of \
lead placed between lines of metal type. CSS calls it `line-height`.
- **Ligature** — two or more letters joined into one glyph, e.g. ﬁ or ﬂ. Most fonts apply the common ones \
automatically.
- **Serif** — the small stroke at the end of a letter’s main strokes. A typeface without them is *sans-serif*.

### T–Z
- **Tracking** — even spacing added to a whole word or line (CSS `letter-spacing`). Small caps and all-caps text \
usually need a little positive tracking.
- **Widow** and **orphan** — a paragraph’s last line stranded at the top of a page or column (widow), or its \
first line left alone at the bottom (orphan).
- **x-height** — the height of lowercase letters without ascenders, like *x*. Two fonts at the same point size \
can look very different in size because of it."""


BATCH_13: list[tuple[str, str, str]] = [
    ("b13_tamil", "tamil", _TAMIL),
    ("b13_welsh", "welsh", _WELSH),
    ("b13_kazakh", "kazakh", _KAZAKH),
    ("b13_icelandic", "icelandic", _ICELANDIC),
    ("b13_julia", "julia", _JULIA),
    ("b13_jq", "jq-filter", _JQ),
    ("b13_github_actions", "github-actions", _GITHUB_ACTIONS),
    ("b13_rego", "rego", _REGO),
    ("b13_glsl", "glsl-shader", _GLSL),
    ("b13_fsharp", "fsharp", _FSHARP),
    ("b13_promql", "promql", _PROMQL),
    ("b13_adr", "decision-record", _ADR),
    ("b13_bug_report", "bug-report", _BUG_REPORT),
    ("b13_thread", "post-thread", _THREAD),
    ("b13_glossary", "glossary", _GLOSSARY),
]


def _html_entities(cont: str, rng: random.Random) -> str | None:
    """The continuation HTML-escaped, as by a serving stack or a model trained on escaped pages."""
    variant = rng.choice(["markup", "all", "quotes"])
    if variant == "markup":
        out = html.escape(cont, quote=False)  # & < >
    elif variant == "all":
        out = html.escape(cont).replace("&#x27;", rng.choice(["&#x27;", "&#39;"]))
    else:
        out = cont.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#39;")
    return out if out != cont else None


_CODE_SPAN = re.compile(r"`[^`\n]*`")
_OPENING_CONTEXT = " \t\n([{<—–-/"
_TO_CURLY = {"'": ("‘", "’"), '"': ("“", "”")}
_TO_STRAIGHT = {"‘": "'", "’": "'", "“": '"', "”": '"'}


def _prose_offsets(reference: str, sent: str) -> list[int]:
    """Offsets of the continuation outside fenced blocks and inline code spans (where typography is prose's)."""
    code = [False] * len(reference)
    spans = fence_spans(reference)
    for a, b in spans:
        for i in range(max(0, reference.rfind("\n", 0, max(a - 1, 0)) + 1), min(len(reference), b + 4)):
            code[i] = True
    for m in _CODE_SPAN.finditer(reference):
        for i in range(m.start(), m.end()):
            code[i] = True
    return [i for i in range(len(sent), len(reference)) if not code[i]]


def _quote_style(reference: str, sent: str) -> str | None:
    """The continuation's prose quotes in the other style: curly for straight, or straight for curly."""
    offsets = _prose_offsets(reference, sent)
    straight = [i for i in offsets if reference[i] in _TO_CURLY]
    curly = [i for i in offsets if reference[i] in _TO_STRAIGHT]
    if bool(straight) == bool(curly):
        return None  # none to change, or both styles already: nothing a reader could tell back
    out = list(reference)
    if curly:
        for i in curly:
            out[i] = _TO_STRAIGHT[reference[i]]
    else:
        for i in straight:
            opening, closing = _TO_CURLY[reference[i]]
            before = reference[i - 1] if i else "\n"
            out[i] = opening if before in _OPENING_CONTEXT else closing
    return "".join(out[len(sent) :])


def _escaped_newlines(cont: str, rng: random.Random) -> str | None:
    """The continuation as the body of a JSON string: line breaks (and tabs, quotes, backslashes) escaped."""
    if "\n" not in cont:
        return None
    if "\\" not in cont and rng.random() < 0.5:
        return cont.replace("\n", "\\n").replace("\t", "\\t")  # only the layout escaped
    return json.dumps(cont, ensure_ascii=False)[1:-1]


_HEADING = re.compile(r"(?m)^#{1,6} +(.+)$")
_MARKUP = re.compile(r"\*\*|__|`|\*")
_RECAPS_TOPICS = [
    "**Recap:** so far we've covered {topics}.\n\n",
    "To recap, the answer so far went through {topics}. Picking up where it stopped:\n\n",
    "(So far: {topics}.)\n\n",
    "Quick summary of the above: {topics}. Now the remaining part.\n\n",
]
_RECAPS_OPENING = [
    "To recap: I started with “{opening}…”. Here is the rest.\n\n",
    "So far the answer explained: {opening}… Next:\n\n",
    "**Summary so far:** {opening}…\n\n",
]


def _recap_first(reference: str, sent: str, rng: random.Random) -> str | None:
    """A summary of what was already said (the headings so far, or the answer's opening words), then the rest."""
    cont = reference[len(sent) :]
    spans = fence_spans(reference)
    in_code = any(a <= len(sent) <= b for a, b in spans)
    headings = [
        _MARKUP.sub("", m.group(1)).strip()
        for m in _HEADING.finditer(sent)
        if not any(a <= m.start() <= b for a, b in spans) and m.end() < len(sent)
    ]
    if headings:
        topics = headings[-3:]
        joined = topics[0] if len(topics) == 1 else ", ".join(topics[:-1]) + " and " + topics[-1]
        recap = rng.choice(_RECAPS_TOPICS).format(topics=joined)
    else:
        first = next((line for line in sent.split("\n") if line.strip() and not line.startswith("```")), "")
        words = _MARKUP.sub("", first).lstrip("#>-*+ ").split()[:10]
        if len(words) < 3:
            return None
        recap = rng.choice(_RECAPS_OPENING).format(opening=" ".join(words).rstrip(".,:;"))
    if in_code:
        return recap.rstrip() + "\n" + cont  # the summary on its own line, then the code as is
    return recap + cont.lstrip()


def batch13_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fallback model's whole output for one of this batch's behaviours, or None where it does not apply.

    `html_entities`: "…run `make" + " &amp;&amp; make install`…" (markup characters, or quotes too, as entities).
    `quote_style`: a model with the other typographic habit, "it’s" sent and "don't" continued, or the reverse
    (prose only: code and inline code keep their quotes).  `escaped_newlines`: the rest as a JSON string's body
    without the quotes, "…\\n\\n## Decision\\nWe will…", or with only its line breaks and tabs escaped.
    `recap_first`: a summary of the answer so far (its headings, or its opening words) before the rest.
    """
    if behaviour not in BATCH13_BEHAVIOURS:
        raise ValueError(behaviour)
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    if behaviour == "html_entities":
        return _html_entities(cont, rng)
    if behaviour == "quote_style":
        return _quote_style(reference, sent)
    if behaviour == "escaped_newlines":
        return _escaped_newlines(cont, rng)
    return _recap_first(reference, sent, rng)
