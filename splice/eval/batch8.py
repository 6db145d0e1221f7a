"""The eighth held-out batch: its texts and the fallback behaviours written with it, no rule tuned on either.

The texts are answers to things people often ask chat assistants (a rebase conflict, a PowerShell script, C#
LINQ, a regular expression, spreadsheet formulas, a crontab, `kubectl` output, a Mermaid diagram, chess notation,
a workout plan, a phrasebook with IPA, a short story, medication doses).  The behaviours are ways real chat models
wrap a continuation in something that is not part of the answer: a reasoning block or a leaked role label.
"""

from __future__ import annotations

import random

from .fences import in_fence

__all__ = ["BATCH_8", "BATCH8_BEHAVIOURS", "batch8_output"]

_B8_GIT_CONFLICT = (
    "You hit a conflict because both branches changed the same lines of `config/settings.py`. Git stops "
    "the rebase and marks the file like this:\n"
    "\n"
    "```text\n"
    "<<<<<<< HEAD\n"
    "TIMEOUT_SECONDS = 30\n"
    "RETRY_LIMIT = 5\n"
    "=======\n"
    "TIMEOUT_SECONDS = 45\n"
    ">>>>>>> 3f2c9ab (Raise the upstream timeout)\n"
    "```\n"
    "\n"
    "To resolve it:\n"
    "\n"
    "1. Open the file and keep the lines you want (here, probably `TIMEOUT_SECONDS = 45` and "
    "`RETRY_LIMIT = 5`), then delete the three marker lines.\n"
    "2. Stage the result with `git add config/settings.py`.\n"
    "3. Run `git rebase --continue`. Git applies the remaining commits and may stop again if another one "
    "conflicts.\n"
    "\n"
    "If things get messy, `git rebase --abort` puts the branch back exactly as it was before you "
    "started. Before you push, check the history:\n"
    "\n"
    "```bash\n"
    "git log --oneline --graph -n 10\n"
    "git push --force-with-lease origin feature/retry-timeouts\n"
    "```\n"
    "\n"
    "Use `--force-with-lease` rather than `--force`: it refuses to overwrite the remote branch if "
    "someone else pushed to it in the meantime.\n"
)

_B8_POWERSHELL = (
    "Here's a PowerShell script that finds log files older than 30 days, compresses each one and then "
    "deletes the original:\n"
    "\n"
    "```powershell\n"
    "$logRoot = 'C:\\ProgramData\\Acme\\Logs'\n"
    "$cutoff  = (Get-Date).AddDays(-30)\n"
    "\n"
    "Get-ChildItem -Path $logRoot -Filter *.log -Recurse |\n"
    "    Where-Object { $_.LastWriteTime -lt $cutoff } |\n"
    "    ForEach-Object {\n"
    '        $zip = "$($_.FullName).zip"\n'
    "        Compress-Archive -Path $_.FullName `\n"
    "            -DestinationPath $zip `\n"
    "            -CompressionLevel Optimal -Force\n"
    "        Remove-Item -LiteralPath $_.FullName\n"
    '        Write-Host "Archived $($_.Name)"\n'
    "    }\n"
    "```\n"
    "\n"
    "A few notes:\n"
    "\n"
    "- The backtick (`` ` ``) at the end of a line continues the command on the next line; there must be "
    "nothing after it, not even a space.\n"
    "- Add `-WhatIf` to `Remove-Item` for a dry run that only prints what would be deleted.\n"
    "- To run it every night, register a scheduled task: `Register-ScheduledTask -TaskName 'ArchiveLogs' "
    "-Trigger (New-ScheduledTaskTrigger -Daily -At 2am) -Action (New-ScheduledTaskAction -Execute "
    "'pwsh.exe' -Argument '-File C:\\Scripts\\archive-logs.ps1')`.\n"
)

