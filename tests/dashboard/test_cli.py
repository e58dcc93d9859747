"""The pilotsim-dashboard command: loopback by default, config checked before serving."""

import os

import pytest

from pilotsim.app.dashboard import cli


def test_defaults_are_loopback_and_overrides_pass_through():
    a = cli.parse_args(["+teaching=pooling", "seed=3"])
    assert a.host == "127.0.0.1" and a.port == 8765 and a.sample_fraction == 0.2
    assert a.overrides == ["+teaching=pooling", "seed=3"]
    a = cli.parse_args(["--host", "0.0.0.0", "--port", "9000", "sim.days=10"])
    assert (a.host, a.port, a.overrides) == ("0.0.0.0", 9000, ["sim.days=10"])


def test_loopback_hosts_are_told_from_the_others():
    assert all(map(cli.is_loopback, ["127.0.0.1", "127.0.1.1", "localhost", "::1"]))
    assert not any(map(cli.is_loopback, ["0.0.0.0", "192.168.1.5", "::", "trainer.lan"]))


def test_bad_config_is_reported_without_serving(capsys, monkeypatch):
    served = []
    monkeypatch.setattr("solara.__main__.cli.main", lambda *a, **k: served.append(a))
    with pytest.raises(SystemExit) as e:
        cli.main(["sim.days=5", "city.offices.east_civil_affairs.counters=0"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "city.offices.east_civil_affairs.counters" in err and "integer >= 1" in err
    with pytest.raises(SystemExit):
        cli.main(["no_such_group=x"])
    assert "invalid overrides" in capsys.readouterr().err
    assert served == []


def test_good_config_serves_the_page_with_the_overrides(monkeypatch):
    served = []
    monkeypatch.setattr("solara.__main__.cli.main", lambda args, **k: served.append(args))
    monkeypatch.delenv("PILOTSIM_DASHBOARD", raising=False)
    monkeypatch.delenv("SOLARA_SERVER_HTTP_GZIP", raising=False)
    monkeypatch.delenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", raising=False)
    from solara.server import settings

    monkeypatch.setattr(settings.telemetry, "mixpanel_enable", True)  # Solara's default
    cli.main(["--port", "8999", "sim.days=5"])
    (args,) = served
    assert os.environ["SOLARA_SERVER_HTTP_GZIP"] == "false"  # loopback: nothing to compress
    assert settings.telemetry.mixpanel_enable is False  # no usage report unless asked
    assert args[:2] == ["run", "pilotsim.app.dashboard.app:Page"]
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == "8999"
    from pilotsim.app.dashboard.app import launch_settings

    assert launch_settings() == {"overrides": ["sim.days=5"], "sample_fraction": 0.2,
                                 "present": False}


def test_usage_reports_stay_on_when_the_user_asks_for_them(monkeypatch):
    monkeypatch.setattr("solara.__main__.cli.main", lambda args, **k: None)
    monkeypatch.delenv("PILOTSIM_DASHBOARD", raising=False)
    monkeypatch.setenv("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "True")
    from solara.server import settings

    monkeypatch.setattr(settings.telemetry, "mixpanel_enable", False)
    cli.main(["--port", "8999", "sim.days=5"])
    assert settings.telemetry.mixpanel_enable is True


def test_an_unknown_office_is_named_with_the_valid_ones(capsys, monkeypatch):
    served = []
    monkeypatch.setattr("solara.__main__.cli.main", lambda *a, **k: served.append(a))
    for bad in ("city.offices.nope.counters=3", "+city.offices.nope.counters=3"):
        with pytest.raises(SystemExit) as e:
            cli.main(["sim.days=5", bad])
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert f"invalid override '{bad}': city.offices has no 'nope'" in err
        assert "east_civil_affairs, east_police_registry" in err
    with pytest.raises(SystemExit):
        cli.main(["city.offices.east_civil_affairs.countrs=3"])
    assert "has no 'countrs'; the keys there are: departments" in capsys.readouterr().err
    assert cli.unknown_key(["+teaching=pooling", "reform.one_door.counters=3"]) is None
    assert served == []


@pytest.mark.parametrize("days", ["abc", "-1", "0"])
def test_bad_days_name_sim_days_not_start_day(capsys, monkeypatch, days):
    served = []
    monkeypatch.setattr("solara.__main__.cli.main", lambda *a, **k: served.append(a))
    with pytest.raises(SystemExit) as e:
        cli.main([f"sim.days={days}"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "invalid config: sim.days = " in err and days in err and "expected an integer" in err
    assert "Traceback" not in err and "start_day" not in err
    assert served == []


def test_a_taken_port_stops_before_serving(capsys, monkeypatch):
    import socket

    served = []
    monkeypatch.setattr("solara.__main__.cli.main", lambda *a, **k: served.append(a))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(SystemExit) as e:
            cli.main(["--port", str(port), "sim.days=5"])
    assert e.value.code == 2
    out = capsys.readouterr()
    assert f"cannot listen on 127.0.0.1:{port}" in out.err and "serving on" not in out.out
    assert served == []


def test_missing_browser_files_are_said_once_with_the_fix(capsys, monkeypatch):
    from pilotsim.app.dashboard import assets

    monkeypatch.setattr("solara.__main__.cli.main", lambda *a, **k: None)
    monkeypatch.setattr(assets, "missing", lambda: [("requirejs", "2.3.6")])
    cli.main(["--port", "8998", "sim.days=5"])
    err = capsys.readouterr().err
    assert "1 npm packages the page loads are not in" in err
    assert "python -m pilotsim.app.dashboard.assets" in err
    monkeypatch.setattr(assets, "missing", lambda: [])
    cli.main(["--port", "8998", "sim.days=5"])
    assert "npm packages" not in capsys.readouterr().err
