"""Lint of the deployment files (deploy/, README "Production"), without Docker or a cluster.

No secret value in them, telemetry off wherever Rasa runs, Rasa's HTTP API (which shares
Rasa's port with the channels) never published nor routed publicly, the API token never on a
command line (scripts/rasa_server.py), every YAML parses; nginx itself checks the rendered
balancer configuration when Debian's nginx is installed (`make nginx`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from devstack.prod import NGINX_TEMPLATE, render, write_nginx_config

PROJECT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT / "deploy"
COMPOSE = DEPLOY / "compose.yml"
K8S = DEPLOY / "k8s"
NGINX = DEPLOY / "nginx"

SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|KEY|AUTH)$")
# `${VAR:?message}`: Compose refuses to start without VAR.
REQUIRED_VARIABLE = re.compile(r"\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}")
# `${VAR:-default}` / `${VAR-default}` of a secret: a default secret.
DEFAULTED_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*):?-[^}]*\}")
CREDENTIALS_IN_URL = re.compile(r"://[^/:@\s]+:(\$\{[^}]*\}|[^@\s]*)@")
K8S_REFERENCE = re.compile(r"\$\(([A-Z][A-Z0-9_]*)\)")
# Requests that must never reach Rasa through the public balancer.
PRIVATE_PATHS = (
    "/conversations/x/tracker",
    "/conversations/x/tracker/events",
    "/model",
    "/model/train",
    "/status",
    "/version",
    "/webhooks/rest/webhook",
    "/webhooks/rest/",
    "/webhooks/health/",
    "/",
)
PUBLIC_PATHS = (
    "/socket.io/",
    "/widget/widget.js",
    "/webhooks/twilio_whatsapp/webhook",
    "/webhooks/meta_whatsapp/webhook",
)


def yaml_files() -> list[Path]:
    return sorted([*DEPLOY.rglob("*.yml"), *DEPLOY.rglob("*.yaml"), PROJECT / "endpoints.prod.yml"])


@pytest.mark.parametrize("path", yaml_files(), ids=lambda path: str(path.relative_to(PROJECT)))
def test_every_yaml_parses(path: Path) -> None:
    documents = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    assert documents, f"{path} is empty"
    assert all(isinstance(doc, dict) for doc in documents)


# --- shared checks -------------------------------------------------------------------------


def rasa_command_problems(command: str) -> list[str]:
    """Rasa runs through scripts/rasa_server.py, which enables the HTTP API with the token
    from the environment: no token nor --enable-api on a command line, where the process list
    shows it, and no bare `rasa run` (its API would be off, its files readable by all)."""
    problems = []
    if "--auth-token" in command or "--enable-api" in command:
        problems.append(f"the HTTP API enabled on the command line: {command}")
    if re.search(r"\brasa\s+run\b(?!\s+actions)", command):
        problems.append(f"rasa run instead of python -m scripts.rasa_server: {command}")
    return problems


def test_rasa_command_check_itself() -> None:
    assert rasa_command_problems("rasa run --enable-api --auth-token=$(RASA_API_TOKEN)")
    assert rasa_command_problems("python -m scripts.rasa_server --auth-token=s3cr3t")
    assert rasa_command_problems("rasa run --port 5005")
    assert not rasa_command_problems("python -m scripts.rasa_server --port 5005")
    assert not rasa_command_problems("rasa run actions --port 5055")


def test_readme_and_dockerfile_rasa_commands() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8").replace("\\\n", " ")
    commands = [line for line in readme.splitlines() if "rasa run" in line]
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    commands += [line for line in dockerfile.splitlines() if line.startswith("CMD")]
    assert [problem for command in commands for problem in rasa_command_problems(command)] == []
    assert "RASA_TELEMETRY_ENABLED=false" in dockerfile


# --- Docker Compose ------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def environment(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: None if value is None else str(value) for key, value in env.items()}


def command_text(service: dict) -> str:
    command = service.get("command") or ""
    return " ".join(command) if isinstance(command, list) else str(command)


def is_rasa_server(service: dict) -> bool:
    return "scripts.rasa_server" in command_text(service)


def runs_the_app(service: dict) -> bool:
    """Rasa, the action server or the console: the project's image."""
    return "build" in service or str(service.get("image", "")).startswith("assistant")


