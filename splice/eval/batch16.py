"""The sixteenth held-out batch of the splice eval: 15 answers and 4 fallback behaviours.

The answers are in kinds no earlier batch has: prose in Hausa (hooked letters `ɓ ɗ ƙ`, a naira sum with no-break
spaces), Malayalam (a table, and chillu letters in both their atomic and their ZWJ spelling) and Hawaiian (ʻokina
and kahakō, in a table), a Jsonnet library, a CUE schema (tab-indented), a PlantUML sequence diagram, a WebVTT
file (CRLF line ends inside the block), a troff man page, nginx access-log lines with awk (a tab in the output), an
RTF letter (CRLF, `\\'e9` and `\\uN?` escapes), a Dhall config (λ, →), a Nim program, a Lean 4 proof (ℕ, ∑, `·`
bullets), an HL7 v2 message (`^~\\&` separators) and an AsciiDoc README (its `----` and `....` blocks, not fences).
The behaviours are changes a model makes to the form of the whole rest, not only to its first characters: every
line of the rest indented one level (`rest_indented`), its long prose lines hard-wrapped at 72 or 80 columns
(`hard_wrap`), a no-break space before each ":", ";", "!" and "?" of its prose as French typography sets them
(`french_spacing`), and its inline Markdown written as HTML tags, `<strong>` for `**`, `<code>` for backticks
(`inline_html`).
"""

from __future__ import annotations

import random
import re

from .fences import fence_spans

__all__ = ["BATCH_16", "BATCH16_BEHAVIOURS", "batch16_output"]

#: The fallback behaviours written with this batch.
BATCH16_BEHAVIOURS = ["rest_indented", "hard_wrap", "french_spacing", "inline_html"]

_HAUSA = """\
## Yadda ake dafa miyar kuka da tuwon shinkafa

Miyar kuka tana ɗaya daga cikin abincin gargajiya mafi shahara a ƙasar Hausa. Ana yin ta ne da garin ganyen kuka \
(baobab), wanda ke ba ta launi kore-baƙi da ɗanɗano na musamman. Ga yadda za ki dafa ta cikin sauƙi — ba ta \
ɗaukar lokaci mai yawa idan kin shirya kayan haɗi tun da wuri.

### Kayan haɗi (na mutum 4)

- Garin kuka: cokali 4 manya
- Nama (na sa ko na akuya): gram 500, an yanka ƙanana
- Busasshen kifi: guda 2, an wanke an cire ƙaya
- Daddawa: ƙwallo 1 (kimanin gram 30)
- Attarugu da tattasai: guda 3 kowanne, an daka
- Albasa: guda 1 babba
- Manja: cokali 3
- Maggi: ƙwaya 2, da gishiri gwargwado
- Ruwa: lita 1½

### Matakai

1. Ki wanke naman sosai, ki zuba shi a tukunya tare da albasa, maggi ɗaya da ɗan gishiri. Ki bar shi ya dahu na \
mintuna 20 har sai ya yi laushi.
2. Ki ƙara ruwan da ya rage, sannan ki zuba kifin, daddawa da kayan miyan da kika daka. Ki bari su tafasa na \
mintuna 10.
3. Ki zuba manja ki juya, ki rage wutar zuwa ƙasa-ƙasa.
4. **Wannan mataki ne mafi muhimmanci:** ki yayyafa garin kuka a hankali yayin da kike juyawa da muciya ba tare \
da tsayawa ba. Idan kika zuba shi gaba ɗaya, zai yi gudaji-gudaji.
5. Ki bar miyar ta yi mintuna 2–3 kacal bayan kin gama zuba kuka, sannan ki sauke ta. Idan ta daɗe a kan wuta, za \
ta yi ɗaci kuma ta rasa yauƙinta.

### Tuwon shinkafa

Ki jiƙa kofi 2 na shinkafar tuwo (mai yauƙi) na awa ɗaya, ki dafa ta da ruwa mai yawa har sai ta narke gaba ɗaya. \
Sai ki tuƙa ta da muciya har ta yi laushi, ki ƙulla ta ƙwallo-ƙwallo a cikin leda ko a kwano mai murfi.

> **Shawara:** Wasu suna ƙara ɗan kanwa (cokali ¼) a miyar domin ta ƙara yauƙi, amma kada ki cika shi — yana sa \
miyar ta yi baƙi sosai.

Farashin kayan a kasuwar Kano a wannan makon ya kai kimanin ₦\u00a06\u202f500 gaba ɗaya. A ci lafiya! 🍲
"""

