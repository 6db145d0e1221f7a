"""The eleventh held-out batch of the splice eval: fifteen answers and four fallback behaviours.

The answers are in kinds no earlier batch has (a Nix flake, Clojure, SPARQL, MATLAB, a Jinja template indented
with tabs, a commented .env file, an unfenced Gherkin feature, Yoruba with combining tone marks, Tibetan, Cantonese
with Jyutping, a Fountain screenplay, an e-mail thread with quoted replies, a Terraform plan, a proof in Unicode
symbols, a Portuguese contract with hard line breaks).  The behaviours are ways real models start a continuation
that no earlier batch simulates: a chat-template token leaked before the text, the rest wrapped in a code block,
the last words said again in other words, a first word capitalised as if a new message began.
"""

from __future__ import annotations

import random
import re

from .fences import fence_spans

__all__ = ["BATCH_11", "BATCH11_BEHAVIOURS", "batch11_output"]

#: The fallback behaviours written with this batch.
BATCH11_BEHAVIOURS = ["template_token", "fence_wrap", "near_echo", "capital_start"]

#: (start of turn, end of turn) control tokens of common chat templates, as a server that does not skip special
#: tokens streams them: ChatML (Qwen, Yi), Llama 3, Gemma, Mistral, DeepSeek, Phi-3.
_TEMPLATE_TOKENS = [
    ("<|im_start|>assistant\n", "<|im_end|>"),
    ("<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>"),
    ("<start_of_turn>model\n", "<end_of_turn>"),
    ("[/INST] ", "</s>"),
    ("<｜Assistant｜>", "<｜end▁of▁sentence｜>"),
    ("<|assistant|>\n", "<|end|>"),
]

#: Words a model says differently when it repeats the end of a sentence from memory, per language.
_REWORDINGS = {
    "en": {
        "every": "each",
        "each": "every",
        "large": "big",
        "big": "large",
        "can": "could",
        "will": "would",
        "may": "might",
        "might": "may",
        "shows": "displays",
        "show": "display",
        "runs": "executes",
        "get": "obtain",
        "need": "require",
        "needs": "requires",
        "about": "around",
        "before": "prior to",
        "starts": "begins",
        "because": "since",
        "though": "although",
        "almost": "nearly",
        "usually": "generally",
        "only": "just",
        "just": "only",
        "very": "really",
        "whether": "if",
        "into": "in",
        "don't": "do not",
        "doesn't": "does not",
        "isn't": "is not",
        "it's": "it is",
        "that's": "that is",
        "you'll": "you will",
        "can't": "cannot",
        "won't": "will not",
        "i'm": "I am",
        "you're": "you are",
        "there's": "there is",
        "didn't": "did not",
        "i've": "I have",
        "do not": "don't",
        "is not": "isn't",
        "it is": "it's",
        "you will": "you'll",
    },
    "de": {"auch": "ebenfalls", "oft": "häufig", "schnell": "rasch", "sehr": "besonders", "aber": "jedoch"},
    "fr": {"aussi": "également", "souvent": "fréquemment", "très": "vraiment", "mais": "cependant"},
    "es": {"también": "además", "muy": "bastante", "pero": "sin embargo", "rápido": "deprisa"},
    "pt": {
        "após": "depois de",
        "conforme": "de acordo com",
        "mediante": "por meio de",
        "sobre": "acerca de",
        "integral": "total",
        "valor": "montante",
        "quaisquer": "todas as",
        "presente": "referido",
    },
}

#: Articles a model leaves out when it repeats words from memory and no other rewording fits.
_ARTICLES = {
    "en": ("the", "a", "an"),
    "de": ("der", "die", "das", "den", "dem"),
    "fr": ("le", "la", "les"),
    "es": ("el", "la", "los", "las"),
    "pt": ("o", "a", "os", "as"),
}