_B8_CSHARP = (
    "In C# you can group and summarise with LINQ, and records keep the result types short:\n"
    "\n"
    "```csharp\n"
    "public record Order(int Id, string Customer, decimal Total, DateOnly Placed);\n"
    "public record CustomerSummary(string Customer, int Orders, decimal Spent);\n"
    "\n"
    "var summaries = orders\n"
    "    .Where(o => o.Placed >= new DateOnly(2024, 1, 1))\n"
    "    .GroupBy(o => o.Customer)\n"
    "    .Select(g => new CustomerSummary(g.Key, g.Count(), g.Sum(o => o.Total)))\n"
    "    .OrderByDescending(s => s.Spent)\n"
    "    .ToList();\n"
    "\n"
    "foreach (var s in summaries)\n"
    "{\n"
    '    Console.WriteLine($"{s.Customer,-20} {s.Orders,3} {s.Spent,10:C}");\n'
    "}\n"
    "```\n"
    "\n"
    "The format item `{s.Spent,10:C}` right-aligns the amount in ten characters and formats it as "
    "currency for the current culture, so on an `en-US` machine you get `$1,249.50`. If the query runs "
    "against Entity Framework instead of an in-memory list, keep the `ToList()` at the end: without it "
    "the query is sent to the database again every time you enumerate `summaries`.\n"
)

_B8_REGEX = (
    "The pattern `^(?<user>[\\w.+-]+)@(?<domain>[\\w-]+(?:\\.[\\w-]+)+)$` breaks down like this:\n"
    "\n"
    "- `^` and `$` anchor the match to the whole string, so `bob@example.com.` with a trailing dot fails.\n"
    "- `(?<user>[\\w.+-]+)` is a named group: one or more word characters, dots, plus signs or hyphens. "
    "That allows tags such as `anna+news`.\n"
    "- `@` is a literal at sign.\n"
    "- `(?<domain>[\\w-]+(?:\\.[\\w-]+)+)` needs at least one dot: `[\\w-]+` is a label, and `(?:\\.[\\w-]+)+` "
    'repeats "dot, label" one or more times without capturing.\n'
    "\n"
    "In Python the named-group syntax is `(?P<user>...)` instead:\n"
    "\n"
    "```python\n"
    "import re\n"
    "\n"
    'EMAIL = re.compile(r"^(?P<user>[\\w.+-]+)@(?P<domain>[\\w-]+(?:\\.[\\w-]+)+)$")\n'
    "\n"
    'm = EMAIL.match("anna+news@mail.example.org")\n'
    "if m:\n"
    '    print(m["user"], m["domain"])  # anna+news mail.example.org\n'
    "```\n"
    "\n"
    "Keep in mind that no regex validates email addresses completely. For a sign-up form, check the "
    "basic shape like this and then send a confirmation link.\n"
)

_B8_SPREADSHEET = (
    "To pull each employee's department from the `Staff` sheet into your timesheet, put this in C2 and fill down:\n"
    "\n"
    "```excel\n"
    '=XLOOKUP(A2, Staff!$A:$A, Staff!$D:$D, "Not found", 0)\n'
    "```\n"
    "\n"
    "Here is what each argument does:\n"
    "\n"
    "| Argument | Value | Meaning |\n"
    "|---|---|---|\n"
    "| lookup_value | `A2` | the employee ID on this row |\n"
    "| lookup_array | `Staff!$A:$A` | the column to search |\n"
    "| return_array | `Staff!$D:$D` | the column to return |\n"
    '| if_not_found | `"Not found"` | shown instead of `#N/A` |\n'
    "| match_mode | `0` | exact match only |\n"
    "\n"
    "On Excel 2016 or older XLOOKUP is not available; the classic equivalent is "
    '`=IFERROR(INDEX(Staff!$D:$D, MATCH(A2, Staff!$A:$A, 0)), "Not found")`. Google Sheets has both, but '
    "in many European locales the argument separator is a semicolon, so you would type `=XLOOKUP(A2; "
    'Staff!$A:$A; Staff!$D:$D; "Not found"; 0)`.\n'
    "\n"
    "To total the hours per department, list the department names in column G and put `=SUMIFS($E:$E, "
    "$C:$C, G2)` next to each: it adds column E wherever column C equals the name in G2.\n"
)