_MALAYALAM = """\
## വീട്ടിൽ കമ്പോസ്റ്റ് ഉണ്ടാക്കുന്നതെങ്ങനെ?

അടുക്കളയിലെ ജൈവമാലിന്യം വലിച്ചെറിയുന്നതിനു പകരം അതിനെ നല്ല വളമാക്കി മാറ്റാം. ഫ്ലാറ്റിലും ചെറിയ വീട്ടിലും \
ചെയ്യാവുന്ന ഒരു ലളിതമായ രീതിയാണ് താഴെ.

### ആവശ്യമുള്ളവ

- ദ്വാരങ്ങളിട്ട രണ്ട് ബക്കറ്റുകൾ (20 ലിറ്റർ വീതം)
- ഉണങ്ങിയ ഇലകൾ അല്ലെങ്കിൽ ചകിരിച്ചോറ്
- ഒരു പിടി പഴയ കമ്പോസ്റ്റ് അല്ലെങ്കിൽ ചാണകം (സൂക്ഷ്മാണുക്കൾക്കായി)
- ഒരു പഴയ തുണി മൂടാൻ

### ചെയ്യേണ്ട വിധം

1. ആദ്യത്തെ ബക്കറ്റിന്റെ അടിയിൽ 5 സെ.മീ. കനത്തിൽ ഉണങ്ങിയ ഇലകൾ നിരത്തുക.
2. ദിവസവും പച്ചക്കറിത്തൊലി, പഴത്തൊലി, ചായപ്പൊടി, മുട്ടത്തോട് എന്നിവ ഇടുക. ഓരോ തവണയും അതിനു മുകളിൽ ഒരു പിടി \
ഉണങ്ങിയ ഇല വിതറുക — ഇതാണ് ദുർഗന്ധം ഒഴിവാക്കാനുള്ള പ്രധാന വഴി.
3. ആഴ്ചയിൽ ഒരിക്കൽ ഒരു കമ്പുകൊണ്ട് ഇളക്കി വായു കടത്തുക.
4. ബക്കറ്റ് നിറഞ്ഞാൽ അത് മാറ്റിവെച്ച് രണ്ടാമത്തെ ബക്കറ്റ് ഉപയോഗിക്കുക. 45–60 ദിവസം കൊണ്ട് ആദ്യത്തേത് കറുത്ത, \
മണ്ണിന്റെ മണമുള്ള കമ്പോസ്റ്റായി മാറും.

### ഇടരുതാത്തവ

| ഇനം | കാരണം |
|---|---|
| ഇറച്ചി, മീൻ | ദുർഗന്ധവും ഈച്ചയും |
| എണ്ണ, നെയ്യ് | അഴുകൽ മന്ദഗതിയിലാക്കും |
| പ്ലാസ്റ്റിക് | ഒരിക്കലും അഴുകില്ല |
| രോഗം ബാധിച്ച ചെടികൾ | രോഗാണുക്കൾ പടരും |

### ശ്രദ്ധിക്കേണ്ട കാര്യങ്ങൾ

മിശ്രിതം **പിഴിഞ്ഞ സ്പോഞ്ച് പോലെ** നനവുള്ളതായിരിക്കണം. വെള്ളം കൂടിയാൽ ചീഞ്ഞ മണം വരും; അപ്പോൾ കൂടുതൽ ഉണങ്ങിയ ഇലയോ \
കീറിയ കാർഡ്ബോർഡോ ചേർക്കുക. ഉണങ്ങിപ്പോയാൽ അല്പം വെള്ളം തളിക്കുക.

മഴക്കാലത്ത് ബക്കറ്റ് വരാന്തയിൽ വെക്കുന്നതാണ് നല്ലത്. കേരളത്തിലെ ചൂടിൽ കമ്പോസ്റ്റിങ് വേഗം നടക്കും, അതിനാൽ ഇളക്കൽ \
മുടക്കരുത്. തയ്യാറായ കമ്പോസ്റ്റ് ചെടിച്ചട്ടിയിലെ മണ്ണുമായി 1:3 എന്ന അനുപാതത്തിൽ കലർത്തി ഉപയോഗിക്കാം. 🌱

ഫ്ലാറ്റില്\u200d സ്ഥലം കുറവാണെങ്കില്\u200d, തട്ടുകളായി അടുക്കിവെക്കാവുന്ന മൂന്ന് ചട്ടികളുള്ള "ഖമ്പ" രീതിയും \
പരീക്ഷിക്കാം; കുടുംബശ്രീ യൂണിറ്റുകള്\u200d വഴി ഇവ ഏകദേശം ₹ 1,200 നിരക്കില്\u200d ലഭിക്കും.
"""

_HAWAIIAN = """\
## He mau huaʻōlelo maʻamau no ka malihini

Aloha! Ua nīnau ʻoe i nā huaʻōlelo Hawaiʻi e pono ai ke ʻike ma mua o kou huakaʻi i Oʻahu. Eia kekahi papa \
pōkole, me ka wehewehe ʻōlelo Pelekānia a me nā ʻōlelo aʻo no ka ʻokina (ʻ) a me ke kahakō (ā, ē, ī, ō, ū).

| Huaʻōlelo | Ka manaʻo | Ka hoʻopuka ʻana |
|---|---|---|
| aloha | hello, love, compassion | ah-LOH-hah |
| mahalo | thank you | mah-HAH-loh |
| ʻohana | family (in the wide sense) | oh-HAH-nah |
| kamaʻāina | a local, long-time resident | kah-mah-AI-nah |
| makai / mauka | toward the sea / toward the mountains | mah-KAI / MAU-kah |
| pau | finished, done | pow |
| ʻono | delicious | OH-noh |

### No ka ʻokina a me ke kahakō

Ua like ka **ʻokina** me kekahi consonant: he glottal stop ia, e like me ka hoʻomaha ma waena o "uh-oh" ma ka \
ʻōlelo Pelekānia. ʻAʻole ia he apostrophe! Ma ke kamepiula, ʻo **U+02BB** (ʻ) ka hōʻailona pololei, ʻaʻole ʻo \
U+0027 (') a i ʻole ʻo U+2019 (’).

Hoʻolōʻihi ke **kahakō** i ka woela: ʻo *kala* (to forgive) a me *kālā* (money) — ʻelua huaʻōlelo ʻokoʻa loa. No \
laila, inā e kākau ana ʻoe i ka inoa o kahi, e like me Hāna, Lānaʻi, a i ʻole Kailua-Kona, e hoʻohana i nā kaha \
pololei.

### Ma ke kahua mokulele a ma ka hale ʻaina

- Ke hāʻawi mai kekahi i ka **lei**, e ʻae me ka ʻoluʻolu; mai wehe koke ma mua o ko lākou alo.
- Ma ka papa kuhikuhi meaʻai, ʻike paha ʻoe i ka *poke*, ka *kālua puaʻa*, a me ka *lomilomi* salmon.
- ʻO ka *pūpū* he meaʻai liʻiliʻi ma mua o ka ʻaina nui, e like me ka appetizer.

### ʻŌlelo hope

ʻAʻole pono e ʻōlelo pololei i nā mea a pau; ʻoliʻoli ka poʻe kamaʻāina i ka hoʻāʻo ʻana. E hoʻomaka me "Aloha \
kakahiaka" (good morning) a me "Mahalo nui loa" (thank you very much), a e hoʻolohe pono i ka hoʻopuka ʻana. E \
mālama pono, a e leʻaleʻa i kou huakaʻi! 🌺
"""

