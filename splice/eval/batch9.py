"""The ninth held-out batch: answers of kinds no earlier batch has, and four fallback behaviours written with them.

The texts are chat-assistant answers: a Vue single-file component, a systemd unit with its commands, an SVG icon
with its path data explained, a Flutter widget, a fixed-format COBOL program, a Turkish travel plan (dotted and
dotless i), a Hebrew blessing with niqqud (combining vowel points, right to left, in a table), a calculus derivation
in plain Unicode (superscripts, subscripts, aligned lines), a commit message with trailers, a product comparison in
nested lists, a Python REPL session (``>>>`` and ``...`` prompts), a README FAQ in HTML ``<details>``, an SRT
subtitle file, a chemistry answer (subscripts, minus signs, narrow no-break spaces in numbers) and a guitar tab with
chords aligned over lyrics.

The behaviours are what instruct-mode models do at the first characters of a continuation: respell the word they
were cut inside (`word_respell`), open cut code with an elision comment (`code_elision`), start with a thematic
break (`rule_first`) or on a new paragraph (`fresh_line`).  In each, the genuine continuation follows the junk.
"""

from __future__ import annotations

import random
import re
import unicodedata

from .fences import fence_spans

__all__ = ["BATCH_9", "BATCH9_BEHAVIOURS", "batch9_output"]