_B8_CRON = (
    'The schedule `*/15 9-17 * * 1-5` means "every 15 minutes from 09:00 to 17:45, Monday to Friday". '
    "The five fields are, in order:\n"
    "\n"
    "```text\n"
    "┌───────────── minute (0-59)\n"
    "│ ┌─────────── hour (0-23)\n"
    "│ │ ┌───────── day of month (1-31)\n"
    "│ │ │ ┌─────── month (1-12)\n"
    "│ │ │ │ ┌───── day of week (0-6, Sunday = 0)\n"
    "│ │ │ │ │\n"
    "*/15 9-17 * * 1-5  /opt/backup/run.sh >> /var/log/backup.log 2>&1\n"
    "```\n"
    "\n"
    "Some common patterns:\n"
    "\n"
    "- `0 2 * * *`: every day at 02:00.\n"
    "- `30 6 1 * *`: at 06:30 on the first day of each month.\n"
    "- `0 */4 * * 6,0`: every four hours on weekends.\n"
    "- `@reboot`: once, when the machine starts (an extension, not supported by every cron).\n"
    "\n"
    "Two things trip people up. First, cron runs jobs with a minimal environment, so use absolute paths "
    "(`/usr/bin/python3`, not `python3`) or set `PATH=` at the top of the crontab. Second, the hours are "
    "in the server's time zone, which is often UTC on cloud machines; check with `timedatectl` before "
    "you assume 09:00 means your morning.\n"
)

_B8_KUBECTL = (
    "Your pod is in `CrashLoopBackOff`, which means the container starts, exits, and Kubernetes keeps "
    "restarting it with a growing delay. Here's what your output shows:\n"
    "\n"
    "```text\n"
    "NAME                          READY   STATUS             RESTARTS       AGE\n"
    "api-7d9f8b6c5d-2xkqp          1/1     Running            0              3d4h\n"
    "api-7d9f8b6c5d-hw8zn          0/1     CrashLoopBackOff   14 (2m ago)    47m\n"
    "worker-5c8d7b9f4-m6t2r        1/1     Running            2 (5h ago)     3d4h\n"
    "```\n"
    "\n"
    "Only `api-7d9f8b6c5d-hw8zn` is failing, so the image itself is probably fine (the other replica "
    "runs it). Check these in order:\n"
    "\n"
    "1. **The previous container's logs**: `kubectl logs api-7d9f8b6c5d-hw8zn --previous` shows why the "
    "last run exited.\n"
    "2. **Events and exit code**: `kubectl describe pod api-7d9f8b6c5d-hw8zn` lists the last state; exit "
    "code `137` usually means the container was OOM-killed, `1` an application error.\n"
    "3. **Node-specific problems**: `kubectl get pod api-7d9f8b6c5d-hw8zn -o wide` shows which node it "
    "runs on. If that differs from the healthy replica's node, a missing secret mount or a full disk "
    "there is a good suspect.\n"
    "\n"
    "If it turns out to be memory, raise `resources.limits.memory` in the deployment rather than "
    "deleting the pod, or it will come back the same way.\n"
)

_B8_MERMAID = (
    "Here's a sequence diagram of the login flow with a refresh token. Paste it into any Markdown viewer "
    "that renders Mermaid (GitHub, GitLab, Obsidian):\n"
    "\n"
    "```mermaid\n"
    "sequenceDiagram\n"
    "    autonumber\n"
    "    participant B as Browser\n"
    "    participant A as Auth API\n"
    "    participant R as Resource API\n"
    "    B->>A: POST /login (email, password)\n"
    "    A-->>B: 200 access token (15 min) + refresh cookie\n"
    "    B->>R: GET /orders (Bearer access token)\n"
    "    R-->>B: 200 orders\n"
    "    Note over B,R: 15 minutes later\n"
    "    B->>R: GET /orders (expired token)\n"
    "    R-->>B: 401 token_expired\n"
    "    B->>A: POST /refresh (refresh cookie)\n"
    "    alt refresh token valid\n"
    "        A-->>B: 200 new access token\n"
    "    else revoked or expired\n"
    "        A-->>B: 401, redirect to /login\n"
    "    end\n"
    "```\n"
    "\n"
    "The `-->>` arrows are dashed, the usual way to draw responses, and `autonumber` adds step numbers "
    'so you can refer to them in the text ("in step 6 the API answers 401"). If the diagram gets too '
    "wide, shorten the participant aliases: Mermaid sizes each column to its longest message.\n"
)

