"""The launcher's job as the usual small Python boto3 script would do it: the benchmark's yardstick.

It makes the AWS calls the Java launcher makes for a fresh run, in the same order, with an equivalent
RunJobFlow request:
  SSM GetParameters (defaults + job, no decryption),
  S3 PutObject open/<job>/<runKey>, S3 PutObject runs/... If-None-Match: * (the claim),
  S3 GetObject of the cluster assets' marker (first launch in a process only; when it is missing, HeadObject and
  PutObject for each asset, then the marker), EMR RunJobFlow, S3 PutObject If-Match the claim's ETag (record the
  cluster).
Like a typical script it parses and merges the definition but does not validate it against the JSON Schema.

Usage: launch_boto3.py <job> <first runKey> <warm runKey> <assets dir>; the launcher's environment variables
(STACK_NAME, JOB_PARAMETER_PREFIX, LEDGER_BUCKET, CLUSTER_BUCKET, SERVICE_ROLE, INSTANCE_PROFILE, SUBNET_IDS,
AWS_REGION, AWS_ENDPOINT_URL) as template.yaml sets them. Prints one line "BENCH {...}" like the Java harness.
"""
import time

import hashlib
import json
import os
import sys
import uuid
from datetime import datetime, timezone

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

_config = Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard"})
s3 = boto3.client("s3", config=_config)
ssm = boto3.client("ssm", config=_config)
emr = boto3.client("emr", config=_config)
ready = time.time()

env = os.environ
STACK, PREFIX = env["STACK_NAME"], env["JOB_PARAMETER_PREFIX"].rstrip("/")
LEDGER, CLUSTER_BUCKET = env["LEDGER_BUCKET"], env["CLUSTER_BUCKET"]
REGION = env["AWS_REGION"]
SUBNETS = [s.strip() for s in env.get("SUBNET_IDS", "").split(",") if s.strip()]
ASSETS = ["install-mysql-driver.sh", "sqoop-import.sh", "spark-jdbc-import.sh", "spark-job.jar",
          "mysql-connector-j.jar"]
_published = {}


def now():
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return over


def publish(assets_dir):
    if not _published:
        keys = {}
        for name in ASSETS:
            with open(os.path.join(assets_dir, name + ".sha256")) as f:
                keys[name] = f"assets/{f.read().strip()}/{name}"
        marker = "assets/published/" + hashlib.sha256("\n".join(keys.values()).encode()).hexdigest()
        try:
            s3.get_object(Bucket=CLUSTER_BUCKET, Key=marker)["Body"].read()
        except ClientError as e:
            if e.response["Error"]["Code"] not in ("404", "NoSuchKey"):
                raise
            for name, key in keys.items():
                try:
                    s3.head_object(Bucket=CLUSTER_BUCKET, Key=key)
                except ClientError as e:
                    if e.response["Error"]["Code"] not in ("404", "NoSuchKey"):
                        raise
                    with open(os.path.join(assets_dir, name), "rb") as f:
                        s3.put_object(Bucket=CLUSTER_BUCKET, Key=key, Body=f.read())
            s3.put_object(Bucket=CLUSTER_BUCKET, Key=marker, ContentType="text/plain",
                          Body=("\n".join(keys.values()) + "\n").encode())
        _published.update({name: f"s3://{CLUSTER_BUCKET}/{key}" for name, key in keys.items()})
    return _published