BATCH_9: list[tuple[str, str, str]] = [
    (
        "b9_vue_searchable_select",
        "vue-sfc",
        "Here's a small, accessible searchable select built with the Composition API and `<script setup>`. "
        "It filters as you type, supports keyboard navigation, and works with `v-model`.\n"
        "\n"
        "```vue\n"
        '<script setup lang="ts">\n'
        "import { computed, ref, watch } from 'vue'\n"
        "\n"
        "const props = defineProps<{\n"
        "  modelValue: string | null\n"
        "  options: { value: string; label: string }[]\n"
        "  placeholder?: string\n"
        "}>()\n"
        "const emit = defineEmits<{ (e: 'update:modelValue', value: string): void }>()\n"
        "\n"
        "const query = ref('')\n"
        "const open = ref(false)\n"
        "const active = ref(0)\n"
        "\n"
        "const filtered = computed(() =>\n"
        "  props.options.filter((o) => o.label.toLowerCase().includes(query.value.toLowerCase()))\n"
        ")\n"
        "\n"
        "watch(query, () => (active.value = 0))\n"
        "\n"
        "function choose(i: number) {\n"
        "  const option = filtered.value[i]\n"
        "  if (!option) return\n"
        "  emit('update:modelValue', option.value)\n"
        "  query.value = option.label\n"
        "  open.value = false\n"
        "}\n"
        "</script>\n"
        "\n"
        "<template>\n"
        "  <div\n"
        '    class="combo"\n'
        '    @keydown.down.prevent="active = Math.min(active + 1, filtered.length - 1)"\n'
        '    @keydown.up.prevent="active = Math.max(active - 1, 0)"\n'
        '    @keydown.enter.prevent="choose(active)"\n'
        "  >\n"
        "    <input\n"
        '      v-model="query"\n'
        '      role="combobox"\n'
        "      :placeholder=\"placeholder ?? 'Search…'\"\n"
        '      :aria-expanded="open"\n'
        '      @focus="open = true"\n'
        '      @blur="open = false"\n'
        "    />\n"
        '    <ul v-if="open && filtered.length" role="listbox">\n'
        "      <li\n"
        '        v-for="(o, i) in filtered"\n'
        '        :key="o.value"\n'
        '        role="option"\n'
        '        :aria-selected="i === active"\n'
        '        :class="{ active: i === active }"\n'
        '        @mousedown.prevent="choose(i)"\n'
        "      >\n"
        "        {{ o.label }}\n"
        "      </li>\n"
        "    </ul>\n"
        "  </div>\n"
        "</template>\n"
        "\n"
        "<style scoped>\n"
        ".combo { position: relative; width: 16rem; }\n"
        "ul { position: absolute; inset-inline: 0; max-height: 12rem; overflow-y: auto; margin: 0; "
        "padding: 0; }\n"
        "li { list-style: none; padding: 0.25rem 0.5rem; cursor: pointer; }\n"
        "li.active { background: #e8f0fe; }\n"
        "</style>\n"
        "```\n"
        "\n"
        "A few notes:\n"
        "\n"
        "- `@mousedown.prevent` instead of `@click` keeps the input from losing focus (and closing the "
        "list) before the choice is registered.\n"
        '- Use it as `<SearchSelect v-model="country" :options="countries" />`.\n'
        "- For very long lists (thousands of options), debounce `query` or virtualize the `<ul>`.",
    ),
    (
        "b9_systemd_node_service",
        "systemd-unit",
        "To run the app as a service that starts at boot and restarts when it crashes, create a unit file "
        "at `/etc/systemd/system/myapp.service`:\n"
        "\n"
        "```ini\n"
        "[Unit]\n"
        "Description=My Node.js API\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        "User=myapp\n"
        "Group=myapp\n"
        "WorkingDirectory=/opt/myapp\n"
        "Environment=NODE_ENV=production\n"
        "EnvironmentFile=-/etc/myapp/env\n"
        "ExecStart=/usr/bin/node /opt/myapp/server.js\n"
        "Restart=on-failure\n"
        "RestartSec=5s\n"
        "# Hardening: the service may only write to its own state directory\n"
        "NoNewPrivileges=true\n"
        "ProtectSystem=strict\n"
        "ProtectHome=true\n"
        "StateDirectory=myapp\n"
        "LimitNOFILE=65536\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
        "```\n"
        "\n"
        "Then create the user, reload systemd and enable the service:\n"
        "\n"
        "```bash\n"
        "sudo useradd --system --home /opt/myapp --shell /usr/sbin/nologin myapp\n"
        "sudo systemctl daemon-reload\n"
        "sudo systemctl enable --now myapp.service\n"
        "systemctl status myapp.service\n"
        "```\n"
        "\n"
        'Follow the logs with `journalctl -u myapp.service -f` (add `--since "10 min ago"` to narrow '
        "them down).\n"
        "\n"
        "**What the key directives do:**\n"
        "\n"
        "1. `After=network-online.target` together with `Wants=` delays the start until the network is "
        "actually up, not just configured.\n"
        "2. `Restart=on-failure` restarts the app after a non-zero exit or a crash, but not after "
        "`systemctl stop`.\n"
        "3. `EnvironmentFile=-/etc/myapp/env` loads secrets from a file; the leading `-` means \"don't "
        "fail if it's missing\".\n"
        "4. `ProtectSystem=strict` mounts the whole file system read-only for the service, except its "
        "`StateDirectory` (`/var/lib/myapp`).\n"
        "\n"
        "If the app crashes in a loop, systemd gives up after 5 starts within 10 seconds by default; tune "
        "that with `StartLimitBurst=` and `StartLimitIntervalSec=` in the `[Unit]` section.",
    ),
    (
        "b9_svg_bell_icon",
        "svg-icon",
        "Here's a 24×24 bell icon with a red notification dot. It uses `currentColor` for the stroke, so "
        "it takes the text color of whatever element it sits in:\n"
        "\n"
        "```svg\n"
        '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"\n'
        '     fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"\n'
        '     stroke-linejoin="round" role="img" aria-labelledby="bell-title">\n'
        '  <title id="bell-title">Notifications (3 unread)</title>\n'
        "  <!-- bell body -->\n"
        '  <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />\n'
        "  <!-- clapper -->\n"
        '  <path d="M13.73 21a2 2 0 0 1-3.46 0" />\n'
        "  <!-- notification dot, drawn last so it sits on top -->\n"
        '  <circle cx="18.5" cy="5.5" r="3.5" fill="#e11d48" stroke="#ffffff" '
        'stroke-width="1.5" />\n'
        "</svg>\n"
        "```\n"
        "\n"
        "How the paths work:\n"
        "\n"
        "- `M18 8a6 6 0 0 0-12 0` moves to (18, 8) and draws a half-circle arc of radius 6 to (6, 8): the "
        "dome of the bell.\n"
        "- `c0 7-3 9-3 9` is a cubic Bézier curve that flares the left side out to the rim; `h18` draws "
        "the rim itself, and `s-3-2-3-9` mirrors the curve back up the right side.\n"
        "- The second path is a small arc under the rim for the clapper.\n"
        "\n"
        "To make the dot pulse, add this inside the `<svg>`:\n"
        "\n"
        "```svg\n"
        "<style>\n"
        "  circle { transform-origin: 18.5px 5.5px; animation: pulse 1.6s ease-in-out infinite; }\n"
        "  @keyframes pulse { 50% { transform: scale(1.25); opacity: 0.7; } }\n"
        "  @media (prefers-reduced-motion: reduce) { circle { animation: none; } }\n"
        "</style>\n"
        "```\n"
        "\n"
        "If you inline it in HTML, drop the `width`/`height` attributes and size it with CSS (`width: "
        "1.5em`) so it scales with the surrounding text.",
    ),
    (
        "b9_flutter_todo_list",
        "dart-flutter",
        'Here\'s a self-contained `StatefulWidget` with swipe-to-delete and an "Undo" `SnackBar`:\n'
        "\n"
        "```dart\n"
        "import 'package:flutter/material.dart';\n"
        "\n"
        "class Todo {\n"
        "  Todo(this.id, this.title, {this.done = false});\n"
        "  final int id;\n"
        "  final String title;\n"
        "  bool done;\n"
        "}\n"
        "\n"
        "class TodoList extends StatefulWidget {\n"
        "  const TodoList({super.key, required this.initial});\n"
        "  final List<Todo> initial;\n"
        "\n"
        "  @override\n"
        "  State<TodoList> createState() => _TodoListState();\n"
        "}\n"
        "\n"
        "class _TodoListState extends State<TodoList> {\n"
        "  late final List<Todo> _todos = [...widget.initial];\n"
        "\n"
        "  void _remove(int index) {\n"
        "    final removed = _todos.removeAt(index);\n"
        "    setState(() {});\n"
        "    ScaffoldMessenger.of(context)\n"
        "      ..hideCurrentSnackBar()\n"
        "      ..showSnackBar(SnackBar(\n"
        "        content: Text('Deleted \"${removed.title}\"'),\n"
        "        action: SnackBarAction(\n"
        "          label: 'UNDO',\n"
        "          onPressed: () => setState(() => _todos.insert(index, removed)),\n"
        "        ),\n"
        "      ));\n"
        "  }\n"
        "\n"
        "  @override\n"
        "  Widget build(BuildContext context) {\n"
        "    if (_todos.isEmpty) {\n"
        "      return const Center(child: Text('Nothing left to do 🎉'));\n"
        "    }\n"
        "    return ListView.builder(\n"
        "      itemCount: _todos.length,\n"
        "      itemBuilder: (context, i) {\n"
        "        final todo = _todos[i];\n"
        "        return Dismissible(\n"
        "          key: ValueKey(todo.id),\n"
        "          direction: DismissDirection.endToStart,\n"
        "          background: Container(\n"
        "            color: Colors.red.shade400,\n"
        "            alignment: Alignment.centerRight,\n"
        "            padding: const EdgeInsets.symmetric(horizontal: 20),\n"
        "            child: const Icon(Icons.delete, color: Colors.white),\n"
        "          ),\n"
        "          onDismissed: (_) => _remove(i),\n"
        "          child: CheckboxListTile(\n"
        "            value: todo.done,\n"
        "            title: Text(todo.title),\n"
        "            onChanged: (v) => setState(() => todo.done = v ?? false),\n"
        "          ),\n"
        "        );\n"
        "      },\n"
        "    );\n"
        "  }\n"
        "}\n"
        "```\n"
        "\n"
        "Two things that trip people up:\n"
        "\n"
        "1. The `key` must be stable and unique per item (`ValueKey(todo.id)`), **not** the index; "
        'otherwise Flutter matches the wrong element after a removal and you get "A dismissed Dismissible '
        'widget is still part of the tree".\n'
        "2. `_remove` calls `setState` right away, because `Dismissible` needs the item gone from the list "
        "in the same frame.",
    ),
    (
        "b9_cobol_department_totals",
        "cobol",
        "Here is a complete program in fixed format (code in columns 8-72), written for GnuCOBOL. It "
        "assumes the input file is sorted by department:\n"
        "\n"
        "```cobol\n"
        "       IDENTIFICATION DIVISION.\n"
        "       PROGRAM-ID. DEPTTOTL.\n"
        "      * Totals salaries per department from a sorted input file.\n"
        "       ENVIRONMENT DIVISION.\n"
        "       INPUT-OUTPUT SECTION.\n"
        "       FILE-CONTROL.\n"
        '           SELECT EMP-FILE ASSIGN TO "EMPLOYEES.DAT"\n'
        "               ORGANIZATION IS LINE SEQUENTIAL.\n"
        "       DATA DIVISION.\n"
        "       FILE SECTION.\n"
        "       FD  EMP-FILE.\n"
        "       01  EMP-REC.\n"
        "           05  EMP-ID          PIC 9(6).\n"
        "           05  EMP-DEPT        PIC X(4).\n"
        "           05  EMP-NAME        PIC X(20).\n"
        "           05  EMP-SALARY      PIC 9(7)V99.\n"
        "       WORKING-STORAGE SECTION.\n"
        '       01  WS-EOF              PIC X VALUE "N".\n'
        '           88  END-OF-FILE     VALUE "Y".\n'
        "       01  WS-PREV-DEPT        PIC X(4) VALUE SPACES.\n"
        "       01  WS-DEPT-TOTAL       PIC 9(9)V99 VALUE ZERO.\n"
        "       01  WS-OUT-TOTAL        PIC ZZZ,ZZZ,ZZ9.99.\n"
        "       PROCEDURE DIVISION.\n"
        "       MAIN-PARA.\n"
        "           OPEN INPUT EMP-FILE\n"
        "           PERFORM UNTIL END-OF-FILE\n"
        "               READ EMP-FILE\n"
        "                   AT END SET END-OF-FILE TO TRUE\n"
        "                   NOT AT END PERFORM PROCESS-REC\n"
        "               END-READ\n"
        "           END-PERFORM\n"
        "           IF WS-PREV-DEPT NOT = SPACES\n"
        "               PERFORM PRINT-TOTAL\n"
        "           END-IF\n"
        "           CLOSE EMP-FILE\n"
        "           STOP RUN.\n"
        "       PROCESS-REC.\n"
        "           IF EMP-DEPT NOT = WS-PREV-DEPT AND WS-PREV-DEPT NOT = SPACES\n"
        "               PERFORM PRINT-TOTAL\n"
        "               MOVE ZERO TO WS-DEPT-TOTAL\n"
        "           END-IF\n"
        "           MOVE EMP-DEPT TO WS-PREV-DEPT\n"
        "           ADD EMP-SALARY TO WS-DEPT-TOTAL.\n"
        "       PRINT-TOTAL.\n"
        "           MOVE WS-DEPT-TOTAL TO WS-OUT-TOTAL\n"
        '           DISPLAY "DEPT " WS-PREV-DEPT "  TOTAL " WS-OUT-TOTAL.\n'
        "```\n"
        "\n"
        "Compile and run it with:\n"
        "\n"
        "```\n"
        "cobc -x -o depttotl depttotl.cbl\n"
        "./depttotl\n"
        "```\n"
        "\n"
        "A sample input line is 39 characters with no separators, because the fields are positional: "
        "`000417SALEJane Doe            005250000` gives Jane Doe a salary of 52,500.00 in department "
        "`SALE`.\n"
        "\n"
        "Notes: `V99` is an implied decimal point (nothing is stored for it), and the edited picture "
        "`ZZZ,ZZZ,ZZ9.99` suppresses leading zeros when printing. If your input isn't sorted, add a `SORT` "
        "step first or keep the totals in a table indexed by department.",
    ),
    (
        "b9_turkish_istanbul_plan",
        "turkish",
        "İstanbul'da üç gün için dengeli bir plan öneriyorum. Her gün tek bir bölgeye odaklanırsanız "
        "ulaşımda vakit kaybetmezsiniz.\n"
        "\n"
        "**1. Gün – Tarihi Yarımada**\n"
        "\n"
        "- Sabah erken saatte **Ayasofya**'ya gidin; öğleye doğru kuyruk çok uzuyor.\n"
        "- Ardından Sultanahmet Camii ve Yerebatan Sarnıcı (giriş ücretlidir, sıra genelde hızlı "
        "ilerler).\n"
        "- Öğle yemeği için Sirkeci'deki esnaf lokantalarını deneyin: kuru fasulye, pilav ve cacık klasik "
        "bir üçlüdür.\n"
        "- Öğleden sonra Topkapı Sarayı. Harem bölümü ayrı biletle geziliyor ve en az 1,5 saat ayırmanız "
        "gerekiyor.\n"
        "\n"
        "**2. Gün – Beyoğlu ve Boğaz**\n"
        "\n"
        "- Karaköy'den tarihi Tünel'e binip İstiklal Caddesi'ne çıkın.\n"
        "- Galata Kulesi'ni akşamüstüne bırakmayın; gün batımında bekleme süresi bir saati geçebiliyor.\n"
        "- Öğleden sonra Eminönü'nden kalkan kısa Boğaz turuna katılın (yaklaşık 90 dakika).\n"
        "- Akşam Kadıköy'e vapurla geçip Moda sahilinde yürüyüş yapabilirsiniz.\n"
        "\n"
        "**3. Gün – Asya yakası ve çarşılar**\n"
        "\n"
        "- Üsküdar'da Kız Kulesi manzarasıyla kahvaltı.\n"
        "- Kapalıçarşı pazar günleri kapalıdır, planınızı buna göre ayarlayın!\n"
        "- Mısır Çarşısı'nda lokum ve baharat alırken fiyat sormaktan çekinmeyin; pazarlık hâlâ yaygın.\n"
        "\n"
        "**Pratik bilgiler**\n"
        "\n"
        "1. Ulaşım için bir **İstanbulkart** alın; metro, tramvay, vapur ve otobüste geçerli, tek kartla "
        "birden fazla kişi basabilir.\n"
        "2. Camilere girerken omuzlar ve dizler kapalı olmalı; kadınlar için başörtüsü girişte ücretsiz "
        "veriliyor.\n"
        "3. Taksilerde taksimetrenin açık olduğundan emin olun ya da BiTaksi gibi bir uygulama kullanın.\n"
        "\n"
        "İyi yolculuklar! İsterseniz bütçenize göre hangi semtte kalmanız gerektiğini de önerebilirim.",
    ),
    (
        "b9_hebrew_hamotzi",
        "hebrew-niqqud",
        "Here is the blessing over bread (*HaMotzi*) with full vowel points (niqqud), a transliteration "
        "and a word-by-word gloss:\n"
        "\n"
        "> בָּרוּךְ אַתָּה יְיָ אֱלֹהֵינוּ מֶלֶךְ הָעוֹלָם, הַמּוֹצִיא לֶחֶם מִן הָאָרֶץ.\n"
        "\n"
        "*Barukh atah Adonai, Eloheinu melekh ha'olam, hamotzi lechem min ha'aretz.*\n"
        "\n"
        "| Hebrew | Transliteration | Meaning |\n"
        "|---|---|---|\n"
        "| בָּרוּךְ | barukh | blessed |\n"
        "| אַתָּה | atah | are You |\n"
        "| אֱלֹהֵינוּ | Eloheinu | our God |\n"
        "| מֶלֶךְ הָעוֹלָם | melekh ha'olam | King of the universe |\n"
        "| הַמּוֹצִיא | hamotzi | who brings forth |\n"
        "| לֶחֶם | lechem | bread |\n"
        "| מִן הָאָרֶץ | min ha'aretz | from the earth |\n"
        "\n"
        "A few reading tips:\n"
        "\n"
        '1. The dot inside a letter (*dagesh*) changes some letters: בּ is "b" but ב without it is '
        '"v", and the final כ (written ךְ) is "kh".\n'
        '2. Two vertical dots under a letter (*sh\'va*) are a very short "e" or silent. Combined with '
        'another vowel, as under the א of אֱלֹהֵינוּ (*ḥataf segol*), they make a short "e".\n'
        '3. וּ (a vav with a dot on its left) is read "u", while וֹ (a dot on top) is "o", as in '
        "הָעוֹלָם.\n"
        "4. The divine name is written יְיָ here, as in many prayer books, and read *Adonai*.\n"
        "\n"
        "To practise, say the blessing slowly word by word first, then as one phrase. Most of these words "
        "are stressed on the last syllable (ba-RUKH, a-TAH), except *LE-chem* and *ME-lekh*, which are "
        "stressed on the first.",
    ),
    (
        "b9_integration_by_parts",
        "unicode-derivation",
        "Let's compute ∫₀¹ x²·eˣ dx step by step, using integration by parts twice.\n"
        "\n"
        "**Integration by parts:** ∫ u dv = u·v − ∫ v du\n"
        "\n"
        "**Step 1.** Choose u = x² (it gets simpler when differentiated) and dv = eˣ dx.\n"
        "Then du = 2x dx and v = eˣ, so\n"
        "\n"
        "  ∫ x²·eˣ dx = x²·eˣ − ∫ 2x·eˣ dx\n"
        "\n"
        "**Step 2.** The remaining integral still has a power of x, so apply the rule again with u = 2x "
        "and dv = eˣ dx ⇒ du = 2 dx, v = eˣ:\n"
        "\n"
        "  ∫ 2x·eˣ dx = 2x·eˣ − ∫ 2·eˣ dx = 2x·eˣ − 2eˣ + C\n"
        "\n"
        "**Step 3.** Substitute back:\n"
        "\n"
        "  ∫ x²·eˣ dx = x²·eˣ − (2x·eˣ − 2eˣ) + C\n"
        "             = eˣ·(x² − 2x + 2) + C\n"
        "\n"
        "**Check** by differentiating (product rule):\n"
        "\n"
        "  d/dx [eˣ·(x² − 2x + 2)] = eˣ·(x² − 2x + 2) + eˣ·(2x − 2) = x²·eˣ ✓\n"
        "\n"
        "**Step 4.** Evaluate from 0 to 1 with F(x) = eˣ·(x² − 2x + 2):\n"
        "\n"
        "  F(1) = e¹·(1 − 2 + 2) = e\n"
        "  F(0) = e⁰·(0 − 0 + 2) = 2\n"
        "\n"
        "  ∫₀¹ x²·eˣ dx = F(1) − F(0) = e − 2 ≈ 0.71828\n"
        "\n"
        "**Sanity check:** on [0, 1] we have 0 ≤ x²·eˣ ≤ e, and the integrand is small for most of the "
        "interval (x² < ¼ for x < ½), so a value a little under 1 is plausible.\n"
        "\n"
        "**General pattern (tabular method):** for ∫ xⁿ·eˣ dx, keep differentiating xⁿ until it reaches 0 "
        "and alternate the signs:\n"
        "\n"
        "  ∫ xⁿ·eˣ dx = eˣ·(xⁿ − n·xⁿ⁻¹ + n(n−1)·xⁿ⁻² − … ± n!) + C\n"
        "\n"
        "For n = 2 that gives eˣ·(x² − 2x + 2), the same result as above.",
    ),
    (
        "b9_commit_cache_race",
        "commit-message",
        "Here's a commit message in the Conventional Commits style, with a short subject line and the body "
        "wrapped at 72 columns:\n"
        "\n"
        "```text\n"
        "fix(cache): invalidate the profile before publishing the update\n"
        "\n"
        'The writer published the "user.updated" event first and deleted the\n'
        "cached profile afterwards. A reader that received the event in between\n"
        "re-read the profile from the cache and stored the stale copy for\n"
        "another TTL period (up to 10 minutes), which is the behaviour reported\n"
        "in #482.\n"
        "\n"
        "Delete the cache entry inside the transaction callback, before the\n"
        "event is published, and make the reader ignore cache hits older than\n"
        "the event's `updated_at`. Both halves are needed: the first closes the\n"
        "window on a single node, the second covers replicas that lag behind\n"
        "the primary.\n"
        "\n"
        "Also add a regression test that interleaves the writer and the reader\n"
        "with a barrier, so the ordering is checked deterministically instead\n"
        "of relying on timing.\n"
        "\n"
        "Fixes: #482\n"
        "Reviewed-by: Priya Raman <priya.raman@example.com>\n"
        "Co-authored-by: Tomás Ortega <tomas@example.org>\n"
        "```\n"
        "\n"
        "Why it's written this way:\n"
        "\n"
        '- **Subject line**: imperative mood ("invalidate", not "invalidated"), no trailing period, '
        "and under 72 characters including the `fix(cache):` prefix, so `git log --oneline` and GitHub "
        "don't truncate it.\n"
        "- **Body**: explains *why* the change is needed and what the bug looked like; the diff already "
        "shows *what* changed.\n"
        "- **Trailers** go in the last paragraph, one per line, in `Key: value` form, so `git "
        "interpret-trailers` and GitHub can parse them. GitHub only credits a `Co-authored-by` line if the "
        "e-mail address belongs to an account.\n"
        "\n"
        "If your team doesn't use Conventional Commits, drop the `fix(cache):` prefix and capitalise the "
        "first word instead.",
    ),
    (
        "b9_notes_app_comparison",
        "product-comparison",
        "Here's how the three compare for personal notes:\n"
        "\n"
        "### Obsidian\n"
        "- **Storage:** plain Markdown files in a folder on your disk\n"
        "  - Works offline by default\n"
        "  - Sync through iCloud, Dropbox or Git, or pay for Obsidian Sync\n"
        "- **Strengths**\n"
        "  - ✅ Backlinks and a graph view for connecting ideas\n"
        "  - ✅ A huge plugin ecosystem (Dataview, Templater, Kanban…)\n"
        "  - ✅ Your notes stay readable even if the app disappears\n"
        "- **Weaknesses**\n"
        "  - ❌ No built-in real-time collaboration\n"
        "  - ❌ Plugins vary in quality, and tuning the setup can become a hobby in itself\n"
        "\n"
        "### Notion\n"
        "- **Storage:** Notion's cloud; exports to Markdown and CSV are possible but lossy for databases\n"
        "- **Strengths**\n"
        "  - ✅ Databases with several views (table, board, calendar, timeline)\n"
        "  - ✅ The best of the three for sharing with a team: comments, mentions, permissions\n"
        "- **Weaknesses**\n"
        "  - ❌ Limited offline support, and large workspaces get slow\n"
        "  - ❌ Lock-in: relations and rollups don't survive an export\n"
        "\n"
        "### Apple Notes\n"
        "- **Storage:** iCloud; end-to-end encrypted for locked notes, or for all of them with Advanced "
        "Data Protection\n"
        "- **Strengths**\n"
        "  - ✅ Free, fast, and already on every Apple device\n"
        "  - ✅ Great handwriting and document scanning on iPad\n"
        "- **Weaknesses**\n"
        "  - ❌ No Windows or Android app (only iCloud.com in a browser)\n"
        "  - ❌ Basic organisation: folders, tags and simple links, but no backlinks or graph\n"
        "\n"
        "### Quick verdict\n"
        "\n"
        "| If you… | Pick |\n"
        "|---|---|\n"
        "| want notes that last for decades and enjoy tinkering | Obsidian |\n"
        "| work with other people or need databases | Notion |\n"
        "| just want to jot things down on iPhone and Mac | Apple Notes |\n"
        "\n"
        "My suggestion: start with the one that matches how you'll use it **this month**, not the one with "
        "the most features. Moving 50 notes later is easy; moving 5,000 is not.",
    ),
    (
        "b9_python_repl_setdefault",
        "python-repl",
        "Here's a short interactive session that shows the difference between `dict.get`, "
        "`dict.setdefault` and `collections.defaultdict`:\n"
        "\n"
        "```pycon\n"
        '>>> inventory = {"apples": 3}\n'
        '>>> inventory.get("pears")            # missing key: None, dict unchanged\n'
        '>>> inventory.get("pears", 0)\n'
        "0\n"
        ">>> inventory\n"
        "{'apples': 3}\n"
        '>>> inventory.setdefault("pears", 0)  # missing key: inserted, then returned\n'
        "0\n"
        ">>> inventory\n"
        "{'apples': 3, 'pears': 0}\n"
        ">>> groups = {}\n"
        '>>> for word in ["ant", "bee", "asp", "bat", "cow"]:\n'
        "...     groups.setdefault(word[0], []).append(word)\n"
        "...\n"
        ">>> groups\n"
        "{'a': ['ant', 'asp'], 'b': ['bee', 'bat'], 'c': ['cow']}\n"
        ">>> from collections import defaultdict\n"
        ">>> counts = defaultdict(int)\n"
        '>>> for ch in "mississippi":\n'
        "...     counts[ch] += 1\n"
        "...\n"
        ">>> dict(counts)\n"
        "{'m': 1, 'i': 4, 's': 4, 'p': 2}\n"
        '>>> counts["z"]                       # reading a missing key inserts it!\n'
        "0\n"
        '>>> "z" in counts\n'
        "True\n"
        '>>> {}.setdefault("k", expensive())   # the default is always evaluated\n'
        "Traceback (most recent call last):\n"
        '  File "<stdin>", line 1, in <module>\n'
        "NameError: name 'expensive' is not defined\n"
        "```\n"
        "\n"
        "Takeaways:\n"
        "\n"
        "- `get` never modifies the dict.\n"
        "- `setdefault` inserts only when the key is missing, but its default argument is evaluated on "
        "every call, so avoid it when building the default is costly.\n"
        "- `defaultdict` is the cleanest choice for grouping and counting, but even *reading* a missing "
        "key creates it. Convert with `dict(counts)` before handing the result to code that doesn't expect "
        "that.",
    ),
    (
        "b9_readme_faq_details",
        "html-details",
        "Here's a FAQ section that uses `<details>`, so each answer stays collapsed until it's clicked. "
        "GitHub renders Markdown inside it as long as you leave a blank line after `</summary>`:\n"
        "\n"
        "```markdown\n"
        "## FAQ\n"
        "\n"
        "<details>\n"
        "<summary><strong>Does it work on Windows?</strong></summary>\n"
        "\n"
        "Yes, Windows 10 and later are supported. Install it with:\n"
        "\n"
        "    winget install acme.cli\n"
        "\n"
        "On older systems, use the standalone `.zip` from the [releases "
        "page](https://github.com/acme/cli/releases).\n"
        "\n"
        "</details>\n"
        "\n"
        "<details>\n"
        "<summary><strong>Where is the config file?</strong></summary>\n"
        "\n"
        "| OS | Path |\n"
        "|----|------|\n"
        "| Linux | `~/.config/acme/config.toml` |\n"
        "| macOS | `~/Library/Application Support/acme/config.toml` |\n"
        "| Windows | `%APPDATA%\\acme\\config.toml` |\n"
        "\n"
        "</details>\n"
        "\n"
        "<details open>\n"
        "<summary><strong>How do I report a bug?</strong></summary>\n"
        "\n"
        "1. Run `acme doctor > report.txt`.\n"
        "2. Open an issue and attach `report.txt`.\n"
        "3. Mention the version printed by `acme --version`.\n"
        "\n"
        "</details>\n"
        "```\n"
        "\n"
        "Tips:\n"
        "\n"
        "- Add `open` to a `<details>` tag (as in the last one) to have it expanded by default.\n"
        "- Don't indent Markdown inside `<details>` by four spaces unless you want a code block; that's "
        "why the `winget` line above *is* indented.\n"
        "- `<summary>` doesn't render Markdown on GitHub, so use `<strong>` or `<code>` tags there instead "
        "of `**` or backticks.",
    ),
    (
        "b9_srt_workshop",
        "srt-subtitles",
        "Here's the transcript as an `.srt` file. I split lines at about 42 characters and kept each cue "
        "between 1 and 6 seconds long, which is what most players and YouTube expect:\n"
        "\n"
        "```srt\n"
        "1\n"
        "00:00:00,500 --> 00:00:03,200\n"
        "Welcome back to the workshop.\n"
        "Today we're building a bird feeder.\n"
        "\n"
        "2\n"
        "00:00:03,400 --> 00:00:06,900\n"
        "You'll need a 1.2 metre pine board,\n"
        "wood glue and about twenty screws.\n"
        "\n"
        "3\n"
        "00:00:07,100 --> 00:00:10,450\n"
        "First, mark the board every 30 cm\n"
        "and cut it into four pieces.\n"
        "\n"
        "4\n"
        "00:00:10,600 --> 00:00:13,000\n"
        "[saw buzzing]\n"
        "\n"
        "5\n"
        "00:00:13,250 --> 00:00:17,800\n"
        "Sand the edges — especially the roof,\n"
        "because the birds will land there.\n"
        "\n"
        "6\n"
        "00:00:18,000 --> 00:00:21,350\n"
        "Now glue the two side panels\n"
        "to the base and hold them for a minute.\n"
        "\n"
        "7\n"
        "00:00:21,500 --> 00:00:24,900\n"
        "- Is that enough glue?\n"
        "- Plenty. Wipe off what squeezes out.\n"
        "\n"
        "8\n"
        "00:00:25,100 --> 00:00:28,600\n"
        "Finally, drill two 5 mm holes in the base\n"
        "so rainwater can drain.\n"
        "```\n"
        "\n"
        "Notes on the format:\n"
        "\n"
        "1. Cues are numbered from 1 and separated by a blank line; the file should end with a newline.\n"
        "2. Timestamps use a **comma** before the milliseconds (`00:00:03,200`), not a dot: the dot is "
        "WebVTT's format, and many players reject it in an `.srt` file.\n"
        "3. The `- ` lines in cue 7 mark two speakers in one cue.\n"
        "4. Save the file as UTF-8 so the dash in cue 5 shows correctly; add a BOM only if an old player "
        "on Windows shows garbage characters.",
    ),
    (
        "b9_propane_combustion",
        "chemistry",
        "**Balancing the combustion of propane**\n"
        "\n"
        "Unbalanced: C₃H₈ + O₂ → CO₂ + H₂O\n"
        "\n"
        "1. Carbon: 3 C on the left, so put 3 in front of CO₂.\n"
        "2. Hydrogen: 8 H on the left, so 4 H₂O.\n"
        "3. Oxygen: the right side now has 3 × 2 + 4 × 1 = 10 O atoms, so 5 O₂.\n"
        "\n"
        "Balanced: **C₃H₈(g) + 5 O₂(g) → 3 CO₂(g) + 4 H₂O(l)**\n"
        "\n"
        "**Enthalpy of combustion from enthalpies of formation**\n"
        "\n"
        "ΔH°rxn = Σ n·ΔH°f(products) − Σ n·ΔH°f(reactants)\n"
        "\n"
        "| Substance | ΔH°f (kJ/mol) |\n"
        "|---|---|\n"
        "| C₃H₈(g) | −103.8 |\n"
        "| O₂(g) | 0 (element in its standard state) |\n"
        "| CO₂(g) | −393.5 |\n"
        "| H₂O(l) | −285.8 |\n"
        "\n"
        "Products: 3 × (−393.5) + 4 × (−285.8) = −1180.5 − 1143.2 = −2323.7 kJ\n"
        "Reactants: 1 × (−103.8) + 5 × 0 = −103.8 kJ\n"
        "\n"
        "ΔH°c = −2323.7 − (−103.8) = **−2219.9 kJ/mol**\n"
        "\n"
        "That matches the tabulated value (about −2220 kJ/mol): burning one mole of propane releases "
        "roughly 2.22 MJ.\n"
        "\n"
        "**How much heat does a 13 kg gas cylinder hold?**\n"
        "\n"
        "- Molar mass of C₃H₈: 3 × 12.011 + 8 × 1.008 = 44.097 g/mol\n"
        "- Moles: 13\u202f000 g ÷ 44.097 g/mol ≈ 294.8 mol\n"
        "- Heat: 294.8 mol × 2219.9 kJ/mol ≈ 654\u202f400 kJ ≈ 654 MJ (about 182 kWh)\n"
        "\n"
        "Note: if the water leaves as vapour, use ΔH°f(H₂O, g) = −241.8 kJ/mol instead, which gives "
        "−2043.9 kJ/mol (the lower heating value).",
    ),
    (
        "b9_rising_sun_tab",
        "guitar-tab",
        'Here\'s a beginner-friendly version of "House of the Rising Sun" (a traditional song) in A '
        "minor, in 6/8 time. Pick each chord as an arpeggio: the bass note first, then up the strings.\n"
        "\n"
        "**Chords used:** Am, C, D, F, E\n"
        "\n"
        "```\n"
        "e|-------0-----|-------0-----|-------2-----|-------1-----|\n"
        "B|-----1---1---|-----1---1---|-----3---3---|-----1---1---|\n"
        "G|---2-------2-|---0-------0-|---2-------2-|---2-------2-|\n"
        "D|-------------|-2-----------|-0-----------|-3-----------|\n"
        "A|-0-----------|-3-----------|-------------|-------------|\n"
        "E|-------------|-------------|-------------|-1-----------|\n"
        "   Am            C             D             F\n"
        "```\n"
        "\n"
        "The first verse with the chord changes:\n"
        "\n"
        "```\n"
        "     Am       C          D           F\n"
        "There is a house in New Orleans\n"
        "    Am         C         E\n"
        "They call the Rising Sun\n"
        "      Am          C          D             F\n"
        "And it's been the ruin of many a poor boy\n"
        "      Am         E         Am\n"
        "And God, I know I'm one\n"
        "```\n"
        "\n"
        "Tips:\n"
        "\n"
        '1. Count each bar as "**1** 2 3 **4** 5 6": one chord per bar, six picked notes.\n'
        "2. The E chord (022100) leads back to Am, so let it ring a little longer at the end of each "
        "verse.\n"
        "3. If the full F barre is too hard, play the small F (xx3211) on the top four strings only.\n"
        "4. Once the pattern feels automatic, try a gentle swing on notes 3 and 6 (it's what gives the "
        "song its rolling feel).",
    ),
]