_JSONNET = """\
You can keep one template for all three environments and let Jsonnet fill in the differences. Put the shared part \
in a function and override only what changes:

```jsonnet
// deployment.libsonnet
local defaults = {
  replicas: 2,
  image: 'registry.example.com/shop/api',
  tag: 'latest',
  resources: { cpu: '250m', memory: '256Mi' },
};

{
  deployment(name, env, overrides={}):: {
    local cfg = defaults + overrides,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: '%s-%s' % [name, env],
      labels: { app: name, env: env },
    },
    spec: {
      replicas: cfg.replicas,
      selector: { matchLabels: $.metadata.labels },
      template: {
        metadata: { labels: { app: name, env: env } },
        spec: {
          containers: [{
            name: name,
            image: '%(image)s:%(tag)s' % cfg,
            resources: { requests: cfg.resources, limits: cfg.resources },
            env: [
              { name: k, value: std.toString(cfg.vars[k]) }
              for k in std.objectFields(std.get(cfg, 'vars', {}))
            ],
          }],
        },
      },
    },
  },
}
```

Then each environment is a few lines:

```jsonnet
// prod.jsonnet
local lib = import 'deployment.libsonnet';

lib.deployment('api', 'prod', {
  replicas: 6,
  tag: std.extVar('GIT_SHA'),
  resources+: { memory: '1Gi' },  // `+:` merges into the default instead of replacing it
  vars: { LOG_LEVEL: 'warn', POOL_SIZE: 20 },
})
```

Render it with:

```sh
jsonnet --ext-str GIT_SHA=$(git rev-parse --short HEAD) prod.jsonnet | kubectl apply -f -
```

A few things that trip people up:

- **`::` vs `:`** — a field declared with `::` is hidden, so `deployment` itself never shows up in the output.
- **`$` refers to the outermost object**, not the function's. In the code above `$.metadata.labels` would fail; \
use `self.metadata.labels` or repeat the labels as I did in `template`.
- **`+:` only merges objects.** For arrays use `+: [ ... ]` explicitly, and remember that `std.toString(20)` is \
needed because Kubernetes env values must be strings.

If you later move to Tanka, the same `.libsonnet` file works unchanged.
"""

_CUE = """\
CUE is a good fit here because the schema and the data live in the same language, and anything that is not \
allowed is simply an error. Here is a schema for your service config with defaults and constraints:

```cue
package config

#Service: {
\tname:     string & =~"^[a-z][a-z0-9-]{2,30}$"
\tport:     int & >=1024 & <=65535 | *8080
\treplicas: uint8 | *1
\tenv:      "dev" | "staging" | *"prod"
\ttimeout:  =~"^[0-9]+(ms|s)$" | *"30s"

\ttls?: {
\t\tcert: string
\t\tkey:  string
\t}

\t// prod needs at least two replicas
\tif env == "prod" {
\t\treplicas: >=2
\t}
}

services: [Name=string]: #Service & {name: Name}

services: {
\tcheckout: {
\t\tport:     9090
\t\treplicas: 3
\t}
\t"search-api": {
\t\tenv:     "staging"
\t\ttimeout: "250ms"
\t}
}
```

Validate and export:

```console
$ cue vet ./...
$ cue export --out yaml
services:
  checkout:
    name: checkout
    port: 9090
    replicas: 3
    env: prod
    timeout: 30s
  search-api:
    name: search-api
    port: 8080
    replicas: 1
    env: staging
    timeout: 250ms
```

If someone sets `replicas: 1` on `checkout`, `cue vet` fails with:

```text
services.checkout.replicas: invalid value 1 (out of bound >=2):
    ./config.cue:15:13
```

Notes:

1. `*8080` marks the default of a disjunction; without it `port` would be incomplete and `cue export` would \
refuse to run.
2. `[Name=string]: #Service & {name: Name}` is a pattern constraint: every key under `services` gets the schema, \
and its own name as `name`.
3. Tabs are CUE's canonical indentation (`cue fmt` converts spaces), so don't fight it in code review.
"""

_PLANTUML = """\
Here's the login flow as a PlantUML sequence diagram. Paste it into the PlantUML server or the VS Code extension \
to render it:

```plantuml
@startuml
title OAuth 2.0 login with PKCE
autonumber
skinparam sequenceMessageAlign center

actor User
participant "Mobile app" as App
participant "Auth server" as Auth #LightBlue
database "Token store" as DB

User -> App : tap "Sign in"
App -> App : generate code_verifier\\nand code_challenge = SHA256(verifier)
App -> Auth : GET /authorize?response_type=code\\n&code_challenge=…&code_challenge_method=S256
Auth --> User : login page
User -> Auth : credentials + MFA
alt credentials valid
    Auth -> DB : store code + challenge
    Auth --> App : 302 redirect with ?code=abc123
    App -> Auth : POST /token\\ncode=abc123&code_verifier=…
    Auth -> DB : look up challenge
    Auth -> Auth : verify SHA256(verifier) == challenge
    Auth --> App : access_token, refresh_token
    note right of App
      Store the refresh token in the
      Keychain / Keystore, never in
      plain preferences.
    end note
else invalid
    Auth --> User : error, retry
end
@enduml
```

What the less obvious parts do:

- `autonumber` prefixes every arrow with a step number, which is handy when you refer to steps in the design doc \
("step 7 must be over TLS").
- `->` is a solid arrow (a request) and `-->` a dashed one (a response). Mixing them up doesn't break rendering, \
but reviewers will read the diagram wrong.
- `\\n` inside a message label is a line break *in the diagram*; the source line itself must stay on one line.
- `alt` / `else` / `end` draws the grouped box. You can nest them, but more than two levels gets hard to read.

If you'd rather keep diagrams in Markdown, the same flow is easy to port to Mermaid — the main difference is that \
Mermaid uses `->>` for solid arrows and `Note right of App: …` on one line.
"""