def test_compose_has_no_secret_value() -> None:
    problems = []
    for name, service in compose()["services"].items():
        for key, value in environment(service).items():
            # None: passed through from the operator's environment when set (WhatsApp).
            if SECRET_NAME.search(key) and value is not None:
                if not REQUIRED_VARIABLE.fullmatch(value):
                    problems.append(f"{name}: {key} must be ${{{key}:?...}}, not {value!r}")
            for password in CREDENTIALS_IN_URL.findall(value or ""):
                if not REQUIRED_VARIABLE.fullmatch(password):
                    problems.append(f"{name}: {key} has a literal password in its URL")
        for secret_flag in re.findall(
            r"--(?:auth-token|requirepass)[= ]\"?(\S*)", command_text(service)
        ):
            if not secret_flag.startswith("$"):
                problems.append(f"{name}: literal secret in its command")
        problems += [f"{name}: {p}" for p in rasa_command_problems(command_text(service))]
    for variable in DEFAULTED_VARIABLE.findall(COMPOSE.read_text(encoding="utf-8")):
        if SECRET_NAME.search(variable):
            problems.append(f"{variable} has a default value")
    assert problems == []


def test_compose_check_catches_literals(tmp_path: Path) -> None:
    """The check above would see a literal secret (guards against a check that passes
    everything)."""
    service = {"environment": {"DB_PASSWORD": "hunter2", "X_URL": "postgresql://u:pw@db/x"}}
    env = environment(service)
    assert not REQUIRED_VARIABLE.fullmatch(env["DB_PASSWORD"])
    assert CREDENTIALS_IN_URL.findall(env["X_URL"]) == ["pw"]
    assert DEFAULTED_VARIABLE.findall("${REDIS_PASSWORD:-changeme}") == ["REDIS_PASSWORD"]


def test_compose_publishes_only_the_balancer() -> None:
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    for port in services["nginx"]["ports"]:
        assert not re.search(r"\b(5005|5055|8000)\b", str(port)), port
    rasa = [name for name, s in services.items() if is_rasa_server(s)]
    assert len(rasa) >= 2, "two Rasa instances"
    for name in rasa:
        assert "ports" not in services[name] and "network_mode" not in services[name]
        # its HTTP API is on (scripts/rasa_server.py): the console needs it
        assert environment(services[name])["RASA_API_TOKEN"].startswith("${RASA_API_TOKEN:?")


def test_compose_telemetry_off_wherever_rasa_runs() -> None:
    services = compose()["services"]
    app = [name for name, service in services.items() if runs_the_app(service)]
    assert len(app) >= 4  # two Rasa instances, actions, console
    for name in app:
        assert environment(services[name]).get("RASA_TELEMETRY_ENABLED") == "false", name


def test_compose_rasa_has_every_endpoint_variable() -> None:
    """endpoints.prod.yml (the contract) reads these; Rasa refuses to start without one."""
    endpoints = yaml.safe_load((PROJECT / "endpoints.prod.yml").read_text(encoding="utf-8"))
    needed = set(re.findall(r"\$\{([A-Z_]+)\}", yaml.safe_dump(endpoints)))
    assert {"ACTION_SERVER_URL", "DB_HOST", "DB_PASSWORD", "REDIS_HOST"} <= needed
    services = compose()["services"]
    for name, service in services.items():
        if is_rasa_server(service):
            assert needed <= set(environment(service)), name
            assert "/webhooks/health/" in str(service["healthcheck"]["test"])


