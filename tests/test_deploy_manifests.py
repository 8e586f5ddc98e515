"""The portal's own rules for its Kubernetes manifests (deploy/), on what kustomize renders.

`make manifests` (in `make lint`) validates every overlay against the Kubernetes API's schemas;
these tests check what a schema cannot: exactly one beat and it is recreated, never rolled;
every container non-root with a read-only root and its resources; secrets only by reference;
the probes of web; the migrations as a Job; and what each overlay promises. The overlays are
read from deploy/overlays/, so a new one without its promises here fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "base"

# What each overlay promises beyond the rules every overlay keeps.
SCALED = "scaled"  # at least two web pods and two workers
POOLED = "pooled"  # PgBouncer, and the portal without server-side cursors
HA = "ha"  # autoscalers, disruption budgets, default-deny network policies, spread over nodes
OVERLAYS = {"single": set(), "standard": {SCALED, POOLED}, "ha": {SCALED, POOLED, HA}}

# Variables whose value is a secret or contains one (a password in a URL): only by reference.
SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|TOKEN|PEPPER|(_KEY|_KEYS|_KEY_ID)$|^(DATABASE_URL\w*|REDIS_URL|CELERY_BROKER_URL)$"
)
POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}

Resource = dict[str, Any]


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.fail(
            "kubectl is not on PATH: it renders deploy/ (kubectl kustomize). Install kubectl "
            "1.27 or newer (deploy/README.md); Debian's kubernetes-client 1.20 is too old."
        )
    return found


def render(directory: Path) -> list[Resource]:
    result = subprocess.run(  # noqa: S603 (our own kubectl, our own directory)
        [kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"kubectl kustomize {directory}:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def named(resources: list[Resource], kind: str, name: str) -> Resource | None:
    return next((r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name), None)


def pod_specs(resources: list[Resource]) -> Iterator[tuple[str, Resource]]:
    for resource in resources:
        if resource["kind"] in POD_KINDS:
            yield (
                f"{resource['kind']}/{resource['metadata']['name']}",
                resource["spec"]["template"]["spec"],
            )


def containers(pod: Resource) -> Iterator[Resource]:
    yield from pod.get("initContainers", [])
    yield from pod.get("containers", [])


def command_of(container: Resource) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def is_beat(resource: Resource) -> bool:
    if resource["kind"] not in POD_KINDS:
        return False
    return any(
        "celery" in command_of(c) and "beat" in command_of(c)
        for c in resource["spec"]["template"]["spec"]["containers"]
    )


def autoscaler_for(resources: list[Resource], name: str) -> Resource | None:
    return next(
        (
            r
            for r in resources
            if r["kind"] == "HorizontalPodAutoscaler"
            and r["spec"]["scaleTargetRef"]["name"] == name
        ),
        None,
    )


def least_replicas(resources: list[Resource], name: str) -> int:
    """The fewest pods a Deployment runs: its autoscaler's minimum, else its replicas."""
    autoscaler = autoscaler_for(resources, name)
    if autoscaler is not None:
        return int(autoscaler["spec"].get("minReplicas", 1))
    deployment = named(resources, "Deployment", name)
    return 0 if deployment is None else int(deployment["spec"].get("replicas", 1))