_WEBVTT = """\
Here is the WebVTT version of your subtitles. I kept your timings, added the speaker voice tags and moved the \
second caption up so it doesn't cover the lower-third graphic:

```vtt\r
WEBVTT\r
Kind: captions\r
Language: en-GB\r
\r
STYLE\r
::cue(v[voice="Narrator"]) {\r
  color: #ffd75e;\r
}\r
\r
NOTE Timings taken from the 25 fps edit, v3\r
\r
intro-1\r
00:00:01.000 --> 00:00:04.200 line:85% align:center\r
<v Narrator>In the spring of 1953, two climbers\r
stood where no one had stood before.\r
\r
intro-2\r
00:00:04.600 --> 00:00:08.950 line:10%\r
<v Narrator>The summit of Everest: <i>Chomolungma</i>,\r
mother goddess of the world.\r
\r
interview-1\r
00:00:09.400 --> 00:00:13.000\r
<v Dr. Amrita Rai>We still argue about who\r
took the final step &mdash; and it doesn't matter.\r
\r
interview-2\r
00:00:13.250 --> 00:00:17.800\r
<v Dr. Amrita Rai>What matters is that they went up <b>together</b>\r
and came down together.\r
\r
outro\r
00:00:18.000 --> 00:00:21.500 position:50% size:80%\r
♪ [gentle music] ♪\r
```\r

A few notes on what changed compared with the SRT file:

1. **Decimal point, not comma.** SRT writes `00:00:01,000`; WebVTT requires `00:00:01.000`. This is the most \
common reason a converted file is rejected by browsers.
2. **Cue identifiers are optional** but I gave each cue a name (`intro-1`, `interview-2`…) so you can target them \
from CSS or JavaScript.
3. **`line:10%`** pushes the second caption to the top of the frame. Percentages are safer than line numbers, \
which depend on the player's font size.
4. **Entities:** `&mdash;` and `&amp;` are allowed in cue text, and a literal `<` must be written as `&lt;`.

The file keeps Windows line endings (CRLF) because your editing suite exported the SRT that way; both CRLF and LF \
are valid WebVTT, so there's no need to convert. Load it with `<track kind="captions" src="everest.vtt" \
srclang="en" default>`.
"""

_MAN_PAGE = """\
Here's a man page for your `syncwatch` tool in the classic `man(7)` macros. Save it as `syncwatch.1` and preview \
it with `man ./syncwatch.1`:

```troff
.TH SYNCWATCH 1 "March 2024" "syncwatch 0.9.2" "User Commands"
.SH NAME
syncwatch \\- mirror a directory to a remote host whenever it changes
.SH SYNOPSIS
.B syncwatch
[\\fB\\-n\\fR]
[\\fB\\-i\\fR \\fIseconds\\fR]
[\\fB\\-\\-exclude\\fR=\\fIpattern\\fR]...
.I source
.I user@host:dest
.SH DESCRIPTION
.B syncwatch
watches
.I source
with inotify and runs
.BR rsync (1)
after each burst of changes.
Bursts closer together than the interval are merged into one transfer.
.SH OPTIONS
.TP
.BR \\-n ", " \\-\\-dry\\-run
Print the
.B rsync
command instead of running it.
.TP
.BI \\-i " seconds" "\\fR, \\fP\\-\\-interval=" seconds
Wait this long after the last change before syncing (default: 2).
.TP
.BI \\-\\-exclude= pattern
Skip files matching
.IR pattern ;
may be given more than once.
.SH EXIT STATUS
.IP 0 4
Stopped cleanly by SIGINT or SIGTERM.
.IP 2 4
.I source
does not exist or is not a directory.
.SH EXAMPLES
.nf
.RS 4
syncwatch \\-i 5 \\-\\-exclude='*.tmp' ~/site deploy@web01:/srv/site
.RE
.fi
.SH SEE ALSO
.BR rsync (1),
.BR inotifywait (1)
```

A few troff details worth knowing:

- **Hyphens vs minus signs:** in option names write `\\-` (a real minus), otherwise groff may render a hyphen \
that breaks copy-and-paste of `--dry-run`.
- **Font escapes:** `\\fB` starts bold, `\\fI` italic, `\\fR` roman (normal), and `\\fP` returns to the previous \
font. The alternating macros `.BR`, `.BI` and `.IR` are usually easier to read than inline escapes.
- **`.nf` / `.fi`** switch filling off and on, so the example line isn't reflowed; `.RS 4` indents it.
- **No blank lines** in the source: in troff an empty line produces vertical space, which looks sloppy in the \
rendered page.

To install it for all users, copy it to `/usr/local/share/man/man1/` and run `sudo mandb`.
"""

_ACCESS_LOG = """\
Those lines are in nginx's default `combined` format. Here's how to read one of them:

```text
203.0.113.42 - - [12/Mar/2024:09:14:07 +0100] "GET /api/v2/orders?page=3 HTTP/1.1" 200 5123 \
"https://shop.example.com/account" "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
198.51.100.7 - alice [12/Mar/2024:09:14:09 +0100] "POST /api/v2/cart HTTP/2.0" 201 88 "-" "okhttp/4.12.0"
192.0.2.199 - - [12/Mar/2024:09:14:09 +0100] "GET /wp-login.php HTTP/1.1" 404 153 "-" "python-requests/2.31.0"
203.0.113.42 - - [12/Mar/2024:09:14:12 +0100] "GET /static/app.3f9c1e.js HTTP/1.1" 304 0 \
"https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
```

| Field | Example | Meaning |
|---|---|---|
| `$remote_addr` | `203.0.113.42` | client IP (or the proxy's, unless `real_ip` is set up) |
| `$remote_user` | `alice` | HTTP basic-auth user, `-` if none |
| `[$time_local]` | `[12/Mar/2024:09:14:07 +0100]` | when the request finished |
| `"$request"` | `"GET /api/v2/orders?page=3 HTTP/1.1"` | method, path with query, protocol |
| `$status` | `200` | response status |
| `$body_bytes_sent` | `5123` | body size, headers excluded |
| `"$http_referer"` | `"https://shop.example.com/account"` | page that linked here |
| `"$http_user_agent"` | `"okhttp/4.12.0"` | client software |

To find which paths return the most 404s, split on the double quotes so the spaces inside the request and user \
agent don't shift the columns:

```sh
awk -F'"' '{ split($3, s, " "); if (s[1] == 404) { split($2, r, " "); print r[2] } }' access.log \\
  | sort | uniq -c | sort -rn | head -20
```

And requests per minute, with a tab between minute and count so you can paste it into a spreadsheet:

```sh
awk '{ print substr($4, 2, 17) }' access.log | uniq -c | awk '{ printf "%s\\t%d\\n", $2, $1 }'
```

which prints:

```text
12/Mar/2024:09:14\t3481
12/Mar/2024:09:15\t3512
12/Mar/2024:09:16\t9877
```

That spike at 09:16 together with the `/wp-login.php` probes from `python-requests` looks like a scanner. If it \
keeps happening, add `limit_req_zone $binary_remote_addr zone=api:10m rate=20r/s;` and a `limit_req zone=api \
burst=40 nodelay;` in the `location /api/` block.
"""