def test_rasa_expands_every_endpoint_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa expands ${VAR} only in plain YAML scalars: a quoted "${DB_HOST}" would reach the
    database driver as it is."""
    from rasa.shared.utils.io import read_config_file

    text = (PROJECT / "endpoints.prod.yml").read_text(encoding="utf-8")
    for variable in set(re.findall(r"\$\{([A-Z_]+)\}", text)):
        monkeypatch.setenv(variable, "1")
    assert "${" not in yaml.safe_dump(read_config_file(str(PROJECT / "endpoints.prod.yml")))


def test_compose_stores_are_not_reachable_from_outside() -> None:
    spec = compose()
    assert spec["networks"]["data"].get("internal") is True
    for name in ("postgres", "redis"):
        assert spec["services"][name]["networks"] == ["data"]
    assert "requirepass" in command_text(spec["services"]["redis"])


# --- Kubernetes ----------------------------------------------------------------------------


def k8s_documents() -> list[dict]:
    return [
        doc
        for path in sorted(K8S.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc
    ]


def pod_specs(doc: dict) -> list[dict]:
    kind, spec = doc.get("kind"), doc.get("spec") or {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return [spec["template"]["spec"]]
    if kind == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    return []


def k8s_containers() -> list[dict]:
    return [
        container
        for doc in k8s_documents()
        for pod in pod_specs(doc)
        for container in [*pod.get("initContainers", []), *pod["containers"]]
    ]


def test_k8s_secrets_come_from_secret_refs() -> None:
    docs = k8s_documents()
    assert not [doc for doc in docs if doc["kind"] == "Secret"], "Secrets are created by hand"
    problems = []
    for doc in docs:
        if doc["kind"] == "ConfigMap":
            for key, value in doc["data"].items():
                if SECRET_NAME.search(key) or CREDENTIALS_IN_URL.search(str(value)):
                    problems.append(f"ConfigMap {doc['metadata']['name']}: {key}")
    for container in k8s_containers():
        env = container.get("env", [])
        from_secrets = {item["name"] for item in env if "secretKeyRef" in item.get("valueFrom", {})}
        for item in env:
            if SECRET_NAME.search(item["name"]) and item["name"] not in from_secrets:
                problems.append(f"{container['name']}: {item['name']} not from a Secret")
            for password in CREDENTIALS_IN_URL.findall(str(item.get("value", ""))):
                if set(K8S_REFERENCE.findall(password)) - from_secrets or not password:
                    problems.append(f"{container['name']}: {item['name']} has a literal password")
        command = " ".join([*container.get("command", []), *container.get("args", [])])
        problems += rasa_command_problems(command)
        for reference in K8S_REFERENCE.findall(command):
            if SECRET_NAME.search(reference) and reference not in from_secrets:
                problems.append(f"{container['name']}: $({reference}) not from a Secret")
    assert problems == []


def test_k8s_telemetry_off_wherever_rasa_runs() -> None:
    containers = k8s_containers()
    assert len(containers) >= 5
    for container in containers:
        env = {item["name"]: item.get("value") for item in container.get("env", [])}
        assert env.get("RASA_TELEMETRY_ENABLED") == "false", container["name"]


def test_k8s_two_rasa_replicas_with_the_api_token_from_a_secret() -> None:
    rasa = next(
        doc
        for doc in k8s_documents()
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] == "rasa"
    )
    assert rasa["spec"]["replicas"] >= 2
    container = rasa["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:3] == ["python", "-m", "scripts.rasa_server"]
    assert rasa_command_problems(" ".join(container["command"])) == []
    token = next(e for e in container["env"] if e["name"] == "RASA_API_TOKEN")
    assert token["valueFrom"]["secretKeyRef"]["key"] == "rasa-api-token"
    assert container["readinessProbe"]["httpGet"]["path"] == "/webhooks/health/"


def ingress_paths() -> list[tuple[dict, dict]]:
    return [
        (doc, path)
        for doc in k8s_documents()
        if doc["kind"] == "Ingress"
        for rule in doc["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]


def k8s_path_matches(rule: dict, request: str) -> bool:
    """Whether an Ingress path (Exact / Prefix, element-wise) takes `request`."""
    if rule["pathType"] == "Exact":
        return request == rule["path"]
    prefix = rule["path"].rstrip("/")
    return prefix == "" or request == prefix or request.startswith(prefix + "/")


def test_k8s_ingress_exposes_only_public_paths() -> None:
    problems = []
    for doc, path in ingress_paths():
        annotations = doc["metadata"].get("annotations", {})
        assert not [key for key in annotations if "snippet" in key or "use-regex" in key]
        assert path["pathType"] in ("Exact", "Prefix")
        service = path["backend"]["service"]["name"]
        if not service.startswith("rasa"):
            continue
        problems += [
            f"{path['path']} exposes {p}" for p in PRIVATE_PATHS if k8s_path_matches(path, p)
        ]
    assert problems == []
    routed = {p for _, path in ingress_paths() for p in PUBLIC_PATHS if k8s_path_matches(path, p)}
    assert routed == set(PUBLIC_PATHS)


def test_k8s_socketio_is_sticky() -> None:
    socketio = [
        doc["metadata"].get("annotations", {})
        for doc, path in ingress_paths()
        if path["backend"]["service"]["name"].startswith("rasa")
        and k8s_path_matches(path, "/socket.io/")
    ]
    assert socketio
    for notes in socketio:
        assert notes.get("nginx.ingress.kubernetes.io/upstream-hash-by") or (
            notes.get("nginx.ingress.kubernetes.io/affinity") == "cookie"
        )


def test_k8s_network_policy_guards_rasa() -> None:
    policy = next(
        doc
        for doc in k8s_documents()
        if doc["kind"] == "NetworkPolicy"
        and doc["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/name") == "rasa"
    )
    peers = [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]
    assert peers, "an empty `from` would let everyone in"
    for peer in peers:
        if "podSelector" in peer:
            assert peer["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "console"}
        else:
            labels = peer["namespaceSelector"]["matchLabels"]
            assert labels == {"kubernetes.io/metadata.name": "ingress-nginx"}


# --- nginx ---------------------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def find(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]


@dataclass
class Location:
    modifier: str
    path: str
    body: list[Directive] = field(default_factory=list)


TOKEN = re.compile(r"\s+|#[^\n]*|\"(?:\\.|[^\"])*\"|'(?:\\.|[^'])*'|[{};]|[^\s{};\"'#]+")


def parse_nginx(text: str) -> list[Directive]:
    """nginx's syntax: directives ending in `;`, blocks in braces, # comments, quotes."""
    tokens = [t for t in TOKEN.findall(text) if t.strip() and not t.startswith("#")]
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for token in tokens:
        if token == ";":
            stack[-1].append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            directive = Directive(words[0], words[1:], [])
            stack[-1].append(directive)
            stack.append(directive.block)
            words = []
        elif token == "}":
            assert not words, f"unterminated directive {words}"
            stack.pop()
        else:
            words.append(token.strip("\"'"))
    assert len(stack) == 1 and not words, "unbalanced braces"
    return stack[0]