#: (name, kind, text) of this batch's reference answers.
BATCH_11: list[tuple[str, str, str]] = [
    (
        "b11_nix_flake",
        "nix",
        (
            "Here's a minimal `flake.nix` that gives you a reproducible dev shell for a Python + "
            "PostgreSQL project, pinned to nixos-24.05:\n"
            "\n"
            "```nix\n"
            "{\n"
            '  description = "Dev shell for the inventory service";\n'
            "\n"
            "  inputs = {\n"
            '    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";\n'
            '    flake-utils.url = "github:numtide/flake-utils";\n'
            "  };\n"
            "\n"
            "  outputs = { self, nixpkgs, flake-utils }:\n"
            "    flake-utils.lib.eachDefaultSystem (system:\n"
            "      let\n"
            "        pkgs = import nixpkgs { inherit system; };\n"
            "        python = pkgs.python311.withPackages (ps: with ps; [\n"
            "          fastapi\n"
            "          uvicorn\n"
            "          psycopg\n"
            "          pytest\n"
            "        ]);\n"
            "      in\n"
            "      {\n"
            "        devShells.default = pkgs.mkShell {\n"
            "          packages = [\n"
            "            python\n"
            "            pkgs.postgresql_16\n"
            "            pkgs.just\n"
            "          ];\n"
            "\n"
            "          shellHook = ''\n"
            '            export PGDATA="$PWD/.pgdata"\n'
            '            if [ ! -d "$PGDATA" ]; then\n'
            "              initdb --auth=trust --no-locale --encoding=UTF8 >/dev/null\n"
            "            fi\n"
            '            echo "Python: $(python --version), Postgres: $(postgres --version)"\n'
            "          '';\n"
            "        };\n"
            "\n"
            "        formatter = pkgs.nixpkgs-fmt;\n"
            "      });\n"
            "}\n"
            "```\n"
            "\n"
            "A few things worth knowing:\n"
            "\n"
            "1. **`inherit system;`** is shorthand for `system = system;`: attribute sets don't "
            "capture variables from the enclosing scope implicitly.\n"
            "2. The `''…''` string is an *indented string*: Nix strips the common leading whitespace, "
            "so the shell script runs with normal indentation. Inside it, `${...}` is still Nix "
            "interpolation; write a literal dollar-brace as `''${`.\n"
            "3. `withPackages` builds a single Python environment, so `import fastapi` works without a "
            "virtualenv.\n"
            "\n"
            "Enter the shell with:\n"
            "\n"
            "```console\n"
            "$ nix develop\n"
            "Python: Python 3.11.9, Postgres: postgres (PostgreSQL) 16.3\n"
            "```\n"
            "\n"
            "If you use direnv, add a one-line `.envrc` containing `use flake` and run `direnv allow` "
            "once; the shell then loads whenever you `cd` into the project. Run `nix flake update` "
            "when you want newer packages — it rewrites `flake.lock`, which you should commit."
        ),
    ),
    (
        "b11_clojure_wordfreq",
        "clojure",
        (
            "In Clojure, `reduce` with a map as the accumulator is the idiomatic way to group and "
            "count. Here's a word-frequency function and a small pipeline that reads a file, "
            "normalises the words and prints the top ten:\n"
            "\n"
            "```clojure\n"
            "(ns wordfreq.core\n"
            "  (:require [clojure.java.io :as io]\n"
            "            [clojure.string :as str]))\n"
            "\n"
            "(defn tokenize\n"
            '  "Lower-cases `line` and splits it into words, dropping punctuation."\n'
            "  [line]\n"
            '  (->> (str/split (str/lower-case line) #"[^\\p{L}\\p{N}\']+")\n'
            "       (remove str/blank?)))\n"
            "\n"
            "(defn frequencies-of\n"
            "  [words]\n"
            "  (reduce (fn [acc w] (update acc w (fnil inc 0)))\n"
            "          {}\n"
            "          words))\n"
            "\n"
            "(defn top-n\n"
            "  [n freqs]\n"
            "  (->> freqs\n"
            "       (sort-by val >)\n"
            "       (take n)))\n"
            "\n"
            "(defn -main [& [path]]\n"
            '  (with-open [rdr (io/reader (or path "corpus.txt"))]\n'
            "    (let [freqs (->> (line-seq rdr)\n"
            "                     (mapcat tokenize)\n"
            "                     frequencies-of)]\n"
            "      (doseq [[word n] (top-n 10 freqs)]\n"
            '        (printf "%-15s %6d%n" word n))\n'
            "      (flush))))\n"
            "```\n"
            "\n"
            "Why it is written this way:\n"
            "\n"
            "- `fnil` wraps `inc` so that a missing key starts at `0` instead of throwing a "
            "`NullPointerException`.\n"
            "- `->>` threads the collection in as the *last* argument, which matches the sequence "
            "functions (`map`, `remove`, `sort-by`); `->` would thread it in first.\n"
            "- `with-open` closes the reader even if an exception escapes, and everything that "
            "consumes `line-seq` has to happen inside it, because the sequence is lazy.\n"
            "\n"
            "In practice you could replace `frequencies-of` with the built-in `frequencies`: it does "
            "exactly the same thing with a transient map, so it's faster on large inputs. Run it with "
            "`clj -M -m wordfreq.core moby-dick.txt`."
        ),
    ),
    (
        "b11_sparql_nobel",
        "sparql",
        (
            "You can get this from the Wikidata Query Service. The query below lists Nobel laureates "
            "in Physics born in the 20th century, with their birthplace and the year of the prize, newest first:\n"
            "\n"
            "```sparql\n"
            "PREFIX wd: <http://www.wikidata.org/entity/>\n"
            "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
            "PREFIX p: <http://www.wikidata.org/prop/>\n"
            "PREFIX ps: <http://www.wikidata.org/prop/statement/>\n"
            "PREFIX pq: <http://www.wikidata.org/prop/qualifier/>\n"
            "\n"
            "SELECT ?laureate ?laureateLabel ?birthplaceLabel (YEAR(?awarded) AS ?year)\n"
            "WHERE {\n"
            "  ?laureate p:P166 ?award .\n"
            "  ?award ps:P166 wd:Q38104 ;          # Nobel Prize in Physics\n"
            "         pq:P585 ?awarded .           # point in time\n"
            "  ?laureate wdt:P569 ?born ;\n"
            "            wdt:P19 ?birthplace .\n"
            "  FILTER(YEAR(?born) >= 1900 && YEAR(?born) < 2000)\n"
            '  SERVICE wikibase:label { bd:serviceParam wikibase:language "en". }\n'
            "}\n"
            "ORDER BY DESC(?year) ?laureateLabel\n"
            "LIMIT 200\n"
            "```\n"
            "\n"
            "How it works:\n"
            "\n"
            "1. The prize is stored as a *statement* (`p:P166`) rather than a direct triple, because "
            "the year lives in a qualifier (`pq:P585`). A plain `wdt:P166` would give you the prize "
            "but not when it was awarded.\n"
            "2. A `;` repeats the subject, so `?award ps:P166 wd:Q38104 ; pq:P585 ?awarded .` is two "
            "triples about `?award`.\n"
            "3. The label service fills in every `?xLabel` variable for you; without it you'd only see "
            "IDs like `Q937`.\n"
            "\n"
            "On the public endpoint (https://query.wikidata.org/sparql) the `wd:`, `wdt:` and `p:` "
            "prefixes are predefined, so you can drop the PREFIX lines there. If the query times out, "
            "leave out the birthplace (it is the most expensive join) or add `LIMIT 50` while you experiment."
        ),
    ),
    (
        "b11_matlab_filter",
        "matlab",
        (
            "Here's a script that loads the sensor CSV, low-pass filters the signal and plots raw "
            "against filtered. It needs the Signal Processing Toolbox for `butter` and `filtfilt`:\n"
            "\n"
            "```matlab\n"
            "%% Load and clean the data\n"
            "T = readtable('sensor_log.csv');\n"
            "T = rmmissing(T);                       % drop rows with NaN readings\n"
            "t = seconds(T.Timestamp - T.Timestamp(1));\n"
            "x = T.Acceleration;\n"
            "\n"
            "fs = 1 / median(diff(t));               % sampling rate in Hz\n"
            "fprintf('Sampling rate: %.1f Hz, %d samples\\n', fs, numel(x));\n"
            "\n"
            "%% Design a 4th-order Butterworth low-pass filter\n"
            "fc = 5;                                 % cut-off frequency in Hz\n"
            "[b, a] = butter(4, fc / (fs/2), 'low');\n"
            "y = filtfilt(b, a, x);                  % zero-phase: no time shift\n"
            "\n"
            "%% Plot\n"
            "figure('Name', 'Accelerometer');\n"
            "plot(t, x, 'Color', [0.7 0.7 0.7]); hold on;\n"
            "plot(t, y, 'b', 'LineWidth', 1.5);\n"
            "xlabel('Time (s)'); ylabel('Acceleration (m/s^2)');\n"
            "legend('raw', sprintf('filtered (%g Hz)', fc));\n"
            "grid on;\n"
            "\n"
            "%% Summary statistics\n"
            "rmsNoise = rms(x - y);\n"
            "fprintf('RMS of removed noise: %.3f m/s^2\\n', rmsNoise);\n"
            "```\n"
            "\n"
            "Notes:\n"
            "\n"
            "- `fc / (fs/2)` normalises the cut-off to the Nyquist frequency, which is what `butter` "
            "expects (a value between 0 and 1).\n"
            "- `filtfilt` runs the filter forwards and then backwards, so the output isn't delayed, "
            "but the effective order doubles to 8.\n"
            "- Indexing is 1-based and `T.Timestamp(1)` is the first row; `end` works too, e.g. "
            "`x(end-99:end)` for the last 100 samples.\n"
            "- The `%%` lines split the script into sections you can run one at a time with Ctrl+Enter.\n"
            "\n"
            "If `Timestamp` was read as text rather than as a `datetime`, convert it first with "
            "`T.Timestamp = datetime(T.Timestamp, 'InputFormat', 'yyyy-MM-dd HH:mm:ss.SSS');`."
        ),
    ),
    (
        "b11_jinja_orders",
        "jinja",
        (
            "Here is a base layout and a child template for Flask using Jinja2 inheritance. The child "
            "fills the `content` block and loops over the orders passed in from the view:\n"
            "\n"
            "```jinja\n"
            "{# templates/base.html #}\n"
            "<!doctype html>\n"
            '<html lang="en">\n'
            "<head>\n"
            '\t<meta charset="utf-8">\n'
            "\t<title>{% block title %}Shop{% endblock %} · Admin</title>\n"
            "\t<link rel=\"stylesheet\" href=\"{{ url_for('static', filename='admin.css') }}\">\n"
            "</head>\n"
            "<body>\n"
            "\t{% with messages = get_flashed_messages(with_categories=true) %}\n"
            "\t\t{% for category, message in messages %}\n"
            '\t\t\t<div class="flash flash-{{ category }}">{{ message }}</div>\n'
            "\t\t{% endfor %}\n"
            "\t{% endwith %}\n"
            "\t<main>{% block content %}{% endblock %}</main>\n"
            "</body>\n"
            "</html>\n"
            "```\n"
            "\n"
            "```jinja\n"
            "{# templates/orders.html #}\n"
            '{% extends "base.html" %}\n'
            "{% block title %}Orders ({{ orders|length }}){% endblock %}\n"
            "\n"
            "{% block content %}\n"
            '\t<table class="orders">\n'
            "\t\t<tr><th>#</th><th>Customer</th><th>Total</th><th>Status</th></tr>\n"
            "\t\t{% for order in orders %}\n"
            "\t\t\t<tr class=\"{{ loop.cycle('odd', 'even') }}\">\n"
            "\t\t\t\t<td>{{ order.id }}</td>\n"
            "\t\t\t\t<td>{{ order.customer.name|e }}</td>\n"
            '\t\t\t\t<td>{{ "%.2f"|format(order.total) }} €</td>\n'
            "\t\t\t\t<td>{% if order.shipped %}✅ shipped{% else %}⏳ pending{% endif %}</td>\n"
            "\t\t\t</tr>\n"
            "\t\t{% else %}\n"
            '\t\t\t<tr><td colspan="4">No orders yet.</td></tr>\n'
            "\t\t{% endfor %}\n"
            "\t</table>\n"
            "{% endblock %}\n"
            "```\n"
            "\n"
            "A few details:\n"
            "\n"
            "- `{% for %}…{% else %}` renders the `else` branch when the list is empty, so you don't "
            "need a separate `if`.\n"
            "- `loop.cycle('odd', 'even')` alternates the row class; `loop.index` gives a 1-based "
            "counter if you want to show one.\n"
            "- Flask turns on autoescaping for `.html` templates, so `|e` is redundant there, but it "
            "does no harm and documents the intent.\n"
            "- `{# … #}` is a comment and never reaches the browser, unlike `<!-- … -->`.\n"
            "\n"
            'Render it from the view with `return render_template("orders.html", orders=orders)`.'
        ),
    ),
    (
        "b11_dotenv_example",
        "dotenv",
        (
            "Here's a commented `.env.example` you can commit, with the real `.env` git-ignored. Most "
            "loaders (python-dotenv, dotenv for Node, Docker Compose) read the same syntax:\n"
            "\n"
            "```dotenv\n"
            "# ─── Application ─────────────────────────────\n"
            "APP_ENV=development          # development | staging | production\n"
            "APP_PORT=8000\n"
            "APP_SECRET_KEY=change-me     # generate with: openssl rand -hex 32\n"
            "LOG_LEVEL=info\n"
            "\n"
            "# ─── Database ────────────────────────────────\n"
            "DB_HOST=localhost\n"
            "DB_PORT=5432\n"
            "DB_NAME=shop\n"
            "DB_USER=shop\n"
            "DB_PASSWORD=\n"
            "DATABASE_URL=postgresql://${DB_USER}:${DB_PASSWORD}@${DB_HOST}:${DB_PORT}/${DB_NAME}\n"
            "\n"
            "# ─── Third-party services ────────────────────\n"
            "STRIPE_API_KEY=sk_test_replace_me\n"
            'SMTP_URL="smtp://mailer:secret@smtp.example.com:587"\n'
            "SENTRY_DSN=\n"
            "\n"
            "# Values with spaces or a # need quotes:\n"
            'GREETING="Hello, world # not a comment"\n'
            "# Multi-line values only work in double quotes:\n"
            'PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg...\\n-----END PRIVATE KEY-----"\n'
            "```\n"
            "\n"
            "Some gotchas:\n"
            "\n"
            "- **Inline comments** after an unquoted value are stripped by python-dotenv and Compose, "
            "but not by every loader: older versions of `dotenv` for Node kept `# development | …` as "
            "part of the value. If in doubt, put comments on their own line.\n"
            "- **Interpolation** (`${DB_USER}`) is supported by python-dotenv and Compose; plain "
            "`dotenv` in Node needs `dotenv-expand` for it.\n"
            "- An empty value (`DB_PASSWORD=`) sets the variable to an empty string; leaving the line "
            'out leaves it unset, and `os.getenv("DB_PASSWORD", "x")` then returns `"x"`.\n'
            "- Don't put spaces around `=`: `APP_PORT = 8000` works in some parsers and silently fails in others.\n"
            "\n"
            "Add `.env` to `.gitignore` and keep `.env.example` in sync whenever you add a variable. A "
            "CI step that compares the two sets of keys catches most mistakes."
        ),
    ),
    (
        "b11_gherkin_discounts",
        "gherkin",
        (
            "Sure — here's a feature file for the checkout discount rules. Save it as "
            "features/checkout_discounts.feature:\n"
            "\n"
            "Feature: Discount codes at checkout\n"
            "  As a returning customer\n"
            "  I want to apply a discount code to my basket\n"
            "  So that I pay the promotional price\n"
            "\n"
            "  Background:\n"
            "    Given the following products exist:\n"
            "      | sku     | name             | price |\n"
            "      | MUG-01  | Enamel mug       | 12.00 |\n"
            "      | TEE-BLK | Black T-shirt, M | 24.50 |\n"
            "      | CAP-07  | Canvas cap       | 18.00 |\n"
            '    And I am signed in as "maria@example.com"\n'
            "\n"
            "  Scenario: A percentage code reduces the subtotal\n"
            '    Given my basket contains 2 "MUG-01" and 1 "TEE-BLK"\n'
            '    When I apply the discount code "SPRING15"\n'
            "    Then the subtotal should be 48.50\n"
            "    And the discount should be 7.28\n"
            "    And the total should be 41.22\n"
            "\n"
            "  Scenario: An expired code is rejected\n"
            '    Given the discount code "WINTER10" expired on 2024-02-29\n'
            '    When I apply the discount code "WINTER10"\n'
            '    Then I should see the error "This code has expired"\n'
            "    And no discount should be applied\n"
            "\n"
            "  Scenario Outline: Minimum basket value\n"
            "    Given my basket is worth <value>\n"
            '    When I apply the discount code "<code>"\n'
            "    Then the code should be <result>\n"
            "\n"
            "    Examples:\n"
            "      | value  | code     | result   |\n"
            "      | 29.99  | TAKE5    | rejected |\n"
            "      | 30.00  | TAKE5    | accepted |\n"
            "      | 150.00 | BIGSPEND | accepted |\n"
            "\n"
            "Notes on the structure:\n"
            "\n"
            "- The Background runs before every scenario, so each one starts from the same catalogue "
            "and a signed-in user.\n"
            "- Data tables (the rows between pipes) are passed to the step definition as a table "
            "object; in Cucumber-JVM that's a DataTable, in behave it's context.table.\n"
            "- The Scenario Outline runs once per row of Examples, substituting <value>, <code> and <result>.\n"
            '- Keep steps declarative ("I apply the discount code") rather than describing clicks; the '
            "step definitions can then drive the UI or the API without the feature changing.\n"
            "\n"
            "Check the arithmetic in the first scenario: 2 × 12.00 + 24.50 = 48.50, and 15% of that is "
            "7.275, which rounds to 7.28 with half-up rounding. Make sure your implementation agrees, "
            "or write down the value your business actually wants."
        ),
    ),
    (
        "b11_yoruba_greetings",
        "yoruba",
        (
            "Here are the everyday Yoruba greetings, with tone marks. Yoruba is tonal: an acute accent "
            "(á) marks a high tone, a grave accent (à) a low tone, and an unmarked vowel is mid. The "
            'dot under ẹ, ọ and ṣ is part of the letter, not a tone: ẹ is an open "e" as in "bet", ọ '
            'an open "o" as in "caught", and ṣ sounds like "sh".\n'
            "\n"
            "**Time of day**\n"
            "\n"
            "- Ẹ kú àárọ̀ — good morning (to an elder, or to several people)\n"
            "- Ẹ kú ọ̀sán — good afternoon\n"
            "- Ẹ kú ìrọ̀lẹ́ — good evening (early evening)\n"
            "- Ẹ kú alẹ́ — good evening (late)\n"
            '- Ó dàárọ̀ — good night (literally "until morning")\n'
            "\n"
            "**Everyday phrases**\n"
            "\n"
            "- Báwo ni? — How are you? / How is it going?\n"
            "- Dáadáa ni — I'm fine\n"
            "- Ẹ ṣé — thank you (respectful); O ṣé to a friend or a child\n"
            "- Ẹ jọ̀ọ́ — please\n"
            "- Ẹ káàbọ̀ — welcome\n"
            "- Ó dàbọ̀ — goodbye\n"
            "- Orúkọ mi ni Adéwálé — my name is Adéwálé\n"
            "\n"
            'The "Ẹ" at the start of a greeting is the respectful plural "you". Using "O" instead (O '
            "kú àárọ̀) is fine between friends of the same age, but to a parent, an older colleague or "
            "a stranger it sounds rude.\n"
            "\n"
            'Greetings also do social work beyond "hello". Yoruba has a "kú" greeting for almost any '
            "situation: Ẹ kú iṣẹ́ (well done on your work), Ẹ kú ọdún (season's greetings, at "
            "festivals), Ẹ kú ìnáwó (to the hosts of a celebration) and Ẹ kú ìjókòó (to someone who "
            "has been sitting for a long time).\n"
            "\n"
            "A short paragraph to practise reading aloud:\n"
            "\n"
            "> Nínú àṣà Yorùbá, ìkíni ṣe pàtàkì gan-an. Ọmọdé máa ń dọ̀bálẹ̀ tàbí kúnlẹ̀ láti kí àgbà, "
            'wọ́n sì máa ń sọ pé "Ẹ kú àárọ̀, mà" tàbí "Ẹ kú àárọ̀, sà".\n'
            "\n"
            "(In Yoruba culture, greeting is very important. Children prostrate or kneel to greet "
            'their elders, and they say "Good morning, ma\'am" or "Good morning, sir".)\n'
            "\n"
            "When typing, note that letters like ẹ̀ and ọ́ have no single precomposed Unicode "
            "character: they are ẹ or ọ followed by a combining accent, which is why some keyboards "
            "and fonts place the accent oddly."
        ),
    ),
    (
        "b11_tibetan_losar",
        "tibetan",
        (
            "Here are some common Tibetan phrases for Losar (ལོ་གསར།, the Tibetan New Year), in "
            "Tibetan script with a rough pronunciation in brackets. Tibetan separates syllables with a "
            "small dot called a tsheg (་) and ends a clause with a vertical stroke called a shad (།); "
            "there are no spaces between words.\n"
            "\n"
            "**Greetings**\n"
            "\n"
            "- བཀྲ་ཤིས་བདེ་ལེགས། (tashi delek) — hello; good luck\n"
            "- ལོ་གསར་ལ་བཀྲ་ཤིས་བདེ་ལེགས། (losar la tashi delek) — Happy New Year\n"
            "- ཁྱེད་རང་སྐུ་གཟུགས་བདེ་པོ་ཡིན་པས། (khyerang kuzuk depo yinpe?) — how are you?\n"
            "- ང་བདེ་པོ་ཡིན། (nga depo yin) — I'm fine\n"
            "- ཐུགས་རྗེ་ཆེ། (thukje che) — thank you\n"
            "- དགོངས་དག (gongda) — sorry, excuse me\n"
            "- ག་ལེ་ཕེབས། (kale phe) — goodbye, to someone who is leaving\n"
            "- ག་ལེ་བཞུགས། (kale shu) — goodbye, to someone who is staying\n"
            "\n"
            "**A short passage**\n"
            "\n"
            "ལོ་གསར་ནི་བོད་ཀྱི་དུས་ཆེན་གལ་ཆེན་ཤོས་ཤིག་རེད། "
            "ལོ་གསར་གྱི་སྔོན་ལ་ཁྱིམ་ཚང་ཚོས་ཁང་པ་གཙང་མ་བཟོ་གི་ཡོད། དགུ་ཐུག་ཟ་གི་ཡོད། "
            "ལོ་གསར་ཉིན་མོ་ཨ་མས་ཁ་ཟས་ཡག་པོ་བཟོ་གི་ཡོད། "
            "ང་ཚོས་ཕྱི་ལོགས་ལ་དར་ལྕོག་བཙུགས་ནས་གཉེན་ཉེ་ཚོར་བཀྲ་ཤིས་བདེ་ལེགས་ཞུ་གི་ཡོད།\n"
            "\n"
            'Translation: "Losar is one of the most important Tibetan festivals. Before Losar, '
            "families clean their houses. They eat guthuk (a noodle soup). On the day of Losar, "
            'mothers cook good food. We put up prayer flags outside and wish our relatives tashi delek."\n'
            "\n"
            "**Notes on the script**\n"
            "\n"
            "- Letters stack vertically: in བཀྲ the ར is written as a small subscript under ཀ (ྲ), and "
            "in སྐུ the ཀ sits under the ས.\n"
            '- Vowels other than "a" are marks above or below the letter: ི (i), ུ (u), ེ (e), ོ (o).\n'
            "- After a syllable that ends in ག the shad is usually left out, as in དགོངས་དག.\n"
            "\n"
            "Pronunciation differs a lot from spelling, because the spelling preserves the language as "
            'it was spoken more than a thousand years ago: བཀྲ་ཤིས་ is spelled bkra shis but said "tashi".'
        ),
    ),
    (
        "b11_cantonese_dimsum",
        "cantonese-jyutping",
        (
            'Here\'s a cheat sheet for ordering at dim sum (飲茶 jam2 caa4, "drinking tea") in Hong Kong, '
            "with Jyutping romanisation. The number after each syllable is its tone:\n"
            "\n"
            "| Tone | Contour | Example |\n"
            "|:----:|:--------|:--------|\n"
            '| 1 | high level (55) | 詩 si1 "poem" |\n'
            '| 2 | high rising (35) | 史 si2 "history" |\n'
            '| 3 | mid level (33) | 試 si3 "try" |\n'
            '| 4 | low falling (21) | 時 si4 "time" |\n'
            '| 5 | low rising (23) | 市 si5 "market" |\n'
            '| 6 | low level (22) | 事 si6 "matter" |\n'
            "\n"
            "**At the table**\n"
            "\n"
            "- 唔該，兩位。 m4 goi1, loeng5 wai2. — A table for two, please.\n"
            "- 飲咩茶？ jam2 me1 caa4? — What tea would you like?\n"
            "- 普洱，唔該。 pou2 nei2, m4 goi1. — Pu'er, please.\n"
            "- 我想要一籠蝦餃。 ngo5 soeng2 jiu3 jat1 lung4 haa1 gaau2. — I'd like a basket of shrimp dumplings.\n"
            "- 唔該加水。 m4 goi1 gaa1 seoi2. — More hot water for the pot, please.\n"
            "- 埋單！ maai4 daan1! — The bill, please!\n"
            "\n"
            "**Dishes**\n"
            "\n"
            "- 蝦餃 haa1 gaau2 — shrimp dumplings\n"
            "- 燒賣 siu1 maai2 — pork and shrimp siu mai\n"
            "- 叉燒包 caa1 siu1 baau1 — barbecued pork buns\n"
            "- 腸粉 coeng4 fan2 — steamed rice noodle rolls\n"
            '- 鳳爪 fung6 zaau2 — chicken feet ("phoenix claws")\n'
            "- 蛋撻 daan6 taat1 — egg tarts\n"
            "\n"
            'Two words for "thank you" trip up learners. 唔該 (m4 goi1) is for a service: someone pours '
            "your tea or passes the soy sauce. 多謝 (do1 ze6) is for a gift or a compliment. Saying 多謝 "
            "to the waiter isn't wrong, just a little formal.\n"
            "\n"
            "If you want more water in the teapot, don't call the staff: leave the lid resting open on "
            "the pot and someone will refill it. And when someone pours tea for you, tap two fingers "
            "on the table, a silent 多謝."
        ),
    ),
    (
        "b11_screenplay_ferry",
        "screenplay",
        (
            "Here's the opening scene in Fountain format, so you can paste it straight into Highland, "
            "Slugline or Fade In and get standard screenplay layout:\n"
            "\n"
            "```fountain\n"
            "Title: The Night Ferry\n"
            "Credit: Written by\n"
            "Author: J. Okafor\n"
            "Draft date: 14 March 2025\n"
            "\n"
            "FADE IN:\n"
            "\n"
            "EXT. HARBOUR TERMINAL - NIGHT\n"
            "\n"
            "Rain hammers the corrugated roof. A single ferry, the MARGARETHE, idles at the pier, its "
            "deck lights smeared by the downpour.\n"
            "\n"
            "NADIA (40s, soaked trench coat, a courier's satchel strapped across her chest) runs along "
            "the quay and stops at the ticket window.\n"
            "\n"
            "NADIA\n"
            "One for the crossing. Please.\n"
            "\n"
            "The CLERK (60s) doesn't look up from his crossword.\n"
            "\n"
            "CLERK\n"
            "Last sailing left at eleven.\n"
            "\n"
            "NADIA\n"
            "(pointing)\n"
            "Then what's that?\n"
            "\n"
            "She nods at the ferry. The clerk finally raises his eyes, follows her gaze, and frowns.\n"
            "\n"
            "CLERK\n"
            "That one doesn't take passengers.\n"
            "\n"
            "NADIA\n"
            "It does tonight.\n"
            "\n"
            "She slides an envelope under the glass. He weighs it in his palm without opening it.\n"
            "\n"
            "CLERK\n"
            "(quietly)\n"
            "Gate four. Don't speak to the crew.\n"
            "\n"
            "INT. FERRY - CAR DECK - MOMENTS LATER\n"
            "\n"
            "Empty except for a black van with diplomatic plates. Nadia moves past it, slows, and lays "
            "her hand flat on the bonnet. Still warm.\n"
            "\n"
            "> CUT TO:\n"
            "```\n"
            "\n"
            "How Fountain reads this:\n"
            "\n"
            "- A line in capitals starting with INT. or EXT. becomes a scene heading.\n"
            "- A line in capitals followed by dialogue is a character cue; a line in parentheses right "
            "under it is a parenthetical.\n"
            "- `> CUT TO:` is set right-aligned as a transition, and the `Title:` and `Author:` lines "
            "at the top make the title page.\n"
            "- Everything else is action. Keep it in the present tense and in short paragraphs: "
            "roughly one page per minute of screen time."
        ),
    ),
    (
        "b11_email_thread_forecast",
        "email-thread",
        (
            "Here's a reply you could send. I've left the earlier messages quoted underneath, the way "
            "most mail clients do when you hit Reply:\n"
            "\n"
            "Hi Tomasz,\n"
            "\n"
            "Thanks for pulling the numbers together so quickly. Friday works for the review, but can "
            "we make it 14:00 instead of 10:00? I'm on the supplier call until noon.\n"
            "\n"
            "On the budget question: yes, please assume the 8% surcharge for now. Finance will confirm "
            "on Wednesday, and if it changes I'll update the sheet myself.\n"
            "\n"
            "Best regards,\n"
            "Elena\n"
            "\n"
            "-- \n"
            "Elena Marković\n"
            "Head of Operations, Nordlicht Logistics\n"
            "+49 30 1234 5678\n"
            "\n"
            "On Mon, 3 Mar 2025 at 16:42, Tomasz Wiśniewski <t.wisniewski@nordlicht.example> wrote:\n"
            "> Hi Elena,\n"
            ">\n"
            "> I've attached the Q1 forecast. Two things need a decision before Friday:\n"
            ">\n"
            "> 1. Whether we budget for the 8% carrier surcharge or the 5% Kasia mentioned.\n"
            "> 2. Who owns the warehouse lease renewal now that Jonas has left.\n"
            ">\n"
            "> Can we go through it on Friday at 10:00?\n"
            ">\n"
            "> Tomasz\n"
            ">\n"
            "> On Fri, 28 Feb 2025 at 09:15, Elena Marković <e.markovic@nordlicht.example> wrote:\n"
            "> > Tomasz, could you put together the Q1 forecast including the carrier\n"
            "> > surcharges? I'd like to review it before the board pack goes out on\n"
            "> > the 12th.\n"
            "> >\n"
            "> > Thanks,\n"
            "> > Elena\n"
            "\n"
            "A few notes on the etiquette:\n"
            "\n"
            '- Replying above the quote ("top-posting") is the norm in most companies; answering '
            "inline, under each quoted point, works better when someone asks several questions at once.\n"
            "- The `-- ` line (dash, dash, space) is the standard signature separator: mail clients "
            "use it to hide or strip the signature when someone replies to you.\n"
            "- Trim quoted history that is no longer relevant. I've kept both messages here because "
            "the 8% figure comes from the first one."
        ),
    ),
    (
        "b11_terraform_plan",
        "terraform-plan",
        (
            "Here's what `terraform plan` printed after changing the instance type and adding the "
            "bucket policy, with notes on what each symbol means below:\n"
            "\n"
            "```text\n"
            "Terraform used the selected providers to generate the following execution plan. Resource "
            "actions are indicated with the following symbols:\n"
            "  + create\n"
            "-/+ destroy and then create replacement\n"
            "\n"
            "Terraform will perform the following actions:\n"
            "\n"
            "  # aws_instance.web must be replaced\n"
            '-/+ resource "aws_instance" "web" {\n'
            '      ~ arn                          = "arn:aws:ec2:eu-central-1:123456789012:instance/i-0'
            'a1b2c3d4e5f67890" -> (known after apply)\n'
            '      ~ id                           = "i-0a1b2c3d4e5f67890" -> (known after apply)\n'
            '      ~ instance_type                = "t3.small" -> "t3.medium"\n'
            '      ~ private_ip                   = "10.0.1.24" -> (known after apply)\n'
            '      ~ public_ip                    = "3.121.45.67" -> (known after apply)\n'
            '      ~ user_data                    = "9f2c1e0b7d3a4f5e6a7b8c9d0e1f2a3b4c5d6e7f" -> '
            '"0d4e8f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e" # forces replacement\n'
            "        tags                         = {\n"
            '            "Name" = "web-prod"\n'
            "        }\n"
            "        # (18 unchanged attributes hidden)\n"
            "    }\n"
            "\n"
            "  # aws_s3_bucket_policy.assets will be created\n"
            '  + resource "aws_s3_bucket_policy" "assets" {\n'
            '      + bucket = "acme-prod-assets"\n'
            "      + id     = (known after apply)\n"
            "      + policy = jsonencode(\n"
            "            {\n"
            "              + Statement = [\n"
            "                  + {\n"
            '                      + Action    = "s3:GetObject"\n'
            '                      + Effect    = "Allow"\n'
            '                      + Principal = "*"\n'
            '                      + Resource  = "arn:aws:s3:::acme-prod-assets/public/*"\n'
            "                    },\n"
            "                ]\n"
            '              + Version   = "2012-10-17"\n'
            "            }\n"
            "        )\n"
            "    }\n"
            "\n"
            "Plan: 2 to add, 0 to change, 1 to destroy.\n"
            "```\n"
            "\n"
            "What to look for:\n"
            "\n"
            "- **`-/+`** means the instance is destroyed and recreated, not resized in place. That's "
            "because `user_data` changed, which is marked `# forces replacement`; the new instance "
            "type alone would have been an in-place `~` update with a stop and start.\n"
            "- **`(known after apply)`** values such as the new IP can't be predicted, so anything "
            "that depends on `public_ip` (a DNS record, say) will change too.\n"
            "- The summary says 2 to add and 1 to destroy: the replacement counts as both.\n"
            "\n"
            "If you can't afford the downtime, apply the `user_data` change separately or add "
            "`lifecycle { create_before_destroy = true }` to the instance."
        ),
    ),
    (
        "b11_unicode_proof_sqrt2",
        "unicode-proof",
        (
            "Here's a proof that √2 is irrational, written with Unicode symbols rather than LaTeX so "
            "that it reads well as plain text:\n"
            "\n"
            "**Claim.** There are no integers p, q with q ≠ 0 such that (p/q)² = 2.\n"
            "\n"
            "**Proof.** Suppose, for contradiction, that ∃ p, q ∈ ℤ, q ≠ 0, with (p/q)² = 2. Dividing "
            "both by gcd(p, q), we may assume gcd(p, q) = 1.\n"
            "\n"
            "1. From (p/q)² = 2 we get p² = 2q², so 2 ∣ p².\n"
            "2. If p were odd, then p = 2k + 1 for some k ∈ ℤ, and p² = 4k² + 4k + 1 ≡ 1 (mod 2), a "
            "contradiction. Hence p is even: p = 2m with m ∈ ℤ.\n"
            "3. Substituting, 4m² = 2q², i.e. q² = 2m², so 2 ∣ q² and, by the argument of step 2, 2 ∣ q.\n"
            "4. Then 2 ∣ gcd(p, q) = 1, which is false. ⊥\n"
            "\n"
            "Therefore ¬∃ p, q ∈ ℤ (q ≠ 0 ∧ p² = 2q²), i.e. √2 ∉ ℚ. ∎\n"
            "\n"
            "**The same idea, generalised.** For any n ∈ ℕ that is not a perfect square, √n ∉ ℚ. "
            "Sketch: if √n = p/q in lowest terms, then p² = n·q². For every prime r, the exponent of r "
            "in p² and in q² is even, so v_r(n) = v_r(p²) − v_r(q²) ≡ 0 (mod 2) for all r ⇒ n is a "
            "perfect square. Contrapositive: n not a square ⇒ √n irrational.\n"
            "\n"
            "A few notes on the notation:\n"
            "\n"
            '- ∣ (U+2223, "divides") is not the ASCII vertical bar; some fonts make the two look alike.\n'
            "- ≡ … (mod 2) is congruence; ⊥ marks the contradiction and ∎ the end of the proof.\n"
            "- v_r(n) is the r-adic valuation: the largest e ∈ ℕ₀ with rᵉ ∣ n.\n"
            "\n"
            "If you need this in a paper, the LaTeX equivalents are \\mid, \\equiv, \\pmod{2}, \\bot and "
            "\\blacksquare (or amsthm's proof environment, which adds the ∎ for you)."
        ),
    ),
    (
        "b11_pt_contrato",
        "portuguese-contract",
        (
            "Segue uma minuta de contrato de prestação de serviços de desenvolvimento de software, com "
            "base no Código Civil brasileiro. Revise-a com um advogado antes de assinar.\n"
            "\n"
            "# CONTRATO DE PRESTAÇÃO DE SERVIÇOS\n"
            "\n"
            "**CONTRATANTE:** Padaria Pão Dourado Ltda., pessoa jurídica de direito privado, inscrita "
            "no CNPJ sob o nº 12.345.678/0001-90, com sede na Rua das Acácias, 250, Curitiba/PR.  \n"
            "**CONTRATADA:** Joana Ribeiro Desenvolvimento de Sistemas ME, inscrita no CNPJ sob o nº "
            "98.765.432/0001-10, com sede na Av. Sete de Setembro, 1.480, sala 12, Curitiba/PR.\n"
            "\n"
            "As partes acima identificadas têm, entre si, justo e acertado o presente contrato, que se "
            "regerá pelas cláusulas seguintes.\n"
            "\n"
            "## Cláusula 1ª – Do objeto\n"
            "\n"
            "O presente contrato tem como objeto o desenvolvimento, pela CONTRATADA, de um sistema web "
            "de encomendas on-line, conforme a especificação constante do Anexo I, que é parte "
            "integrante deste instrumento.\n"
            "\n"
            "## Cláusula 2ª – Do prazo\n"
            "\n"
            "Os serviços serão executados no prazo de 90 (noventa) dias corridos, contados da "
            "assinatura deste contrato, podendo ser prorrogado mediante termo aditivo.\n"
            "\n"
            "## Cláusula 3ª – Do preço e da forma de pagamento\n"
            "\n"
            "Pelos serviços, a CONTRATANTE pagará à CONTRATADA o valor total de R$ 24.000,00 (vinte e "
            "quatro mil reais), da seguinte forma:\n"
            "\n"
            "1. 30% (trinta por cento) na assinatura do contrato;\n"
            "2. 40% (quarenta por cento) na entrega da versão de homologação;\n"
            "3. 30% (trinta por cento) após o aceite final.\n"
            "\n"
            "Parágrafo único. O atraso no pagamento sujeitará a CONTRATANTE a multa de 2% (dois por "
            "cento) e juros de mora de 1% (um por cento) ao mês, *pro rata die*.\n"
            "\n"
            "## Cláusula 4ª – Da propriedade intelectual\n"
            "\n"
            "Após a quitação integral do preço, os direitos patrimoniais sobre o código-fonte serão "
            "cedidos à CONTRATANTE, nos termos da Lei nº 9.610/98 e da Lei nº 9.609/98.\n"
            "\n"
            "## Cláusula 5ª – Do foro\n"
            "\n"
            "Fica eleito o foro da Comarca de Curitiba/PR para dirimir quaisquer dúvidas oriundas deste contrato.\n"
            "\n"
            "Curitiba, ___ de __________ de 2025.  \n"
            "\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_  \n"
            "CONTRATANTE  \n"
            "\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_  \n"
            "CONTRATADA"
        ),
    ),
]