_RTF = """\
RTF is plain text underneath, so you can generate it from a template without a library. Here's a minimal letter \
with a bold heading, an accented name and a bullet list. Word, LibreOffice and TextEdit all open it:

```rtf\r
{\\rtf1\\ansi\\ansicpg1252\\deff0\\nouicompat\r
{\\fonttbl{\\f0\\fswiss\\fcharset0 Calibri;}{\\f1\\froman\\fcharset0 Cambria;}}\r
{\\colortbl ;\\red31\\green78\\blue121;}\r
\\paperw11906\\paperh16838\\margl1440\\margr1440\r
\\pard\\sa200\\sl276\\slmult1\\f1\\fs32\\cf1\\b Invoice reminder\\b0\\cf0\\par\r
\\f0\\fs22 Dear Ms. Fran\\'e7oise L\\'e9vesque,\\par\r
our records show that invoice \\b 2024-0117\\b0  (\\u8364?1\\~250.00) is now 14 days overdue.\\par\r
{\\pntext\\f0 \\'b7\\tab}{\\*\\pn\\pnlvlblt\\pnf0\\pnindent360{\\pntxtb\\'b7}}\r
\\fi-360\\li720 Bank: Nordbank AG\\par\r
{\\pntext\\f0 \\'b7\\tab}IBAN: DE89\\~3704\\~0044\\~0532\\~0130\\~00\\par\r
{\\pntext\\f0 \\'b7\\tab}Reference: INV-2024-0117\\par\r
\\pard\\sa200\\sl276\\slmult1 Kind regards,\\line Accounts team\\par\r
}\r
```\r

How the pieces work:

- **`\\'e7`** is a byte in the code page declared by `\\ansicpg1252`, here *ç*. Characters outside that code page \
need **`\\uN?`**: `\\u8364?` is the euro sign, with `?` as the fallback for readers that don't understand Unicode.
- **`\\~`** is a non-breaking space, so the IBAN groups and the amount never wrap apart.
- **`\\b ... \\b0`** toggles bold. Note the space after a control word is part of it, which is why `\\b0  (` has \
two spaces: one ends the control word, the other is printed.
- **`\\par`** ends a paragraph; **`\\line`** is a line break inside one.
- The **`\\pntext` / `\\pn`** groups are the old-style bullet list that every reader supports. Newer Word files \
use `\\ls1` list tables instead, which are much longer.

If you generate this from Python, escape `\\`, `{` and `}` in user data first, and write anything above U+007F as \
`\\uN?` (with N as a signed 16-bit number) so the encoding of the file never matters. I kept CRLF line ends since \
that's what Word writes, but RTF readers ignore line breaks entirely.
"""

_DHALL = """\
Dhall is total and typed, so a typo in a field name is caught before anything is deployed. Here's the monitoring \
config from your YAML, with a function for the repeated alert block:

```dhall
let Severity = < critical | warning | info >

let Alert =
      { Type =
          { name : Text
          , expr : Text
          , for : Natural
          , severity : Severity
          , runbook : Optional Text
          }
      , default = { for = 5, severity = Severity.warning, runbook = None Text }
      }

let showSeverity =
      λ(s : Severity) → merge { critical = "critical", warning = "warning", info = "info" } s

let render =
      λ(a : Alert.Type) →
        { alert = a.name
        , expr = a.expr
        , `for` = "${Natural/show a.for}m"
        , labels.severity = showSeverity a.severity
        , annotations.runbook_url =
            merge { Some = λ(url : Text) → url, None = "https://wiki.example.com/runbooks" } a.runbook
        }

let alerts =
      [ Alert::{ name = "HighErrorRate", expr = "job:errors:rate5m > 0.05", severity = Severity.critical }
      , Alert::{ name = "DiskAlmostFull", expr = "node_fs_free_ratio < 0.1", for = 15 }
      , Alert::{
        , name = "CertExpiring"
        , expr = "cert_expiry_days < 14"
        , severity = Severity.info
        , runbook = Some "https://wiki.example.com/runbooks/tls"
        }
      ]

in  { groups = [ { name = "platform", rules = List/map Alert.Type _ render alerts } ] }
```

Wait — that last line needs the output type of `render`, not `_`. Dhall has no type inference for `List/map`'s \
second argument, so write the record type out or give it a name:

```dhall
let Rule = { alert : Text, expr : Text, `for` : Text, labels : { severity : Text }, annotations : { runbook_url : \
Text } }
```

and use `List/map Alert.Type Rule render alerts`.

Convert to YAML for Prometheus with `dhall-to-yaml --file alerts.dhall > alerts.yml`. Notes:

- `Alert::{ … }` is record completion: `Alert.default` fills every field you leave out.
- `for` is a Dhall keyword, hence the backticks around the field name.
- `λ` and `→` can be written `\\` and `->` if your keyboard makes Unicode painful; `dhall format` converts them \
to the Unicode forms by default (use `--ascii` to keep ASCII).
- `List/map` is a built-in here only with the Prelude imported; add `let List/map = \
https://prelude.dhall-lang.org/v23.0.0/List/map.dhall` at the top, pinned with its hash in production.
"""

_NIM = """\
Here's the word-frequency counter in Nim. It reads a file, counts words case-insensitively, and prints the top N \
as a table:

```nim
import std/[tables, strutils, strformat, algorithm, os, unicode]

proc countWords(path: string): CountTable[string] =
  ## Counts every word in `path`; a word is a run of letters or apostrophes.
  result = initCountTable[string]()
  for line in lines(path):
    var word = ""
    for r in line.runes:
      if r.isAlpha or r == Rune('\\''):
        word.add toLower($r)
      elif word.len > 0:
        result.inc word
        word.setLen 0
    if word.len > 0:
      result.inc word

proc main() =
  if paramCount() < 1:
    quit "usage: wordfreq FILE [N]", QuitFailure
  let n = if paramCount() >= 2: parseInt(paramStr(2)) else: 10
  var counts = countWords(paramStr(1))
  counts.sort()                       # descending by count
  echo alignLeft("word", 20) & align("count", 8)
  echo "-".repeat(28)
  var shown = 0
  for word, count in counts:
    if shown == n: break
    echo &"{word:<20}{count:>8}"
    inc shown

when isMainModule:
  main()
```

Build and run:

```console
$ nim c -d:release --opt:speed wordfreq.nim
$ ./wordfreq pride_and_prejudice.txt 5
word                   count
----------------------------
the                     4507
to                      4243
of                      3730
and                     3658
her                     2225
```

Things that differ from Python:

- **Indentation is two spaces by convention** and tabs are a compile error, not a style choice.
- `result` is the implicit return variable of every `proc`; you can assign to it and fall off the end.
- `&"…"` (from `strformat`) is Nim's f-string. A format spec follows a colon as in Python, `{count:>8}`.
- `CountTable.sort()` sorts **in place** and descending; there's no `reverse` argument.
- `runes` and `isAlpha` come from `std/unicode`, so *café* and *naïve* count as single words. With plain `for c \
in line` you'd iterate over bytes.

With `-d:release` this processes a 100 MB file in about a second on a laptop.
"""

