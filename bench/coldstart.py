"""Cold-start benchmark: the launcher (both entry points) and the recorder as Lambda runs them, beside the Python
boto3 equivalent of the launcher, against one moto server on loopback. See bench/README.md.

Each Java function runs as in LambdaRuntimeIT: its package extracted (as Lambda extracts it into /var/task), a fresh
JVM started with the real runtime interface client's main class and the template's handler, environment and
MemorySize (-XX:MaxRAM, so the JVM sizes its heap as in Lambda's microVM), and a Runtime API on loopback served by
bench's ColdStart driver, which times it. The runtime's own start-up and its event (de)serialisation are included.

Per sample, sequentially (2-core machines: nothing else runs meanwhile), the three launchers in a rotating order:
  - ScheduleLaunchFunction: init, a first launch (fresh run key), a warm launch;
  - QueueLaunchFunction: the same with an SQS batch of one message each;
  - a fresh python3 runs launch_boto3.py: init (imports + clients), a first launch, a warm launch;
then the driver ends the schedule launcher's two clusters (TerminateJobFlows; not timed), and
RecorderFunction gets init, the first cluster's TERMINATED event, the second's.
init runs from the instant the process is started to the instant the handler is ready (the runtime's first poll for
an event in Java, Lambda's Init Duration; the end of the imports and clients in Python).
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
PACKAGES = {"launcher": "functions/launcher/target/launcher.jar", "recorder": "functions/recorder/target/recorder.jar"}
RUNTIME_LIB = os.path.join(REPO, "testing/lambda-runtime/target/runtime-lib")
TIMER_JAR = os.path.join(REPO, "bench/target/bench-0.1.0-SNAPSHOT-aws-call-timer.jar")


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
    if "init_ms" not in out:
        out["init_ms"] = (out["ready_epoch_us"] - start_us) / 1000
    return out


def java_sample(java, function, first, warm, endpoint, workdir, task):
    files = []
    for n, event in (("first", first), ("warm", warm)):
        path = os.path.join(workdir, f"{function}-{n}.json")
        with open(path, "w") as f:
            json.dump(event, f)
        files.append(path)
    driver = os.path.join(REPO, "bench/target/classes") + ":" + os.path.join(REPO, "bench/target/lib", "*")
    # The driver JVM stays light beside the function's: C1 only, one GC thread.
    return run([java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", driver, "dev.emringest.bench.ColdStart", function, task, RUNTIME_LIB, endpoint, *files],
               os.environ.copy(), function)


def extract(package, task):
    """The package as Lambda extracts it into /var/task, plus the bench's AWS call timer in lib/ (its class loader
    loads lib/*.jar beside the package's classes)."""
    with zipfile.ZipFile(package) as z:
        z.extractall(task)
    os.makedirs(os.path.join(task, "lib"), exist_ok=True)
    shutil.copy(TIMER_JAR, os.path.join(task, "lib"))
    return task


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

    for f in (RUNTIME_LIB, TIMER_JAR):
        if not os.path.exists(f):
            raise SystemExit(f"{f} is missing: build first (bench/coldstart.sh does)")

    workdir = tempfile.mkdtemp(prefix="emr-ingest-bench-")
    task = {f: extract(os.path.join(args.packages_from, PACKAGES[f]), os.path.join(workdir, f)) for f in PACKAGES}
    moto, endpoint = start_moto(workdir)
    try:
        emr = seed(endpoint)
        env = child_env(endpoint)
        base = datetime(2030, 1, 1, tzinfo=timezone.utc)
        samples = {name: [] for name in NAMES}

        def key(n):
            return (base + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")

        def sqs(n):
            """An SQS batch of one message, as the event source mapping sends it."""
            return {"Records": [{
                "messageId": f"bench-{n}", "receiptHandle": "AQEB", "md5OfBody": "0",
                "body": json.dumps({"job": "orders", "runKey": f"queued-{n}"}),
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1893456000000",
                               "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1893456000100"},
                "messageAttributes": {}, "eventSource": "aws:sqs", "awsRegion": REGION,
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:{STACK}-LaunchQueue"}]}

        def cluster_event(result):
            event = json.loads(json.dumps(terminated))
            event["detail"].update(clusterId=result["clusterId"], name=result["clusterName"])
            return event

        def check(result, key_, expected):
            for k in ("first_result", "warm_result"):
                if result[k].get(key_) != expected:
                    raise SystemExit(f"expected {key_} {expected!r}, got {result[k]}")

        # One unrecorded round first: disk cache, moto's lazy imports, the assets' first upload.
        for i in range(-1, args.samples):
            n = 6 * (i + 1)
            launchers = {
                "schedule": lambda: java_sample(args.java, "ScheduleLaunchFunction",
                                                {"job": "orders", "scheduledTime": key(n)},
                                                {"job": "orders", "scheduledTime": key(n + 1)}, endpoint, workdir,
                                                task["launcher"]),
                "queue": lambda: java_sample(args.java, "QueueLaunchFunction", sqs(n + 2), sqs(n + 3), endpoint,
                                             workdir, task["launcher"]),
                "python": lambda: run([sys.executable, os.path.join(REPO, "bench/launch_boto3.py"), "orders",
                                       key(n + 4), key(n + 5), assets], env, "launch_boto3.py")}
            # Each launcher goes first, second and third in turn: no row always follows the same process.
            order = list(launchers)[i % 3:] + list(launchers)[:i % 3]
            row = {name: launchers[name]() for name in order}
            check(row["schedule"], "outcome", "LAUNCHED")
            check(row["python"], "outcome", "LAUNCHED")
            check(row["queue"], "batchItemFailures", [])
            first, warm = row["schedule"]["first_result"], row["schedule"]["warm_result"]
            emr.terminate_job_flows(JobFlowIds=[first["clusterId"], warm["clusterId"]])
            row["recorder"] = java_sample(args.java, "RecorderFunction", cluster_event(first), cluster_event(warm),
                                          endpoint, workdir, task["recorder"])
            check(row["recorder"], "outcome", "FINAL")
            if i >= 0:
                for name in NAMES:
                    samples[name].append(row[name])
            print(f"sample {i + 1 if i >= 0 else 'warm-up'}: "
                  + ", ".join(f"{name} {r['init_ms']:.0f}+{r['first_ms']:.0f} ms" for name, r in row.items()),
                  file=sys.stderr)
    finally:
        moto.terminate()
        moto.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)

    if args.raw:
        with open(args.raw, "w") as f:
            json.dump(samples, f, indent=1)
    print(table(samples, args, version))


NAMES = {"schedule": "Java launcher, schedule (ScheduleLaunchFunction)",
         "queue": "Java launcher, queue (QueueLaunchFunction, 1 message)",
         "python": "Python boto3 launcher",
         "recorder": "Java recorder (RecorderFunction)"}


def table(samples, args, version):
    def col(rows, f):
        return [f(r) for r in rows]

    lines = [f"{args.samples} samples; {version[0] if version else 'java'} under aws-lambda-java-runtime-interface-client;"
             f" JVM flags `{samples['schedule'][0]['jvm_flags']}`; python {sys.version.split()[0]};"
             " moto server on loopback", "",
             "| function | init p50 / p90 | first p50 / p90 | init+first p50 / p90 | warm p50 / p90 "
             "| warm: AWS calls p50 | warm: overhead p50 |",
             "|---|---|---|---|---|---|---|"]
    for name, rows in samples.items():
        series = [col(rows, lambda r: r["init_ms"]), col(rows, lambda r: r["first_ms"]),
                  col(rows, lambda r: r["init_ms"] + r["first_ms"]), col(rows, lambda r: r["warm_ms"])]
        aws = col(rows, lambda r: r["warm_aws_ms"])
        over = col(rows, lambda r: r["warm_ms"] - r["warm_aws_ms"])
        cells = [f"{pct(s, 50):.0f} / {pct(s, 90):.0f} ms" for s in series]
        lines.append(f"| {NAMES[name]} | " + " | ".join(cells)
                     + f" | {pct(aws, 50):.1f} ms ({rows[0]['warm_calls']} calls) | {pct(over, 50):.1f} ms |")
    p = pct([r["init_ms"] + r["first_ms"] for r in samples["python"]], 50)
    lines.append("")
    for name in ("schedule", "queue"):
        j = pct([r["init_ms"] + r["first_ms"] for r in samples[name]], 50)
        lines.append(f"Cold start (init + first launch, p50), {NAMES[name]} / Python boto3: **{j / p:.2f}x** "
                     f"({j:.0f} ms / {p:.0f} ms)  ")
    lines += ["", "| deployment package | size |", "|---|---|"]
    for f, path in PACKAGES.items():
        size = os.path.getsize(os.path.join(args.packages_from, path))
        lines.append(f"| {f} (`{path}`) | {size / 1e6:.1f} MB ({size:,} bytes) |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
