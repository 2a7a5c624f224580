import pytest

from dumbcontacts.etl.detect import detect_source, expand_paths


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("calls.csv", b"call_id,started_at\n", ("contacts", "phone", "csv")),
        (
            "export.csv",
            b"tweet_id,author_id,inbound,created_at,text\n",
            ("contacts", "social", "csv"),
        ),
        ("volumes.csv", b"day,driver,count\n", ("volumes", None, "volumes")),
        ("mail.mbox", b"From x\n", ("contacts", "email", "mbox")),
        ("mail", b"From MAILER-DAEMON Thu\nFrom: a\n", ("contacts", "email", "mbox")),
        ("one.eml", b"From: a@b.c\n", ("contacts", "email", "eml")),
        ("chats.jsonl", b'{"session_id": 1}\n', ("contacts", "chat", "json")),
        ("chats.txt", b'[{"session_id": 1}]', ("contacts", "chat", "json")),
        ("defects.toml", b"[[defect]]\nid='x'\n", ("taxonomy", None, "taxonomy")),
        ("ground_truth.csv", b"channel,source_id,defect_id\n", ("skip", None, "skip")),
    ],
)
def test_detect_source(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    source = detect_source(path)
    assert (source.kind, source.channel, source.format) == expected


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("people.csv", b"name,email\n", "describe them with --mapping"),
        ("blob.bin", b"\x00\x01", "give --channel and --format, or --mapping"),
    ],
)
def test_unknown_files_say_what_to_do(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        detect_source(path)


def test_overrides_win(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n")
    assert detect_source(path, channel="phone", fmt="csv").channel == "phone"


def test_a_folder_of_eml_is_one_source_other_folders_expand(tmp_path):
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "1.eml").write_bytes(b"From: a\n")
    (tmp_path / "b.csv").write_bytes(b"")
    (tmp_path / ".hidden").write_bytes(b"")
    assert expand_paths([tmp_path]) == [tmp_path / "b.csv", tmp_path / "mail"]
    assert detect_source(tmp_path / "mail").format == "eml"