_LEAN4 = """\
Here's the proof in Lean 4 with Mathlib. The idea is the usual one: induct on `n`, and in the step rewrite the \
sum with `Finset.sum_range_succ`, then let `ring` close the algebra.

```lean
import Mathlib.Tactic

open Finset BigOperators

/-- Gauss: twice the sum of the first `n` naturals is `n * (n - 1)`. -/
theorem two_mul_sum_range (n : ℕ) : 2 * ∑ i in range n, i = n * (n - 1) := by
  induction n with
  | zero => simp
  | succ k ih =>
    rw [sum_range_succ, mul_add, ih]
    -- goal: k * (k - 1) + 2 * k = (k + 1) * (k + 1 - 1)
    cases k with
    | zero => simp
    | succ m =>
      simp only [Nat.succ_sub_one, Nat.add_sub_cancel]
      ring

/-- The same statement over ℚ, where subtraction behaves. -/
theorem sum_range_id_rat (n : ℕ) :
    (∑ i in range n, (i : ℚ)) = n * (n - 1) / 2 := by
  have h := two_mul_sum_range n
  have h' : ((2 * ∑ i in range n, i : ℕ) : ℚ) = ((n * (n - 1) : ℕ) : ℚ) := by
    exact_mod_cast h
  push_cast at h'
  rcases Nat.eq_zero_or_pos n with rfl | hn
  · simp
  · rw [Nat.cast_sub (by omega)] at h'
    push_cast at h'
    linarith
```

Why it's set up this way:

1. **Natural subtraction truncates.** In `ℕ`, `0 - 1 = 0`, so `n * (n - 1)` is fine at `n = 0` but you can't just \
move terms around as over a field. That's why the step splits on `k` again: at `k = 0` the `- 1` would otherwise \
block `ring`.
2. **`∑ i in range n, i`** is notation for `Finset.sum (range n) (fun i => i)`. Recent Mathlib versions prefer `∑ \
i ∈ range n, i`; both parse, but the `in` form shows a deprecation warning.
3. **Casting:** `exact_mod_cast` and `push_cast` move the statement from `ℕ` to `ℚ`. `Nat.cast_sub` needs a proof \
that `1 ≤ n`, which `omega` finds from `hn : 0 < n`.
4. The bullets `·` focus each goal after `rcases`; type them with `\\.` in VS Code.

If you only need the `ℕ` version, there is already `Finset.sum_range_id_mul_two` in Mathlib, and `exact?` will \
find it for you.
"""

_HL7 = """\
That's an HL7 v2.5 **ADT^A01** (admit) message. Each line is a *segment*, fields are separated by `|`, components \
by `^`, and repetitions by `~`. Here's your message with the segments on separate lines:

```hl7
MSH|^~\\&|EPIC|STMARYS^2.16.840.1.113883.3.72^ISO|LABSYS|LAB01|20240314083015||ADT^A01^ADT_A01|MSG00045127|P|2.5||\
|AL|NE|USA|UNICODE UTF-8
EVN|A01|20240314083000|||JDOE^Doe^Jane^^^Dr.
PID|1||4455667^^^STMARYS^MR~987-65-4320^^^USSSA^SS||O'Brien-Núñez^María^José^^Sra.||19780522|F|||742 Evergreen \
Terr^Apt 3B^Springfield^IL^62704^USA^H||(217)555-0142^PRN^PH~^NET^Internet^maria.obn@example.com|||M|CAT|ACCT20240\
314
NK1|1|O'Brien^Patrick|SPO^Spouse|742 Evergreen Terr^Apt 3B^Springfield^IL^62704|(217)555-0199
PV1|1|I|4W^412^B^STMARYS||||1234567^House^Gregory^^^Dr.|||MED||||7|||1234567^House^Gregory^^^Dr.|IN||BCBS|||||||||\
||||||||||||||||20240314083000
AL1|1|DA|70618^Penicillin^RXNORM|SV|Anaphylaxis\\X0D\\\\X0A\\reported 2019
DG1|1||R07.9^Chest pain, unspecified^I10|||A
```

Reading the important fields:

| Segment | Field | Value | Meaning |
|---|---|---|---|
| MSH-9 | message type | `ADT^A01^ADT_A01` | admit/visit notification |
| MSH-10 | control ID | `MSG00045127` | echo this in your ACK's MSA-2 |
| PID-3 | identifiers | `4455667^^^STMARYS^MR` | MRN (first repetition) |
| PID-5 | name | `O'Brien-Núñez^María^José` | family ^ given ^ middle |
| PV1-3 | location | `4W^412^B` | unit 4W, room 412, bed B |
| AL1-3 | allergen | `70618^Penicillin^RXNORM` | code ^ text ^ coding system |

Three things catch people out:

1. **MSH-1 is the `|` itself** and MSH-2 is the four encoding characters `^~\\&`, so every MSH field number is \
one higher than its position after splitting on `|`.
2. **Escapes:** `\\X0D\\\\X0A\\` in AL1-5 is a hex-encoded CR/LF, and `\\F\\`, `\\S\\`, `\\T\\`, `\\R\\`, `\\E\\` \
stand for a literal `|`, `^`, `&`, `~` and `\\`. Decode these *after* splitting into fields, never before.
3. **Segment terminator:** on the wire, segments end with a carriage return (`\\r`, 0x0D) alone, not CRLF. If you \
paste the message from a Windows editor, strip the `\\n` or most parsers will see an empty segment between every \
pair.

In Python, `hl7apy` or `python-hl7` parse this directly: `hl7.parse(msg.replace("\\n", "\\r"))`, then \
`m.segment("PID")[5][0][1]` gives `María`.
"""

