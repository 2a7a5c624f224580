import pytest

from dumbcontacts.analysis.topics.keywords import (
    company_names,
    keyword_document,
    keyword_stop_words,
    keyword_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Comcast/Xfinity billing", "Comcast Xfinity billing"),
        ("AT&amp;T won't refund; see https://t.co/x", "AT T won t refund see"),
        ("my_account [EMAIL] is locked", "my account EMAIL is locked"),
    ],
)
def test_keyword_document_glues_no_words(text, expected):
    assert keyword_document(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Flights &amp; hotels", "flights hotels"),
        ("see https://t.co/AbC12 now", "see now"),
        ("Call [EMAIL] on XX/XX/XXXX about my email", "call on about my email"),
        # After BERTopic's preprocessing: brackets and slashes already gone.
        ("Call EMAIL on XXXXXXXX about my email", "call on about my email"),
        ("XBOX xbox", "xbox xbox"),
    ],
)
def test_keyword_text(text, expected):
    assert " ".join(keyword_text(text).split()) == expected


def test_configured_names_give_their_words():
    assert keyword_stop_words([], extra=["Acme", "Bank of America"]) == {
        "acme",
        "bank",
        "america",
    }


def test_brand_accounts_give_their_names():
    texts = [
        "my amazon parcel never came",
        "amazon prime video is down",
        "sprint cut my phone line",
        "sprint coverage is bad",
        "my phone line is down",
    ]
    sources = ["AmazonHelp", "AmazonHelp", "sprintcare", "sprintcare", None]
    assert keyword_stop_words(texts, sources=sources) == {
        "amazonhelp",
        "amazon",
        "help",
        "sprintcare",
        "sprint",  # the start of "sprintcare", said by its own contacts
    }


def test_a_start_of_an_account_said_by_everyone_is_not_its_name():
    texts = ["the phone line is down", "phone line is dead", "my phone is broken"]
    assert keyword_stop_words(texts, sources=["phonecare", None, None]) == {"phonecare"}


def _complaints() -> tuple[list[str], list[int]]:
    texts, topics = [], []
    for topic, problem in enumerate(["my bill is too high", "the internet is slow"]):
        for n in range(10):
            texts.append(f"{problem} again, Comcast please fix it {n}")
            topics.append(topic)
    for n in range(10):
        texts.append(f"the data cap of Comcast blocks Netflix streaming {n}")
        topics.append(2)
    # A subject line in title case says nothing about which words are names.
    texts.append("Comcast Billing Internet Data Cap Speed")
    topics.append(-1)
    return texts, topics


def test_names_said_in_most_topics_are_learnt_and_a_topic_own_name_is_kept():
    texts, topics = _complaints()
    assert keyword_stop_words(texts, topics=topics) == {"comcast"}


def test_names_said_in_few_topics_are_kept():
    texts, topics = _complaints()
    # Only the data-cap topic names the company now.
    texts = [
        t if topic == 2 else t.replace(" Comcast", "")
        for t, topic in zip(texts, topics, strict=True)
    ]
    assert keyword_stop_words(texts, topics=topics) == set()


def test_capitals_at_a_sentence_start_are_not_names():
    texts = [f"Bill is wrong. Bill me less {n}" for n in range(10)]
    assert keyword_stop_words(texts, topics=[0] * 10) == set()


def test_a_learnt_stop_word_is_kept_out_in_the_form_the_text_is_counted_in():
    from dumbcontacts.analysis.topics.fit import TopicSettings, build_vectorizer

    # An account name written with an underscore is two words once the text is counted.
    vectorizer = build_vectorizer(TopicSettings(), frozenset({"doordash_help"}))
    vectorizer.fit(["doordash never delivered my refund"])
    assert vectorizer.get_feature_names_out().tolist() == [
        "delivered", "delivered refund", "refund"
    ]  # fmt: skip


def test_a_name_most_contacts_say_is_the_company():
    texts = [f"my bill from Comcast is wrong again {n}" for n in range(20)]
    texts += [f"the data cap of Comcast blocks Netflix {n}" for n in range(5)]
    texts += [f"the internet is slow, please fix it {n}" for n in range(15)]
    # "Comcast" is said by 62 % of the contacts, "Netflix" by 12 %.
    assert company_names(texts) == {"comcast"}


def test_names_a_few_contacts_say_are_not_the_company():
    texts = [f"my bill is wrong again {n}" for n in range(40)]
    texts += [f"Netflix will not stream on the box {n}" for n in range(7)]
    assert company_names(texts) == set()
    # Lower case is how the text goes, not a name ("Bill" starts each sentence).
    assert company_names([f"Bill is wrong. Bill me less {n}" for n in range(10)]) == set()


def test_nouns_of_a_language_that_capitalises_them_are_no_company_names():
    texts = [f"Meine Rechnung ist seit dem {n}. Mai falsch und zu hoch" for n in range(30)]
    texts += [f"das Paket ist nicht angekommen, bitte helfen {n}" for n in range(30)]
    assert company_names(texts) == set()  # languages detected: German
    assert company_names(texts, ["de"] * len(texts)) == set()
    english = [f"my bill from Comcast is wrong again {n}" for n in range(30)]
    assert company_names(english + texts) == {"comcast"}


def test_german_nouns_said_across_topics_stay_keywords():
    texts = [f"die Rechnung für {w} ist falsch {n}" for w in ("Strom", "Gas") for n in range(10)]
    topics = [0] * 10 + [1] * 10
    assert keyword_stop_words(texts, topics=topics) == {"rechnung"}  # language unknown
    assert keyword_stop_words(texts, topics=topics, languages=["de"] * 20) == set()


def test_a_sample_of_the_texts_saying_a_candidate_has_its_language_detected(monkeypatch):
    import dumbcontacts.analysis.topics.keywords as keywords

    detected: list[int] = []

    def detect(texts):
        detected.append(len(texts))
        return ["en"] * len(texts)

    monkeypatch.setattr(keywords, "detect_languages", detect)
    texts = [f"my bill from Comcast is wrong again {n}" for n in range(5000)]
    texts += [f"the internet is slow, please fix it {n}" for n in range(5000)]
    assert company_names(texts) == {"comcast"}
    assert len(detected) == 1 and 1000 < detected[0] <= 2000  # of the 5,000 that say it