def run_job_flow_request(d, job, run_key, name, run_id, assets):
    c, src = d["cluster"], d["source"]
    fmt = src.get("stagingFormat", "avro")
    target = d["target"]["s3Uri"].rstrip("/")
    steps = []
    for t in src["tables"]:
        staging = f"hdfs:///emr-ingest/staging/{run_id}/{t['name'].lower()}"
        sqoop = [assets["sqoop-import.sh"], "--jdbc-url", src["jdbcUrl"], "--username", src["username"],
                 "--password-parameter", src["passwordParameter"], "--table", t["name"], "--target-dir", staging,
                 "--format", fmt, "--num-mappers", str(t.get("mappers", 1)), "--region", REGION]
        if t.get("splitBy"):
            sqoop += ["--split-by", t["splitBy"]]
        if t.get("columns"):
            sqoop += ["--columns", ",".join(t["columns"])]
        steps.append({"Name": f"sqoop-import {t['name']}", "ActionOnFailure": "TERMINATE_CLUSTER",
                      "HadoopJarStep": {"Jar": f"s3://{REGION}.elasticmapreduce/libs/script-runner/script-runner.jar",
                                        "Args": sqoop}})
        spark = ["spark-submit", "--deploy-mode", "cluster", "--class", "dev.emringest.spark.IngestJob",
                 assets["spark-job.jar"], "--input", staging, "--input-format", fmt,
                 "--output", f"{target}/{t['name'].lower()}", "--run-key", run_key, "--table", t["name"]]
        tr = t.get("transform") or {}
        if tr.get("columns"):
            spark += ["--columns", ",".join(tr["columns"])]
        if tr.get("sql"):
            spark += ["--sql", tr["sql"]]
        steps.append({"Name": f"spark-load {t['name']}", "ActionOnFailure": "TERMINATE_CLUSTER",
                      "HadoopJarStep": {"Jar": "command-runner.jar", "Args": spark}})
    tags = [{"Key": k, "Value": v} for k, v in c.get("tags", {}).items()]
    tags += [{"Key": "emr-ingest:job", "Value": job}, {"Key": "emr-ingest:run-key", "Value": run_key},
             {"Key": "emr-ingest:stack", "Value": STACK}]
    instances = {"KeepJobFlowAliveWhenNoSteps": False, "TerminationProtected": False,
                 "InstanceGroups": [
                     {"Name": "master", "InstanceRole": "MASTER", "Market": "ON_DEMAND",
                      "InstanceType": c["master"]["instanceTypes"][0], "InstanceCount": 1},
                     {"Name": "core", "InstanceRole": "CORE", "Market": "ON_DEMAND",
                      "InstanceType": c["core"]["instanceTypes"][0], "InstanceCount": c["core"]["count"]}]}
    if SUBNETS:
        instances["Ec2SubnetId"] = SUBNETS[0]
    return dict(Name=name, LogUri=f"s3://{CLUSTER_BUCKET}/logs/{job}/", ReleaseLabel=c["releaseLabel"],
                Applications=[{"Name": "Hadoop"}, {"Name": "Sqoop"}, {"Name": "Spark"}], Instances=instances,
                ServiceRole=env["SERVICE_ROLE"], JobFlowRole=env["INSTANCE_PROFILE"], VisibleToAllUsers=True,
                AutoTerminationPolicy={"IdleTimeout": c.get("idleTimeoutSeconds", 3600)}, StepConcurrencyLevel=1,
                Configurations=c.get("configurations", []),
                BootstrapActions=[{"Name": "install MySQL Connector/J", "ScriptBootstrapAction": {
                    "Path": assets["install-mysql-driver.sh"], "Args": [assets["mysql-connector-j.jar"]]}}],
                Steps=steps, Tags=tags)


def launch(job, run_key, assets_dir):
    run_id = hashlib.sha256(f"{job}\n{run_key}".encode()).hexdigest()[:12]
    name = f"{STACK}-{job}-{run_id}"
    record_key = f"runs/{job}/{run_key}.json"
    defaults_name, job_name = f"{PREFIX}/defaults", f"{PREFIX}/jobs/{job}"
    found = {p["Name"]: p for p in ssm.get_parameters(Names=[defaults_name, job_name],
                                                      WithDecryption=False)["Parameters"]}
    definition = merge(json.loads(found[defaults_name]["Value"]) if defaults_name in found else {},
                       json.loads(found[job_name]["Value"]))
    version = f"jobs/{job}@{found[job_name]['Version']}" + (
        f",defaults@{found[defaults_name]['Version']}" if defaults_name in found else "")
    attempt, at = str(uuid.uuid4()), now()
    record = {"job": job, "runKey": run_key, "state": "CLAIMED", "attempt": attempt, "clusterName": name,
              "definitionVersion": version, "createdAt": at, "updatedAt": at}
    s3.put_object(Bucket=LEDGER, Key=f"open/{job}/{run_key}", Body=b"")
    claim = s3.put_object(Bucket=LEDGER, Key=record_key, IfNoneMatch="*", ContentType="application/json",
                          Body=json.dumps(record).encode())
    request = run_job_flow_request(definition, job, run_key, name, run_id, publish(assets_dir))
    cluster_id = emr.run_job_flow(**request)["JobFlowId"]
    record.update(state="LAUNCHED", clusterId=cluster_id, updatedAt=now())
    s3.put_object(Bucket=LEDGER, Key=record_key, IfMatch=claim["ETag"], ContentType="application/json",
                  Body=json.dumps(record).encode())
    return {"outcome": "LAUNCHED", "job": job, "runKey": run_key, "clusterName": name, "clusterId": cluster_id}


def timed_launch(job, run_key, assets_dir):
    global _aws, _calls
    _aws, _calls = 0.0, 0
    start = time.perf_counter()
    result = launch(job, run_key, assets_dir)
    return (time.perf_counter() - start) * 1000, _aws * 1000, _calls, result


# Time on the wire, as the Java harness's interceptor measures it (installed after init: no cost to it).
import botocore.httpsession  # noqa: E402 (already imported by boto3)

_aws, _calls = 0.0, 0
_send = botocore.httpsession.URLLib3Session.send


def _timed_send(self, request):
    global _aws, _calls
    start = time.perf_counter()
    try:
        return _send(self, request)
    finally:
        _aws += time.perf_counter() - start
        _calls += 1


botocore.httpsession.URLLib3Session.send = _timed_send

if __name__ == "__main__":
    job, first_key, warm_key, assets_dir = sys.argv[1:5]
    f_ms, f_aws, f_calls, f_result = timed_launch(job, first_key, assets_dir)
    w_ms, w_aws, w_calls, w_result = timed_launch(job, warm_key, assets_dir)
    print("BENCH " + json.dumps({"ready_epoch_us": int(ready * 1_000_000), "first_ms": f_ms, "first_aws_ms": f_aws,
                                 "first_calls": f_calls, "warm_ms": w_ms, "warm_aws_ms": w_aws,
                                 "warm_calls": w_calls, "first_result": f_result, "warm_result": w_result}))
