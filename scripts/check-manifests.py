"""Validates the deployment manifests offline, as an API server would, then the topology the
README promises.

- Kubernetes kinds: the official schemas of the oldest and newest Kubernetes versions named
  below, strict (unknown fields refused), with kubernetes-validate.
- KServe kinds: the CRD openAPIV3Schema of the KServe release in scripts/fixtures/ (its
  SOURCE.md names the commit), strict as well, with jsonschema.
- Topology: services select the pods they name, the Ingress sends training, dataset and
  calibration routes to the trainer and the rest to the serving replicas, pods run as uid 10001
  with a read-only root filesystem, probes and resources, the grace period outlasts the drain,
  the trainer is a single Recreate replica, the serving replicas train nothing, and the KServe
  runtime starts aeserve on the model's base path.

Usage: check-manifests.py [FOLDER…]   (default: deploy/kubernetes deploy/kserve)
Exits 1 and names each resource, field and problem when anything fails."""
import glob
import json
import os
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
KSERVE_CRDS = os.path.join(ROOT, "scripts", "fixtures", "kserve-v0.20.0")
UID = 10001
# A route of each kind and the component the Ingress must send it to.
TRAINER_ROUTES = ("/train-job", "/train-job/job-1/events", "/datasets", "/datasets/d1/rows",
                  "/models/fashion-mnist/versions/2/calibrate")
SERVING_ROUTES = ("/encode", "/reconstruct", "/v2/models/fashion-mnist/infer", "/models", "/models/fashion-mnist",
                  "/models/fashion-mnist/activate", "/healthz", "/readyz", "/metrics", "/", "/train")

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_documents(folders):
    """(file, document) for every YAML document in the folders."""
    documents = []
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "*.yaml")) + glob.glob(os.path.join(folder, "*.yml"))):
            with open(path) as f:
                for document in yaml.load_all(f, Loader=Loader):
                    if document is not None:
                        documents.append((os.path.relpath(path, ROOT), document))
    return documents


def strict(schema):
    """The schema with unknown fields refused wherever it lists the known ones, as the API
    server's strict field validation does (except where it preserves unknown fields)."""
    if isinstance(schema, dict):
        schema = {key: strict(value) for key, value in schema.items()}
        if ("properties" in schema and "additionalProperties" not in schema
                and not schema.get("x-kubernetes-preserve-unknown-fields")):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


def crd_schemas():
    """{(group/version, kind): strict openAPIV3Schema} of the KServe CRD fixtures."""
    schemas = {}
    for path in glob.glob(os.path.join(KSERVE_CRDS, "*.yaml")):
        with open(path) as f:
            crd = yaml.load(f, Loader=Loader)
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                key = (f"{crd['spec']['group']}/{version['name']}", crd["spec"]["names"]["kind"])
                schemas[key] = strict(version["schema"]["openAPIV3Schema"])
    return schemas


def name_of(document):
    return f"{document.get('kind')}/{(document.get('metadata') or {}).get('name')}"


def field_path(error):
    return ".".join(str(part) for part in error.absolute_path) or "(top)"