_ASCIIDOC = """\
Here's the README converted to AsciiDoc. GitHub and GitLab both render `.adoc` files, and you get admonitions, \
includes and proper cross references that Markdown lacks:

[source,asciidoc]
----
= Ferrous: a tiny HTTP cache
Lena Varga <lena@example.org>
v0.4.0, 2024-03-14
:toc: left
:icons: font
:source-highlighter: rouge
:url-repo: https://github.com/example/ferrous

Ferrous is a caching reverse proxy that fits in a 6{nbsp}MB container.

== Installation

[source,console]
....
$ cargo install ferrous --locked
$ ferrous --version
ferrous 0.4.0
....

NOTE: Building needs Rust 1.75 or newer.

== Configuration

Ferrous reads `ferrous.toml` from the working directory.
The keys are described in <<config-keys>>.

[#config-keys]
.Configuration keys
[cols="1m,1,3",options="header"]
|===
|Key |Default |Description

|listen
|`0.0.0.0:8080`
|Address and port to bind.

|upstream
|_(required)_
|Base URL of the origin, e.g. `http://127.0.0.1:3000`.

|ttl
|`300`
|Seconds a response is kept when the origin sends no `Cache-Control`.
|===

WARNING: Responses with `Set-Cookie` are *never* cached, whatever the TTL.

== Contributing

. Fork {url-repo}[the repository].
. Create a branch: `git switch -c my-fix`.
. Run `cargo test` and open a merge request.
+
Include a changelog entry under `Unreleased`.
----

What changed from the Markdown version:

* *Headings* use `=` instead of `#`; the single `=` line is the document title, and the lines right after it are \
the author and revision, which AsciiDoc shows in the header.
* *Literal blocks* are delimited by four dots (`....`) or four hyphens (`----`) for source. I used dots for the \
console example so that the outer `----` block in this answer stays intact.
* *Tables* start and end with `|===`; `cols="1m,1,3"` makes the first column monospace and three times narrower \
than the last.
* *Ordered lists* use `.` markers and number themselves. The `+` line attaches the following paragraph to the \
list item instead of ending the list.
* `{nbsp}` is a built-in attribute for a non-breaking space, and `{url-repo}` is the attribute defined in the \
header.

Run `asciidoctor README.adoc` to preview it locally, or `asciidoctor-pdf` if you also want a PDF.
"""

BATCH_16: list[tuple[str, str, str]] = [
    ("b16_hausa", "hausa", _HAUSA),
    ("b16_malayalam", "malayalam", _MALAYALAM),
    ("b16_hawaiian", "hawaiian", _HAWAIIAN),
    ("b16_jsonnet", "jsonnet", _JSONNET),
    ("b16_cue", "cue", _CUE),
    ("b16_plantuml", "plantuml", _PLANTUML),
    ("b16_webvtt", "webvtt", _WEBVTT),
    ("b16_man_page", "troff-man", _MAN_PAGE),
    ("b16_access_log", "access-log", _ACCESS_LOG),
    ("b16_rtf", "rtf", _RTF),
    ("b16_dhall", "dhall", _DHALL),
    ("b16_nim", "nim", _NIM),
    ("b16_lean4", "lean4", _LEAN4),
    ("b16_hl7", "hl7-v2", _HL7),
    ("b16_asciidoc", "asciidoc", _ASCIIDOC),
]

#: The one level a model indents the rest by.
_INDENTS = ["    ", "  ", "\t"]
#: A line that opens or closes a fenced block, a heading, a table row, a thematic break.
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NOT_PROSE = re.compile(r"^(?:#{1,6}[ \t]|\||[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$)")
#: The start of a line a wrapping model continues with a hanging indent: a list item's marker or a quote's.
_HANGING = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?=\S)|^[ \t]*>[ \t]?")
#: A space a line may break at: one space between two non-spaces.
_BREAK = re.compile(r"(?<=\S) (?=\S)")
#: A mark French typography sets off with a no-break space: after a word, before a space or the line's end.
_SPACED_MARK = re.compile(r"(?<=[^\s\d:;!?])[:;!?](?=\s|$)")
_FRENCH_SPACED = re.compile("[\u00a0\u202f][:;!?]")
#: Inline code, a link's target, an HTML tag or a bare URL: text a model copies as it is.
_VERBATIM = re.compile(r"`[^`\n]*`|\]\([^)\s]*\)|<[^<>\n]*>|\b\w+://\S+")
#: Inline Markdown a model writes as HTML: code, bold, a link, emphasis with asterisks.
_INLINE = re.compile(
    r"(?<!`)`(?P<code>[^`\n]+)`(?!`)"
    r"|(?<![\w*\\])\*\*(?P<bold>(?=\S)[^\n]+?(?<=\S))\*\*(?![\w*])"
    r"|\[(?P<text>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
    r"|(?<![\w*\\])\*(?P<em>(?=[^\s*])[^*\n]+?(?<=[^\s*]))\*(?![\w*])"
)
_TAGS = re.compile(r"<(?:code|strong|b|em|a)[ >]", re.I)


def _code_lines(reference: str) -> list[tuple[int, int]]:
    """(start, end) of each fenced block with its fence lines, so that a behaviour can leave code alone."""
    spans = []
    for a, b in fence_spans(reference):
        start = reference.rfind("\n", 0, max(a - 1, 0)) + 1
        end = reference.find("\n", b)
        spans.append((start, len(reference) if end < 0 else end + 1))
    return spans


def _lines_from(reference: str, start: int) -> list[tuple[int, str]]:
    """(offset, line without its "\\n") of each line of the reference that starts at or after `start`'s line."""
    offset = reference.rfind("\n", 0, start) + 1
    out = []
    for line in reference[offset:].split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def _rest_indented(reference: str, sent: str, rng: random.Random) -> str | None:
    """The rest with each of its lines one level deeper: "    " + line, as if it continued a nested block.

    Blank lines stay empty; cut mid-line, the rest of that line continues it unindented.
    """
    cut = len(sent)
    indent = rng.choice(_INDENTS)
    lines = reference[cut:].split("\n")
    at_line_start = not sent or sent.endswith("\n")
    out = [indent + line if (k or at_line_start) and line.strip() else line for k, line in enumerate(lines)]
    return "\n".join(out) if out != lines else None