def _container_rules(where: str, pod: Resource, container: Resource) -> list[str]:
    problems = []
    pod_security = pod.get("securityContext", {})
    security = container.get("securityContext", {})

    def setting(key: str) -> Any:
        return security.get(key, pod_security.get(key))

    who = f"{where} container {container['name']}"
    if setting("runAsNonRoot") is not True:
        problems.append(f"{who}: runAsNonRoot is not true")
    if setting("runAsUser") in (None, 0):
        problems.append(f"{who}: runAsUser is not a non-zero user")
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{who}: the root file system is not read-only")
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{who}: allowPrivilegeEscalation is not false")
    if "ALL" not in security.get("capabilities", {}).get("drop", []):
        problems.append(f"{who}: capabilities are not all dropped")
    if (setting("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append(f"{who}: seccompProfile is not RuntimeDefault")
    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        missing = {"cpu", "memory"} - set(resources.get(kind, {}))
        if missing:
            problems.append(f"{who}: no {kind} for {', '.join(sorted(missing))}")
    for variable in container.get("env", []):
        if not SECRET_NAME.search(variable["name"]):
            continue
        if "secretKeyRef" not in variable.get("valueFrom", {}):
            problems.append(
                f"{who}: {variable['name']} is a secret and must come from a secretKeyRef"
            )
    return problems


def violations(resources: list[Resource], promises: set[str]) -> list[str]:
    """Every rule the rendered manifests break, each named; empty when all hold."""
    problems: list[str] = []

    beats = [r for r in resources if is_beat(r)]
    if len(beats) != 1:
        problems.append(f"beat: {len(beats)} workloads run celery beat, exactly one must")
    for beat in beats:
        name = f"{beat['kind']}/{beat['metadata']['name']}"
        if beat["kind"] != "Deployment":
            problems.append(f"beat: {name} must be a Deployment")
            continue
        replicas = beat["spec"].get("replicas")
        if replicas != 1:
            problems.append(f"beat: {name} has replicas {replicas}, it must be exactly 1")
        strategy = beat["spec"].get("strategy", {}).get("type", "RollingUpdate")
        if strategy != "Recreate":
            problems.append(f"beat: {name} has the strategy {strategy}, it must be Recreate")
        if autoscaler_for(resources, beat["metadata"]["name"]) is not None:
            problems.append(f"beat: {name} must not be autoscaled")

    for where, pod in pod_specs(resources):
        for container in containers(pod):
            problems.extend(_container_rules(where, pod, container))

    for resource in resources:
        what = f"{resource['kind']}/{resource['metadata']['name']}"
        if resource["kind"] == "Secret" and (resource.get("data") or resource.get("stringData")):
            problems.append(f"{what}: secrets are created by the operator, never in deploy/")
        if resource["kind"] == "ConfigMap":
            problems.extend(
                f"{what}: {key} is a secret and must not be in a ConfigMap"
                for key in resource.get("data", {})
                if SECRET_NAME.search(key)
            )

    web = named(resources, "Deployment", "web")
    if web is None:
        problems.append("web: no Deployment web")
    else:
        server = next(
            (
                c
                for c in web["spec"]["template"]["spec"]["containers"]
                if "gunicorn" in command_of(c)
            ),
            None,
        )
        if server is None:
            problems.append("web: no container runs gunicorn")
        else:
            for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
                found = server.get(probe, {}).get("httpGet", {}).get("path")
                if found != path:
                    problems.append(f"web: {probe} asks {found}, it must ask {path}")
        if named(resources, "Service", "web") is None:
            problems.append("web: no Service web")

    if not any(
        r["kind"] == "Job"
        and any("migrate" in command_of(c) for c in r["spec"]["template"]["spec"]["containers"])
        for r in resources
    ):
        problems.append("migrations: no Job runs manage.py migrate")

    if SCALED in promises:
        for name in ("web", "worker"):
            if least_replicas(resources, name) < 2:
                problems.append(f"{name}: fewer than 2 pods")
    if POOLED in promises:
        if named(resources, "Deployment", "pgbouncer") is None:
            problems.append("pgbouncer: no Deployment pgbouncer")
        if named(resources, "Service", "pgbouncer") is None:
            problems.append("pgbouncer: no Service pgbouncer")
        if not any(
            r["kind"] == "ConfigMap"
            and r.get("data", {}).get("DATABASE_DISABLE_SERVER_SIDE_CURSORS") == "true"
            for r in resources
        ):
            problems.append("pgbouncer: DATABASE_DISABLE_SERVER_SIDE_CURSORS is not true")
    if HA in promises:
        problems.extend(_ha_rules(resources))
    return problems


def _ha_rules(resources: list[Resource]) -> list[str]:
    problems = []
    for name in ("web", "worker"):
        if autoscaler_for(resources, name) is None:
            problems.append(f"{name}: no HorizontalPodAutoscaler")
        deployment = named(resources, "Deployment", name)
        if deployment is None:
            continue
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        if not any(
            r["kind"] == "PodDisruptionBudget"
            and r["spec"]["selector"].get("matchLabels", {}).items() <= labels.items()
            for r in resources
        ):
            problems.append(f"{name}: no PodDisruptionBudget")
        pod = deployment["spec"]["template"]["spec"]
        spread = {c["topologyKey"] for c in pod.get("topologySpreadConstraints", [])}
        anti = pod.get("affinity", {}).get("podAntiAffinity", {})
        anti_keys = {
            term.get("topologyKey", term.get("podAffinityTerm", {}).get("topologyKey"))
            for terms in anti.values()
            for term in terms
        }
        if "kubernetes.io/hostname" not in spread | anti_keys:
            problems.append(f"{name}: not spread over nodes (kubernetes.io/hostname)")
    if not any(
        r["kind"] == "NetworkPolicy"
        and r["spec"].get("podSelector") == {}
        and set(r["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not r["spec"].get("ingress")
        and not r["spec"].get("egress")
        for r in resources
    ):
        problems.append("network: no default-deny NetworkPolicy")
    return problems


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Resource]]:
    return {path.name: render(path) for path in sorted((DEPLOY / "overlays").iterdir())}


def test_every_overlay_has_its_promises_listed(rendered):
    assert set(rendered) == set(OVERLAYS), "an overlay in deploy/overlays/ without its promises"


@pytest.mark.parametrize("overlay", sorted(OVERLAYS))
def test_overlay_keeps_the_rules(overlay, rendered):
    assert violations(rendered[overlay], OVERLAYS[overlay]) == []


def test_no_secret_object_and_every_secret_from_the_operators_secret(rendered):
    for resources in rendered.values():
        assert not [r for r in resources if r["kind"] == "Secret"]
        for _, pod in pod_specs(resources):
            for container in containers(pod):
                for variable in container.get("env", []):
                    ref = variable.get("valueFrom", {}).get("secretKeyRef")
                    if ref is not None:
                        assert ref["name"] in {"portal-secrets"}, variable


def test_the_probes_send_the_portals_host(rendered):
    """ALLOWED_HOSTS refuses another Host; the replacement writes its first entry."""
    for resources in rendered.values():
        config = next(r for r in resources if r["kind"] == "ConfigMap")
        host = config["data"]["ALLOWED_HOSTS"].split(",")[0]
        web = named(resources, "Deployment", "web")
        assert web is not None
        probes = [
            c[probe]
            for c in web["spec"]["template"]["spec"]["containers"]
            for probe in ("startupProbe", "livenessProbe", "readinessProbe")
        ]
        for probe in probes:
            headers = {h["name"]: h["value"] for h in probe["httpGet"]["httpHeaders"]}
            assert headers == {"Host": host, "X-Forwarded-Proto": "https"}


@pytest.mark.parametrize("probe", ["livenessProbe", "readinessProbe"])
def test_the_portal_answers_the_probes_as_rendered(probe, rendered, settings):
    """The probe as kustomize writes it, against the portal configured by the ConfigMap: 200,
    not 400 (a host ALLOWED_HOSTS refuses) nor 301 (to HTTPS: a probe counts it as success)."""
    from django.test import Client

    resources = rendered["standard"]
    config = next(r for r in resources if r["kind"] == "ConfigMap")["data"]
    assert config["BEHIND_TLS_PROXY"] == "true"
    assert config["SECURE_HTTPS"] == "true"
    settings.ALLOWED_HOSTS = config["ALLOWED_HOSTS"].split(",")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    web = named(resources, "Deployment", "web")
    assert web is not None
    get = web["spec"]["template"]["spec"]["containers"][0][probe]["httpGet"]
    headers = {h["name"]: h["value"] for h in get["httpHeaders"]}
    response = Client(headers=headers).get(get["path"])
    assert response.status_code == 200, response
    # Without the header the portal would redirect the probe, which would then always pass.
    plain = Client(headers={"Host": headers["Host"]}).get(get["path"])
    assert plain.status_code == 301


def test_ha_uses_sentinel_and_object_storage_and_no_shared_disk(rendered):
    resources = rendered["ha"]
    config = next(r for r in resources if r["kind"] == "ConfigMap")["data"]
    assert config["REDIS_SENTINELS"] and config["REDIS_SENTINEL_MASTER"]
    assert config["OBJECT_STORAGE_BUCKET"]
    assert not [r for r in resources if r["kind"] == "PersistentVolumeClaim"]
    for where, pod in pod_specs(resources):
        for container in containers(pod):
            names = {v["name"] for v in container.get("env", [])}
            assert "REDIS_URL" not in names, where


# --- The checks fail: an overlay of the base with one fault ----------------------------------

FAULTS = {
    "beat replicas 2": (
        """
- target: {kind: Deployment, name: beat}
  patch: |-
    - {op: replace, path: /spec/replicas, value: 2}
""",
        "beat: Deployment/beat has replicas 2, it must be exactly 1",
    ),
    "beat rolled": (
        """
- target: {kind: Deployment, name: beat}
  patch: |-
    - {op: replace, path: /spec/strategy, value: {type: RollingUpdate}}
""",
        "beat: Deployment/beat has the strategy RollingUpdate, it must be Recreate",
    ),
    "a literal secret": (
        """
- target: {kind: Deployment, name: worker}
  patch: |-
    - op: add
      path: /spec/template/spec/containers/0/env/-
      value: {name: EMAIL_HOST_PASSWORD, value: hunter2}
""",
        "Deployment/worker container portal: EMAIL_HOST_PASSWORD is a secret and must come "
        "from a secretKeyRef",
    ),
    "a writable root": (
        """
- target: {kind: Deployment, name: worker}
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem
      value: false
""",
        "Deployment/worker container portal: the root file system is not read-only",
    ),
    "no limits": (
        """
- target: {kind: Job, name: migrate}
  patch: |-
    - {op: remove, path: /spec/template/spec/containers/0/resources/limits}
""",
        "Job/migrate container portal: no limits for cpu, memory",
    ),
    "readiness on livez": (
        """
- target: {kind: Deployment, name: web}
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/readinessProbe/httpGet/path
      value: /livez
""",
        "web: readinessProbe asks /livez, it must ask /readyz",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_is_reported(fault, tmp_path):
    patches, expected = FAULTS[fault]
    base = os.path.relpath(BASE, tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources:\n  - {base}\npatches:{patches}",
        encoding="utf-8",
    )
    assert violations(render(tmp_path), set()) == [expected]


def test_promises_that_an_overlay_does_not_keep_are_reported(rendered):
    problems = violations(rendered["single"], {SCALED, POOLED, HA})
    for expected in (
        "web: fewer than 2 pods",
        "worker: fewer than 2 pods",
        "pgbouncer: no Deployment pgbouncer",
        "web: no HorizontalPodAutoscaler",
        "worker: no PodDisruptionBudget",
        "web: not spread over nodes (kubernetes.io/hostname)",
        "network: no default-deny NetworkPolicy",
    ):
        assert expected in problems
