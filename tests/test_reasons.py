import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dumbcontacts.etl.reasons import (
    clean_message,
    clean_message_expr,
    first_substantive,
    first_substantive_expr,
    name_phrases,
)
from dumbcontacts.etl.redact import redact_expr

CLEAN_CASES = [
    # greetings
    ("Hi team, my parcel is late", "my parcel is late"),
    ("Hello,\nI was charged twice.", "I was charged twice."),
    ("Hey there! The app crashes.", "The app crashes."),
    ("Dear Sir/Madam,\n\nI want a refund.", "I want a refund."),
    ("Good morning, the discount code fails.", "the discount code fails."),
    ("Hi Shop Support, where is my parcel?", "where is my parcel?"),
    ("Hi Zoë, the café mug arrived broken 😞", "the café mug arrived broken 😞"),
    ("Hi I ordered a lamp and it broke", "I ordered a lamp and it broke"),
    ("Hi there, hope you are well. My bill is wrong.", "My bill is wrong."),
    ("Hi-Fi speaker arrived broken", "Hi-Fi speaker arrived broken"),
    ("Highway delivery never came", "Highway delivery never came"),
    ("Dear Sir or Madam, my chair is broken", "my chair is broken"),
    ("To whom it may concern,\n\nI need an invoice.", "I need an invoice."),
    ("Yeah hi, um, my parcel is lost", "my parcel is lost"),
    ("yes, why was I charged twice?", "why was I charged twice?"),
    ("So-called express delivery took 9 days", "So-called express delivery took 9 days"),
    # quoted earlier mail
    (
        "Still no refund.\n\nOn Mon, 3 Mar 2026 at 10:02, Shop <[EMAIL]> wrote:\n> Refund sent",
        "Still no refund.",
    ),
    (
        "Still no refund.\nOn Mon, 3 Mar 2026 at 10:02, Shop Support\n<[EMAIL]> wrote:\n> Hi",
        "Still no refund.",
    ),
    ("> Your order has shipped\nIt has not arrived", "It has not arrived"),
    ("Card declined\n-----Original Message-----\nFrom: Shop\nHi Jo", "Card declined"),
    (
        "Wrong size sent\n\nFrom: Shop Support\nSent: Monday, 2 March 2026 10:00\nTo: Jo",
        "Wrong size sent",
    ),
    ("On Monday I ordered a lamp and it broke.", "On Monday I ordered a lamp and it broke."),
    # signatures and closings
    ("Wrong size delivered\n-- \nJane Doe\n[PHONE]", "Wrong size delivered"),
    ("Login fails again\n\nSent from my iPhone", "Login fails again"),
    ("Login fails again Sent from my Android", "Login fails again"),
    ("My parcel is late.\n\nThanks,\nJane Doe\nMobile: [PHONE]", "My parcel is late."),
    ("My parcel is late.\nBest regards,\nJane Doe\nAcme Ltd\n[EMAIL]", "My parcel is late."),
    ("My parcel is late.\nKind regards", "My parcel is late."),
    ("The lid is cracked. Cheers, Jo", "The lid is cracked."),
    ("Where is my refund? Thanks for your help!", "Where is my refund?"),
    ("Thanks,\nStill no refund.", "Thanks, Still no refund."),
    ("I was sent from my bank to you", "I was sent from my bank to you"),
    # handles (raw and redacted) go; other placeholders stay
    ("@ShopHelp @ShopUK my order is late", "my order is late"),
    ("[HANDLE] hi where is my parcel?", "where is my parcel?"),
    ("my parcel is late @ShopHelp!", "my parcel is late!"),
    ("Call me on [PHONE] or [EMAIL] about [CARD]", "Call me on [PHONE] or [EMAIL] about [CARD]"),
    ("Ship to [ADDRESS], ref [NUMBER]", "Ship to [ADDRESS], ref [NUMBER]"),
    # whitespace
    ("  too   many\n\n spaces\t here\u00a0now  ", "too many spaces here now"),
    ("line one\r\nline two", "line one line two"),
    # nothing left
    ("Thanks!", ""),
    ("hi", ""),
    ("", ""),
    (None, None),
]

SUBSTANTIVE_CASES = [
    # Asking an IVR for a human is not the reason; what follows is.
    (["speak to a person", "I was charged twice"], "I was charged twice"),
    (
        ["Representative.", "I want to talk to a real person please", "where is my refund"],
        "where is my refund",
    ),  # fmt: skip
    (["I want to speak to someone about my refund"], "I want to speak to someone about my refund"),
    (["hi", "My parcel never arrived"], "My parcel never arrived"),
    (["Hello!", "ok", "The app logs me out every time"], "The app logs me out every time"),
    (["Hi team,\n\nMy refund is late.\n\nThanks,\nJo"], "My refund is late."),
    (["[EMAIL] [PHONE]", "Double charge on my card"], "Double charge on my card"),
    ([None, "Refund still missing"], "Refund still missing"),
    (["Refund pls now"], "Refund pls now"),  # three words
    (["Wrong size"], "Wrong size"),  # a short phrase is a reason
    (["Billing"], "Billing"),
    (["hi", "Data Caps"], "Data Caps"),
    (["TV"], "TV"),
    (["n/a (b) (6)"], None),
    (["Issue", "Complaint!", "Slow Internet"], "Slow Internet"),
    # A menu answer is the reason only when nothing longer follows.
    (["billing", "why was I charged twice?"], "why was I charged twice?"),
    (["my order", "ok"], "my order"),
    (["Thanks!"], None),
    (["yes", "ok", "thank you so much"], None),
    (["Thanks for the help!", "ok 👍"], None),
    (["Café crème froid 😞"], "Café crème froid 😞"),
    # A combining mark is part of a word in both engines, so this is not only punctuation.
    ([".\xa0\u0301\xa0Hi"], ". \u0301 Hi"),
    ([], None),
    (None, None),
]