def locations(server: Directive) -> list[Location]:
    found = []
    for directive in server.find("location"):
        modifier, path = directive.args if len(directive.args) == 2 else ("", directive.args[0])
        found.append(Location(modifier, path, directive.block or []))
    return found


def select_location(server: Directive, request: str) -> Location | None:
    """nginx's choice: exact match, else the longest prefix (final with ^~), else the first
    matching regex, else that longest prefix."""
    candidates = locations(server)
    for location in candidates:
        if location.modifier == "=" and location.path == request:
            return location
    prefixes = [
        loc for loc in candidates if loc.modifier in ("", "^~") and request.startswith(loc.path)
    ]
    longest = max(prefixes, key=lambda loc: len(loc.path), default=None)
    if longest is not None and longest.modifier == "^~":
        return longest
    for location in candidates:
        if location.modifier in ("~", "~*"):
            flags = re.IGNORECASE if location.modifier == "~*" else 0
            if re.search(location.path, request, flags):
                return location
    return longest


def proxied_to(location: Location) -> str | None:
    """The upstream a location passes requests to, unless it always refuses them."""
    for directive in location.body:
        if directive.name == "return":
            return None
    for directive in location.body:
        if directive.name == "proxy_pass":
            return directive.args[0].removeprefix("http://").removeprefix("https://")
    return None