_B8_CHESS = (
    "The Ruy Lopez starts **1. e4 e5 2. Nf3 Nc6 3. Bb5**. White's bishop attacks the knight that defends "
    "the e5 pawn, so Black has to keep an eye on that pawn for the rest of the opening.\n"
    "\n"
    "The main line continues:\n"
    "\n"
    "1. e4 e5\n"
    "2. Nf3 Nc6\n"
    "3. Bb5 a6\n"
    "4. Ba4 Nf6\n"
    "5. O-O Be7\n"
    "6. Re1 b5\n"
    "7. Bb3 d6\n"
    "8. c3 O-O\n"
    "\n"
    "Why these moves?\n"
    "\n"
    "- **3...a6** (the Morphy Defence) asks the bishop to decide at once: take on c6 or retreat.\n"
    "- **5. O-O** castles before grabbing anything; after 5. Bxc6 dxc6 6. Nxe5? Black plays 6...Qd4 and "
    "wins the pawn back.\n"
    "- **8. c3** prepares d2–d4, so that White can build a big pawn centre.\n"
    "\n"
    "If you want something sharper as Black, try the Marshall Attack with **8...d5!?** instead of "
    "8...d6, a pawn sacrifice for a fast kingside attack. As a beginner, though, the Italian Game (**3. "
    "Bc4**) is easier to learn first, because its plans are more direct.\n"
)

_B8_WORKOUT = (
    "Here's a 3-day full-body plan for a beginner with access to a gym. Each session takes about 50 "
    "minutes, including a 10-minute warm-up.\n"
    "\n"
    "| Day | Exercise | Sets × reps | Rest |\n"
    "|---|---|---|---|\n"
    "| Mon | Goblet squat | 3 × 8–10 | 90 s |\n"
    "| Mon | Dumbbell bench press | 3 × 8–10 | 90 s |\n"
    "| Mon | Seated cable row | 3 × 10–12 | 60 s |\n"
    "| Wed | Romanian deadlift | 3 × 8 | 2 min |\n"
    "| Wed | Overhead press | 3 × 6–8 | 2 min |\n"
    "| Wed | Lat pulldown | 3 × 10–12 | 60 s |\n"
    "| Fri | Leg press | 3 × 10 | 90 s |\n"
    "| Fri | Incline push-up | 3 × AMRAP | 60 s |\n"
    "| Fri | Plank | 3 × 30–45 s | 45 s |\n"
    "\n"
    "**How to progress:** when you reach the top of the rep range on every set with good form, add the "
    "smallest weight step available (usually 2.5 kg / 5 lb) the next session.\n"
    "\n"
    "A few rules of thumb:\n"
    "\n"
    '- Leave 1–2 reps "in the tank" on each set for the first month; form first, load later.\n'
    "- Sleep and protein matter as much as the plan: aim for roughly 1.6 g of protein per kg of body "
    "weight a day.\n"
    "- Walk or cycle lightly on rest days if you feel stiff.\n"
    "\n"
    "*If you have joint pain or a heart condition, check with a doctor or physiotherapist before starting.*\n"
)

_B8_IPA = (
    "Here are eight phrases that will get you through most of a trip to Italy, with a rough "
    "pronunciation and the IPA:\n"
    "\n"
    "| Italian | Say it like | IPA | Meaning |\n"
    "|---|---|---|---|\n"
    "| Buongiorno | bwon-JOR-no | [bwonˈdʒorno] | Good morning / hello |\n"
    "| Buonasera | bwo-na-SEH-ra | [ˌbwɔnaˈseːra] | Good evening |\n"
    "| Per favore | per fa-VO-reh | [per faˈvoːre] | Please |\n"
    "| Grazie mille | GRA-tsyeh MEEL-leh | [ˈɡrattsje ˈmille] | Thanks a lot |\n"
    "| Scusi | SKOO-zee | [ˈskuːzi] | Excuse me (formal) |\n"
    "| Quanto costa? | KWAN-to KO-sta | [ˈkwanto ˈkɔsta] | How much is it? |\n"
    "| Il conto, per favore | eel KON-to | [il ˈkonto] | The bill, please |\n"
    "| Dov'è il bagno? | do-VEH eel BA-nyo | [doˈvɛ il ˈbaɲɲo] | Where is the toilet? |\n"
    "\n"
    "Two sounds matter most. Double consonants are held longer: *nonno* (grandfather) and *nono* (ninth) "
    'differ only in that. And *gn* sounds like the *ny* in "canyon", never a hard *g* followed by *n*.\n'
    "\n"
    "Italians appreciate the effort even if your accent is off: start with *Buongiorno* when you walk "
    "into a shop and you'll usually get a friendly reply, often in English.\n"
)

