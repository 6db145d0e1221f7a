"""Recognise the chatty lead-in a fallback model puts before its continuation.

"Sure, continuing:", "Here's the rest of the answer:", "Je continue :", "以下是后续内容：".
A preamble is only recognised at the very start of the fallback's output and
only in a meta construction (an acknowledgement, "here is the rest", "I'll
continue", "(continued)"), so that a legitimate continuation such as "continue
stirring for five minutes" is left alone.
"""

from __future__ import annotations

import re

__all__ = ["match_preamble", "may_begin_preamble", "PENDING"]

PENDING = -1

_ACK = (
    r"(?:sure(?: thing)?|certainly|of course|absolutely|okay|ok|alright|all right|got it|no problem|gladly|understood"
    r"|natürlich|gerne|gern|klar|selbstverständlich|in ordnung|alles klar"
    r"|bien sûr|d'accord|très bien|entendu|volontiers"
    r"|claro|por supuesto|desde luego|vale|perfecto|de acuerdo"
    r"|certo|certamente|va bene"
    r"|好的|当然|没问题|はい|もちろん|了解です|了解しました|了解|承知しました|かしこまりました"
    # An apology for the break acknowledges it the same way ("Sorry about that! Here's the rest:").
    r"|sorry(?: about that| for that)?|(?:my )?apologies|oops)"
)
# An apology at the start of a continuation that speaks of the break is about the answer, not part of it.
_SORRY = (
    r"(?:sorry|(?:my )?apologies|i apologi[sz]e|pardon|excuse me|entschuldigung|entschuldige|tut mir leid|verzeihung"
    r"|désolée?|toutes mes excuses|excusez-moi|perdón|perdona|lo siento|disculpa|disculpe|disculpas|scusa|scusate"
    r"|mi dispiace|desculpe|desculpa|抱歉|对不起|不好意思|すみません|申し訳(?:ありません|ございません)?|ごめんなさい)"
)
_BREAK = (
    r"(?:cut (?:off|short)|cutoff|interrupt\w*|truncat\w*|incomplete|unfinished|broke off|stopped|got cut|was cut"
    r"|abgebrochen|abgeschnitten|unterbrochen|unvollständig|unterbrechung"
    r"|coupée?|interrompue?|interruption|tronquée?|incomplète"
    r"|cortó|cortada|cortado|interrump\w*|interrupción|incompleta|interrott\w*|interruzione|troncat\w*"
    r"|cortad[ao]|interromp\w*|中断|截断|打断|断了|途切れ|切れて)"
)
_QUOTE_LEAD = (
    r"(?:continuing|resuming|picking up|carrying on|continued|proceeding|going on|starting|restarting)\s+(?:on\s+)?"
    r"(?:right\s+|exactly\s+|just\s+)?(?:from|after|at|with)\s+(?:the\s+(?:words?|line|text|sentence|phrase)\s+)?"
)
# A quoted span inside a lead-in is opaque: it may hold colons, stops and quotes of its own.
_QUOTED = r"(?:\"[^\n]*?\"|“[^\n]*?”|‘[^\n]*?’|«[^\n]*?»|„[^\n]*?“|「[^\n]*?」|(?<=\s)'[^\n]*?')"
_END = r"(?:[:：]|[.!。！]+(?=\s|$)|…|\.\.\.|(?=\n)|$)"
_REST = r"(?:rest|remainder|remaining (?:part|text|portion|content|answer|response)|continuation|next part|remaining)"

