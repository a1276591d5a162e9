"""Input shapes for the inventory: a workload's components, checked field by field.

Every error names the component and field and says what is expected, so the portal, the API and
the CLI can show it beside the input; nothing is rendered or applied until the definition is valid.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from core import boundedyaml
from core.errors import ValidationError
from core.text import DNS_LABEL

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CPU = re.compile(r"^([0-9]+m|[0-9]+(\.[0-9]{1,3})?)$")
MEMORY = re.compile(r"^[0-9]+(Ki|Mi|Gi|Ti)$")
IMAGE = re.compile(r"^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[A-Za-z0-9._-]{1,128})?(@sha256:[a-f0-9]{64})?$")
PROBE_PATH = re.compile(r"^/[A-Za-z0-9._~/-]{0,200}$")
MAX_REPLICAS = 50


@dataclasses.dataclass(frozen=True)
class Component:
    name: str
    image: str | None  # None: not containerized yet
    ports: tuple[int, ...] = ()
    replicas: int = 1
    cpu: str = "250m"
    memory: str = "256Mi"
    storage: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    secrets: tuple[str, ...] = ()
    read_only_root: bool = True
    # HTTP paths the kubelet probes on the first port (liveness, readiness); None: no probe
    liveness_path: str | None = None
    readiness_path: str | None = None
    # False: reachable inside the tenant only (a database), never through the workload's Ingress
    expose: bool = True

    @property
    def containerized(self) -> bool:
        return self.image is not None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "name": self.name,
            "image": self.image,
            "ports": list(self.ports),
            "replicas": self.replicas,
            "cpu": self.cpu,
            "memory": self.memory,
            "storage": self.storage,
            "env": dict(self.env),
            "secrets": list(self.secrets),
            "read_only_root": self.read_only_root,
        }
        if self.liveness_path is not None:
            result["liveness_path"] = self.liveness_path
        if self.readiness_path is not None:
            result["readiness_path"] = self.readiness_path
        if not self.expose:
            result["expose"] = False
        return result


def parse_components(raw: Any) -> list[Component]:
    """Validate a list of component definitions (dicts from a form, JSON or YAML)."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError("a workload needs at least one component", fields={"components": "required"})
    errors: dict[str, str] = {}
    components = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"components[{index}]"
        if not isinstance(item, dict):
            errors[where] = "must be a mapping of fields"
            continue
        component = _parse_component(item, where, errors)
        if component is None:
            continue
        if component.name in seen:
            errors[f"{where}.name"] = f"'{component.name}' is used by another component"
        seen.add(component.name)
        components.append(component)
    if errors:
        raise ValidationError("the workload definition is invalid", fields=errors)
    return components


def _parse_component(item: dict[str, Any], where: str, errors: dict[str, str]) -> Component | None:
    """One component, or None with its errors (keyed `<where>.<field>`) added to `errors`."""
    before = len(errors)
    name, image = _component_identity(item, where, errors)
    sizing = _component_sizing(item, where, errors)
    runtime = _component_runtime(item, where, errors, has_ports=bool(sizing["ports"]))
    if len(errors) > before:
        return None
    assert isinstance(name, str)  # else the name is among the errors above
    return Component(name=name, image=image, **sizing, **runtime)


def _component_identity(item: dict[str, Any], where: str, errors: dict[str, str]) -> tuple[Any, str | None]:
    """Known fields only; the name (a DNS label) and the image (None: not containerized yet)."""
    known = {f.name for f in dataclasses.fields(Component)}
    for key in sorted(set(item) - known):
        errors[f"{where}.{key}"] = f"unknown field; expected one of {', '.join(sorted(known))}"
    name = item.get("name")
    if not isinstance(name, str) or not DNS_LABEL.match(name):
        errors[f"{where}.name"] = (
            "lower-case letters, digits and '-', at most 63, starting with a letter or digit"
        )
    image = item.get("image")
    if image in ("", None):
        image = None
    elif not isinstance(image, str) or not IMAGE.match(image):
        errors[f"{where}.image"] = "a container image such as registry.example.ir/app:1.2 (or empty)"
    return name, image