def _wrap(text: str, column: int, width: int, hang: str) -> str:
    """`text` (a line's part starting at `column`) broken at single spaces so no line passes `width` columns."""
    out = []
    while column + len(text) > width:
        breaks = [m.start() for m in _BREAK.finditer(text)]
        fits = [b for b in breaks if column + b <= width]
        at = fits[-1] if fits else next(iter(breaks), -1)
        if at < 0:
            break
        out.append(text[:at])
        text, column = hang + text[at + 1 :], 0
    out.append(text)
    return "\n".join(out)


def _hard_wrap(reference: str, sent: str, rng: random.Random) -> str | None:
    """The rest's long prose lines broken at spaces to 72 or 80 columns, list items and quotes with a hanging indent.

    Code blocks, headings, table rows and indented lines are left as they are; a break takes the place of one
    space, so joining the wrapped lines gives the rest back.  Cut mid-line, the model counts columns from its own
    output's start.
    """
    cut = len(sent)
    width = rng.choice([72, 80])
    code = _code_lines(reference)
    out = []
    for offset, line in _lines_from(reference, cut):
        part = line[cut - offset :] if offset < cut else line
        eol = "\r" if part.endswith("\r") else ""
        body = part[: len(part) - len(eol)]
        hang_m = _HANGING.match(line)
        prose = not (
            any(a <= offset < b for a, b in code)
            or _FENCE_LINE.match(line)
            or _NOT_PROSE.match(line)
            or (line[:1] in (" ", "\t") and hang_m is None)
        )
        if prose:
            hang = hang_m.group() if hang_m else ""
            hang = ">" + hang[hang.index(">") + 1 :] if ">" in hang else " " * len(hang.expandtabs(4))
            body = _wrap(body, 0, width, hang)
            body = body.replace("\n", eol + "\n")
        out.append(body + eol)
    result = "\n".join(out)
    return result if result != reference[cut:] else None


def _french_spacing(reference: str, sent: str, rng: random.Random) -> str | None:
    """The rest's ":", ";", "!" and "?" after a word set French-style, a no-break space before each ("Note\u00a0: …").

    Code blocks, inline code and links stay as they are.  Only where the answer has no such space of its own, so a
    reader can tell the model's spaces from the answer's.
    """
    cut = len(sent)
    if _FRENCH_SPACED.search(reference):
        return None
    colon, other = rng.choice([("\u00a0", "\u00a0"), ("\u00a0", "\u202f")])
    code = _code_lines(reference)
    edits = []
    for offset, line in _lines_from(reference, cut):
        if any(a <= offset < b for a, b in code):
            continue
        verbatim = [m.span() for m in _VERBATIM.finditer(line)]
        for m in _SPACED_MARK.finditer(line, max(cut - offset, 0)):
            if not any(a <= m.start() < b for a, b in verbatim):
                edits.append((offset + m.start(), colon if m.group() == ":" else other))
    if not edits:
        return None
    out, i = [], cut
    for at, space in edits:
        out += [reference[i:at], space]
        i = at
    out.append(reference[i:])
    return "".join(out)


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _to_html(text: str, bold: str) -> str:
    """Inline Markdown in `text` written as HTML tags, code escaped as HTML would need it."""

    def tag(m: re.Match[str]) -> str:
        if m.group("code") is not None:
            return f"<code>{_html_escape(m.group('code'))}</code>"
        if m.group("bold") is not None:
            return f"<{bold}>{_to_html(m.group('bold'), bold)}</{bold}>"
        if m.group("url") is not None:
            return f'<a href="{m.group("url")}">{_to_html(m.group("text"), bold)}</a>'
        return f"<em>{_to_html(m.group('em'), bold)}</em>"

    return _INLINE.sub(tag, text)


def _inline_html(reference: str, sent: str, rng: random.Random) -> str | None:
    """The rest's inline code, bold, links and emphasis as HTML: `<code>`, `<strong>` (or `<b>`), `<a>`, `<em>`.

    Code blocks stay Markdown, and a span the cut falls inside is finished in Markdown.  Only where the answer's
    prose has none of these tags itself.
    """
    cut = len(sent)
    code = _code_lines(reference)
    prose = [line for offset, line in _lines_from(reference, 0) if not any(a <= offset < b for a, b in code)]
    if any(_TAGS.search(line) for line in prose):
        return None
    bold = rng.choice(["strong", "b"])
    out = []
    for offset, line in _lines_from(reference, cut):
        part = line[cut - offset :] if offset < cut else line
        if any(a <= offset < b for a, b in code):
            out.append(part)
            continue
        # Spans are read from the line's start, so a span the cut is inside is not paired wrongly.
        pieces, i = [], max(cut - offset, 0)
        for m in _INLINE.finditer(line):
            if m.start() >= i:
                pieces += [line[i : m.start()], _to_html(m.group(), bold)]
                i = m.end()
            elif m.end() > i:
                pieces.append(line[i : m.end()])
                i = m.end()
        pieces.append(line[i:])
        out.append("".join(pieces))
    result = "\n".join(out)
    return result if result != reference[cut:] else None


def batch16_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fallback model's whole output for one of this batch's behaviours, or None where it does not apply.

    `rest_indented`: every line of the rest indented one level (four spaces, two, or a tab), as a model that takes
    the rest for part of a nested block.  `hard_wrap`: the rest's long prose lines broken at 72 or 80 columns, as
    a model trained on hard-wrapped text writes them.  `french_spacing`: a no-break space before each ":", ";",
    "!" and "?" of the rest's prose, as French typography sets them ("Attention\u00a0: …").  `inline_html`: the
    rest's inline Markdown written as HTML tags, "<strong>note</strong>" for "**note**", "<code>ls</code>" for
    "`ls`".
    """
    if behaviour not in BATCH16_BEHAVIOURS:
        raise ValueError(behaviour)
    if not reference[len(sent) :].strip():
        return None
    if behaviour == "rest_indented":
        return _rest_indented(reference, sent, rng)
    if behaviour == "hard_wrap":
        return _hard_wrap(reference, sent, rng)
    if behaviour == "french_spacing":
        return _french_spacing(reference, sent, rng)
    return _inline_html(reference, sent, rng)