DUMMY_VALUES = {
    "LISTEN_PUBLIC": "127.0.0.1:18080",
    "PUBLIC_HOST": "assistant.example.org",
    "LISTEN_CONSOLE": "127.0.0.1:18081",
    "CONSOLE_HOST": "console.example.org",
    "CONSOLE_ALLOW": "10.0.0.0/8",
    "CONSOLE_UPSTREAM": "127.0.0.1:8100",
    "DEMO_PAGE": "off",
}


def balancer() -> list[Directive]:
    return parse_nginx(render(NGINX_TEMPLATE.read_text(encoding="utf-8"), DUMMY_VALUES))


def rasa_upstreams(config: list[Directive]) -> set[str]:
    return {
        d.args[0]
        for d in config
        if d.name == "upstream" and any(i.args == ["rasa-servers.conf"] for i in d.find("include"))
    }


def test_nginx_template_has_a_value_for_every_placeholder() -> None:
    documented = set(re.findall(r"^#   ([A-Z_]+) ", NGINX_TEMPLATE.read_text(), re.MULTILINE))
    assert documented == set(DUMMY_VALUES)
    with pytest.raises(KeyError):
        render(NGINX_TEMPLATE.read_text(), {})


def test_nginx_refuses_private_paths_and_routes_public_ones() -> None:
    config = balancer()
    upstreams = rasa_upstreams(config)
    assert upstreams == {"rasa_sticky", "rasa_any"}
    servers = [d for d in config if d.name == "server"]
    assert len(servers) == 2
    problems = []
    for server in servers:
        for path in PRIVATE_PATHS:
            location = select_location(server, path)
            if location is not None and proxied_to(location) in upstreams:
                problems.append(f"{server.find('server_name')[0].args}: {path} reaches Rasa")
    assert problems == []
    public = servers[0]
    assert public.find("client_max_body_size")[0].args == ["64k"]
    for path in PUBLIC_PATHS:
        location = select_location(public, path)
        assert location is not None and proxied_to(location) in upstreams, path
    assert proxied_to(select_location(public, "/socket.io/")) == "rasa_sticky"


def test_nginx_parser_would_see_an_exposed_api() -> None:
    exposed = parse_nginx(
        "upstream rasa_any { include rasa-servers.conf; }"
        "server { location /webhooks/ { proxy_pass http://rasa_any; } location / { return 404; } }"
    )
    server = exposed[1]
    assert proxied_to(select_location(server, "/webhooks/rest/webhook")) == "rasa_any"
    assert proxied_to(select_location(server, "/conversations/x/tracker")) is None


def test_nginx_socketio_sticky_and_upgraded() -> None:
    config = balancer()
    sticky = next(d for d in config if d.name == "upstream" and d.args == ["rasa_sticky"])
    assert sticky.find("hash")[0].args == ["$remote_addr", "consistent"]
    location = select_location(next(d for d in config if d.name == "server"), "/socket.io/")
    headers = {d.args[0]: d.args[1] for d in location.body if d.name == "proxy_set_header"}
    assert headers["Upgrade"] == "$http_upgrade"
    assert headers["Connection"] == "$connection_upgrade"
    assert "Host" in headers  # a location's headers replace the server's