#: Fallback behaviours written with the ninth batch.
BATCH9_BEHAVIOURS = ["word_respell", "code_elision", "rule_first", "fresh_line"]

#: Scripts written without spaces between words: a token there covers a character or two, not a word.
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_JOINERS = "\u200c\u200d"

#: Comment syntax by a fence's language: (prefix, suffix) of one comment line.
_COMMENT_SYNTAX = (
    (
        "python py bash sh shell zsh fish yaml yml toml dockerfile makefile make r ruby rb perl pl elixir ex exs "
        "nginx conf hcl terraform tf powershell ps1 pwsh graphql gql cmake julia nim tcl coffee gitignore env dotenv "
        "cron crontab systemd properties",
        ("# ", ""),
    ),
    (
        "javascript js mjs typescript ts jsx tsx java kotlin kt kts swift go golang rust rs c h cpp cc cxx hpp c++ "
        "csharp cs dart scala groovy gradle php zig solidity sol proto protobuf jsonc json5 scss less objc d v",
        ("// ", ""),
    ),
    ("css", ("/* ", " */")),
    ("sql plpgsql psql pgsql mysql lua haskell hs elm ada vhdl", ("-- ", "")),
    ("html xml svg vue svelte markdown md xhtml jsp", ("<!-- ", " -->")),
    ("latex tex erlang erl matlab prolog", ("% ", "")),
    ("asm nasm x86asm lisp clojure clj scheme ini", ("; ", "")),
    ("cobol cbl", ("      * ", "")),
    ("fortran f90", ("! ", "")),
    ("ocaml ml fsharp", ("(* ", " *)")),
    ("mermaid", ("%% ", "")),
    ("vb vba vbnet", ("' ", "")),
)
_COMMENTS = {lang: syntax for langs, syntax in _COMMENT_SYNTAX for lang in langs.split()}
_ELISIONS = ["... existing code ...", "...", "... rest of the code unchanged ...", "(continued)"]
_RULES = ["---\n\n", "---\n", "***\n\n", "\n---\n\n", "* * *\n\n"]


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_" or c in _JOINERS or unicodedata.category(c).startswith("M")