def _component_sizing(item: dict[str, Any], where: str, errors: dict[str, str]) -> dict[str, Any]:
    """Ports, replicas, CPU, memory and storage, as `Component` fields."""
    ports = item.get("ports", [])
    if not isinstance(ports, list) or not all(isinstance(p, int) and 1 <= p <= 65535 for p in ports):
        errors[f"{where}.ports"] = "a list of port numbers between 1 and 65535"
        ports = []
    replicas = item.get("replicas", 1)
    if not isinstance(replicas, int) or isinstance(replicas, bool) or not 1 <= replicas <= MAX_REPLICAS:
        errors[f"{where}.replicas"] = f"a whole number between 1 and {MAX_REPLICAS}"
    cpu = str(item.get("cpu", "250m"))
    if not CPU.match(cpu):
        errors[f"{where}.cpu"] = "a CPU quantity such as 250m or 1"
    memory = str(item.get("memory", "256Mi"))
    if not MEMORY.match(memory):
        errors[f"{where}.memory"] = "a memory quantity such as 256Mi or 2Gi"
    storage = item.get("storage") or None
    if storage is not None and not MEMORY.match(str(storage)):
        errors[f"{where}.storage"] = "a storage size such as 10Gi (or empty for none)"
    return {
        "ports": tuple(ports),
        "replicas": replicas,
        "cpu": cpu,
        "memory": memory,
        "storage": str(storage) if storage else None,
    }


def _component_runtime(
    item: dict[str, Any], where: str, errors: dict[str, str], has_ports: bool
) -> dict[str, Any]:
    """Environment, secrets, root filesystem, probes (which need a port) and exposure, as
    `Component` fields."""
    env = item.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(k, str) and ENV_NAME.match(k) for k in env):
        errors[f"{where}.env"] = "a mapping of NAME: value (names: letters, digits, '_')"
        env = {}
    secrets = item.get("secrets", [])
    if not isinstance(secrets, list) or not all(isinstance(s, str) and DNS_LABEL.match(s) for s in secrets):
        errors[f"{where}.secrets"] = "a list of secret names (lower-case letters, digits and '-')"
        secrets = []
    read_only_root = item.get("read_only_root", True)
    if not isinstance(read_only_root, bool):
        errors[f"{where}.read_only_root"] = "true or false"
    probes = {}
    for key in ("liveness_path", "readiness_path"):
        path = item.get(key) or None
        if path is not None and not (isinstance(path, str) and PROBE_PATH.match(path)):
            errors[f"{where}.{key}"] = "an HTTP path such as /healthz (or empty for no probe)"
        elif path is not None and not has_ports:
            errors[f"{where}.{key}"] = "a probe needs a port: add one to ports"
        probes[key] = path
    expose = item.get("expose", True)
    if not isinstance(expose, bool):
        errors[f"{where}.expose"] = "true or false"
    return {
        "env": tuple(sorted((k, str(v)) for k, v in env.items())),
        "secrets": tuple(secrets),
        "read_only_root": read_only_root,
        **probes,
        "expose": expose,
    }


def components_of(stored: list[dict[str, Any]]) -> list[Component]:
    """Components from a workload row (stored already validated)."""
    return parse_components(stored)


def parse_cpu(value: str) -> float:
    return int(value[:-1]) / 1000 if value.endswith("m") else float(value)


def parse_bytes(value: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    return int(value[:-2]) * units[value[-2:]]


# What reading an agency's inventory file may cost (`govcloud migrate import`: its data centers and
# workloads, each with components).
INVENTORY_YAML_BUDGET = boundedyaml.Budget(
    max_bytes=16 * 1024 * 1024, max_depth=10, max_nodes=2_000_000, seconds=20.0
)