def test_compose_server_list_is_two_instances() -> None:
    servers = parse_nginx((NGINX / "rasa-servers.compose.conf").read_text())
    assert [d.args[0] for d in servers] == ["rasa-1:5005", "rasa-2:5005"]
    assert set(compose()["services"]) >= {"rasa-1", "rasa-2"}


needs_nginx = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed")


def nginx_test(main: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [shutil.which("nginx"), "-t", "-p", f"{main.parent}/", "-c", str(main),
         "-e", str(main.parent / "error.log")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@needs_nginx
def test_nginx_accepts_the_local_configuration(tmp_path: Path) -> None:
    """What `make run-prod` runs."""
    main = write_nginx_config(
        tmp_path,
        rasa_servers=["127.0.0.1:5101", "127.0.0.1:5102"],
        console_upstream="127.0.0.1:8100",
        public_listen="127.0.0.1:18080",
        console_listen="127.0.0.1:18081",
    )
    result = nginx_test(main)
    assert result.returncode == 0, result.stderr


@needs_nginx
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_nginx_accepts_the_compose_configuration(tmp_path: Path) -> None:
    """deploy/nginx as deploy/compose.yml mounts it (TLS), with paths moved to tmp_path and the
    instances on loopback (nginx -t resolves upstream names)."""
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=assistant.example.org", "-keyout", str(certs / "privkey.pem"),
         "-out", str(certs / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    values = {**DUMMY_VALUES, "LISTEN_PUBLIC": "127.0.0.1:18443 ssl"}
    values["LISTEN_CONSOLE"] = values["LISTEN_PUBLIC"]
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "assistant.conf").write_text(render(NGINX_TEMPLATE.read_text(), values))
    servers = (NGINX / "rasa-servers.compose.conf").read_text()
    servers = servers.replace("rasa-1:5005", "127.0.0.1:5101").replace(
        "rasa-2:5005", "127.0.0.1:5102"
    )
    (tmp_path / "rasa-servers.conf").write_text(servers)
    tls = (NGINX / "tls.conf").read_text().replace("/etc/nginx/certs", str(certs))
    (tmp_path / "tls.conf").write_text(tls)
    main = (NGINX / "nginx.conf").read_text()
    main = main.replace("/etc/nginx/conf.d", str(conf_d)).replace(
        "/tmp/nginx.pid", str(tmp_path / "nginx.pid")
    )
    main = main.replace("/dev/stderr", str(tmp_path / "error.log"))
    temp = "".join(
        f"    {k}_temp_path {tmp_path / k};\n"
        for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = main.replace("http {\n", "http {\n" + temp, 1)
    (tmp_path / "nginx.conf").write_text(main)
    result = nginx_test(tmp_path / "nginx.conf")
    assert result.returncode == 0, result.stderr


def _docker_context_includes(path: str) -> bool:
    """Whether deploy/Dockerfile.dockerignore (everything excluded, then `!` exceptions) lets
    `path` into the image's build context."""
    lines = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    exceptions = [line[1:] for line in lines if line.startswith("!")]
    return any(
        path == rule or (rule.endswith("/") and path.startswith(rule)) for rule in exceptions
    )


def _local_imports(module_file: Path) -> set[Path]:
    """The project's own module files that `module_file` imports."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(module_file.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            base = PROJECT / Path(*name.split("."))
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.is_file():
                    found.add(candidate)
    return found


def test_the_image_holds_every_module_the_processes_import() -> None:
    entry_points = [PROJECT / "scripts" / "rasa_server.py"]
    for package in ("actions", "channels", "components", "console", "policies", "stores"):
        entry_points += sorted((PROJECT / package).rglob("*.py"))
    seen: set[Path] = set()
    todo = [path for path in entry_points if "migrations" not in path.parts]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo += _local_imports(path) - seen
    missing = [
        str(path.relative_to(PROJECT))
        for path in sorted(seen)
        if not _docker_context_includes(str(path.relative_to(PROJECT)))
    ]
    assert missing == []