_B8_FICTION = (
    "The rain had not stopped for three days when Mara found the letter.\n"
    "\n"
    "It was tucked inside a library book — *The Birds of the Northern Coast*, due back in 1987 — and "
    "addressed to no one. She read it standing between the shelves, the fluorescent light buzzing overhead.\n"
    "\n"
    "“If you’re reading this,” it began, “then the lighthouse is still standing, and I was wrong about "
    "everything else.”\n"
    "\n"
    "She turned it over. On the back, in smaller handwriting: *Ask for Tomas at the harbour. He knows.*\n"
    "\n"
    "“Is everything all right?” the librarian asked. She was already reaching for the book.\n"
    "\n"
    "“Fine,” Mara said. “I… I’ll take this one home, if that’s okay.”\n"
    "\n"
    "The harbour was twenty minutes away on foot. She walked it in twelve, the letter folded in her coat "
    "pocket, her hand on it the whole way as if it might blow out into the grey water. By the time she "
    "reached the quay the light was going, and the only lit window belonged to a shed with a "
    "hand-painted sign: T. HALVORSEN — NETS & REPAIRS.\n"
    "\n"
    "She knocked twice. For a long moment nothing happened. Then the door opened a few inches, and an "
    "old man looked at her, at her pocket, and back at her face.\n"
    "\n"
    "“You found it,” he said. “Then you’d better come in.”\n"
)

_B8_MEDICATION = (
    "For a tension headache in an otherwise healthy adult, over-the-counter painkillers are usually enough:\n"
    "\n"
    "- **Ibuprofen**: 200–400 mg every 6–8 hours with food, no more than 1,200 mg a day without a "
    "doctor's advice.\n"
    "- **Paracetamol (acetaminophen)**: 500 mg–1 g every 4–6 hours, no more than 4 g in 24 hours (3 g if "
    "you drink alcohol regularly or weigh under 50 kg).\n"
    "- **Aspirin**: 300–600 mg every 4–6 hours; not for anyone under 16.\n"
    "\n"
    "Don't take ibuprofen and aspirin together, and check the labels of cold and flu remedies: many "
    "already contain paracetamol, and doubling up is one of the most common ways people overdose by accident.\n"
    "\n"
    "Things that often help as much as the tablets:\n"
    "\n"
    "1. A glass or two of water, since mild dehydration is a frequent trigger.\n"
    "2. Twenty minutes away from the screen, ideally outside.\n"
    "3. Gentle neck and shoulder stretches, or a warm shower.\n"
    "\n"
    '**See a doctor promptly** if the headache is sudden and severe ("the worst of my life"), comes with '
    "a stiff neck, fever, confusion, weakness or changes in vision, or follows a head injury; and also "
    "if you need painkillers for headaches on more than 10 days a month, because frequent use can itself "
    "cause rebound headaches.\n"
)