def _in_code(reference: str, at: int) -> bool:
    return any(a <= at <= b for a, b in fence_spans(reference))


def _word_end(reference: str, at: int) -> int:
    """Where the word that `at` falls inside ends (`at` itself when it is at a word's edge)."""
    if at == 0 or reference[at - 1].isspace():
        return at
    while at < len(reference) and not reference[at].isspace():
        at += 1
    return at


def _reword(echo: str, lang: str, rng: random.Random) -> str | None:
    """`echo` with one word or contraction said differently, or else an article left out; None when neither fits."""
    table = _REWORDINGS.get(lang, {})
    spots = []
    for key, new in table.items():
        pattern = re.escape(key).replace("'", "['’]").replace(r"\ ", r"\s")
        for m in re.finditer(rf"(?<![\w'’]){pattern}(?![\w'’])", echo, flags=re.I):
            spots.append((m.start(), m.end(), new))
    if spots:
        start, end, new = rng.choice(spots)
        old = echo[start:end]
        if "’" in old:
            new = new.replace("'", "’")
        if old[0].isupper():
            new = new[0].upper() + new[1:]
        return echo[:start] + new + echo[end:]
    words = list(re.finditer(r"\S+", echo))
    articles = _ARTICLES.get(lang, ())
    droppable = [m for m in words[1:-1] if m.group().casefold() in articles]  # not the first: a shorter echo
    if not droppable:
        return None
    m = rng.choice(droppable)
    return echo[: m.start()] + echo[m.end() :].lstrip(" ")