def _trailing_word(sent: str, rng: random.Random) -> str:
    """The word the sent text ends with, as a model writes it again from its start ("" when it ends in no word).

    In a script without spaces, the last character or two (with their marks): what one token of it covers.
    """
    start = len(sent)
    while start > 0 and _is_word_char(sent[start - 1]):
        start -= 1
    if _UNSPACED.search(sent[start:]):
        bases, want = 0, rng.randint(1, 2)
        i = len(sent)
        while i > start and bases < want:
            i -= 1
            if sent[i] not in _JOINERS and not unicodedata.category(sent[i]).startswith("M"):
                bases += 1
        start = i
    return sent[start:]


def _partial_word(sent: str, cont: str, rng: random.Random) -> str:
    """What the sent text holds of the word it stops inside ("compl" of "complete"); "" when it stops between words."""
    if not sent or not cont or not _is_word_char(sent[-1]) or not _is_word_char(cont[0]):
        return ""
    return _trailing_word(sent, rng)


def _message_start(sent: str, cont: str, rng: random.Random) -> str | None:
    """What a model starting a new message at the cut writes again before the rest: the cut word ("compl"), or ""
    at a word boundary; None when the cut falls between two marks ("`After=" | "network…"), where no model starts.
    """
    if not cont[:1] or cont[:1].isspace() or not sent or sent[-1].isspace():
        return ""
    return _trailing_word(sent, rng) or None