#: The eighth batch: written before any rule that batches 6 and 7 lead to, by an author who had not read the rules.
BATCH_8: list[tuple[str, str, str]] = [
    # (name, kind, text)
    ("b8_git_conflict", "git-conflict", _B8_GIT_CONFLICT),
    ("b8_powershell", "powershell", _B8_POWERSHELL),
    ("b8_csharp", "csharp", _B8_CSHARP),
    ("b8_regex", "regex", _B8_REGEX),
    ("b8_spreadsheet", "spreadsheet", _B8_SPREADSHEET),
    ("b8_cron", "cron", _B8_CRON),
    ("b8_kubectl", "cli-output", _B8_KUBECTL),
    ("b8_mermaid", "mermaid", _B8_MERMAID),
    ("b8_chess", "chess", _B8_CHESS),
    ("b8_workout", "workout-plan", _B8_WORKOUT),
    ("b8_ipa", "ipa-phrasebook", _B8_IPA),
    ("b8_fiction", "fiction", _B8_FICTION),
    ("b8_medication", "medication", _B8_MEDICATION),
]

#: Fallback behaviours written with the eighth batch: no rule was written against them.
BATCH8_BEHAVIOURS = ["think_leak", "role_label"]

_THOUGHTS = {
    "en": [
        'The previous answer was cut off after "{tail}". I should continue exactly from there, without repeating '
        "anything and without an introduction.",
        'Okay, the user wants me to continue my last message. It ends with "{tail}", so the next words follow on '
        "directly. Same format, no preamble.",
    ],
    "zh": ["用户说之前的回答在“{tail}”处被截断了。我需要从那里直接接着写，不要重复，也不要开场白。"],
}
_CODE_THOUGHT = (
    "The answer stops inside a code block. I continue the code from the exact character and do not open a new fence."
)
_LABELS = ["Assistant: ", "**Assistant:** ", "assistant\n\n", "<|im_start|>assistant\n"]


def _tail_words(sent: str, rng: random.Random) -> str | None:
    """The last few words of the sent text's last line, as a reasoning model quotes them."""
    words = sent.rstrip().rsplit("\n", 1)[-1].split()
    if not words:
        return None
    return " ".join(words[-rng.randint(3, 6) :])


def batch8_output(behaviour: str, reference: str, sent: str, lang: str, rng: random.Random) -> str | None:
    """The fallback's output for one of `BATCH8_BEHAVIOURS`, derived from the reference and the sent text.

    `think_leak`: a reasoning model served without a reasoning parser (DeepSeek-R1 and its distills, QwQ, Qwen3
    behind vLLM or llama.cpp) puts its thinking in the content, closed by `</think>` and a blank line, then
    continues.  Three forms: the whole block; the block without its `<think>` opener, which R1's chat template
    writes into the prompt; and Qwen3's empty block when thinking is switched off.  For a sent text ending
    "…set `PATH=` at the top of the " the output is
    '<think>\\nThe previous answer was cut off after "set `PATH=` at the top of the". I should continue exactly
    from there, without repeating anything and without an introduction.\\n</think>\\n\\ncrontab. Second, …'.
    Outside code the text after the block starts at its first non-blank character; inside code it is the exact
    continuation.

    `role_label`: a speaker label before the continuation, from a model whose chat template leaks ("assistant"
    followed by a blank line, Llama 3 with a wrong end-of-turn token; `<|im_start|>assistant` from a ChatML model
    whose special tokens are decoded as text) or that takes the request as a transcript to extend ("Assistant:",
    "**Assistant:**").  For the sent text "Two sounds matter " the output is
    "Assistant: most. Double consonants are held longer: …".  Inside code the label is on a line of its own.
    """
    cont = reference[len(sent) :]
    if not cont.strip():
        return None
    in_code = in_fence(reference, len(sent))
    if behaviour == "think_leak":
        form = rng.choice(["full", "no_opener", "empty"])
        if form == "empty":
            block = "<think>\n\n</think>\n\n"
        else:
            tail = _tail_words(sent, rng)
            if in_code:
                thought = _CODE_THOUGHT
            elif tail is None:
                thought = "The previous answer was cut off. I continue it where it stopped."
            else:
                thought = rng.choice(_THOUGHTS.get(lang, _THOUGHTS["en"])).format(tail=tail)
            block = ("<think>\n" if form == "full" else "") + thought + "\n</think>\n\n"
        return block + (cont if in_code else cont.lstrip())
    if behaviour == "role_label":
        label = rng.choice(_LABELS)
        if in_code:
            return label.rstrip() + "\n" + cont
        return label + cont.lstrip()
    raise ValueError(behaviour)