def validate_schemas(documents, problems):
    crds = None
    for path, document in documents:
        api = document.get("apiVersion", "")
        if api.startswith("serving.kserve.io/"):
            crds = crds if crds is not None else crd_schemas()
            schema = crds.get((api, document.get("kind")))
            if schema is None:
                problems.append(f"{path}: {name_of(document)}: no {api} {document.get('kind')} in the KServe CRDs")
                continue
            for error in jsonschema.Draft4Validator(schema).iter_errors(document):
                problems.append(f"{path}: {name_of(document)}: {field_path(error)}: {error.message}")
            name = (document.get("metadata") or {}).get("name", "")
            if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name):
                problems.append(f"{path}: {name_of(document)}: metadata.name must be a DNS-1123 label")
            continue
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:  # the jsonschema error's fields, copied
                problems.append(f"{path}: {name_of(document)} (Kubernetes {version}): "
                                f"{field_path(error)}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError:
                problems.append(f"{path}: {name_of(document)}: no Kubernetes {version} schema for {api} "
                                f"{document.get('kind')}")


def by_kind(documents, kind):
    return [document for _, document in documents if document.get("kind") == kind]


def selects(selector, labels):
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def aeserve_settings(documents):
    """The aeserve.json of the ConfigMap, or {}."""
    for config in by_kind(documents, "ConfigMap"):
        text = (config.get("data") or {}).get("aeserve.json")
        if text:
            return json.loads(text)
    return {}


def env_value(container, name):
    return next((item.get("value") for item in container.get("env", []) if item.get("name") == name), None)


def pre_stop_seconds(container):
    command = (((container.get("lifecycle") or {}).get("preStop") or {}).get("exec") or {}).get("command") or []
    return float(command[1]) if len(command) == 2 and command[0] == "sleep" else 0.0


def check_pods(documents, problems):
    settings = aeserve_settings(documents)
    drain = float(settings.get("server", {}).get("drain_timeout_seconds", 8))
    claims = {document["metadata"]["name"] for document in by_kind(documents, "PersistentVolumeClaim")}
    configs = {document["metadata"]["name"] for document in by_kind(documents, "ConfigMap")}
    secrets = {document["metadata"]["name"] for document in by_kind(documents, "Secret")}
    for deployment in by_kind(documents, "Deployment"):
        name = name_of(deployment)
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        labels = spec["template"]["metadata"].get("labels", {})
        if not selects(spec["selector"].get("matchLabels"), labels):
            problems.append(f"{name}: spec.selector does not select its own pods")
        security = pod.get("securityContext", {})
        if security.get("runAsNonRoot") is not True or security.get("runAsUser") != UID:
            problems.append(f"{name}: the pod must set runAsNonRoot: true and runAsUser: {UID}")
        for container in pod.get("initContainers", []) + pod["containers"]:
            where = f"{name} container {container['name']}"
            if (container.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem must be true")
            resources = container.get("resources", {})
            if not resources.get("requests") or not resources.get("limits"):
                problems.append(f"{where}: resources need requests and limits")
        for container in pod["containers"]:
            where = f"{name} container {container['name']}"
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
                if ((container.get(probe) or {}).get("httpGet") or {}).get("path") != path:
                    problems.append(f"{where}: {probe} must GET {path}")
            container_drain = float(env_value(container, "AESERVE_SERVER_DRAIN_TIMEOUT_SECONDS") or drain)
            grace = pod.get("terminationGracePeriodSeconds", 30)
            if grace <= container_drain + pre_stop_seconds(container):
                problems.append(f"{where}: terminationGracePeriodSeconds ({grace}) must exceed the drain "
                                f"({container_drain:g} s) plus the preStop pause ({pre_stop_seconds(container):g} s)")
        for volume in pod.get("volumes", []):
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            config = (volume.get("configMap") or {}).get("name")
            secret = (volume.get("secret") or {}).get("secretName")
            for wanted, known, what in ((claim, claims, "PersistentVolumeClaim"), (config, configs, "ConfigMap"),
                                        (secret, secrets, "Secret")):
                if wanted and wanted not in known:
                    problems.append(f"{name}: volume {volume['name']} names the {what} {wanted}, which is not defined")


def component(documents, name):
    """The Deployment whose pods have app.kubernetes.io/component: name, or None."""
    return next((d for d in by_kind(documents, "Deployment")
                 if d["spec"]["template"]["metadata"].get("labels", {}).get("app.kubernetes.io/component") == name), None)


def check_roles(documents, problems):
    serving, trainer = component(documents, "serving"), component(documents, "trainer")
    if serving is None or trainer is None:
        problems.append("need a Deployment with component serving and one with component trainer")
        return
    if serving["spec"].get("replicas", 1) < 2:
        problems.append(f"{name_of(serving)}: several replicas expected, found {serving['spec'].get('replicas', 1)}")
    for container in serving["spec"]["template"]["spec"]["containers"]:
        if env_value(container, "AESERVE_TRAINING_ENABLED") != "false":
            problems.append(f"{name_of(serving)} container {container['name']}: AESERVE_TRAINING_ENABLED must be \"false\"")
    if trainer["spec"].get("replicas", 1) != 1 or trainer["spec"].get("strategy", {}).get("type") != "Recreate":
        problems.append(f"{name_of(trainer)}: must have 1 replica and strategy Recreate")
    serving_labels = serving["spec"]["template"]["metadata"]["labels"]
    for hpa in by_kind(documents, "HorizontalPodAutoscaler"):
        if hpa["spec"]["scaleTargetRef"].get("name") != serving["metadata"]["name"]:
            problems.append(f"{name_of(hpa)}: scales {hpa['spec']['scaleTargetRef'].get('name')}, not the serving Deployment")
    for pdb in by_kind(documents, "PodDisruptionBudget"):
        if not selects(pdb["spec"]["selector"].get("matchLabels"), serving_labels):
            problems.append(f"{name_of(pdb)}: does not select the serving pods")
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget"):
        if not by_kind(documents, kind):
            problems.append(f"no {kind} for the serving replicas")


def service_component(documents, service_name):
    """The component of the pods a Service selects (serving/trainer), or None."""
    service = next((s for s in by_kind(documents, "Service") if s["metadata"]["name"] == service_name), None)
    if service is None:
        return None
    for deployment in by_kind(documents, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"].get("labels", {})
        if selects(service["spec"].get("selector"), labels):
            ports = {port.get("name") for c in deployment["spec"]["template"]["spec"]["containers"] for port in c.get("ports", [])}
            if any(port.get("targetPort") not in ports for port in service["spec"]["ports"]):
                return None
            return labels.get("app.kubernetes.io/component")
    return None


def ingress_route(ingress, path):
    """The backend service an ingress-nginx controller picks for `path`: with use-regex every
    path is a regular expression anchored at the start, the longest path first; without it,
    Exact and then the longest Prefix (by path elements)."""
    regex = ingress["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/use-regex") == "true"
    best = None
    for rule in ingress["spec"].get("rules", []):
        for entry in rule.get("http", {}).get("paths", []):
            pattern, kind = entry["path"], entry["pathType"]
            if regex:
                matched = re.match(pattern, path) is not None
            elif kind == "Exact":
                matched = pattern == path
            elif kind == "Prefix":
                elements = [part for part in pattern.split("/") if part]
                matched = [part for part in path.split("/") if part][:len(elements)] == elements
            else:
                matched = False
            rank = (kind == "Exact", len(pattern))
            if matched and (best is None or rank > best[0]):
                best = (rank, entry["backend"]["service"]["name"])
    return best[1] if best else None


def check_ingress(documents, problems):
    ingresses = by_kind(documents, "Ingress")
    if not ingresses:
        problems.append("no Ingress")
    for ingress in ingresses:
        for routes, wanted in ((TRAINER_ROUTES, "trainer"), (SERVING_ROUTES, "serving")):
            for route in routes:
                service = ingress_route(ingress, route)
                got = service_component(documents, service) if service else None
                if got != wanted:
                    problems.append(f"{name_of(ingress)}: {route} goes to {service or 'no backend'} "
                                    f"({got or 'no matching pods'}), expected the {wanted}")


def check_kserve(documents, problems):
    runtimes = {d["metadata"]["name"]: d for d in by_kind(documents, "ClusterServingRuntime")}
    for name, runtime in runtimes.items():
        spec = runtime["spec"]
        if "v2" not in spec.get("protocolVersions", []):
            problems.append(f"ClusterServingRuntime/{name}: protocolVersions must include v2")
        container = spec["containers"][0]
        arguments = container.get("command", []) + container.get("args", [])
        for flag, value in (("--model-name", "{{.Name}}"), ("--model-base-path", "/mnt/models")):
            if flag not in arguments or arguments[arguments.index(flag) + 1:][:1] != [value]:
                problems.append(f"ClusterServingRuntime/{name}: the container must run aeserve serve {flag} {value}")
        if (container.get("securityContext") or {}).get("runAsUser") != UID:
            problems.append(f"ClusterServingRuntime/{name}: the container must run as uid {UID}")
    for service in by_kind(documents, "InferenceService"):
        model = service["spec"]["predictor"].get("model", {})
        runtime = runtimes.get(model.get("runtime"))
        if runtime is None:
            problems.append(f"{name_of(service)}: runtime {model.get('runtime')} is not among {sorted(runtimes)}")
            continue
        formats = {(f["name"], f.get("version")) for f in runtime["spec"].get("supportedModelFormats", [])}
        wanted = (model.get("modelFormat", {}).get("name"), model.get("modelFormat", {}).get("version"))
        if wanted not in formats:
            problems.append(f"{name_of(service)}: model format {wanted} is not one the runtime supports: {sorted(formats)}")
        if model.get("protocolVersion") not in runtime["spec"].get("protocolVersions", []):
            problems.append(f"{name_of(service)}: protocolVersion {model.get('protocolVersion')} is not the runtime's")


def main():
    folders = sys.argv[1:] or [os.path.join(ROOT, "deploy", "kubernetes"), os.path.join(ROOT, "deploy", "kserve")]
    documents = load_documents(folders)
    if not documents:
        print(f"check-manifests: no YAML documents in {folders}", file=sys.stderr)
        sys.exit(1)
    problems = []
    validate_schemas(documents, problems)
    if not problems:
        kinds = {document.get("kind") for _, document in documents}
        if "Deployment" in kinds:
            check_pods(documents, problems)
            check_roles(documents, problems)
            check_ingress(documents, problems)
        if kinds & {"ClusterServingRuntime", "InferenceService"}:
            check_kserve(documents, problems)
    for problem in problems:
        print(f"check-manifests: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"check-manifests: {len(documents)} resources valid (Kubernetes {' and '.join(KUBERNETES_VERSIONS)} strict, "
          f"KServe v0.20.0 CRDs strict) and consistent")


if __name__ == "__main__":
    main()
