"""docs/deploy.md and deploy/ say only what exists: its commands and options are the CLI's,
its settings are `Settings`' fields, the environment file example loads, and the systemd
units pass `systemd-analyze verify` and start commands the CLI accepts."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
import typer
from pydantic import BaseModel
from typer.main import get_command
from typer.testing import CliRunner

from liasse.app.settings import Settings, load_settings
from liasse.cli import app

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "docs" / "deploy.md"
DEPLOY = REPO / "deploy"
UNITS = ("liasse-web.service", "liasse-worker@.service")
ENV_EXAMPLE = DEPLOY / "liasse.env.example"
INSTALLED = "/opt/liasse/.venv/bin/liasse"  # where the units expect liasse


def _commands() -> set[tuple[str, ...]]:
    root = get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    names: set[tuple[str, ...]] = set()
    for name, command in root.commands.items():
        names.add((name,))
        names.update((name, sub) for sub in getattr(command, "commands", {}))
    return names


def _check_command_line(words: list[str]) -> None:
    """`words` (without `liasse`) name a command, and each `--option` is one of its own."""
    known = _commands()
    command = tuple(words[:2]) if tuple(words[:2]) in known else tuple(words[:1])
    assert command in known, f"`liasse {' '.join(words)}` is not a command"
    help_text = CliRunner().invoke(app, [*command, "--help"], terminal_width=200).output
    for option in (word.split("=")[0] for word in words if word.startswith("--")):
        assert re.search(rf"{re.escape(option)}\b", help_text), \
            f"`liasse {' '.join(command)}` has no {option}"


def guide_commands() -> list[list[str]]:
    """Each `liasse …` line of the guide's shell blocks, as words (without `liasse`)."""
    commands, in_block = [], False
    for line in GUIDE.read_text().splitlines():
        if line.strip().startswith("```"):
            in_block = not in_block
        elif in_block and line.strip().startswith("liasse "):
            commands.append(shlex.split(line.strip())[1:])
    return commands


def test_the_guide_has_the_deployment_commands() -> None:
    lines = {" ".join(words[:2]) for words in guide_commands()}
    assert {"db copy", "run --workers", "worker --concurrency", "init"} <= lines


@pytest.mark.parametrize("words", guide_commands(), ids=" ".join)
def test_every_command_and_option_of_the_guide_exists(words: list[str]) -> None:
    _check_command_line(words)


def _is_setting(name: str) -> bool:
    """`LIASSE_A__B` is the field `a.b` of `Settings` (nested models walked by `__`)."""
    model: type[BaseModel] = Settings
    parts = name.removeprefix("LIASSE_").lower().split("__")
    for index, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        if index < len(parts) - 1:
            nested = [kind for kind in (field.annotation, *get_args(field.annotation))
                      if isinstance(kind, type) and issubclass(kind, BaseModel)]
            if not nested:
                return False
            model = nested[0]  # `SmtpSettings | None` is walked into too
    return True


def _named_settings(text: str) -> set[str]:
    return set(re.findall(r"\bLIASSE_[A-Z_]*[A-Z]", text))


def test_the_setting_check_can_fail() -> None:
    assert _is_setting("LIASSE_WEB__METRICS") and _is_setting("LIASSE_BLOBS__URL")
    assert not _is_setting("LIASSE_WEB__METRIC") and not _is_setting("LIASSE_JOBS__METRICS")
    assert not _is_setting("LIASSE_DATABASE_URL__X")
    assert _is_setting("LIASSE_WEB__SMTP__HOST") and not _is_setting("LIASSE_WEB__SMTP__HOSTS")


@pytest.mark.parametrize("source", [GUIDE, ENV_EXAMPLE, *(DEPLOY / unit for unit in UNITS)],
                         ids=lambda path: path.name)
def test_every_setting_named_exists(source: Path) -> None:
    text = source.read_text()
    # `LIASSE_BLOBS__ENDPOINT_URL`, `__REGION`: a continuation names a sibling field.
    names = _named_settings(text)
    unknown = sorted(name for name in names if not _is_setting(name))
    assert not unknown, f"{source.name} names settings that do not exist: {unknown}"


def _env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, quotes removed as systemd's EnvironmentFile and `sh` remove them."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = "".join(shlex.split(value))
    return values


def test_the_environment_file_example_loads_once_filled_in(
        monkeypatch: pytest.MonkeyPatch) -> None:
    values = _env_file(ENV_EXAMPLE)
    assert {"LIASSE_DATABASE_URL", "LIASSE_SECRET_KEY", "LIASSE_BLOBS__URL",
            "LIASSE_ENVIRONMENT"} <= set(values)
    placeholders = [key for key, value in values.items() if "CHANGE-ME" in value]
    assert "LIASSE_SECRET_KEY" in placeholders  # refused as is: see store.secrets
    for key, value in values.items():
        monkeypatch.setenv(key, value.replace("CHANGE-ME", "filled-in-0123456789"))
    settings = load_settings()
    assert settings.database_url is not None and settings.database_url.startswith("postgresql")
    assert settings.blobs.url == "s3://liasse-documents/prod"
    assert settings.web.trusted_proxies == ("127.0.0.1",)
    assert settings.web.metrics and settings.web.metrics_token is not None
    assert settings.environment == "production"


def _exec_start(unit: Path) -> list[str]:
    lines = [line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]
    assert len(lines) == 1, unit.name
    return shlex.split(lines[0].removeprefix("ExecStart="))


@pytest.mark.parametrize("unit", UNITS)
def test_each_units_start_command_is_a_real_command(unit: str) -> None:
    words = _exec_start(DEPLOY / unit)
    assert words[0] == INSTALLED
    # systemd specifiers (%H host, %i instance) stand for plain words.
    _check_command_line([word.replace("%H", "host").replace("%i", "1") for word in words[1:]])
    assert "EnvironmentFile=/etc/liasse/liasse.env" in (DEPLOY / unit).read_text()


def test_the_web_unit_only_schedules_and_serves() -> None:
    assert _exec_start(DEPLOY / "liasse-web.service")[1:] == ["run", "--workers", "0"]
    assert _exec_start(DEPLOY / "liasse-worker@.service")[1] == "worker"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_passes_systemd_analyze_verify(unit: str, tmp_path: Path) -> None:
    # The unit as installed on this machine: liasse is this checkout's, the environment
    # file a real one; every other line is verified as written.
    env_file = tmp_path / "liasse.env"
    env_file.write_text(ENV_EXAMPLE.read_text())
    liasse = Path(sys.executable).with_name("liasse")
    assert liasse.is_file()
    text = (DEPLOY / unit).read_text().replace(INSTALLED, str(liasse)).replace(
        "/etc/liasse/liasse.env", str(env_file))
    name = unit.replace("@.", "@1.")  # a template is verified through an instance
    (tmp_path / name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", f"./{name}"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    complaints = [line for line in result.stderr.splitlines() if name in line]
    assert result.returncode == 0 and not complaints, result.stderr


def test_the_readme_links_the_guide() -> None:
    assert "(docs/deploy.md)" in (REPO / "README.md").read_text()
