import datetime as dt
from pathlib import Path

import pytest

from dumbcontacts.settings import (
    DEFAULT_RATES,
    ORDER_REF_PATTERN,
    ChannelRate,
    ConfigError,
    Settings,
    TimeWindow,
)


def write(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "dumbcontacts.toml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))  # \udcff: a byte not UTF-8
    return {"DUMBCONTACTS_CONFIG": str(path)}


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = Settings.from_environ({})
    assert config.warehouse_url is None
    assert config.costs.rates == DEFAULT_RATES
    assert (config.repeat_window_days, config.cpx_driver) == (7, "orders")
    assert config.inbox == () and config.dashboard_username is None
    assert config.keep_transcripts is False and config.run_fast is False
    assert config.fast_agreement == 0.97
    assert config.order_ref_pattern == ORDER_REF_PATTERN
    assert config.brand_names == ()
    assert config.embedding_backend == "torch"


@pytest.mark.parametrize(
    ("file_value", "env_value", "expected"),
    [
        (None, None, "torch"),
        ("onnx-int8", None, "onnx-int8"),
        ("onnx-int8", "torch", "torch"),
        (None, "onnx-int8", "onnx-int8"),
    ],
)
def test_embedding_backend_from_file_and_environment(tmp_path, file_value, env_value, expected):
    environ = write(tmp_path, f'embedding_backend = "{file_value}"' if file_value else "")
    if env_value:
        environ["DUMBCONTACTS_EMBEDDING_BACKEND"] = env_value
    assert Settings.from_environ(environ).embedding_backend == expected


def test_unknown_embedding_backend_names_where_it_was_set(tmp_path):
    environ = write(tmp_path, 'embedding_backend = "onnx"')
    with pytest.raises(ConfigError) as caught:
        Settings.from_environ(environ)
    assert str(caught.value) == (
        f"{tmp_path / 'dumbcontacts.toml'}: embedding_backend must be one of torch, onnx-int8, "
        "not 'onnx'"
    )
    environ["DUMBCONTACTS_EMBEDDING_BACKEND"] = "int8"
    with pytest.raises(ConfigError) as caught:
        Settings.from_environ(environ)
    assert str(caught.value) == (
        "DUMBCONTACTS_EMBEDDING_BACKEND must be one of torch, onnx-int8, not 'int8'"
    )


def test_file_settings_and_environment_precedence(tmp_path):
    environ = write(
        tmp_path,
        """
warehouse = "duckdb:///file.duckdb"
overrides = "triage.toml"
brand_names = ["Acme", " Acme Pay "]
[costs.phone]
per_minute_usd = 2
[metrics]
repeat_window_days = 3
cpx_driver = "shipments"
[load]
keep_transcripts = true
order_ref_pattern = "SO[0-9]{6}"
[analyze]
fast_agreement = 0.95
[run]
inbox = ["inbox/phone", "inbox/chat"]
refit_every_days = 7
report_dir = "out"
fast = true
[dashboard]
username = "leader"
password = "from-file"
[compute]
address = "tcp://scheduler:8786"
""",
    )
    environ["DUMBCONTACTS_DASHBOARD_PASSWORD"] = "from-env"
    config = Settings.from_environ(environ)
    assert config.warehouse_url == "duckdb:///file.duckdb"
    assert config.overrides == Path("triage.toml")
    assert config.brand_names == ("Acme", "Acme Pay")
    assert config.costs.rate("phone") == ChannelRate(2.0, DEFAULT_RATES["phone"].flat_usd)
    assert config.costs.rate("chat") == DEFAULT_RATES["chat"]
    assert (config.repeat_window_days, config.cpx_driver) == (3, "shipments")
    assert config.keep_transcripts is True
    assert config.order_ref_pattern == "SO[0-9]{6}"
    assert config.inbox == (Path("inbox/phone"), Path("inbox/chat"))
    assert (config.refit_every_days, config.report_dir) == (7, Path("out"))
    assert config.run_fast is True and config.fast_agreement == 0.95
    assert (config.dashboard_username, config.dashboard_password) == ("leader", "from-env")
    assert config.compute_address == "tcp://scheduler:8786"
    environ["DUMBCONTACTS_COMPUTE_ADDRESS"] = "tcp://10.0.0.5:8786"
    assert Settings.from_environ(environ).compute_address == "tcp://10.0.0.5:8786"
    environ["DUMBCONTACTS_WAREHOUSE"] = "postgresql://x/y"
    assert Settings.from_environ(environ).warehouse_url == "postgresql://x/y"
    environ["DUMBCONTACTS_BRAND_NAMES"] = "Zed, Zed Bank,"
    assert Settings.from_environ(environ).brand_names == ("Zed", "Zed Bank")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("warehouse = ", "not valid TOML"),
        ("colour = 'red'", "unknown setting 'colour'"),
        ("[costs.fax]\nflat_usd = 1", "unknown channel 'fax'"),
        ("[costs.phone]\nper_hour_usd = 1", "unknown key 'per_hour_usd'"),
        ("[costs.chat]\nflat_usd = -1", "costs.chat.flat_usd: must be a number"),
        ("[metrics]\nrepeat_window_days = 0", "repeat_window_days must be at least 1"),
        ("[metrics]\nrepeat_window_days = '7'", "metrics.repeat_window_days must be a int"),
        ("[run]\ninbox = 'one'", "run.inbox must be a list"),
        ("[metrics]\nrepeat_window_days = true", "metrics.repeat_window_days must be a int"),
        ("[load]\nkeep_transcripts = 1", "load.keep_transcripts must be a bool"),
        ("[load]\norder_ref_pattern = '(['", "load.order_ref_pattern is not a valid regular"),
        ("[dashboard]\nuser = 'x'", "unknown setting dashboard.user"),
        ("[run]\ninbox = [1, 2]", "run.inbox must be a list of str"),
        ("[costs]\nphone = 5", r"costs.phone must be a table \(\[costs.phone\]\)"),
        ("[costs.phone]\nflat_usd = nan", "costs.phone.flat_usd: must be a number"),
        ("warehouse = 5", "warehouse must be a str"),
        ("embedding_backend = 8", "embedding_backend must be a str"),
        ("salt = '\udcff'", "not valid TOML: 'utf-8' codec"),
        ("[load]\nearliest = 'last year'", "load.earliest must be a date"),
        ("[load]\nearliest = 1990", "load.earliest must be a str"),
        ("[load]\nlatest_days_ahead = -1", "load.latest_days_ahead must be at least 0"),
        ("[analyze]\nfast_agreement = 1.5", "analyze.fast_agreement must be above 0 and at most 1"),
        ("[analyze]\nfast_agreement = 0.0", "analyze.fast_agreement must be above 0 and at most 1"),
        ("[analyze]\nfast_agreement = '97%'", "analyze.fast_agreement must be a float"),
        ("[analyze]\nfast = true", "unknown setting analyze.fast"),
        ("brand_names = 'Acme'", "brand_names must be a list"),
        ("brand_names = [1]", "brand_names must be a list of strings"),
    ],
)
def test_bad_file_fails_with_one_line_naming_it(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message) as caught:
        Settings.from_environ(write(tmp_path, text))
    assert "\n" not in str(caught.value) and "dumbcontacts.toml" in str(caught.value)


def test_named_file_that_is_missing_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        Settings.from_environ({"DUMBCONTACTS_CONFIG": str(tmp_path / "nope.toml")})


def test_the_plausibility_window(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    now = dt.datetime(2026, 12, 6, 14, 30)
    default = Settings.from_environ({}).time_window(now)
    assert default == TimeWindow(dt.datetime(1990, 1, 1), dt.datetime(2026, 12, 8, 14, 30))
    assert default.describe() == "1990-01-01 to 2026-12-08"
    assert default.holds_day(dt.date(2026, 12, 8)) and not default.holds_day(dt.date(2026, 12, 9))
    assert default.holds_day(dt.date(2026, 12, 9), exclusive_end=True)
    assert not default.holds_day(dt.date(1989, 12, 31))
    for earliest in ('"2001-02-03"', "2001-02-03"):  # text, or a TOML date
        environ = write(tmp_path, f"[load]\nearliest = {earliest}\nlatest_days_ahead = 0\n")
        window = Settings.from_environ(environ).time_window(now)
        assert window == TimeWindow(dt.datetime(2001, 2, 3), now)
