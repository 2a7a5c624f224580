import base64
import io

import polars as pl
import pytest

from dumbcontacts.etl.readers.email import (
    find_order_ref,
    html_to_text,
    is_support_address,
    read_eml_files,
    read_mbox,
)
from dumbcontacts.etl.staging import STAGING_SCHEMA, Reject, RejectedFile, split_staging

SEPARATOR = b"From someone@example.com Tue Sep  1 08:00:00 2026\n"


def make_mail(
    sender: str = "Jo Bloggs <Jo@Example.com>",
    msg_id: str | None = "root@example.com",
    subject: str = "Where is my order #123456",
    body: str = "Hi,\n\nmy parcel never arrived.\n\nThanks,\nJo",
    date: str | None = "Tue, 01 Sep 2026 10:00:00 +0200",
    references: str | None = None,
    in_reply_to: str | None = None,
    to: str = "Shop Support <support@shop.example>",
) -> bytes:
    head = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    if date is not None:
        head.append(f"Date: {date}")
    if msg_id is not None:
        head.append(f"Message-ID: <{msg_id}>")
    if in_reply_to is not None:
        head.append(f"In-Reply-To: <{in_reply_to}>")
    if references is not None:
        head.append("References: " + " ".join(f"<{r}>" for r in references.split()))
    head.append("Content-Type: text/plain; charset=utf-8")
    return ("\n".join(head) + "\n\n" + body + "\n").encode()


def agent_reply(msg_id: str = "r1@shop.example", refs: str = "root@example.com", **kw) -> bytes:
    kw.setdefault("body", "Sorry about that, a new one is on its way.")
    kw.setdefault("date", "Tue, 01 Sep 2026 12:00:00 +0000")
    return make_mail(
        sender="Shop Support <support@shop.example>",
        msg_id=msg_id,
        subject="Re: Where is my order #123456",
        references=refs,
        in_reply_to=refs.split()[-1],
        to="jo@example.com",
        **kw,
    )


def follow_up(msg_id: str = "f1@example.com", **kw) -> bytes:
    kw.setdefault("date", "Wed, 02 Sep 2026 09:30:00 +0000")
    kw.setdefault("body", "Still nothing.\n\nOn Tue, Shop wrote:\n> Sorry about that")
    return make_mail(
        msg_id=msg_id,
        subject="Re: Where is my order #123456",
        references="root@example.com r1@shop.example",
        in_reply_to="r1@shop.example",
        **kw,
    )


def mbox(*messages: bytes) -> io.BytesIO:
    return io.BytesIO(b"".join(SEPARATOR + m + b"\n" for m in messages))


def read(*messages: bytes, **kw) -> tuple[list[dict], list[Reject]]:
    items = list(read_mbox(mbox(*messages), **kw))
    return [i for i in items if isinstance(i, dict)], [i for i in items if isinstance(i, Reject)]


@pytest.mark.parametrize(
    ("function", "argument", "expected"),
    [
        (is_support_address, "support@shop.example", True),
        (is_support_address, "Customer.Service@big.example", True),
        (is_support_address, "no-reply@shop.example", True),
        (is_support_address, "jo@example.com", False),
        (is_support_address, "supportive@example.com", False),
        (find_order_ref, "Where is my Order #123456?", "123456"),
        (find_order_ref, "about order 98765 again", "98765"),
        (find_order_ref, "order number: ORD-1234567", "ORD-1234567"),
        (find_order_ref, "I ordered 5 items", None),
        (find_order_ref, "no reference here", None),
        (find_order_ref, "order :  #  ORD-1234567", "ORD-1234567"),
        (find_order_ref, "ORDER\n\n   no. 4567", "4567"),
        # Blanks after "order" once backtracked through every way of splitting them: minutes.
        (find_order_ref, "order" + " " * 100_000 + "x", None),
        (html_to_text, "<p>Tom &amp; Jerry&#39;s</p><p>caf&eacute;</p>", "Tom & Jerry's\ncafé"),
        (html_to_text, "<style>p {color: red}</style><div>Hi<br>there</div>", "Hi\nthere"),
        (html_to_text, "<p>new</p><blockquote><p>old</p></blockquote>", "new\n> old"),
        (html_to_text, "<div>-- <br>Jo</div>", "-- \nJo"),
        (html_to_text, "<p>x < y and 3>2</p><!-- note --><p>end", "x < y and 3>2\nend"),
        (html_to_text, "<P>shout</P><br/>quiet<!-- never closed <p>gone", "shout\nquiet"),
        # Unclosed tags once cost HTMLParser minutes (a rescan to the end for every "<").
        (html_to_text, "<a " * 20_000, ("<a " * 20_000).strip()),
        (html_to_text, "<!--" * 20_000, ""),
    ],
)
def test_pure_helpers(function, argument, expected):
    assert function(argument) == expected


