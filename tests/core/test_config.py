"""``g4f.config``: one settings object from defaults, ``G4F_*``, a settings file and CLI flags, in that
order; ``AppConfig`` as its server view; ``memory://`` refused for several workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from g4f import config
from g4f.api.config import AppConfig, require_shared_state
from g4f.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean(tmp_path, monkeypatch):
    """No G4F_* variable but the test folders, no user settings file, no process values."""
    for setting in config.SETTINGS.values():
        if setting.name not in ("cookies_dir", "media_dir"):
            monkeypatch.delenv(setting.env, raising=False)
    monkeypatch.delenv(config.CONFIG_ENV, raising=False)
    monkeypatch.setattr(config, "default_settings_file", lambda: tmp_path / "no-such-settings.toml")
    config.reset()
    classes = {n: getattr(AppConfig, n) for n in config.names()}
    yield
    config.reset()
    for name, value in classes.items():
        setattr(AppConfig, name, value)


def settings_file(tmp_path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_setting_has_an_environment_name_and_unique_flags():
    envs = [s.env for s in config.SETTINGS.values()]
    assert all(e.startswith("G4F_") for e in envs) and len(set(envs)) == len(envs)
    assert config.SETTINGS["state_url"].env == "G4F_STATE_URL"
    assert config.SETTINGS["rate_limit"].env == "G4F_RATE_LIMIT"
    assert config.SETTINGS["g4f_api_key"].env == "G4F_API_KEY"
    flags = [f for s in config.SETTINGS.values() for f in s.flags]
    assert len(set(flags)) == len(flags)


def test_defaults(tmp_path):
    settings = config.load()
    assert settings.state_url == "memory://" and settings.timeout == 600.0 and settings.ignored_providers == []
    assert settings.max_image_size == 20 * 1024 * 1024 and settings.workers == 1 and settings.gui is False


def test_environment_values_are_parsed(monkeypatch):
    monkeypatch.setenv("G4F_TIMEOUT", "30")
    monkeypatch.setenv("G4F_RATE_LIMIT", "60")
    monkeypatch.setenv("G4F_GUI", "yes")
    monkeypatch.setenv("G4F_IGNORED_PROVIDERS", "Groq, DeepInfra Together")
    monkeypatch.setenv("G4F_STREAM_TIMEOUT", "")  # empty counts as unset
    settings = config.load()
    assert settings.timeout == 30.0 and settings.rate_limit == 60 and settings.gui is True
    assert settings.ignored_providers == ["Groq", "DeepInfra", "Together"]
    assert settings.stream_timeout is None


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("G4F_TIMEOUT", "soon", "G4F_TIMEOUT: 'soon' is not a number"),
        ("G4F_RATE_LIMIT", "1.5", "G4F_RATE_LIMIT: '1.5' is not a whole number"),
        ("G4F_DEMO", "maybe", "G4F_DEMO: 'maybe' is not true or false"),
    ],
)
def test_bad_environment_values_name_the_variable(monkeypatch, env, value, message):
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=message):
        config.load()


def test_precedence_environment_then_file_then_flags_then_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("G4F_TIMEOUT", "10")
    monkeypatch.setenv("G4F_RATE_LIMIT", "5")
    monkeypatch.setenv("G4F_MODEL", "env-model")
    monkeypatch.setenv("G4F_CONFIG", str(settings_file(tmp_path, "timeout = 20\nrate_limit = 7\n")))
    assert config.load().timeout == 20.0  # the file over the environment
    assert config.load().model == "env-model"  # the environment where the file says nothing
    config.configure(timeout=30)  # a CLI flag over the file
    settings = config.load({"rate_limit": 9})  # create_app's own dict over everything
    assert (settings.timeout, settings.rate_limit, settings.model) == (30.0, 9, "env-model")
    assert config.get("timeout") == 30.0 and config.get("rate_limit") == 7
    config.configure(timeout=None)  # forgotten again
    assert config.get("timeout") == 20.0


def test_default_settings_file_is_read_when_present(tmp_path, monkeypatch):
    path = settings_file(tmp_path, 'state_url = "sqlite:///x.db"\ncors_origins = ["https://a.example"]\n')
    monkeypatch.setattr(config, "default_settings_file", lambda: path)
    config.reset()
    settings = config.load()
    assert settings.state_url == "sqlite:///x.db" and settings.cors_origins == ["https://a.example"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timout = 5\n", "unknown setting 'timout'; did you mean 'timeout'"),
        ('timeout = "later"\n', "timeout: 'later' is not a number"),
        ("gui = 1\n", "gui: 1 is not true or false"),
        ("ignored_providers = [1, 2]\n", "ignored_providers: \\[1, 2\\] is not a list of strings"),
        ("timeout = \n", "not valid TOML"),
        ("g4f_api_key = 123456789\n", "g4f_api_key: the value given is not a string"),  # never the key itself
    ],
)
def test_settings_file_errors_name_the_file_and_setting(tmp_path, monkeypatch, text, message):
    path = settings_file(tmp_path, text)
    monkeypatch.setenv("G4F_CONFIG", str(path))
    with pytest.raises(ConfigError, match=message) as error:
        config.load()
    assert str(path) in str(error.value)


def test_a_named_settings_file_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("G4F_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="missing.toml"):
        config.load()


def test_library_reads_current_values(tmp_path, monkeypatch):
    from g4f.cookies import get_cookies_dir
    from g4f.image import max_image_size, private_urls_allowed
    from g4f.media import get_media_dir

    monkeypatch.setenv("G4F_MEDIA_DIR", str(tmp_path / "m1"))
    assert get_media_dir() == tmp_path / "m1"
    config.configure(media_dir=str(tmp_path / "m2"), cookies_dir=str(tmp_path / "c2"))
    assert get_media_dir() == tmp_path / "m2" and get_cookies_dir() == tmp_path / "c2"
    monkeypatch.setenv("G4F_MAX_IMAGE_SIZE", "1000")
    monkeypatch.setenv("G4F_ALLOW_PRIVATE_URLS", "true")
    assert max_image_size() == 1000 and private_urls_allowed() is True


def test_secret_values_for_the_redactor(tmp_path, monkeypatch):
    assert config.secret_values() == set()
    monkeypatch.setenv("G4F_CONFIG", str(settings_file(tmp_path, 'g4f_api_key = "from-the-file-0123"\n')))
    config.reset()  # the settings file is read once per process
    assert config.secret_values() == {"from-the-file-0123"}


def test_provider_env_reads_environment_then_cookies_env_file(monkeypatch):
    from g4f import cookies

    folder = cookies.get_cookies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".env").write_text("EXAMPLE_API_KEY=from-file\nEXAMPLE_API_BASE=http://127.0.0.1:9/v1\n")
    cookies.reset()
    assert config.provider_env("EXAMPLE_API_KEY") == "from-file"
    monkeypatch.setenv("EXAMPLE_API_KEY", "from-env")
    assert config.provider_env("EXAMPLE_API_KEY") == "from-env"
    monkeypatch.setenv("EXAMPLE_API_KEY", "")
    assert config.provider_env("EXAMPLE_API_KEY") == "from-file"
    assert config.provider_env("EXAMPLE_API_BASE") == "http://127.0.0.1:9/v1"
    assert config.provider_env("NOTHING_API_KEY") is None


def test_app_config_keeps_gpt4free_usage(monkeypatch):
    monkeypatch.setenv("G4F_API_KEY", "env-key")
    assert AppConfig().g4f_api_key == "env-key"
    AppConfig.set_config(gui=True, ignored_providers=["Groq"], g4f_api_key="set-key")
    assert AppConfig.gui is True and AppConfig.ignored_providers == ["Groq"]  # read back as class attributes
    snapshot = AppConfig(timeout=5)
    assert (snapshot.gui, snapshot.g4f_api_key, snapshot.timeout) == (True, "set-key", 5.0)
    assert "set-key" not in repr(snapshot) and "***" in repr(snapshot)
    assert AppConfig.from_any({"model": "m"}).model == "m"
    assert AppConfig.from_any(snapshot) is snapshot
    with pytest.raises(TypeError, match="unknown setting 'gu'"):
        AppConfig.set_config(gu=True)
    with pytest.raises(ConfigError, match="unknown setting"):
        AppConfig(no_such_setting=1)


def test_create_app_reads_the_settings(monkeypatch):
    from g4f.api import create_app

    monkeypatch.setenv("G4F_RATE_LIMIT", "12")
    app = create_app({"timeout": 7})
    assert app.state.settings.timeout == 7.0 and app.state.settings.rate_limit == 12
    assert app.state.limiter is not None


def test_workers_get_the_parents_settings(tmp_path):
    """What ``run_api`` hands to its worker processes is what they read, library included."""
    handed = AppConfig(timeout=3, media_dir=str(tmp_path / "handed")).to_dict()
    code = "from g4f import config, media; print(config.load().timeout, media.get_media_dir())"
    env = {**os.environ, config.CONFIG_ENV: json.dumps(handed), "PYTHONPATH": str(ROOT / "src")}
    env.pop("G4F_MEDIA_DIR", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
    assert out.stdout.split() == ["3.0", str(tmp_path / "handed")], out.stderr


def test_memory_state_with_several_workers_is_refused():
    require_shared_state("memory://", 1)
    require_shared_state("sqlite:///tmp/x.db", 4)
    with pytest.raises(ConfigError, match=r"--state sqlite:///.*redis://"):
        require_shared_state("memory://", 2)


def test_run_api_refuses_memory_state_for_workers():
    from g4f.api import run_api

    with pytest.raises(ConfigError, match="2 workers cannot share memory:// state"):
        run_api(port=9, workers=2)


@pytest.mark.parametrize(
    ("argv", "env"),
    [(["--workers", "2"], {}), ([], {"G4F_WORKERS": "3"}), (["--workers", "2", "--state", "memory://"], {})],
)
def test_cli_refuses_memory_state_for_workers(monkeypatch, capsys, argv, env):
    from g4f.cli.api import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "cannot share memory:// state" in err and "sqlite:///" in err and "redis://" in err


def test_an_invalid_routes_file_stops_the_server_before_it_starts(capsys):
    from g4f.cli.api import main
    from g4f.cookies import get_cookies_dir
    from g4f.routes_file import RoutesError

    folder = get_cookies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text("models:\n  - name: broken\n", encoding="utf-8")
    assert main([]) == 2
    assert "models[0] (broken): 'providers' must be a non-empty list" in capsys.readouterr().err
    with pytest.raises(RoutesError, match="config.yaml"):
        AppConfig.from_any(None)


def test_cli_flags_cover_the_settings():
    from g4f.cli.api import _flags, build_parser

    parser = build_parser()
    args = parser.parse_args(
        [
            "--timeout",
            "5",
            "--no-gui",
            "--ignored-providers",
            "A,B",
            "C",
            "--state",
            "redis://h:1/0",
            "--media-dir",
            "m",
            "--forwarded-allow-ips",
            "10.0.0.1,10.0.0.2",
        ]
    )
    assert _flags(args) == {
        "timeout": 5.0,
        "gui": False,
        "ignored_providers": ["A", "B", "C"],
        "state_url": "redis://h:1/0",
        "media_dir": "m",
        "forwarded_allow_ips": ["10.0.0.1", "10.0.0.2"],
    }
    assert _flags(parser.parse_args([])) == {}
    with pytest.raises(SystemExit):
        parser.parse_args(["--rate-limit", "often"])


def test_cli_reports_bad_environment_before_starting(monkeypatch, capsys):
    from g4f.cli.api import main

    monkeypatch.setenv("G4F_TIMEOUT", "soon")
    assert main([]) == 2
    assert "G4F_TIMEOUT: 'soon' is not a number" in capsys.readouterr().err


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert config.settings_table() in readme


def test_gunicorn_with_several_workers_refuses_memory_state(tmp_path):
    """The factory under gunicorn sees its workers: memory:// with two stops with the message."""
    from tests.api.server import free_port

    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {k: v for k, v in os.environ.items() if not k.startswith("G4F_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    args = [str(gunicorn), "g4f.api:create_app", "-k", "uvicorn.workers.UvicornWorker"]
    args += ["--bind", f"127.0.0.1:{free_port()}", "--workers", "2"]
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        code = process.wait(90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
            process.wait(5)
    text = log.read_text()
    # The master stops (no restart loop); with both workers failing at once gunicorn may exit 1, not 3.
    assert code != 0 and "Worker failed to boot" in text, text[-2000:]
    assert "2 workers cannot share memory:// state" in text and "G4F_STATE_URL" in text


def test_gunicorn_worker_count_is_read_from_the_worker_building_the_app():
    from gunicorn.config import Config
    from gunicorn.workers.base import Worker

    from g4f.api.config import gunicorn_workers

    class Probe(Worker):
        def run(self):  # where gunicorn's worker builds the app
            return gunicorn_workers()

    assert gunicorn_workers() is None
    for count in (1, 3):
        cfg = Config()
        cfg.set("workers", count)
        assert Probe(0, os.getppid(), [], None, 30, cfg, None).run() == count


def test_uvicorn_worker_count_is_read_from_the_config_loading_the_app():
    from uvicorn.config import Config

    from g4f.api.config import server_workers

    seen = []

    async def app(scope, receive, send):  # pragma: no cover - never served
        pass

    def factory():
        seen.append(server_workers())
        return app

    for count in (1, 3):
        Config(app=factory, factory=True, workers=count).load()
    assert seen == [1, 3]


def test_uvicorn_workers_stop_with_startup_failure(capsys):
    """``uvicorn --factory g4f.api:create_app --workers 2``: each worker exits with uvicorn's
    STARTUP_FAILURE, on which its supervisor stops instead of restarting the worker."""
    from uvicorn.config import STARTUP_FAILURE, Config

    built = []

    def factory():
        built.append(AppConfig.from_any())
        return _asgi

    with pytest.raises(SystemExit) as exit_:
        Config(app=factory, factory=True, workers=2).load()
    assert exit_.value.code == STARTUP_FAILURE and not built
    assert "2 workers cannot share memory:// state" in capsys.readouterr().err
    config.configure(state_url="sqlite:///shared.db")  # a shared store: the same workers start
    Config(app=factory, factory=True, workers=2).load()
    assert built[0].state_url == "sqlite:///shared.db"


async def _asgi(scope, receive, send):  # pragma: no cover - never served
    pass
