"""People's names, recognised by the words in front of them -> ``[NAME]``.

Capitalised words after "my name is", "this is", "I am", "I'm", "it's", "call me", a title
("Mr", "Dr", "Frau") or a sign-off on the same line ("Kind regards, Jo"); after "my name
is" and "name:" also lower-case or upper-case words and names in scripts without capitals.
A stop list keeps "I am Very upset" and "this is The third time". Redaction works line by
line, so a name alone on the line under "Kind regards," is not recognised (reason_text
drops sign-offs and the lines under them).
"""

from __future__ import annotations

import re

__all__ = ["redact_names"]

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Mme|Mlle|Herr|Frau|Sr|Sra|Srta|Sig|Sig\.ra)"
_STOP = (
    r"(?:The|A|An|Not|Very|So|Still|Now|Here|There|It|This|That|Just|Really|Calling|Writing"
    r"|Trying|Going|Your|My|Our|Absolutely|Extremely|Totally|Being|Getting|Having|Unable"
    r"|Sorry|Happy|Sure|Afraid|Done|Fine|Ok|OK|Okay|Also|Again|Always|Never|Regarding|About"
    r"|Please|Looking|Waiting|Contacting|Following|Interested|Disappointed|Frustrated|Annoyed"
    r"|Upset|Confused|Concerned|Worried|Glad|Pleased|Tired|Fed|Hoping|Wondering|Reaching"
    r"|Emailing|Unhappy|Angry|Furious|Shocked|Ridiculous|Unacceptable|Urgent|Important"
    r"|Customer|Support|Team|Service|Which|What|Why|How|Where|When|Who|Yes|No|Hi|Hello"
    r"|Thanks|Thank|In|On|At|For|From|With|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday"
    r"|Sunday|January|February|March|April|May|June|July|August|September|October|November"
    r"|December|English|British|American|Canadian|Australian|Indian|Irish|French|German"
    r"|Spanish|Italian|Dutch|Shop|Amazon|Apple|Google|Microsoft|Samsung|PayPal|Visa"
    r"|Mastercard|Today|Tomorrow|Yesterday|Again|Because|If|As|But|And|Or|Is|Was|Will)"
)
_NAME_WORD = (
    rf"(?!{_STOP}(?![\w]))[{_UPPER}](?:[{_LOWER}]{{0,2}}['’]?[{_UPPER}])?[{_LOWER}]{{1,20}}+"
    rf"(?:-[{_UPPER}][{_LOWER}]{{1,20}}+)?"
)
_NAME_PARTICLE = r"(?:de|del|della|der|den|di|da|das|dos|du|la|le|van|von|bin|ibn|al|el|ter|ten)"
_INITIAL = rf"[{_UPPER}]\.(?=[ \t])"  # "John A. Smith"
_FULL_NAME = (
    rf"{_NAME_WORD}"
    rf"(?:(?:[ \t]{_NAME_PARTICLE}){{0,2}}[ \t]{{1,2}}(?:{_INITIAL}|{_NAME_WORD})){{0,3}}"
)
# Scripts without capitals (王伟, Иван after "my name is"); no ASCII letter, so no English.
_OTHER_SCRIPT_WORD = r"[^\W\d_A-Za-z]{1,20}+"
_NOT_NAME = (
    r"(?:and|but|or|so|i|im|my|is|was|on|in|at|the|a|an|not|calling|from|here|with|to|about"
    r"|regarding|ringing|writing|please|thanks|and|also|still|just|really|very)"
)
_LOWER_NAME_WORD = rf"(?!{_NOT_NAME}(?![\w]))[{_LOWER}]{{2,20}}+(?:-[{_LOWER}]{{2,20}}+)?"
_UPPER_NAME_WORD = rf"[{_UPPER}]{{2,20}}+(?:['’-][{_UPPER}]{{2,20}}+)?"
_STRONG_CUE = (
    r"(?<![\w])(?i:my[ \t](?:full[ \t]|first[ \t]|last[ \t]|real[ \t])?name[ \t]{1,2}is"
    r"|my[ \t](?:full[ \t])?name(?:'s|’s)|name[ \t]?[:\-–]|i[ \t]am[ \t]called"
    r"|i'm[ \t]called|i’m[ \t]called)[ \t]{1,3}"
)
_WEAK_CUE = (
    r"(?<![\w])(?:(?i:i[ \t]am|i'm|i’m|im|this[ \t]is|it's|it’s|it[ \t]is|here[ \t]is|signed"
    r"|call[ \t]me)[ \t]{1,3}"
    # a sign-off: "Regards, Jane Doe", "Thanks, Jo"
    r"|(?:Regards|Kind[ \t]regards|Best[ \t]regards|Best|Thanks|Thank[ \t]you|Cheers|Sincerely"
    r"|Yours[ \t]sincerely|Yours[ \t]truly|Many[ \t]thanks),[ \t]{1,3})"
)
_NAME = re.compile(
    rf"(?:{_STRONG_CUE}(?:(?:{_TITLE}\.?[ \t]{{1,2}})?(?P<strong>{_FULL_NAME})"
    rf"|(?P<lower>{_LOWER_NAME_WORD}(?:[ \t]{_LOWER_NAME_WORD}){{0,2}})"
    rf"|(?P<upper>{_UPPER_NAME_WORD}(?:[ \t]{_UPPER_NAME_WORD}){{0,2}})"
    rf"|(?P<script>{_OTHER_SCRIPT_WORD}(?:[ \t]{_OTHER_SCRIPT_WORD}){{0,2}}))"
    rf"|{_WEAK_CUE}(?:{_TITLE}\.?[ \t]{{1,2}})?(?P<weak>{_FULL_NAME})"
    rf"|(?<![\w]){_TITLE}\.?[ \t]{{1,2}}(?P<titled>{_FULL_NAME}))(?![\w-])"
)


def redact_names(text: str) -> str:
    return _NAME.sub(_redact_name, text)


def _redact_name(match: re.Match[str]) -> str:
    groups = ("strong", "lower", "upper", "script", "weak", "titled")
    group = next(g for g in groups if match.group(g))
    start, end = match.span(group)
    offset = match.start()
    return match.group()[: start - offset] + "[NAME]" + match.group()[end - offset :]