NAMED_CASES = [
    # A bare company name says nothing; a short phrase beside it does.
    (["Comcast"], None),
    (["COMCAST!"], None),
    (["Comcast Issues"], None),
    (["comcast", "Billing"], "Billing"),
    (["Comcast bill"], "Comcast bill"),
    (["Bank of America"], None),
    (["Bank fees"], "Bank fees"),
    (["Amazon help"], None),
    (["amazon parcel lost"], "amazon parcel lost"),
]
NAMES = name_phrases(["Comcast", "Bank of America", "AmazonHelp"])


@pytest.mark.parametrize(("turns", "expected"), NAMED_CASES)
def test_first_substantive_without_company_names(turns, expected):
    frame = pl.DataFrame({"turns": [turns]}, schema={"turns": pl.List(pl.Utf8)})
    vectorised = frame.select(first_substantive_expr(pl.col("turns"), names=NAMES)).item()
    assert first_substantive(turns, NAMES) == vectorised == expected


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["AmazonHelp"], {"amazonhelp", "amazon", "help"}),
        (["British_Airways"], {"british_airways", "british", "airways"}),
        (["sprintcare"], {"sprintcare"}),
        (["ATVIAssist"], {"atviassist", "atvi", "assist"}),
        (["Bank of  America", " "], {"bank of america"}),
        (["Comcast", "XboxSupport"], {"comcast", "xboxsupport", "xbox", "support"}),
    ],
)
def test_name_phrases(names, expected):
    assert name_phrases(names) == expected


def clean_both(text: str | None) -> str | None:
    vectorised = pl.select(clean_message_expr(pl.lit(text, dtype=pl.Utf8))).item()
    assert clean_message(text) == vectorised
    return vectorised


def first_both(turns: list[str | None] | None) -> str | None:
    frame = pl.DataFrame({"turns": [turns]}, schema={"turns": pl.List(pl.Utf8)})
    vectorised = frame.select(first_substantive_expr(pl.col("turns"))).item()
    assert first_substantive(turns) == vectorised
    return vectorised


@pytest.mark.parametrize(("text", "expected"), CLEAN_CASES)
def test_clean_message(text, expected):
    assert clean_both(text) == expected


@pytest.mark.parametrize(("turns", "expected"), SUBSTANTIVE_CASES)
def test_first_substantive(turns, expected):
    assert first_both(turns) == expected


def test_clean_message_expr_column_mixes_messy_and_clean_rows():
    frame = pl.DataFrame({"text": [text for text, _ in CLEAN_CASES]}, schema={"text": pl.Utf8})
    cleaned = frame.select(clean_message_expr(pl.col("text")))
    assert cleaned["text"].to_list() == [expected for _, expected in CLEAN_CASES]
    assert frame["text"].to_list() == [text for text, _ in CLEAN_CASES]


def test_first_substantive_expr_column():
    frame = pl.DataFrame(
        {"turns": [turns for turns, _ in SUBSTANTIVE_CASES]}, schema={"turns": pl.List(pl.Utf8)}
    )
    reasons = frame.select(first_substantive_expr(pl.col("turns")))
    assert reasons["turns"].to_list() == [expected for _, expected in SUBSTANTIVE_CASES]


def test_reason_from_raw_turns_redacts_first():
    raw = [
        [
            "Hi,\n\nMy refund for ORD-1234567 never came.\n\n"
            "On Tue, 3 Mar 2026, Jo <jo@example.com> wrote:\n> my card 4111 1111 1111 1111",
        ],
        ["Hello", "@ShopHelp call me on +1 415 555 0199 about my card"],
        ["The charger burns hot\n\nThanks,\nJo Smith\nTel: 415-555-0199"],
    ]
    frame = pl.DataFrame({"turns": raw})
    reasons = frame.select(
        first_substantive_expr(pl.col("turns").list.eval(redact_expr(pl.element())))
    )
    assert reasons["turns"].to_list() == [
        "My refund for ORD-1234567 never came.",
        "call me on [PHONE] about my card",
        "The charger burns hot",
    ]


tokens = st.sampled_from(
    ["Hi", "hello", "Dear", "Team", "Thanks", "Regards", "Best", "On", "wrote:", "From:", "Sent:"]
    + ["Sent from my iPhone", "--", "-----Original Message-----", ">", "@jo", "[HANDLE]"]
    + ["[EMAIL]", "Jo", "order", "late", "é", "😀", "\u00a0", "\n", "\r\n", "\t", " ", "  "]
    + [".", ",", "!", "?", "-", "x", "1", "\u0301", "’", "Yeah", "um", "So"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(tokens, max_size=25).map("".join), min_size=1, max_size=10))
def test_vectorised_and_scalar_agree(texts):
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.Utf8})
    cleaned = frame.select(clean_message_expr(pl.col("text")))["text"].to_list()
    assert cleaned == [clean_message(text) for text in texts]
    reason = pl.select(first_substantive_expr(pl.lit(pl.Series([texts])))).item()
    assert reason == first_substantive(texts)
