#!/usr/bin/env python3
"""Stand-in for the two AWS CLI calls the on-cluster scripts make, answered by moto server (boto3).

  aws ssm get-parameter --name N --with-decryption --query Parameter.Value --output text [--region R]
  aws s3 cp [--only-show-errors] s3://bucket/key DEST [--region R]

The endpoint comes from AWS_ENDPOINT_URL, as the real CLI would take it. Anything else fails loudly.
"""
import sys

import boto3


def option(args, name):
    if name in args:
        return args[args.index(name) + 1]
    return None


def main(argv):
    args = list(argv)
    region = option(args, "--region") or "us-east-1"
    if args[:2] == ["ssm", "get-parameter"]:
        if option(args, "--query") != "Parameter.Value" or option(args, "--output") != "text" \
                or "--with-decryption" not in args:
            sys.exit("aws stand-in: unsupported ssm get-parameter form: %s" % " ".join(args))
        ssm = boto3.client("ssm", region_name=region)
        try:
            value = ssm.get_parameter(Name=option(args, "--name"), WithDecryption=True)["Parameter"]["Value"]
        except Exception as e:  # the CLI prints the service error and exits 254
            sys.stderr.write("An error occurred (%s) when calling the GetParameter operation\n" % type(e).__name__)
            sys.exit(254)
        sys.stdout.write(value + "\n")
        return
    if args[:2] == ["s3", "cp"]:
        rest = [a for a in args[2:] if a != "--only-show-errors"]
        if "--region" in rest:
            i = rest.index("--region")
            del rest[i:i + 2]
        if len(rest) != 2 or not rest[0].startswith("s3://"):
            sys.exit("aws stand-in: unsupported s3 cp form: %s" % " ".join(args))
        bucket, _, key = rest[0][len("s3://"):].partition("/")
        try:
            boto3.client("s3", region_name=region).download_file(bucket, key, rest[1])
        except Exception as e:
            sys.stderr.write("fatal error: %s\n" % e)
            sys.exit(1)
        return
    sys.exit("aws stand-in: unsupported command: %s" % " ".join(args))


if __name__ == "__main__":
    main(sys.argv[1:])
