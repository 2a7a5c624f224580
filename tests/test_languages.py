from dumbcontacts.analysis.topics.languages import detect_languages

CASES = [
    ("my parcel never came and the app is broken", "en"),
    ("@AmazonHelp where is my order? https://t.co/AbC12", "en"),
    ("me pueden ayudar, me robaron mi cuenta de psn", "es"),
    ("Mein Paket ist nicht angekommen, bitte helfen Sie mir", "de"),
    ("Mon colis n'est pas arrivé depuis une semaine", "fr"),
    ("O meu pedido ainda não chegou, podem verificar?", "pt"),
    ("注文した商品がまだ届きません", "ja"),
    ("слишком медленный интернет дома", "ru"),
    # Too short to tell: undetermined, not guessed.
    ("Billing", None),
    ("Slow Internet", None),
    ("你好", None),
    ("https://t.co/AbC12 [PHONE]", None),
    ("", None),
    (None, None),
]


def test_detect_languages():
    texts = [text for text, _ in CASES]
    assert detect_languages(texts) == [language for _, language in CASES]


def test_detect_languages_of_nothing():
    assert detect_languages([]) == []
