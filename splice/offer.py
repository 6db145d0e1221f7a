"""Rule T (offers): a closing offer of more help after the continuation's last paragraph is the fallback's.

The rule: in instruct mode, a stream that ends on a paragraph of its own (after a blank line, maybe after a `---`
rule), one line of at most `MAX_OFFER` chars made only of sentences that address the reader with an offer of more
help or an invitation to ask (`is_offer`), ends the answer with that paragraph dropped, and the rule before it.
A lexicon is unavoidable here: it is broad (some forty languages, and only phrases that offer help in general:
"let me know", "feel free", "any other questions", "n'hésitez pas", "如果还有其他问题" …), so an answer's own
last line that offers something specific ("Want me to add a column?") or says more than the offer is kept.

While the stream runs, only a paragraph that could still be such an offer is held back: it starts with a letter
after a blank line outside code, has no line break inside, is short, and every sentence it has finished so far is
an offer; it is released as soon as one of these fails, and judged when the stream ends.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_OFFER", "OfferHold", "is_offer"]

#: The longest paragraph held as a possible offer (chars).
MAX_OFFER = 240
#: The most whitespace held after a held paragraph or rule before it is released.
_MAX_GAP = 16
#: The most chars a thematic break line (`---`, `* * *`) is held for.
_MAX_RULE = 64

#: Phrases that offer more help or invite questions, in Latin-script languages (matched as whole words).
_LATIN = [
    # English
    r"let (?:me|us) know",
    r"feel free",
    r"(?:don'?t|don’t|do not) hesitate",
    r"reach out",
    r"just ask",
    r"hope (?:this|that|it) (?:helps|helped|was helpful|is helpful)",
    r"hope this (?:answers|clarifies)",
    r"(?:happy|glad) to help",
    r"(?:any|other|more|further|additional) questions?",
    r"anything else",
    r"(?:more|further) (?:details?|help|information|clarification)",
    r"(?:expand|elaborate) on",
    r"go (?:deeper|into more detail)",
    # German
    r"lass(?:t|en sie)? (?:mich|es mich) wissen",
    r"(?:sag|sagt|sagen sie|gib|geben sie) bescheid",
    r"meld(?:e|et) (?:dich|euch)|melden sie sich",
    r"zöger(?:e|n sie) nicht",
    r"(?:weitere|noch|andere) fragen",
    r"fragen (?:hast|habt|haben)",
    r"hoffe,? (?:das|es) hilft",
    r"helfe (?:gern|gerne)",
    # French
    r"n['’]h[ée]sit(?:e|ez)",
    r"(?:faites|fais)-moi savoir",
    r"(?:dites|dis)-moi",
    r"(?:d['’]autres|des|vos|tes) questions",
    r"j['’]esp[èe]re que (?:cela|ça|ceci) (?:vous|t['’]|aide)",
    # Spanish
    r"av[íi]s(?:ame|eme|enme)",
    r"h[áa]z(?:me|melo) saber",
    r"no (?:dudes|dude|duden)",
    r"(?:otra|alguna|más|mas) preguntas?",
    r"algo más",
    r"espero que (?:te|le|les) (?:sirva|ayude)",
    # Portuguese
    r"me avise|é só (?:avisar|perguntar|chamar)",
    r"não hesite",
    r"fique à vontade",
    r"mais alguma coisa",
    r"(?:alguma|outras?|mais) (?:dúvidas?|perguntas?)",
    r"espero ter ajudado",
    # Italian
    r"fa(?:mmi|temi) sapere",
    r"non esit(?:are|ate|i)",
    r"(?:altre|qualche|ulteriori) domand[ae]",
    r"spero (?:che|di) (?:ti|esserti|sia)",
    # Dutch
    r"laat (?:het )?(?:me|mij) (?:weten|horen)",
    r"aarzel niet",
    r"(?:nog|andere|meer) vragen",
    # Scandinavian
    r"hör av dig|säg till|tveka inte|(?:fler|andra) frågor",
    r"sig til|si fra|tøv ikke|ikke nøl|(?:flere|andre) spørgsmål|(?:flere|andre) spørsmål",
    # Finnish, Estonian
    r"kysyttävää|lisäkysymyksiä|kysy(?:mällä|ä)? (?:rohkeasti|vain)",
    r"küsimusi|andke teada",
    # Polish, Czech, Slovak, Slovenian, Croatian, Serbian, Bosnian
    r"daj(?:cie)? znać|(?:więcej|innych|jakieś|dodatkowe) pytan(?:ia|ie|ń)|śmiało pytaj",
    r"dej(?:te)? vědět|neváhejte|(?:další|nějaké) otázky|daj(?:te)? vedieť|neváhajte|(?:ďalšie|nejaké) otázky",
    r"(?:dodatna|druga|još) pitanja|slobodno (?:pitaj|pitajte|se javi)|javi(?:te)? (?:mi|se)",
    r"vprašanj\w*|sporočite mi",
    # Hungarian, Romanian
    r"kérdés(?:ed|e|ük|eid)|nyugodtan kérdezz",
    r"(?:alte|orice) întrebări|nu ezita|anunță-mă|spune-mi",
    # Turkish, Azerbaijani, Uzbek
    r"soru(?:nuz|n|larınız|ların) (?:varsa|olursa)|çekinmeyin|çekinme|bana bildir\w*",
    r"sual(?:ınız|lar)|savol(?:ingiz|lar)",
    # Indonesian, Malay, Tagalog, Vietnamese
    r"pertanyaan|soalan|beri ?tahu|jangan ragu|semoga (?:membantu|bermanfaat)",
    r"tanong|ipaalam",
    r"câu hỏi|thắc mắc|cho (?:tôi|mình) biết|đừng ngần ngại",
    # Swahili, Yoruba, Hausa, Zulu, Igbo
    r"maswali|swali|nijulishe|niambie|usisite",
    r"ìbéèrè|ibeere|tambay(?:a|oyi)|imibuzo|umbuzo|ajụjụ",
    # Romanised Hindi/Urdu
    r"sawaa?l|batayiye|batao|poochh?(?:iye|o)",
]
#: The same in other scripts (matched as substrings: words are not spelled apart, or take endings).
_OTHER = [
    # Cyrillic: Russian, Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian, Mongolian, Kazakh
    "дайте знать",
    "дай знать",
    "обращайтесь",
    "не стесняйтесь",
    "вопрос",
    "звертайтеся",
    "звертайся",
    "дайте знати",
    "запитан",
    "питанн",
    "пытанн",
    "въпрос",
    "питайте",
    "питања",
    "прашања",
    "асуулт",
    "асуугаарай",
    "сұрақ",
    # Greek, Armenian, Georgian
    "ερωτήσ",
    "ενημερώστε με",
    "μη διστάσ",
    "հարց",
    "კითხვ",
    # Hebrew, Arabic, Persian, Urdu
    "שאלות",
    "אל תהסס",
    "תודיע",
    "أسئلة",
    "سؤال",
    "لا تتردد",
    "أخبرني",
    "سوال",
    "بپرسید",
    "بتائیں",
    # Indic (Devanagari, Bengali, Tamil, Telugu, Kannada, Malayalam, Gujarati, Gurmukhi, Sinhala)
    "प्रश्न",
    "सवाल",
    "पूछ",
    "बताएं",
    "बताइए",
    "প্রশ্ন",
    "জানাবেন",
    "கேள்வி",
    "ప్రశ్న",
    "ಪ್ರಶ್ನೆ",
    "ചോദ്യ",
    "પ્રશ્ન",
    "પૂછો",
    "ਸਵਾਲ",
    "ප්රශ්න",
    "අසන්න",
    # Thai, Lao, Khmer, Burmese
    "คำถาม",
    "สอบถาม",
    "ຄຳຖາມ",
    "សំណួរ",
    "မေးခွန်း",
    # Ethiopic, Tibetan
    "ጥያቄ",
    "དྲི་བ",
    # Chinese, Japanese, Korean
    "其他问题",
    "其他問題",
    "任何问题",
    "任何問題",
    "随时",
    "隨時",
    "告诉我",
    "告訴我",
    "希望对你有帮助",
    "希望對你有幫助",
    "ご質問",
    "質問があれば",
    "お気軽に",
    "お知らせください",
    "遠慮なく",
    "질문",
    "궁금",
    "언제든지",
    "알려 주세요",
    "알려주세요",
    "말씀해",
]
_CUE = re.compile(
    r"(?<!\w)(?:" + "|".join(_LATIN) + r")(?!\w)|" + "|".join(re.escape(p) for p in _OTHER),
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])")
_SENTENCE_END = frozenset(".!?…")
_OPENING_PUNCT = "¡¿«“„\"'‘("
_RULE_CHARS = "-*_"
_FENCES = ("```", "~~~")


def _fold(text: str) -> str:
    """Casefolded NFC text without joiners (Sinhala and other Indic conjuncts are spelled with and without them)."""
    return unicodedata.normalize("NFC", text).replace("\u200d", "").replace("\u200c", "").casefold()


def _is_offer_sentence(sentence: str) -> bool:
    """A sentence that offers help or invites questions; a piece with no letter (an emoji) goes with the rest."""
    if not any(c.isalpha() for c in sentence):
        return True
    return _CUE.search(_fold(sentence)) is not None


def is_offer(paragraph: str) -> bool:
    """`paragraph` is one line made only of sentences that offer more help or invite questions."""
    text = paragraph.strip()
    if not text or "\n" in text or len(text) > MAX_OFFER or not any(c.isalpha() for c in text):
        return False
    return all(_is_offer_sentence(s) for s in _SENTENCES.split(text) if s.strip())


def _may_start(c: str) -> bool:
    """A paragraph starting with `c` may be an offer: a letter or an opening punctuation mark, not markup."""
    return c in _OPENING_PUNCT or unicodedata.category(c).startswith("L")


_NONE, _GAP, _RULE, _AFTER_RULE, _PARA, _PARA_END = range(6)


class OfferHold:
    """Passes text through, holding back only a last paragraph that may still be a closing offer (rule T (offers)).

    Work per chunk is linear in the chunk; at most a rule, `_MAX_GAP` blanks and `MAX_OFFER` chars are held.
    """

    def __init__(self, sent: str, *, in_fence: bool = False) -> None:
        body = sent.rstrip(" \t")
        self._in_fence = in_fence
        self._line_blank = not body or body.endswith("\n")  # the current line holds nothing yet
        self._prev_blank = not body.strip() or bool(re.search(r"\n[ \t]*\n\Z", body))
        self._indent = len(sent) - len(body) if self._line_blank else 0
        # The current line's first chars after its indentation (is it a fence line?).
        self._line_head = "" if self._line_blank else body[body.rfind("\n") + 1 :].lstrip(" \t")[:3]
        self._mode = _NONE
        self._held = ""
        self._para_at = 0  # where the paragraph starts in what is held (after a rule and the blank lines)
        self._rule_at = 0  # where a thematic break starts in what is held (after the blank lines)
        self._sentence_at = 0  # where the paragraph's current sentence starts in what is held
        self._gap = 0

    def feed(self, text: str) -> str:
        """What of `text` (after what was held) can no longer be a closing offer."""
        out: list[str] = []
        i = 0
        while i < len(text):
            i = self._scan(text, i, out) if self._mode == _NONE else self._hold(text, i, out)
        return "".join(out)

    def finish(self) -> str:
        """What was held, without it when it is a closing offer."""
        held, self._held = self._held, ""
        if self._mode in (_PARA, _PARA_END) and is_offer(held[self._para_at :]):
            return ""
        return held

    def _end_line(self) -> None:
        if not self._line_blank and self._line_head.startswith(_FENCES) and self._indent <= 3:
            self._in_fence = not self._in_fence
        self._prev_blank = self._line_blank
        self._line_blank = True
        self._indent = 0
        self._line_head = ""

    def _scan(self, text: str, i: int, out: list[str]) -> int:
        """Pass text through until a paragraph starts that may be an offer (or the chunk ends)."""
        start = i
        n = len(text)
        while i < n:
            c = text[i]
            if c == "\n":
                if self._line_blank and not self._in_fence:
                    # A blank line: it goes with whatever paragraph follows it (an offer takes it along).
                    out.append(text[start:i])
                    self._mode = _GAP
                    self._held, self._para_at, self._rule_at, self._sentence_at, self._gap = "", 0, 0, 0, 0
                    return i
                self._end_line()
                i += 1
                continue
            if self._line_blank:
                if c in " \t":
                    self._indent += 1
                    i += 1
                    continue
                self._line_blank = False
                if self._prev_blank and not self._in_fence and self._indent <= 3:
                    if c in _RULE_CHARS or _may_start(c):
                        out.append(text[start:i])
                        self._mode = _RULE if c in _RULE_CHARS else _PARA
                        self._held, self._para_at, self._rule_at, self._sentence_at, self._gap = "", 0, 0, 0, 0
                        return i
            if len(self._line_head) < 3:
                self._line_head += c
                i += 1
                continue
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
        out.append(text[start:i])
        return i

    def _release(self, out: list[str]) -> None:
        out.append(self._held)
        self._held = ""
        self._mode = _NONE

    def _hold(self, text: str, i: int, out: list[str]) -> int:
        """Hold one char of a possible offer (or of the rule and blank lines before it); release when it cannot be."""
        c = text[i]
        if self._mode == _RULE:
            return self._hold_rule(c, i, out)
        if self._mode in (_GAP, _AFTER_RULE, _PARA_END):
            return self._hold_gap(c, i, out)
        if c == "\n":
            self._held += c
            self._mode = _PARA_END
            self._gap = 1
            self._end_line()
            return i + 1
        self._held += c
        if len(self._line_head) < 3:
            self._line_head += c
        if len(self._held) - self._para_at > MAX_OFFER:
            self._release(out)
        elif (c.isspace() and self._held[-2:-1] in _SENTENCE_END) or c in "。！？":
            sentence = self._held[self._sentence_at :]
            self._sentence_at = len(self._held)
            if not _is_offer_sentence(sentence):
                self._release(out)  # a sentence that is no offer: the paragraph is the answer's
        return i + 1

    def _hold_rule(self, c: str, i: int, out: list[str]) -> int:
        """The paragraph's line so far is a thematic break's chars: hold it until its line ends."""
        if c == "\n":
            rule = self._held[self._rule_at :].replace(" ", "").replace("\t", "")
            if len(rule) >= 3 and len(set(rule)) == 1:
                self._held += c
                self._mode = _AFTER_RULE
                self._gap = 0
                self._end_line()
                return i + 1
        elif (c in " \t" or len(self._held) == self._rule_at or c == self._held[self._rule_at]) and len(
            self._held
        ) - self._rule_at < _MAX_RULE:
            self._held += c
            if len(self._line_head) < 3:
                self._line_head += c
            return i + 1
        self._release(out)
        return i  # not a rule: the char goes on as its line's

    def _hold_gap(self, c: str, i: int, out: list[str]) -> int:
        """Blanks after a rule or a held paragraph: the next text decides whether the held part was the last."""
        if c.isspace():
            self._held += c
            self._gap += 1
            if c == "\n":
                self._end_line()
            elif self._line_blank:
                self._indent += 1
            if self._gap > _MAX_GAP:
                self._release(out)
            return i + 1
        if self._mode == _PARA_END:
            end = self._held.find("\n", self._para_at) + 1  # the held paragraph's own line break
            if "\n" in self._held[end:]:
                # Not the last paragraph; the blank line after it goes with whatever follows it.
                out.append(self._held[:end])
                self._held = self._held[end:]
                self._mode = _GAP
                self._para_at = self._rule_at = self._sentence_at = 0
        if self._mode in (_GAP, _AFTER_RULE) and not self._in_fence and self._indent <= 3:
            if self._mode == _GAP and c in _RULE_CHARS:
                self._mode = _RULE
                self._rule_at = len(self._held)
                self._line_blank = False
                return i
            if _may_start(c):
                self._mode = _PARA
                self._para_at = self._sentence_at = len(self._held)
                self._line_blank = False
                return i
        self._release(out)
        return i  # the held part was not the stream's last: this char starts the next line
