"""Cold-start benchmark: the launcher and the recorder as the Lambda Java runtime starts them, beside the
Python boto3 equivalent of the launcher, against one moto server on loopback. See README "Cold start".

Each package is extracted and run from the extracted files, as Lambda runs a .zip/.jar package from /var/task; the
JVM sees the template's MemorySize as its RAM (-XX:MaxRAM), as in Lambda's microVM, and sizes its heap from it.

Per sample, sequentially (2-core machines: nothing else runs meanwhile):
  1. a fresh JVM runs bench's Invoke with ScheduleHandler: init, a first launch (fresh run key), a warm launch;
  2. a fresh python3 runs launch_boto3.py: init (imports + clients), a first launch, a warm launch;
  3. the driver ends the Java launcher's two clusters (TerminateJobFlows; not timed);
  4. a fresh JVM runs Invoke with EmrEventHandler: init, the first cluster's TERMINATED event, the second's.
init is measured from the instant the driver starts the process to the instant the handler is ready (JVM or
interpreter start-up included, as in Lambda's Init Duration), so both languages are timed the same way.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from datetime import datetime, timedelta, timezone

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "us-east-1"
STACK, PREFIX = "emr-ingest", "/emr-ingest"
LEDGER, CLUSTER_BUCKET = "emr-ingest-ledger", "emr-ingest-cluster"
# The flags the Lambda Java runtime starts the JVM with (besides its heap cap and its agent/add-opens flags).
JVM_FLAGS = ["-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"]


def function_memory():
    """template.yaml's MemorySize for the functions (Globals). Lambda's microVM has the function's memory as its RAM,
    from which the JVM sizes its heap (the initial heap is 1/64 of it): -XX:MaxRAM gives this JVM the same view on a
    larger machine."""
    import yaml

    class Template(yaml.SafeLoader):
        pass

    Template.add_multi_constructor("!", lambda loader, suffix, node: None)
    with open(os.path.join(REPO, "template.yaml")) as f:
        return int(yaml.load(f, Template)["Globals"]["Function"]["MemorySize"])
PACKAGES = {"launcher": "functions/launcher/target/launcher.jar", "recorder": "functions/recorder/target/recorder.jar"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(workdir):
    port = free_port()
    script = os.path.join(REPO, "testing/local-aws/src/main/resources/dev/emringest/local/moto_server.py")
    log = open(os.path.join(workdir, "moto.log"), "w")
    proc = subprocess.Popen([os.environ.get("MOTO_PYTHON", "python3"), script, "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/data.json", timeout=2).read()
            return proc, endpoint
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("moto server exited; see " + log.name)
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("moto server did not start")


def child_env(endpoint):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "JAVA_TOOL_OPTIONS"}
    env.update({
        # What Lambda gives every function, plus the local endpoint.
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        # What template.yaml gives the launcher and the recorder.
        "STACK_NAME": STACK, "JOB_PARAMETER_PREFIX": PREFIX, "LEDGER_BUCKET": LEDGER,
        "CLUSTER_BUCKET": CLUSTER_BUCKET, "SERVICE_ROLE": STACK + "-EmrServiceRole",
        "INSTANCE_PROFILE": STACK + "-EmrInstanceRole",
        "SUBNET_IDS": "subnet-0123456789abcdef0,subnet-0fedcba9876543210", "SECURITY_CONFIGURATION": "",
    })
    return env


def seed(endpoint):
    import boto3
    kw = dict(region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing",
              aws_secret_access_key="testing")
    s3, ssm, emr = boto3.client("s3", **kw), boto3.client("ssm", **kw), boto3.client("emr", **kw)
    s3.create_bucket(Bucket=LEDGER)
    s3.create_bucket(Bucket=CLUSTER_BUCKET)
    ex = os.path.join(REPO, "examples")
    ssm.put_parameter(Name=PREFIX + "/defaults", Type="String", Overwrite=True,
                      Value=open(os.path.join(ex, "defaults.json")).read())
    for f in sorted(os.listdir(os.path.join(ex, "jobs"))):
        if f.endswith(".json"):
            ssm.put_parameter(Name=f"{PREFIX}/jobs/{f[:-5]}", Type="String", Overwrite=True,
                              Value=open(os.path.join(ex, "jobs", f)).read())
    ssm.put_parameter(Name=PREFIX + "/secrets/shop-db", Type="SecureString", Overwrite=True,
                      Value=os.urandom(12).hex())
    return emr


def run(cmd, env, label):
    start_us = time.time_ns() // 1000
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"{label} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    out = json.loads(line[6:])
    out["init_ms"] = (out["ready_epoch_us"] - start_us) / 1000
    return out


def java_sample(java, flags, handler, first, warm, env, workdir, classpath):
    files = []
    for n, event in (("first", first), ("warm", warm)):
        path = os.path.join(workdir, f"{handler.rsplit('.', 1)[1]}-{n}.json")
        with open(path, "w") as f:
            json.dump(event, f)
        files.append(path)
    return run([java, *flags, "-cp", classpath, "dev.emringest.bench.Invoke", handler, *files], env, handler)


def task_classpath(package, task):
    """Lambda extracts a .zip/.jar package into /var/task and loads classes from there and from lib/*.jar, not
    from the archive: the harness does the same, so no class is inflated from the jar at start-up."""
    with zipfile.ZipFile(package) as z:
        z.extractall(task)
    harness = os.path.join(REPO, "bench/target/classes") + ":" + os.path.join(REPO, "bench/target/lib", "*")
    return f"{task}:{os.path.join(task, 'lib', '*')}:{harness}"


def pct(values, p):
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=15)
    ap.add_argument("--java", default=os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"),
                                                   "bin", "java"))
    ap.add_argument("--raw", help="write every sample as JSON to this file")
    ap.add_argument("--packages-from", default=REPO, metavar="CHECKOUT",
                    help="take launcher.jar and recorder.jar from another built checkout (e.g. an older commit)")
    args = ap.parse_args()
    if args.samples < 1:
        raise SystemExit("--samples must be positive")
    for f in PACKAGES.values():
        if not os.path.exists(os.path.join(args.packages_from, f)):
            raise SystemExit(f"{f} is missing: build first (bench/coldstart.sh does)")
    assets = os.path.join(args.packages_from, "functions/launcher/target/classes/assets")
    version = subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()
    terminated = json.load(open(os.path.join(REPO, "events/emr-cluster-terminated-completed.json")))

    workdir = tempfile.mkdtemp(prefix="emr-ingest-bench-")
    cp = {f: task_classpath(os.path.join(args.packages_from, PACKAGES[f]), os.path.join(workdir, f)) for f in PACKAGES}
    moto, endpoint = start_moto(workdir)
    try:
        emr = seed(endpoint)
        flags = [*JVM_FLAGS, f"-XX:MaxRAM={function_memory()}m"]
        env = child_env(endpoint)
        base = datetime(2030, 1, 1, tzinfo=timezone.utc)
        samples = {"java_launcher": [], "python": [], "java_recorder": []}

        def key(n):
            return (base + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")

        def cluster_event(result):
            event = json.loads(json.dumps(terminated))
            event["detail"].update(clusterId=result["clusterId"], name=result["clusterName"])
            return event

        # One unrecorded round first: disk cache, moto's lazy imports, the assets' first upload.
        for i in range(-1, args.samples):
            n = 4 * (i + 1)
            jl = java_sample(args.java, flags, "dev.emringest.launcher.ScheduleHandler",
                             {"job": "orders", "scheduledTime": key(n)},
                             {"job": "orders", "scheduledTime": key(n + 1)}, env, workdir, cp["launcher"])
            py = run([sys.executable, os.path.join(REPO, "bench/launch_boto3.py"), "orders", key(n + 2),
                      key(n + 3), assets], env, "launch_boto3.py")
            for r in (jl, py):
                for k in ("first_result", "warm_result"):
                    if r[k].get("outcome") != "LAUNCHED":
                        raise SystemExit(f"expected a launch, got {r[k]}")
            ids = [jl["first_result"]["clusterId"], jl["warm_result"]["clusterId"]]
            emr.terminate_job_flows(JobFlowIds=ids)
            jr = java_sample(args.java, flags, "dev.emringest.recorder.EmrEventHandler",
                             cluster_event(jl["first_result"]), cluster_event(jl["warm_result"]), env, workdir,
                             cp["recorder"])
            for k in ("first_result", "warm_result"):
                if jr[k].get("outcome") != "FINAL":
                    raise SystemExit(f"expected the recorder to finalise the run, got {jr[k]}")
            if i >= 0:
                samples["java_launcher"].append(jl)
                samples["python"].append(py)
                samples["java_recorder"].append(jr)
            print(f"sample {i + 1 if i >= 0 else 'warm-up'}: java launcher {jl['init_ms']:.0f}+{jl['first_ms']:.0f} ms,"
                  f" python {py['init_ms']:.0f}+{py['first_ms']:.0f} ms,"
                  f" java recorder {jr['init_ms']:.0f}+{jr['first_ms']:.0f} ms", file=sys.stderr)
    finally:
        moto.terminate()
        moto.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)

    if args.raw:
        with open(args.raw, "w") as f:
            json.dump(samples, f, indent=1)
    print(table(samples, args, version, flags))


def table(samples, args, version, flags):
    def col(rows, f):
        return [f(r) for r in rows]

    names = {"java_launcher": "Java launcher (ScheduleHandler)", "python": "Python boto3 launcher",
             "java_recorder": "Java recorder (EmrEventHandler)"}
    lines = [f"{args.samples} samples; {version[0] if version else 'java'}; JVM flags `{' '.join(flags)}`; "
             f"python {sys.version.split()[0]}; moto server on loopback", "",
             "| function | init p50 / p90 | first p50 / p90 | init+first p50 / p90 | warm p50 / p90 "
             "| warm: AWS calls p50 | warm: overhead p50 |",
             "|---|---|---|---|---|---|---|"]
    for name, rows in samples.items():
        series = [col(rows, lambda r: r["init_ms"]), col(rows, lambda r: r["first_ms"]),
                  col(rows, lambda r: r["init_ms"] + r["first_ms"]), col(rows, lambda r: r["warm_ms"])]
        aws = col(rows, lambda r: r["warm_aws_ms"])
        over = col(rows, lambda r: r["warm_ms"] - r["warm_aws_ms"])
        cells = [f"{pct(s, 50):.0f} / {pct(s, 90):.0f} ms" for s in series]
        lines.append(f"| {names[name]} | " + " | ".join(cells)
                     + f" | {pct(aws, 50):.1f} ms ({rows[0]['warm_calls']} calls) | {pct(over, 50):.1f} ms |")
    j = pct([r["init_ms"] + r["first_ms"] for r in samples["java_launcher"]], 50)
    p = pct([r["init_ms"] + r["first_ms"] for r in samples["python"]], 50)
    lines += ["", f"Cold start (init + first launch, p50), Java launcher / Python boto3: **{j / p:.2f}x** "
                  f"({j:.0f} ms / {p:.0f} ms)", "",
              "| deployment package | size |", "|---|---|"]
    for f, path in PACKAGES.items():
        size = os.path.getsize(os.path.join(args.packages_from, path))
        lines.append(f"| {f} (`{path}`) | {size / 1e6:.1f} MB ({size:,} bytes) |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
