"""Word and phrase banks for the sample data: names, products, greetings, signatures, agents.

Plain tuples only, so the generator picks from them by index and stays deterministic. Agent
and bot lines are keyed by defect category; customer reasons live in ``fixture_defects``.
"""

from __future__ import annotations

__all__ = [
    "AGENT_NAMES",
    "AGENT_REPLIES",
    "AREA_CODES",
    "BOT_OPENERS",
    "BRAND_BROADCASTS",
    "BRAND_REPLIES",
    "CARRIERS",
    "CHAT_CLOSINGS",
    "CHAT_HELLOS",
    "CONTEXT_LINES",
    "CUSTOMER_DOMAINS",
    "EMAIL_GREETINGS",
    "FIRST_NAMES",
    "FOLLOW_UPS",
    "IVR_ANSWERS",
    "IVR_OPENERS",
    "LAST_NAMES",
    "NOTIFICATION_QUOTES",
    "PHONE_CLOSINGS",
    "PII_SENTENCES",
    "PRODUCTS",
    "PROMO_CODES",
    "QUEUES",
    "REPEAT_LINES",
    "SIGN_OFFS",
    "SIGNATURES",
    "SPOKEN_OPENERS",
    "STREETS",
]

FIRST_NAMES = (
    "Jo", "Sam", "Alex", "Maria", "James", "Priya", "Chen", "Fatima", "Tom", "Aisha",
    "Lucas", "Emma", "Noah", "Olivia", "Liam", "Sofia", "Mohammed", "Grace", "Daniel", "Mei",
    "Ethan", "Chloe", "Omar", "Hannah", "Ryan", "Zara", "Ben", "Ines", "Kwame", "Laura",
    "Diego", "Anna", "Yusuf", "Ruth", "Ivan", "Leah", "Marco", "Nina", "Kofi", "Sara",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Patel", "Garcia", "Nguyen", "Brown", "Kim", "Okafor", "Murphy",
    "Rossi", "Novak", "Silva", "Cohen", "Walker", "Khan", "Lopez", "Taylor", "Wilson",
    "Martin", "Baker", "Evans", "Hughes", "Clarke", "Wright", "Mensah", "Fischer",
    "Dubois", "Kowalski", "Tanaka", "Ahmed", "Reid", "Price", "Bennett", "Singh", "Moore",
)  # fmt: skip
CUSTOMER_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "inbox.example")
# Real US area codes; the 555 exchange keeps the numbers fictional.
AREA_CODES = ("415", "212", "646", "312", "617", "206", "512", "303", "404", "305",
              "213", "702", "503", "615", "919", "602", "314", "612", "215", "202")  # fmt: skip
STREETS = (
    "Baker Street", "Elm Avenue", "Maple Road", "Oak Lane", "High Street", "Mill Road",
    "Church Street", "Park Avenue", "Station Road", "Cedar Court", "Willow Way", "King Street",
)  # fmt: skip

PRODUCTS = (
    "wireless headphones", "air fryer", "standing desk", "running shoes", "coffee grinder",
    "kids' bike helmet", "4K monitor", "robot vacuum", "yoga mat", "winter jacket",
    "bluetooth speaker", "office chair", "phone case", "blender", "electric toothbrush",
    "smart watch", "duvet cover", "backpack", "desk lamp", "water bottle", "gaming mouse",
    "kettle", "baby monitor", "air purifier",
)  # fmt: skip
CARRIERS = ("UPS", "FedEx", "USPS", "DHL", "OnTrac")
PROMO_CODES = ("SAVE15", "WELCOME10", "FREESHIP", "AUTUMN20")

QUEUES = {
    "billing": "billing",
    "shipping": "orders",
    "product": "product-support",
    "account": "accounts",
    "website/app": "tech-support",
    "returns/refunds": "returns",
    "policy/pricing": "billing",
    "pre-sales": "sales",
}

EMAIL_GREETINGS = (
    "Hi team,", "Hello,", "Hi there,", "Dear Sir or Madam,", "Hi,", "Good morning,", "Hey,",
    "To whom it may concern,", "Hello Shop,", "",
)  # fmt: skip
# {first} and {last} are the customer's; {phone} and {street} are PII and get recorded.
SIGN_OFFS = ("Thanks,\n{first}", "Regards,\n{first} {last}", "Thank you\n{first}",
             "Cheers,\n{first}", "Kind regards,\n{first} {last}", "Thanks")  # fmt: skip