_PATTERNS = [
    # An apology for the break, in any language the patterns know.
    rf"{_SORRY}(?![^\W\d_])[^\n.!?。！？]{{0,80}}?{_BREAK}[^\n:：.!?。！？]{{0,60}}?{_END}",
    # A lead-in that quotes the tail: 'Continuing from "the last words":', 'Picking up after “…”'.  A quoted
    # line of code holds quotes of its own, so a straight quote that ends the lead-in's line closes it.
    rf'{_QUOTE_LEAD}"[^\n]*"[ \t]*[:：]?[ \t]*(?=\n)',
    rf"{_QUOTE_LEAD}{_QUOTED}[ \t]*{_END}",
    # English
    r"(?:here'?s|here is|below is|this is|and here'?s|what follows is)\s+(?:the\s+|"
    rf"a\s+)?{_REST}\b[^\n:：.!]{{0,80}}{_END}",
    r"(?:i'?ll|i will|let me|i'?m going to|i am going to|i can|allow me to|now,? (?:i'?ll|let "
    r"me))\s+(?:now\s+)?(?:continue|pick up|resume|carry on|finish|complete|keep going|"
    rf"proceed)\b[^\n:：]{{0,80}}?{_END}",
    r"(?:continuing|resuming|picking up|carrying on|continued|proceeding)\s+(?:on\s+)?(?:from|where|with the|right "
    rf"where|exactly where|the (?:answer|response|text|list|code|table|explanation))\b[^\n:：]{{0,80}}?{_END}",
    rf"(?:continuing|resuming|continued|continuation|cont'?d)\s*{_END}",
    # A restart announced: the lead-in says the answer comes again, whole.
    r"(?:here'?s|here is|below is|this is)\s+(?:the|my)\s+(?:full|complete|whole|entire|corrected)\s+"
    rf"(?:(?:answer|response)\b[^\n:：.!]{{0,60}}|(?:text|code|list|version)\s+again\b[^\n:：.!]{{0,60}}){_END}",
    r"(?:let me|i'?ll|i will|i'?m going to)\s+(?:start over|start again|begin again|restart|start from the "
    rf"(?:beginning|top)|write (?:it|the (?:answer|response)) (?:again|out in full))\b[^\n:：]{{0,60}}?{_END}",
    rf"(?:starting over|from the (?:beginning|top))\s*{_END}",
    r"[(\[]\s*(?:continued|continuation|cont'?d|fortsetzung|suite|continuación|continua|続き|续)\s*[)\]]\s*[:：]?",
    rf"(?:the\s+)?{_REST}(?:\s+of\s+(?:the|my)\s+(?:answer|response|text|list|code|explanation))?\s*[:：]",
    # German
    r"(?:hier ist|hier kommt|im folgenden|nachfolgend|und hier)\s+(?:der|die|das)?\s*(?:rest|fortsetzung|restliche|"
    rf"verbleibende|weitere)\b[^\n:：.!]{{0,80}}{_END}",
    rf"(?:ich (?:setze|fahre|mache)\b[^\n:：.!]{{0,60}}\b(?:fort|weiter))\b[^\n:：]{{0,60}}?{_END}",
    r"(?:hier ist|hier kommt)\s+(?:die|der|das)\s+(?:vollständige|ganze|komplette)\s+(?:antwort|text|code|liste)"
    rf"\b[^\n:：.!]{{0,60}}{_END}",
    rf"(?:ich fange (?:noch einmal|nochmal|neu) (?:von vorne )?an)\b[^\n:：]{{0,40}}?{_END}",
    rf"(?:fortsetzung|weiter geht'?s|weiter)\s*{_END}",
    # French
    rf"(?:voici|voilà|et voici)\s+(?:la suite|le reste|la fin|la continuation)\b[^\n:：.!]{{0,80}}{_END}",
    rf"(?:je (?:continue|reprends|poursuis|vais continuer|vais reprendre))\b[^\n:：]{{0,80}}?{_END}",
    rf"(?:suite(?: de la réponse)?|je continue|reprenons)\s*{_END}",
    rf"(?:voici|voilà)\s+(?:la|le)\s+(?:réponse|texte|code) (?:complète?|entière?|en entier)\b[^\n:：.!]{{0,60}}{_END}",
    rf"(?:je recommence)\b[^\n:：]{{0,40}}?{_END}",
    # Spanish / Italian / Portuguese
    r"(?:aquí (?:está|tienes|va)|a continuación(?:,)?|ecco|aqui está)\s+(?:la continuación|el resto|lo que sigue|il "
    rf"resto|la continuazione|o resto|a continuação)\b[^\n:：.!]{{0,80}}{_END}",
    r"(?:contin[uú]o|continuando|sigo|continuo|continuiamo|vou continuar|retomo|retomando|riprendo)"
    rf"\b[^\n:：]{{0,80}}?{_END}",
    r"(?:aquí (?:está|tienes)|ecco|aqui está)\s+(?:la|il|a)\s+(?:respuesta|risposta|resposta) (?:completa|entera)"
    rf"\b[^\n:：.!]{{0,60}}{_END}",
    rf"(?:empiezo de nuevo|vuelvo a empezar|ricomincio)\b[^\n:：]{{0,40}}?{_END}",
    # Chinese / Japanese
    r"(?:以下是|下面是|接下来是|这是|继续|接着)[^\n：:。！]{0,30}(?:内容|部分|回答|续写|后续|剩余|其余|的)?[^\n：:。！]{0,10}[：:。！]",
    r"(?:継続します|続きです|続き(?:を|から)(?:書きます|記述します|示します|再開します|始めます)|以下(?:は|が)?続き(?:です)?|続けます)"
    r"[^\n：:。！]{0,20}[：:。！]?",
    r"(?:最初から(?:書き直します|やり直します)|完全な(?:回答|答え)(?:は|を)?)[^\n：:。！]{0,20}[：:。！]?",
]
_PREAMBLE_RE = re.compile(
    rf"\A[ \t]*(?:(?:{_ACK})[,，、!！.。]*\s*)?(?:{'|'.join(_PATTERNS)})[ \t]*",
    re.IGNORECASE,
)
_QUOTE_LEAD_OPEN_RE = re.compile(rf'\A[ \t]*(?:(?:{_ACK})[,，、!！.。]*\s*)?{_QUOTE_LEAD}"', re.IGNORECASE)
_ACK_ONLY_RE = re.compile(rf"\A[ \t]*(?:{_ACK})\s*[,，、!！.。:：]*[ \t]*(?=\n|$)", re.IGNORECASE)
_ACK_LEAD_RE = re.compile(rf"\A[ \t]*(?:{_ACK})\s*[,，、!！.。]+[ \t]*", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[:：.!?。！？](\s|$)")
_CLOSED_QUOTE_RE = re.compile(_QUOTED)
_SORRY_RE = re.compile(rf"{_SORRY}(?![^\W\d_])")
_OPEN_QUOTE_RE = re.compile(r"[\"“‘«„「]|(?<=\s)'")

# A lead-in set off by decoration: Markdown emphasis, brackets, dashes, a heading or blockquote marker
# ("**Continued:**", "*(continued from above)*", "— continued —", "### Continued").  The decoration is stripped
# and the words are judged: they must talk about the answer's continuation and nothing else.
_STYLE_BLOCK_RE = re.compile(r"[ \t]*(?:(?:#{1,6}|>)[ \t]+)?")
_STYLE_TOKEN_RE = re.compile(r"(?:\*{1,3}|_{1,3}|~~|[(\[]|[—–]+|-{2,}|={2,})[ \t]*")
_MIRROR = {"(": r"\)", "[": r"\]"}
_CONT_WORD = (
    r"(?:continued|continuing|continuation|cont(?:'?d)?|contd|resumed|resuming"
    r"|fortsetzung|fortgesetzt|wird fortgesetzt|(?:la )?suite|reprise"
    r"|continuación|continúa|continua|continuazione|continuação|続き|つづき|续写|续|继续|接上文|后续)"
)
_FROM_WHERE = (
    r"(?:from\s+(?:above|before|earlier|(?:the\s+)?(?:previous|last)\s+(?:message|part|answer|response|reply))"
    r"|(?:von|de|desde|da|di)\s+(?:oben|plus haut|arriba|sopra|cima|acima)|on|below)"
)
_STYLED_META_RE = re.compile(
    rf"(?:(?:the\s+)?(?:answer|response|reply|text)\s+)?{_CONT_WORD}(?:\s+{_FROM_WHERE})?"
    r"(?:\s+(?:the\s+|my\s+)?(?:answer|response|reply|text|list|code|table|explanation))?",
    re.IGNORECASE,
)
_BARE_REST = frozenset({"rest", "the rest", "remainder", "the remainder", "remaining"})
_STYLE_PUNCT = ":：.。…!！ \t"
_RULE_LINE_RE = re.compile(r"[ \t]*(?:-{3,}|\*{3,}|_{3,}|(?:[*-][ \t]*){3,}|[—–]{1,3})[ \t]*\n(?:[ \t]*\n)*")
_MAX_STYLED = 120


def _is_meta(words: str) -> bool:
    """Whether the words inside a decoration only talk about the answer's continuation."""
    inner = words.strip(_STYLE_PUNCT)
    if not inner or inner.casefold() in _BARE_REST:
        return False  # "**Rest:** 60 seconds" is a workout plan's, not a lead-in
    if _STYLED_META_RE.fullmatch(inner):
        return True
    m = _PREAMBLE_RE.match(inner)
    return m is not None and not inner[m.end() :].strip(_STYLE_PUNCT)


def _may_become_meta(words: str) -> bool:
    """Whether the words so far (their line still open) could still grow into a lead-in's."""
    s = words.strip().casefold()
    if len(s) > _MAX_STYLED:
        return False
    if not s or _could_become_preamble(s) or _STYLED_META_RE.match(s):
        return True
    first = s.split()[0]
    return " " not in s and any(known.startswith(first) for known in _PREAMBLE_WORDS | _STYLED_WORDS)


def _styled_lead_in(text: str, *, final: bool) -> int:
    """Length of a decorated lead-in at the start of `text`, 0 if none, PENDING if undecidable yet."""
    block = _STYLE_BLOCK_RE.match(text)
    pos = block.end() if block else 0
    tokens: list[str] = []
    while len(tokens) < 3 and (m := _STYLE_TOKEN_RE.match(text, pos)):
        tokens.append(m.group().strip())
        pos = m.end()
    nl = text.find("\n", pos)
    line_end = len(text) if nl == -1 else nl
    line_done = nl != -1 or final
    if not tokens:
        if not block or not text[: block.end()].strip():
            return 0
        # A heading or blockquote marker: the rest of its line is the lead-in.
        if not line_done:
            return PENDING if _may_become_meta(text[pos:]) else 0
        return line_end if _is_meta(text[pos:line_end]) else 0
    closer = r"[ \t]*".join(_MIRROR.get(t, "[—–-]+" if t[0] in "—–-" else re.escape(t)) for t in reversed(tokens))
    closed = re.compile(rf"([^\n]{{1,{_MAX_STYLED}}}?)[ \t]*{closer}[:：.]?(?P<after>[ \t]*)").match(text, pos)
    if closed is None:
        if line_done or not _may_become_meta(text[pos:line_end]):
            return 0
        return PENDING
    if not _is_meta(closed.group(1)):
        return 0
    end = closed.end()
    if end < len(text) and text[end] != "\n" and not closed.group("after"):
        return 0  # "_continued_foo": the decoration is part of a word
    if end == len(text) and not final:
        return PENDING  # "*Continued*" may yet be "*Continued**"
    return end


def _rule_then_lead_in(text: str, *, final: bool) -> int:
    """A rule line (`---`) that sets off a lead-in: its length with the lead-in's, 0 if none, PENDING."""
    m = _RULE_LINE_RE.match(text)
    if m is None:
        return 0
    rest = text[m.end() :]
    if not rest.strip(" \t"):
        return 0 if final else PENDING
    n = _styled_lead_in(rest, final=final)
    if n == PENDING:
        return PENDING
    if not n:
        plain = _PREAMBLE_RE.match(rest)
        n = plain.end() if plain else 0
    return m.end() + n if n else 0


# Words a preamble can start with: while the head is a prefix of one of these
# (and no sentence end has arrived) the decision waits.
_STARTERS = (
    "sure",
    "certainly",
    "of course",
    "absolutely",
    "okay",
    "ok",
    "alright",
    "all right",
    "got it",
    "no problem",
    "gladly",
    "understood",
    "here's",
    "here is",
    "here’s",
    "below is",
    "this is the",
    "and here",
    "what follows",
    "i'll",
    "i’ll",
    "i will",
    "let me",
    "i'm going",
    "i am going",
    "i can continue",
    "allow me",
    "now, ",
    "continuing",
    "resuming",
    "starting over",
    "from the beginning",
    "from the top",
    "picking up",
    "carrying on",
    "continued",
    "continuation",
    "cont'd",
    "proceeding",
    "(cont",
    "[cont",
    "(fort",
    "(suite",
    "(contin",
    "the rest",
    "the remainder",
    "the continuation",
    "rest of",
    "remainder",
    "natürlich",
    "gerne",
    "klar",
    "selbstverständlich",
    "in ordnung",
    "alles klar",
    "hier ist",
    "hier kommt",
    "im folgenden",
    "nachfolgend",
    "und hier",
    "ich setze",
    "ich fahre",
    "ich mache",
    "ich fange",
    "fortsetzung",
    "weiter geht",
    "bien sûr",
    "d'accord",
    "très bien",
    "entendu",
    "volontiers",
    "voici",
    "voilà",
    "et voici",
    "je continue",
    "je reprends",
    "je recommence",
    "je poursuis",
    "je vais",
    "suite",
    "reprenons",
    "claro",
    "por supuesto",
    "desde luego",
    "vale",
    "perfecto",
    "de acuerdo",
    "aquí",
    "a continuación",
    "continúo",
    "continuo",
    "continuando",
    "sigo",
    "retomo",
    "retomando",
    "riprendo",
    "empiezo",
    "vuelvo a",
    "ricomincio",
    "certo",
    "ecco",
    "好的",
    "当然",
    "没问题",
    "以下是",
    "下面是",
    "接下来是",
    "继续",
    "接着",
    "はい",
    "もちろん",
    "了解",
    "承知",
    "かしこまり",
    "続き",
    "続けます",
    "最初から",
    "完全な",
    "以下",
    "sorry",
    "apologies",
    "my apolog",
    "i apolog",
    "oops",
    "pardon",
    "excuse me",
    "entschuldig",
    "tut mir leid",
    "verzeihung",
    "désolé",
    "toutes mes excuses",
    "excusez",
    "perdón",
    "perdona",
    "lo siento",
    "disculp",
    "scusa",
    "mi dispiace",
    "desculp",
    "抱歉",
    "对不起",
    "不好意思",
    "すみません",
    "申し訳",
    "ごめんなさい",
    "going on",
    "starting",
    "restarting",
)
_MAX_PREAMBLE = 200
# Every word the patterns spell out, casefolded: a first word that is a prefix of none of them
# cannot begin a preamble (a conservative test: "s" from "\\s" is in here too).
_PREAMBLE_WORDS = frozenset(word.casefold() for word in re.findall(r"[^\W\d_]+", _ACK + "".join(_PATTERNS)))
_STYLED_WORDS = frozenset(word.casefold() for word in re.findall(r"[^\W\d_]+", _CONT_WORD + _FROM_WHERE))


def _could_become_preamble(text: str) -> bool:
    """Whether `text` may still grow into a preamble (it is a prefix of one, or of its starter words)."""
    s = text.lstrip().lower()
    if not s:
        return True
    if len(s) > _MAX_PREAMBLE or "\n" in s:
        return False
    if _SORRY_RE.match(s) and not _SENTENCE_END_RE.search(s):
        return True  # an apology may yet speak of the break before its sentence ends
    # Strip a complete leading acknowledgement ("Sure! ") and look at what follows.
    m = _ACK_LEAD_RE.match(s)
    if m and m.end() < len(s):
        s = s[m.end() :]
        if not s:
            return True
    elif m:
        return True
    for starter in _STARTERS:
        if starter.startswith(s):
            return True
        if s.startswith(starter) and (
            len(s) == len(starter)
            or not s[len(starter)].isalnum()
            or not starter[-1].isalnum()
            or starter[-1] >= "\u3000"
        ):
            # Once a sentence has visibly ended without matching, it is not a preamble; a stop inside a
            # quote is the quoted text's, and a quote still open may yet close into a lead-in.
            rest = _CLOSED_QUOTE_RE.sub("", s[len(starter) :])
            if _OPEN_QUOTE_RE.search(rest) or not _SENTENCE_END_RE.search(rest):
                return True
    return False


def may_begin_preamble(word: str) -> bool:
    """Whether a head that is one unfinished word could still become a preamble.

    Broader than `_could_become_preamble`: any word of any pattern counts, so a
    seam never decides early on "Certamente" or "Remaining" (`SeamRepair._opens_nothing`).
    """
    folded = word.casefold()
    return _could_become_preamble(word) or any(known.startswith(folded) for known in _PREAMBLE_WORDS)


# Rule P (lines): a lead-in is a short line of its own that speaks of the answer's continuation.  Words that
# name the continuation itself, in the languages a fallback may answer in; any of them makes a short line
# ending in a colon a lead-in ("Haya, huu hapa mwendelezo:", "Ось продовження відповіді:").
_CONT_NOUN = (
    r"(?:continu(?:ing|ed|ation|ación|azione|ação|ando|amos|o)|cont'?d|resum(?:ing|ed)|fortsetzung|fortgesetzt"
    r"|fortsättning|fortsættelse|fortsettelse|vervolg|ciąg dalszy|pokračování|folytatás|jatkoa|jatko|devamı"
    r"|lanjutan|kelanjutan|mwendelezo|продолжение|продолжаю|продовження|продовжую|συνέχεια|tiếp theo|tiếp tục"
    r"|続き|つづき|続けます|续写|继续|後續|后续|續|계속|이어서)"
)
# Words that name what is left of it: a lead-in only when the line also presents it or names the answer
# ("Okay, here is the rest:", "As requested, the rest of the text:"), not "The rest of the flour:".
_REST_NOUN = r"(?:rest|remainder|remaining|reste|resto|resten|reszta|решта|остальное|sisanya|残り|其余|剩余)"
_PRESENT = (
    r"(?:here|below|follows|following|voici|voilà|hier|unten|aquí|aqui|abajo|ecco|qui|sotto|вот|ось|нижче|ниже"
    r"|hapa|berikut|以下|下面|answer|response|reply|text|antwort|réponse|respuesta|risposta|resposta|відповіді|ответа)"
)
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LINE_END_STOP = ".!。！…"
_MAX_LINE_WORDS = 10
_MAX_LINE = 100
_CONT_RE = re.compile(rf"(?<![^\W\d_]){_CONT_NOUN}", re.IGNORECASE)
_REST_RE = re.compile(rf"(?<![^\W\d_]){_REST_NOUN}(?![^\W\d_])", re.IGNORECASE)
_PRESENT_RE = re.compile(rf"(?<![^\W\d_]){_PRESENT}(?![^\W\d_])", re.IGNORECASE)
_LEADING_BREAKS_RE = re.compile(r"[ \t]*\n(?:[ \t]*\n){0,2}[ \t]*")
_DASH_ACK_RE = re.compile(rf"\A[ \t]*(?:{_ACK})[ \t]*[—–-]{{1,2}}[ \t]*", re.IGNORECASE)


def _lead_in_line(text: str, *, final: bool) -> int:
    """Length of a lead-in line at the start of `text` (rule P, lines), 0 if none, PENDING if undecidable yet.

    The line is short (a few words), ends in a colon, or in a stop when it speaks of continuing, and stands on its
    own line; it names the continuation, or presents what is left of the answer.  A sentence of the answer
    ("The rest of the flour goes in last.", "Continue stirring for five minutes.") does neither.
    """
    nl = text.find("\n")
    line = text if nl == -1 else text[:nl]
    if len(line) > _MAX_LINE or not line.strip():
        return 0
    if nl == -1 and not final:
        return PENDING if _CONT_RE.search(line) or _REST_RE.search(line) else 0
    body = line.strip()
    words = _WORD_RE.findall(body)
    if not words or len(words) > _MAX_LINE_WORDS:
        return 0
    acked = _ACK_LEAD_RE.match(body) or _DASH_ACK_RE.match(body)
    if body[-1] in ":：":
        if _CONT_RE.search(body) or (_REST_RE.search(body) and (acked or _PRESENT_RE.search(body))):
            return len(line)
        return 0
    if body[-1] in _LINE_END_STOP and _CONT_RE.search(body) and (acked or _PRESENT_RE.search(body)):
        return len(line)  # "Sure — continuing below."
    return 0


def match_preamble(head: str, *, final: bool) -> int:
    """Length of the preamble at the start of `head`, 0 if none, PENDING if undecidable yet.

    Line breaks before a lead-in set it off and are its own ("\n\nOkay, here is the rest:").
    """
    lead = _LEADING_BREAKS_RE.match(head)
    if lead and head[lead.end() :].strip():
        n = _match_preamble(head[lead.end() :], final=final)
        if n == PENDING:
            return PENDING
        if n:
            return lead.end() + n
        if not final and len(head) - lead.end() <= _MAX_LINE and "\n" not in head[lead.end() :]:
            return PENDING  # a first line set off by line breaks may be a lead-in in any language: wait for it
        return 0
    return _match_preamble(head, final=final)


def _match_preamble(head: str, *, final: bool) -> int:
    end = 0
    for _ in range(3):  # "Sure! Here's the rest:" is two parts
        rest = head[end:]
        if not final and "\n" not in rest and len(rest) <= _MAX_PREAMBLE and _QUOTE_LEAD_OPEN_RE.match(rest):
            return PENDING  # a straight-quoted lead-in closes where its line ends
        styled = _styled_lead_in(rest, final=final) or (_rule_then_lead_in(rest, final=final) if not end else 0)
        if styled == PENDING:
            return PENDING
        if styled:
            end += styled
            rule = _RULE_LINE_RE.match(head[end:].lstrip("\n"))  # a rule under the lead-in is its own
            if rule and head[end:].startswith("\n"):
                end += len(head[end:]) - len(head[end:].lstrip("\n")) + rule.end()
            continue
        m = _PREAMBLE_RE.match(rest) or _ACK_ONLY_RE.match(rest)
        if m and m.end() > 0:
            if m.end() == len(rest) and not final:
                return PENDING  # "Continuing" may go on: "Continuing from where I left off:"
            end += m.end()
            continue
        if not final and _could_become_preamble(rest):
            return PENDING
        line = _lead_in_line(rest, final=final)
        if line == PENDING:
            return PENDING
        if line:
            end += line
            continue
        m = _ACK_LEAD_RE.match(rest)
        if m and m.end() < len(rest):
            after = rest[m.end() :]
            styled = _styled_lead_in(after, final=final)
            if styled == PENDING:
                return PENDING
            if styled or _PREAMBLE_RE.match(after) or after.startswith("\n"):
                end += m.end()
                continue
        break
    return end
