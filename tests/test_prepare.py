import pytest

from dumbcontacts.analysis.topics.prepare import (
    clean_for_embedding,
    prepare_reason,
    problem_statement,
    without_names,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Flights &amp; hotels", "Flights & hotels"),
        ("Flights &amp;amp; hotels &lt;3 &#39;now&#39;", "Flights & hotels <3 'now'"),
        ("see https://t.co/AbC12 and www.example.com/x now", "see and now"),
        ("@AmazonHelp @115712 where is my parcel", "where is my parcel"),
        ("mail me at jo@example.com", "mail me at jo@example.com"),  # not a handle
        ("call me on [PHONE] about [CARD]", "call me on [PHONE] about [CARD]"),
        ("I paid on XX/XX/2019 to XXXX XXXX for {$1500.00}.", "I paid on to for."),
        ("since xx/xx/xxxx, my ( XXXX ) account", "since, my account"),
        ("addresses : XXXX, XXXX, OH XXXX, NY", "addresses, OH, NY"),
        ("my Xbox and Xmas tax", "my Xbox and Xmas tax"),  # words with x stay
        ("  too \n many\tblanks ", "too many blanks"),
        ("XXXX XXXX", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_for_embedding(text, expected):
    assert clean_for_embedding(text) == expected


LETTER = (
    "I opened a checking account in 2018 with the bank near my home. "
    "For two years everything went fine and I used it for my salary. "
    "My sister also banks there and we often go together on Saturdays. "
    "In March the bank charged me an overdraft fee twice for the same payment. "
    "I called them many times and the branch manager was polite but slow. "
    "I want the duplicate overdraft fee refunded to my checking account."
)


def test_problem_statement_keeps_the_sentences_that_state_the_problem():
    assert problem_statement(LETTER, max_words=40) == (
        "I opened a checking account in 2018 with the bank near my home. "
        "In March the bank charged me an overdraft fee twice for the same payment. "
        "I want the duplicate overdraft fee refunded to my checking account."
    )


def test_problem_statement_is_bounded_and_keeps_short_texts():
    assert problem_statement("My parcel is late.", max_words=5) == "My parcel is late."
    one_sentence = " ".join(["word"] * 100)
    assert problem_statement(one_sentence, max_words=60) == " ".join(["word"] * 60)
    assert len(problem_statement(LETTER * 5, max_words=60).split()) <= 60


def test_prepare_reason_cleans_then_bounds():
    letter = "XXXX XXXX " * 100 + "My card was charged twice."
    assert prepare_reason(letter, max_words=10) == "My card was charged twice."
    assert prepare_reason("Billing &amp; fees") == "Billing & fees"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Comcast billing problem", "billing problem"),
        ("COMCAST's data caps, again", "data caps, again"),
        ("Comcast/Xfinity speed", "Xfinity speed"),
        ("comcastic deal", "comcastic deal"),  # a word that starts with the name stays
        ("Comcast", "Comcast"),  # nothing else to read: the text stays as it is
    ],
)
def test_without_names(text, expected):
    assert without_names(text, frozenset({"comcast"})) == expected


def test_prepare_reason_reads_without_the_company_names():
    assert prepare_reason("Comcast &amp; billing", names={"comcast"}) == "billing"
    assert prepare_reason("Comcast &amp; billing") == "Comcast & billing"