def _restyle_code(echo: str, rng: random.Random) -> str | None:
    """A code line's start re-typed with the other quote character or other spacing around `=`."""
    changes = []
    for quote, other in (("'", '"'), ('"', "'")):
        if quote in echo and other not in echo and echo.count(quote) % 2 == 0:
            changes.append(echo.replace(quote, other))  # only whole strings, so the rest of the line still fits
    if re.search(r"\w = \w", echo):
        changes.append(re.sub(r"(\w) = (\w)", r"\1=\2", echo))
    elif re.search(r"\w=\w", echo):
        changes.append(re.sub(r"(\w)=(\w)", r"\1 = \2", echo))
    return rng.choice(changes) if changes else None


def batch11_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fallback's output for this batch's behaviours (None: the behaviour does not apply to this cut).

    `template_token`: a self-hosted model whose server does not strip special tokens (Qwen, Llama 3, Gemma,
    Mistral, DeepSeek and Phi-3 behind vLLM, llama.cpp or Ollama with a mismatched template) streams its turn's
    header before the text, and sometimes its end-of-turn token after it: "…the compiler fl" +
    "<|im_start|>assistant\\nags every non-exhaustive match.<|im_end|>".

    `fence_wrap`: told to continue "exactly, keeping the formatting", GPT-4o-mini, Llama 3 and Gemma often put the
    rest in a code block of its own, as a thing to copy; the block starts at the first visible character, so the
    space or line break at the cut is lost: "…the compiler " + "```markdown\\nflags every non-exhaustive match.\\n```".
    Only outside code (inside, the model's new block is `fence_reopen`'s or `fence_close_reopen`'s case); four
    backticks when the rest holds a fence of its own.

    `near_echo`: the model says the last few words again, but from memory, with one word or contraction said
    differently (or else an article left out) before it goes on, as instruct models of every family do:
    "…you can drop the PREFIX lines th" + "you could drop the PREFIX lines there. If the query…".  In code, the
    line's start re-typed with the other quote character or other spacing around `=`: "fs = 1 / med" +
    "fs=1 / median(diff(t));               % sampling rate…".

    `capital_start`: cut mid-sentence at a space or a line break, an instruct model treats its output as a new
    message and capitalises the first word (GPT-4o-mini, Claude Haiku, Llama 3 and Mistral all do): "the subtotal
    should " + "Be 48.50".  Only a lowercase word of two letters or more, outside code and inline code, after no
    full stop.
    """
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    in_code = _in_code(reference, len(sent))
    if behaviour == "template_token":
        head, tail = rng.choice(_TEMPLATE_TOKENS)
        return head + cont + (tail if rng.random() < 0.4 else "")
    if behaviour == "fence_wrap":
        if in_code:
            return None
        body = cont.lstrip("\n")
        if not sent.endswith("\n"):
            body = body.lstrip(" \t")
        runs = [len(m.group(1)) for m in re.finditer(r"(?m)^ {0,3}(`{3,})", body)]
        fence = "`" * (max(runs) + 1 if runs else 3)
        info = rng.choice(["markdown", "md", "text", ""])
        return f"{fence}{info}\n{body}" + ("" if body.endswith("\n") else "\n") + fence
    if behaviour == "near_echo":
        end = _word_end(reference, len(sent))
        line_start = sent.rfind("\n") + 1
        if in_code:
            indent = len(sent) - len(sent[line_start:].lstrip(" \t"))
            echo = reference[line_start:end]
            changed = _restyle_code(echo[indent - line_start :], rng) if echo.strip() else None
            return None if changed is None else echo[: indent - line_start] + changed + reference[end:]
        starts = [m.start() for m in re.finditer(r"\S+", sent[line_start:])]
        if len(starts) < 3:
            return None
        start = line_start + starts[max(0, len(starts) - rng.randint(3, 7))]
        changed = _reword(reference[start:end], lang, rng)
        return None if changed is None else changed + reference[end:]
    if behaviour == "capital_start":
        m = re.match(r"([ \t]*\n?[ \t]*)([^\W\d_]{2,})(?=[\s,.;:!?)]|$)", cont)
        if in_code or m is None or not m.group(2).islower():
            return None
        before = sent.rstrip()
        if not (sent[-1:].isspace() or m.group(1)) or not before or before[-1] in ".!?。:;»”\"'`":
            return None
        if before[before.rfind("\n") + 1 :].count("`") % 2:
            return None
        word = m.group(2)
        return m.group(1) + word[0].upper() + word[1:] + cont[m.end() :]
    raise ValueError(behaviour)
