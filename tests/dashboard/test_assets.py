"""Solara's browser files: read off its page template, fetched once into its cache."""

import subprocess
import tarfile

from pilotsim.app.dashboard import assets


def test_required_packages_come_from_the_template():
    pkgs = dict(assets.required_packages())
    assert "requirejs" in pkgs and "font-awesome" in pkgs
    # solara.Markdown's: the dashboard renders its text without it (test_browser checks
    # that every package a lesson's page loads is in this list)
    assert "mermaid" not in pkgs and "katex" not in pkgs
    assert any(p.startswith("@widgetti/") for p in pkgs)
    vega = {p: v for p, v in pkgs.items() if p.startswith("vega")}
    assert set(vega) == {"vega", "vega-lite", "vega-embed"}  # the charts' widget
    assert all(v.isdigit() for v in vega.values())  # it asks for a major version
    assert all(v.count(".") >= 2 for p, v in pkgs.items() if p not in vega)  # else exact


def test_ensure_fetches_only_what_is_missing(tmp_path, monkeypatch):
    required = [("requirejs", "2.3.6"), ("@scope/app", "1.0.0")]
    monkeypatch.setattr(assets, "required_packages", lambda: required)
    (tmp_path / "requirejs@2.3.6").mkdir()
    assert assets.missing(tmp_path) == [("@scope/app", "1.0.0")]

    def fake_npm(cmd, **kw):  # `npm pack PKG --pack-destination DIR`: write a tarball there
        assert cmd[1:3] == ["pack", "@scope/app@1.0.0"]
        dest = cmd[cmd.index("--pack-destination") + 1]
        src = tmp_path / "src" / "package"
        src.mkdir(parents=True)
        (src / "app.js").write_text("ok")
        with tarfile.open(f"{dest}/scope-app-1.0.0.tgz", "w:gz") as tar:
            tar.add(src, arcname="package")
        return subprocess.CompletedProcess(cmd, 0, stdout="scope-app-1.0.0.tgz\n")

    monkeypatch.setattr(assets.subprocess, "run", fake_npm)
    monkeypatch.setattr(assets.shutil, "which", lambda name: "/usr/bin/npm")
    done = assets.ensure(tmp_path)
    assert done == [tmp_path / "@scope" / "app@1.0.0"]
    assert (tmp_path / "@scope" / "app@1.0.0" / "app.js").read_text() == "ok"
    assert assets.ensure(tmp_path) == []  # idempotent
