"""docker-compose.yml and the Dockerfile, checked without a Docker engine (none runs in CI):
one image built once with its dependencies, migrations run once before the rest, pinned
base images, a non-root user, and health checks that the app really answers."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from webui import create_app

ROOT = Path(__file__).parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
KEYFLOW = ("migrate", "web", "worker", "beat")
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_every_keyflow_service_runs_the_one_image_built_from_the_dockerfile():
    builds = {name: SERVICES[name].get("build") for name in KEYFLOW}
    images = {SERVICES[name].get("image") for name in KEYFLOW}
    assert set(builds.values()) == {"."} and len(images) == 1
    assert (ROOT / "Dockerfile").is_file() and (ROOT / ".dockerignore").is_file()
    for name in KEYFLOW:
        assert "pip install" not in command_text(SERVICES[name]), name
        assert "/app" not in str(SERVICES[name].get("volumes", [])).replace(
            "keyflow-var:/app/var", ""), f"{name} mounts the source over the image"


def test_migrations_run_once_before_web_worker_and_beat():
    migrate = SERVICES["migrate"]
    assert "keyflow init-db" in command_text(migrate) and migrate.get("restart") == "no"
    assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}, name
        assert "init-db" not in command_text(SERVICES[name])


@pytest.mark.parametrize("name", sorted(n for n in SERVICES if "image" in SERVICES[n]
                                        and n not in KEYFLOW))
def test_other_images_are_pinned_to_a_version(name):
    image = SERVICES[name]["image"]
    tag = image.rsplit(":", 1)[1] if ":" in image else ""
    assert re.match(r"v?\d+\.\d+", tag), image


def test_the_dockerfile_pins_its_bases_installs_at_build_time_and_runs_as_a_user():
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert len(bases) == 2
    for base in bases:
        assert re.search(r":\d+\.\d+\.\d+-", base), base
    assert "npm ci" in DOCKERFILE and "pip install" in DOCKERFILE
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"postgresql-client-(\d+)", DOCKERFILE).group(1) == (
        SERVICES["postgres"]["image"].split(":")[1].split(".")[0])


def health_paths() -> dict[str, str]:
    """Service → the path its health check requests from the app."""
    found = {}
    for name, service in SERVICES.items():
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        url = re.search(r"https?://[^'\" ]+", test)
        if url:
            found[name] = urlsplit(url.group(0)).path
    return found


def test_the_web_health_check_asks_for_readiness_and_the_app_answers_it(tmp_path):
    paths = health_paths()
    assert paths == {"web": "/readyz"}
    assert SERVICES["web"]["healthcheck"]["test"][0] == "CMD"
    app = create_app(test_config={"TESTING": True,
                                  "DATABASE_URL": f"sqlite:///{tmp_path / 'keyflow.db'}",
                                  "SECRET_KEY": "docker-test", "VAR_DIR": str(tmp_path)})
    try:
        response = app.test_client().get(paths["web"])
        assert response.status_code in (200, 503)  # a route of the app, answering
    finally:
        app.extensions["keyflow.db_engine"].dispose()