def test_a_thread_becomes_one_staging_row():
    rows, rejects = read(make_mail(), agent_reply(), follow_up())
    assert rejects == []
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == set(STAGING_SCHEMA)
    assert row["record_no"] == 1
    assert row["source_system"] == "mailbox"
    assert row["source_id"] == "root@example.com"
    assert row["started_at"] == "2026-09-01T08:00:00Z"  # +0200 converted to UTC
    assert row["ended_at"] == "2026-09-02T09:30:00Z"
    assert row["customer_id"] == "jo@example.com"  # lower-cased
    assert row["agent_id"] == "Shop Support"  # a shared support@ address: the name says more
    assert row["order_ref"] == "123456"
    assert row["queue"] == "support@shop.example"
    # Bodies first, raw (quotes kept); the subject comes last, as a fallback reason.
    assert row["customer_turns"] == [
        "Hi,\n\nmy parcel never arrived.\n\nThanks,\nJo",
        "Still nothing.\n\nOn Tue, Shop wrote:\n> Sorry about that",
        "Where is my order #123456",
    ]
    assert "Agent: Sorry about that, a new one is on its way." in row["transcript"]
    assert row["transcript"].startswith("Subject: Where is my order #123456\n\nCustomer: Hi,")


def test_staging_rows_fit_the_staging_schema():
    frame, rejects = split_staging(read_mbox(mbox(make_mail(), agent_reply())))
    assert rejects == []
    assert frame.schema == pl.Schema(STAGING_SCHEMA)
    assert frame.height == 1


def test_a_reply_whose_root_is_missing_maps_to_the_root_id():
    first, _ = read(make_mail(), agent_reply())
    later, _ = read(follow_up())  # a later file holding only the customer's follow-up
    assert later[0]["source_id"] == first[0]["source_id"] == "root@example.com"
    assert later[0]["record_no"] == 1


def test_in_reply_to_chains_without_references_join_the_root_thread():
    reply = make_mail(
        sender="support@shop.example",
        msg_id="r1@shop.example",
        in_reply_to="root@example.com",
        date="Tue, 01 Sep 2026 11:00:00 +0000",
    )
    again = make_mail(
        msg_id="f1@example.com",
        in_reply_to="r1@shop.example",
        body="still?",
        date="Tue, 01 Sep 2026 12:00:00 +0000",
    )
    rows, _ = read(again, reply, make_mail())  # file order is not thread order
    assert [r["source_id"] for r in rows] == ["root@example.com"]
    assert rows[0]["record_no"] == 1
    assert rows[0]["customer_turns"][-2:] == ["still?", "Where is my order #123456"]


def test_a_brand_reply_is_never_a_customer_turn():
    rows, _ = read(make_mail(), agent_reply())
    assert all("new one is on its way" not in turn for turn in rows[0]["customer_turns"])


def test_outbound_only_threads_are_not_contacts():
    campaign = make_mail(sender="noreply@shop.example", msg_id="promo@shop.example")
    reply = agent_reply(msg_id="r9@shop.example", refs="promo@shop.example")
    rows, rejects = read(campaign, reply, make_mail())
    assert [r["source_id"] for r in rows] == ["root@example.com"]
    assert rejects == []


def test_a_customer_answering_a_campaign_is_a_contact():
    campaign = make_mail(sender="noreply@shop.example", msg_id="promo@shop.example")
    answer = make_mail(msg_id="a@example.com", references="promo@shop.example", body="Stop!")
    rows, _ = read(campaign, answer)
    assert rows[0]["source_id"] == "promo@shop.example"
    assert rows[0]["customer_turns"] == ["Stop!", "Where is my order #123456"]


def test_configured_support_addresses_and_domains_count_as_agents():
    personal = agent_reply()
    personal = personal.replace(b"Shop Support <support@shop.example>", b"Ann <ann@shop.example>")
    rows, _ = read(make_mail(), personal)
    assert len(rows[0]["customer_turns"]) == 3  # unknown sender: taken as a customer
    for support in (["ANN@shop.example"], ["@shop.example"]):
        rows, _ = read(make_mail(), personal, support_addresses=support)
        assert len(rows[0]["customer_turns"]) == 2
        assert rows[0]["agent_id"] == "ann@shop.example"


def test_multipart_prefers_the_plain_part():
    data = (
        b"From: jo@example.com\nMessage-ID: <m@x>\nSubject: s\n"
        b'Content-Type: multipart/alternative; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain; charset=utf-8\n\nplain words\n"
        b"--B\nContent-Type: text/html\n\n<p>html words</p>\n--B--\n"
    )
    rows, _ = read(data)
    assert rows[0]["customer_turns"] == ["plain words", "s"]


