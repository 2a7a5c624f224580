"""Which language a reason is in: offline, with lingua, and undetermined rather than guessed.

``detect_languages`` gives an ISO 639-1 code ("en", "es") per text, or None where the text is
too short to tell (under three words; a Chinese or Japanese character counts as one) or
lingua's two best languages are too close. Only
the common languages of ``LANGUAGES`` are considered: fewer candidates make lingua faster
and keep a short English text from being read as Welsh or Yoruba.

lingua reads 250-500 texts per second on two cores. A shortcut first settles the texts that
are plainly English, at least two common English function words and none of another
language's (nor a letter of another script): on the public Twitter support sample that is
86 % of the texts, and lingua agreed with it on all but one text that was not a lingua error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from dumbcontacts.analysis.topics.prepare import clean_for_embedding

__all__ = ["LANGUAGES", "detect_languages"]

LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "sv", "pl", "tr", "ru", "ar", "ja", "zh")
LANGUAGES += ("ko", "hi")
# lingua's two best languages must differ by at least this much (0-1) to decide.
MIN_RELATIVE_DISTANCE = 0.1
_MIN_WORDS = 3

_ENGLISH = re.compile(
    r"(?i)\b(?:the|and|you|your|my|with|this|have|that|what|why|when|not|been|can't|don't"
    r"|i'm|it's|is|are|was|from|just|get|got|will|would|any|there|i|it|to|of|for|on|me|do"
    r"|how|can|but|no)\b"
)
# Function words of the other Latin-script languages, and letters outside ASCII that are
# not punctuation, symbols or emoji (an accent, another script).
_NOT_ENGLISH = re.compile(
    r"(?i)\b(?:el|la|los|las|que|por|para|una|es|mi|con|y|de|en|del|lo|se|le|les|des|est|je"
    r"|pas|une|et|du|der|das|und|ist|nicht|ich|mit|ein|eine|os|um|meu|com|il|che|non|per|di"
    r"|sono|het|een|niet|ik|van|wat|och|att|jag|inte|det|nie|jest|bir|ve|bu)\b"
    r"|[^\x00-\x7f\u2000-\u206f\u20a0-\u20cf\u2100-\u2bff\ufe0f\U0001f000-\U0001faff]"
)
# A word, or one character of a script written without spaces (Chinese, Japanese).
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]|[^\W\d_\u3040-\u30ff\u3400-\u9fff]+")


def detect_languages(texts: Sequence[str | None]) -> list[str | None]:
    """An ISO 639-1 code per text (one of ``LANGUAGES``), or None when undetermined."""
    cleaned = [clean_for_embedding(t) for t in texts]
    found: list[str | None] = [None] * len(cleaned)
    unsure: list[int] = []
    for index, text in enumerate(cleaned):
        if len(_WORD.findall(text)) < _MIN_WORDS:
            continue
        if len(_ENGLISH.findall(text)) >= 2 and _NOT_ENGLISH.search(text) is None:
            found[index] = "en"
        else:
            unsure.append(index)
    if unsure:
        detected = _detector().detect_languages_in_parallel_of([cleaned[i] for i in unsure])
        for index, language in zip(unsure, detected, strict=True):
            found[index] = language.iso_code_639_1.name.lower() if language else None
    return found


@cache
def _detector():
    # Imported here: the models load lazily, on the first text that needs them.
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    return (
        LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        .with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
        .build()
    )