SIGNATURES = (
    "-- \n{first} {last}\n{phone}",
    "Sent from my iPhone",
    "Sent from my Galaxy",
    "-- \n{first} {last}\n{street}",
    "Get Outlook for Android",
    "",
    "",
)
CONTEXT_LINES = (
    "I've been a customer for years and this has never happened before.",
    "This is really frustrating.",
    "Please sort this out as soon as possible.",
    "I need this resolved before the weekend.",
    "Could someone get back to me today?",
    "From what I can see on my account, nothing has been done yet.",
    "I've attached a screenshot.",
    "",
    "",
)
REPEAT_LINES = (
    "This is the second time I'm contacting you about this.",
    "I already got in touch about this a few days ago and nothing happened.",
    "Following up again, nobody has fixed it.",
    "I was told this would be sorted last time.",
)
FOLLOW_UPS = (
    "That didn't help, it's still not sorted.",
    "Any update on this?",
    "Thanks, but I'm still waiting.",
    "I tried what you said and it didn't work.",
    "OK thanks, that's fixed it.",
    "Can you confirm when this will be done?",
)
# Old shop mail a customer quotes at the bottom of a new message (quoted, not a reason).
NOTIFICATION_QUOTES = (
    "Your order {order} has been dispatched and is on its way.",
    "Thanks for your order {order}! We'll let you know when it ships.",
    "Your return for order {order} has been received at our warehouse.",
)
# {phone}, {email}, {card}, {street}, {account} are filled with values that get recorded.
PII_SENTENCES = {
    "phone": ("You can call me on {phone}.", "My number is {phone}.", "Call me back at {phone}"),
    "email": ("Please reply to {email}.", "My email is {email}", "Contact me at {email}."),
    "card": ("The card I used is {card}.", "Card number {card} if you need it.",
             "It was charged to my card {card}."),
    "street": ("Please send it to {street}.", "My address is {street}."),
    "account": ("My account number is {account}.", "Account no. {account}"),
}  # fmt: skip

AGENT_NAMES = ("Sam", "Priya", "Marcus", "Elena", "Tom", "Keisha", "Raj", "Hannah", "Luis", "Amy")
AGENT_REPLIES = {
    "shipping": (
        "I'm sorry your order isn't with you yet. I've opened a trace with the carrier and "
        "you'll have an update within 48 hours.",
        "Sorry about this. I've arranged a replacement to ship today at no cost.",
    ),
    "billing": (
        "Thanks for getting in touch. I've looked into this with our payments team and "
        "updated your account; you'll get an email confirmation shortly.",
        "I've checked your account and corrected it; you'll get a confirmation by email.",
    ),
    "product": (
        "Sorry to hear it isn't working. I've arranged a replacement and a prepaid return "
        "label is on its way by email.",
        "Could you try holding the power button for 10 seconds? If that fails we'll replace it.",
    ),
    "account": (
        "I've updated your account; please try again using the link I've just sent.",
        "For security I've unlocked your account and sent a new reset link.",
    ),
    "website/app": (
        "Thanks for letting us know. Our technical team is aware of the problem and working "
        "on a fix.",
        "Sorry about that. Could you try again now? We've just fixed an issue on our side.",
    ),
    "returns/refunds": (
        "I've checked your return and pushed the refund through; it can take 3-5 working days "
        "to appear.",
        "I've emailed you a prepaid return label; just drop the parcel at any post office.",
    ),
    "policy/pricing": (
        "I understand. I've applied a one-off credit to your account as a goodwill gesture.",
        "Our policy is explained on the help pages, but I've made an exception this time.",
    ),
    "pre-sales": (
        "Great question! Both models work with that; most customers choose the larger one.",
        "Yes, it comes with a two-year warranty and it's in stock for next-day delivery.",
    ),
}
BOT_OPENERS = ("Hi! I'm ShopBot. How can I help today?", "Hello! What can I help you with?")
CHAT_HELLOS = ("hi", "hello", "Hi!", "hey", "hello?", "good morning", "hi there")
CHAT_CLOSINGS = (
    "Is there anything else I can help with?",
    "Thanks for chatting with us today!",
    "Have a lovely day.",
)
IVR_OPENERS = (
    "Welcome to Shop customer service. Calls may be recorded for training.",
    "Thank you for calling Shop. Your call is important to us.",
)
IVR_ANSWERS = ("agent", "representative", "speak to a person", "operator", "billing", "my order")
# Speech-to-text style fillers in front of the spoken reason.
SPOKEN_OPENERS = ("", "", "Hi, yes, ", "Yeah hi, um, ", "Hello, ", "Hi there, so ")
PHONE_CLOSINGS = ("OK, thank you.", "Great, thanks for your help.", "Alright. Bye.", "Thanks.")
BRAND_REPLIES = (
    "Sorry to hear that! Please send us a DM with your order number and we'll look into it.",
    "We're sorry about this. Can you DM us your email address so we can check?",
    "Thanks for reaching out. We've sent you a DM to get this sorted.",
    "That's not the experience we want for you. Please DM us the details.",
)
BRAND_BROADCASTS = (
    "Heads up: some deliveries are running a day late this week. Thanks for your patience!",
    "Our app update is live. Let us know what you think!",
    "Reminder: free returns on all orders for 30 days.",
)