def _fence_language(reference: str, span: tuple[int, int]) -> str:
    """The language named on the opening line of a fenced block ("" when none)."""
    info = reference[: span[0]].rstrip("\n").rsplit("\n", 1)[-1].strip().lstrip("`~").strip()
    return info.split(maxsplit=1)[0].strip("{}.").lower() if info else ""


def batch9_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fallback's output for one of the ninth batch's behaviours, given what was sent (None: does not apply).

    `word_respell`: cut inside a word, the model writes that word from its start, often with the space its word
    tokens carry and sometimes capitalised as a message's first word: "…restart the compl" + " complete unit…".
    Byte-level BPE models served without token healing (GPT-4o-mini, Llama 3, Qwen 2.5 on vLLM) cannot begin
    inside a word's token, and Claude Haiku, asked to continue, starts its message at a word as well.

    `code_elision`: cut inside a fenced block, the model first writes an elision comment in the block's language
    ("// ... existing code ...", "# ...", "<!-- ... -->") on its own line, then the interrupted line again from its
    start and the rest of the code.  This is the "lazy" code-continuation habit of GPT-4o-mini, Claude Haiku,
    Qwen2.5-Coder and Llama 3 when told to continue code they see only the end of.

    `rule_first`: outside code, the model opens with a Markdown thematic break ("---", "***", "* * *") to set its
    message apart from the previous one, then the rest (the cut word respelled when cut inside one).  Gemma 2,
    Mistral and Llama 3 instruct models do this.

    `fresh_line`: cut in the middle of a line of prose (not after a sentence's end), the model starts its message
    on a new line or paragraph, a line break or two + the rest, splitting the sentence in two: chat models treat
    their message as a new block (Mistral and Llama 3 behind vLLM often emit a blank line as their first token;
    GPT-4o-mini starts a new paragraph).
    """
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    span = next(((a, b) for a, b in fence_spans(reference) if a <= len(sent) <= b), None)
    if behaviour == "word_respell":
        # "…the service's `ExecSt" + "ExecStart=` line…"; "…restart the compl" + " complete unit…"
        word = _partial_word(sent, cont, rng)
        if not word:
            return None
        before = sent[: len(sent) - len(word)]
        lead = " " if before.endswith(" ") and not before.endswith("  ") and rng.random() < 0.5 else ""
        if span is None and word[0].islower() and rng.random() < 0.25:
            word = word[0].upper() + word[1:]
        return lead + word + cont
    if behaviour == "code_elision":
        # "    padding: const Edge" + "    // ... existing code ...\n    padding: const EdgeInsets.symmetric(…"
        if span is None:
            return None
        prefix, suffix = _COMMENTS.get(_fence_language(reference, span), ("", ""))
        elision = rng.choice(_ELISIONS) if prefix else rng.choice(["...", "[...]"])
        line = sent[sent.rfind("\n") + 1 :]
        whole = line + cont.split("\n", 1)[0]
        indent = "" if prefix.startswith(" ") else whole[: len(whole) - len(whole.lstrip(" \t"))]  # COBOL: column 7
        return indent + prefix + elision + suffix + "\n" + line + cont
    if behaviour == "rule_first":
        # "…the leading `-` means \"don't fa" + "---\n\nfail if it's missing\"…"
        if span is not None:
            return None
        again = _message_start(sent, cont, rng)
        if again is None:
            return None
        return rng.choice(_RULES) + again + (cont if again else cont.lstrip())
    if behaviour == "fresh_line":
        # "…Sultanahmet Camii ve Yerebatan " + "\n\nSarnıcı (giriş ücretlidir…"
        line = sent[sent.rfind("\n") + 1 :]
        if span is not None or not line.strip() or cont.startswith("\n") or line.rstrip()[-1] in ".!?:;。！？…":
            return None
        again = _message_start(sent, cont, rng)
        if again is None:
            return None
        return rng.choice(["\n\n", "\n"]) + again + (cont if again else cont.lstrip(" \t"))
    raise ValueError(behaviour)
