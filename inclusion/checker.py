"""The checker for texts in Leichte Sprache: a pure function over the text, offline.

It applies the rules of BITV 2.0 Anlage 2 Teil 2 and of the Netzwerk Leichte Sprache that a
program can find, and names each finding with its rule and its place (paragraph, sentence, the
word): sentences of more than 15 words; rare words (wordfreq's Zipf frequency for German below
3, i.e. rarer than about once in a million words); long words of more than 15 letters written
without a hyphen (Medien-Zentrum, not Medienzentrum); passive (a form of "werden" with a past
participle), Konjunktiv ("würde", "hätte", "könnte" ...), negation ("nicht", "kein", "nie" ...)
and genitive ("des", "eines" ...), found by the part-of-speech tags of the HanoverTagger's German
model (HanTa, shipped in its wheel). Readability as a figure: the fourth Wiener Sachtextformel
(textstat), about the school year a reader needs.

The test readers have the last word (DIN SPEC 33429): a finding is a question to the author,
and ITD may save a text with findings; it is then marked "nicht geprüft".
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.utils.translation import gettext_lazy as _

MAX_WORDS = 15
MIN_ZIPF = 3.0
MAX_LETTERS = 15

RULES = {
    "sentence_length": _("Kurze Sätze: höchstens 15 Wörter in einem Satz."),
    "rare_word": _("Bekannte Wörter: dieses Wort ist selten."),
    "long_word": _("Lange Wörter mit Binde-Strich trennen (Medien-Zentrum)."),
    "passive": _("Kein Passiv: sagen Sie, wer etwas tut."),
    "konjunktiv": _("Kein Konjunktiv: schreiben Sie, was ist."),
    "negation": _("Möglichst keine Verneinung: schreiben Sie positiv."),
    "genitive": _("Kein Genitiv: schreiben Sie „von dem“ oder „von der“."),
}

# Konjunktiv II forms that Leichte Sprache avoids ("möchte" is allowed: it is plain politeness).
KONJUNKTIV = {
    "würde", "würdest", "würden", "würdet",
    "hätte", "hättest", "hätten", "hättet",
    "wäre", "wärest", "wärst", "wären", "wäret",
    "könnte", "könntest", "könnten", "könntet",
    "müsste", "müsstest", "müssten", "müsstet",
    "dürfte", "dürftest", "dürften", "dürftet",
    "sollte", "solltest", "sollten", "solltet",
}  # fmt: skip
NEGATION = {"nicht", "kein", "nichts", "nie", "niemals", "niemand", "nirgends", "weder"}
GENITIVE_ARTICLES = {"des", "eines", "meines", "deines", "seines", "ihres", "unseres", "eures"}

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+(?:[.,:]\d+)*|[^\w\s]", re.UNICODE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Finding:
    """One rule broken at one place."""

    rule: str
    paragraph: int
    sentence: int
    word: str
    message: str

    @property
    def place(self) -> str:
        place = _("Absatz %(p)s, Satz %(s)s") % {"p": self.paragraph, "s": self.sentence}
        return f"{place}: „{self.word}“" if self.word else str(place)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """The text's blocks: ("p", [line, ...]) for a paragraph (Leichte Sprache starts each
    sentence on a line of its own) and ("ul", [item, ...]) for the lines that start with "- "."""
    found: list[tuple[str, list[str]]] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        for line in (line.strip() for line in chunk.split("\n")):
            if not line:
                continue
            kind, content = ("ul", line[2:].strip()) if line.startswith("- ") else ("p", line)
            if found and found[-1][0] == kind and not found[-1][1][-1].endswith("\n"):
                found[-1][1].append(content)
            else:
                found.append((kind, [content]))
        if found:
            found[-1][1][-1] += "\n"  # the end of a chunk: the next chunk starts a new block
    return [(kind, [line.strip() for line in lines]) for kind, lines in found]


def sentences(text: str) -> list[tuple[int, int, str]]:
    """(paragraph, sentence, text), both counted from 1; a list item is a sentence of its own."""
    result = []
    for number, (_kind, lines) in enumerate(blocks(text), start=1):
        count = 0
        for line in lines:
            for sentence in SENTENCE_END.split(line):
                if sentence.strip():
                    count += 1
                    result.append((number, count, sentence.strip()))
    return result


@cache
def _tagger() -> Any:
    from HanTa import HanoverTagger

    return HanoverTagger.HanoverTagger("morphmodel_ger.pgz")


def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return max(zipf_frequency(word, "de"), zipf_frequency(word.lower(), "de"))


def _finding(rule: str, paragraph: int, sentence: int, word: str) -> Finding:
    return Finding(rule, paragraph, sentence, word, str(RULES[rule]))


def _word_findings(
    paragraph: int, number: int, tagged: list[tuple[str, str, str]]
) -> list[Finding]:
    found = []
    for word, lemma, tag in tagged:
        if not word[0].isalpha() or tag == "NE":  # numbers, punctuation and names
            continue
        for part in word.split("-"):
            if len(part) > MAX_LETTERS:
                found.append(_finding("long_word", paragraph, number, word))
                break
        else:
            if len(word) > 2 and all(
                _zipf(part) < MIN_ZIPF and _zipf(lemma) < MIN_ZIPF for part in word.split("-")
            ):
                found.append(_finding("rare_word", paragraph, number, word))
    return found


def _grammar_findings(
    paragraph: int, number: int, tagged: list[tuple[str, str, str]]
) -> list[Finding]:
    found = []
    tags = [tag for _word, _lemma, tag in tagged]
    for position, (word, lemma, tag) in enumerate(tagged):
        lower = word.lower()
        if lemma == "werden" and tag.startswith("VA") and "VV(PP)" in tags[position + 1 :]:
            found.append(_finding("passive", paragraph, number, word))
        if lower in KONJUNKTIV and tag.startswith(("VA", "VM", "VV")):
            found.append(_finding("konjunktiv", paragraph, number, word))
        if tag == "PTKNEG" or lower in NEGATION or lemma in NEGATION:
            found.append(_finding("negation", paragraph, number, word))
        if lower in GENITIVE_ARTICLES and tag in ("ART", "PPOSAT"):
            found.append(_finding("genitive", paragraph, number, word))
    return found


def check_text(text: str) -> list[Finding]:
    """Every rule the text breaks, with its place; an empty list for a text that keeps them."""
    findings: list[Finding] = []
    tagger = _tagger()
    for paragraph, number, sentence in sentences(text):
        tokens = WORD.findall(sentence)
        words = [t for t in tokens if t[0].isalnum()]
        if len(words) > MAX_WORDS:
            findings.append(_finding("sentence_length", paragraph, number, " ".join(words[:4])))
        tagged = [tuple(t) for t in tagger.tag_sent(tokens, taglevel=1)] if tokens else []
        findings += _word_findings(paragraph, number, tagged)
        findings += _grammar_findings(paragraph, number, tagged)
    return findings


def readability(text: str) -> Decimal | None:
    """The fourth Wiener Sachtextformel (about the school year needed; Leichte Sprache aims at
    4 or lower); None for an empty text."""
    plain = " ".join(" ".join(lines) for _kind, lines in blocks(text))
    if not plain.strip():
        return None
    import textstat

    textstat.set_lang("de")
    return Decimal(str(round(textstat.wiener_sachtextformel(plain, 4), 1)))
