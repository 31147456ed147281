"""Load Kubernetes manifests into the official Python client's API models, the way kubectl's
client libraries read them, and check the grading Job's shape.

Usage: check_k8s.py GRADE.yaml MERGE.yaml
Every document is deserialized into its model class (V1Job, V1PersistentVolumeClaim, ...) and
serialized back: a key the models do not know (a typo, a field of another kind) is lost on the
way and reported. Then the Indexed Job is checked: one pod per shard, each with its own Docker
daemon whose socket labrunner reaches, and the shard count on labrunner's command line.
"""
import re
import sys

from common import need

yaml = need("yaml", "PyYAML")
kubernetes = need("kubernetes", "kubernetes")
from kubernetes.client import ApiClient  # noqa: E402

CLIENT = ApiClient()


def model_name(doc):
    group_version = doc["apiVersion"].split("/")[-1]
    return "V1" + doc["kind"] if group_version == "v1" else group_version.capitalize() + doc["kind"]


def diff(original, back, path=""):
    """Keys and values of `original` that did not survive the round trip."""
    problems = []
    if isinstance(original, dict):
        if not isinstance(back, dict):
            return [f"{path or '(root)'}: not read as a mapping"]
        for key, value in original.items():
            if key not in back:
                problems.append(f"{path}.{key}".lstrip(".") + ": not a field of the models")
            else:
                problems.extend(diff(value, back[key], f"{path}.{key}"))
    elif isinstance(original, list):
        if not isinstance(back, list) or len(back) != len(original):
            return [f"{path}: list not read back whole"]
        for i, (a, b) in enumerate(zip(original, back)):
            problems.extend(diff(a, b, f"{path}[{i}]"))
    elif original != back and str(original) != str(back):
        problems.append(f"{path}: {original!r} read back as {back!r}")
    return problems


def load(path):
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    models = []
    for doc in docs:
        name = model_name(doc)
        obj = CLIENT._ApiClient__deserialize(doc, name)  # raises on a missing required field
        problems = diff(doc, CLIENT.sanitize_for_serialization(obj))
        if problems:
            sys.exit(f"{path}: {doc['kind']} {doc['metadata']['name']}:\n  " + "\n  ".join(problems))
        models.append(obj)
    return models


def fail(message):
    sys.exit(f"grading Job: {message}")


def check_grading_job(job):
    spec = job.spec
    if spec.completion_mode != "Indexed":
        fail("completionMode must be Indexed (one index per shard)")
    if spec.completions != spec.parallelism:
        fail(f"completions {spec.completions} and parallelism {spec.parallelism} differ")
    pod = job.spec.template.spec
    sidecars = [c for c in pod.init_containers or [] if c.restart_policy == "Always"]
    if len(sidecars) != 1:
        fail("one Docker daemon sidecar (an init container with restartPolicy Always) per pod")
    daemon = sidecars[0]
    if not (daemon.security_context and daemon.security_context.privileged):
        fail("the Docker-in-Docker sidecar must be privileged")
    host = next((a.split("=", 1)[1] for a in daemon.args or [] if a.startswith("--host=")), None)
    if not host or not host.startswith("unix://"):
        fail("dockerd must listen on a unix socket (--host=unix://...)")
    socket_dir = host[len("unix://"):].rsplit("/", 1)[0]
    grader = next((c for c in pod.containers if c.name == "labrunner"), None)
    if grader is None:
        fail("no container named labrunner")
    env = {e.name: e for e in grader.env or []}
    if env.get("DOCKER_HOST") is None or env["DOCKER_HOST"].value != host:
        fail(f"labrunner's DOCKER_HOST must be {host}, the sidecar's socket")
    def volume_at(container, folder):
        return {m.name for m in container.volume_mounts or [] if m.mount_path == folder}
    shared = volume_at(daemon, socket_dir) & volume_at(grader, socket_dir)
    if not shared:
        fail(f"the daemon and labrunner must mount one volume at {socket_dir}")
    args = grader.args or []
    if args[:1] != ["grade"] or "--submissions" not in args or "--out-dir" not in args:
        fail(f"labrunner must run `grade LAB --submissions DIR --out-dir DIR`: {args}")
    count = args[args.index("--shard") + 1] if "--shard" in args else None
    if count != str(spec.completions):
        fail(f"--shard {count} must be the Job's completions ({spec.completions})")
    out_dir = args[args.index("--out-dir") + 1]
    var = re.search(r"\$\((\w+)\)", out_dir)
    index_annotation = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    source = env.get(var.group(1)) if var else None
    if not (source and source.value_from and source.value_from.field_ref.field_path == index_annotation):
        fail(f"--out-dir {out_dir} must name a variable set from the completion index")
    return args[1], out_dir


def check_merge_job(job, lab, out_dir):
    container = job.spec.template.spec.containers[0]
    line = " ".join((container.command or []) + (container.args or []))
    shards = out_dir.split("$(")[0] + "*"
    if f"labrunner merge {lab} {shards}" not in line:
        fail(f"the merge Job must run `labrunner merge {lab} {shards} ...`: {line}")


grading = load(sys.argv[1])
merging = load(sys.argv[2])
jobs = [m for m in grading if type(m).__name__ == "V1Job"]
if len(jobs) != 1:
    fail(f"{sys.argv[1]} must hold one Job")
lab, out_dir = check_grading_job(jobs[0])
check_merge_job(next(m for m in merging if type(m).__name__ == "V1Job"), lab, out_dir)
print(f"ok: {len(grading) + len(merging)} objects; {jobs[0].spec.completions} shards of {lab}")