def test_nested_multipart_with_long_boundaries_finds_the_text_part():
    outer, inner = b"----=_Part_0001_boundary", b"----=_Part_0001_boundary_alt"
    data = (
        b"From: jo@example.com\nMessage-ID: <m@x>\nSubject: s\n"
        b'Content-Type: multipart/mixed; boundary="' + outer + b'"\n\n'
        b"--" + outer + b'\nContent-Type: multipart/alternative; boundary="' + inner + b'"\n\n'
        b"--" + inner + b"\nContent-Type: text/html\n\n<p>html words</p>\n"
        b"--" + inner + b"\nContent-Type: text/plain\n\nplain words\n"
        b"--" + inner + b"--\n"
        b"--" + outer + b"\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
        b"JVBERi0=\n--" + outer + b"--\n"
    )
    rows, rejects = read(data)
    assert rejects == []
    assert rows[0]["customer_turns"] == ["plain words", "s"]


def test_html_only_bodies_are_reduced_to_text():
    data = (
        b"From: jo@example.com\nMessage-ID: <m@x>\nSubject: s\n"
        b"Content-Type: text/html; charset=utf-8\n\n"
        b"<html><body><p>My card was charged &pound;20 <b>twice</b></p>"
        b"<script>x()</script></body></html>\n"
    )
    rows, _ = read(data)
    assert rows[0]["customer_turns"] == ["My card was charged \u00a320 twice", "s"]


@pytest.mark.parametrize(
    ("content_type", "encoding", "payload", "expected"),
    [
        (
            "text/plain; charset=iso-8859-1",
            "8bit",
            "Caf\xe9 br\xfbl\xe9".encode("latin-1"),
            "Café brûlé",
        ),
        ("text/plain", "8bit", "Caf\xe9".encode("latin-1"), "Café"),  # undeclared, not UTF-8
        ("text/plain; charset=x-bogus", "8bit", "na\xefve".encode("latin-1"), "naïve"),
        ("text/plain; charset=utf-8", "base64", base64.b64encode("Grüße".encode()), "Grüße"),
        ("text/plain; charset=iso-8859-1", "quoted-printable", b"caf=E9", "café"),
    ],
)
def test_bodies_are_decoded_robustly(content_type, encoding, payload, expected):
    data = (
        b"From: =?utf-8?q?J=C3=B6rg?= <jorg@example.de>\nSubject: =?iso-8859-1?q?f=FCr?=\n"
        + f"Content-Type: {content_type}\nContent-Transfer-Encoding: {encoding}\n\n".encode()
        + payload
        + b"\n"
    )
    rows, rejects = read(data)
    assert rejects == []
    assert rows[0]["customer_turns"] == [expected, "für"]


def test_an_unparseable_date_is_passed_through_raw():
    rows, _ = read(make_mail(date="sometime last week"))
    assert rows[0]["started_at"] == "sometime last week"
    assert rows[0]["ended_at"] is None


def test_a_missing_message_id_gets_a_stable_hash_id():
    message = make_mail(msg_id=None)
    first, _ = read(message)
    again, _ = read(message)
    eml = list(read_eml_files([("a.eml", io.BytesIO(message.replace(b"\n", b"\r\n")))]))
    assert first[0]["source_id"] == again[0]["source_id"] == eml[0]["source_id"]
    assert first[0]["source_id"].startswith("sha256-")


def test_a_message_read_twice_counts_once():
    rows, _ = read(make_mail(), make_mail())
    assert len(rows) == 1
    assert len(rows[0]["customer_turns"]) == 2


def test_malformed_messages_are_rejected_and_the_rest_loads():
    rows, rejects = read(make_mail(), b"this is not a mail at all\njust text\n", agent_reply())
    assert len(rows) == 1
    assert [(r.record_no, r.reason) for r in rejects] == [(2, "no From address")]
    assert rejects[0].excerpt.startswith("From someone@example.com")


def test_escaped_from_lines_in_bodies_are_restored():
    rows, _ = read(make_mail(body="Hi\n>From now on I shop elsewhere."))
    assert rows[0]["customer_turns"][0].endswith("\nFrom now on I shop elsewhere.")


def test_a_file_that_is_not_an_mbox_is_refused():
    with pytest.raises(RejectedFile, match="not an mbox file"):
        list(read_mbox(io.BytesIO(make_mail())))
    assert list(read_mbox(io.BytesIO(b""))) == []


def test_eml_files_thread_across_files_and_number_by_position():
    files = [
        ("3.eml", io.BytesIO(follow_up())),
        ("1.eml", io.BytesIO(make_mail().replace(b"\n", b"\r\n"))),
        ("bad.eml", io.BytesIO(b"")),
        ("2.eml", io.BytesIO(agent_reply())),
    ]
    items = list(read_eml_files(files))
    rows = [i for i in items if isinstance(i, dict)]
    rejects = [i for i in items if isinstance(i, Reject)]
    assert [(r.record_no, r.reason) for r in rejects] == [(3, "bad.eml: no From address")]
    assert len(rows) == 1
    assert rows[0]["record_no"] == 1  # the thread's first message in input order
    assert rows[0]["started_at"] == "2026-09-01T08:00:00Z"
    assert rows[0]["customer_turns"][0].startswith("Hi,\n\nmy parcel")
