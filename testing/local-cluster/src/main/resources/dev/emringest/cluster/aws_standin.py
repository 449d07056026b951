#!/usr/bin/env python3
"""Stand-in for the AWS CLI calls the on-cluster scripts make, answered by moto server (boto3).

  aws ssm get-parameter --name N --with-decryption --query Parameter.Value --output text [--region R]
  aws secretsmanager get-secret-value --secret-id ID --query SecretString --output text [--region R]
  aws s3 cp [--only-show-errors] s3://bucket/key DEST [--region R]

The endpoint comes from AWS_ENDPOINT_URL, as the real CLI would take it. Anything else fails loudly. A secret is
printed as the real CLI's text output prints it: the string and a newline ("None" for a secret without a
SecretString). An error the service answers is printed as the CLI prints it ("An error occurred (CODE) when calling
the GetSecretValue operation: MESSAGE"), with the CLI v2's exit status for it, 254.
"""
import sys

import boto3
from botocore.exceptions import ClientError


def option(args, name):
    if name in args:
        return args[args.index(name) + 1]
    return None


def strict_options(args, start, required, optional):
    """The "--name value" pairs of args[start:] as a dict: exactly the required names (with the given value where it
    is not None) and any of the optional ones, each once and with a value. Anything else fails naming the command."""
    values = {}
    rest = args[start:]
    unsupported = "aws stand-in: unsupported %s form: %s" % (" ".join(args[:start]), " ".join(args))
    i = 0
    while i < len(rest):
        name = rest[i]
        if name not in required and name not in optional or name in values \
                or i + 1 >= len(rest) or rest[i + 1].startswith("--"):
            sys.exit(unsupported)
        values[name] = rest[i + 1]
        i += 2
    for name, value in required.items():
        if name not in values or value is not None and values[name] != value:
            sys.exit(unsupported)
    return values


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
    if args[:2] == ["secretsmanager", "get-secret-value"]:
        values = strict_options(args, 2, {"--secret-id": None, "--query": "SecretString", "--output": "text"},
                                {"--region"})
        client = boto3.client("secretsmanager", region_name=values.get("--region", region))
        try:
            secret = client.get_secret_value(SecretId=values["--secret-id"])
        except ClientError as e:  # as the CLI prints a service's error, and its v2's exit status
            error = e.response.get("Error", {})
            sys.stderr.write("An error occurred (%s) when calling the GetSecretValue operation: %s\n"
                             % (error.get("Code", "Unknown"), error.get("Message", "")))
            sys.exit(254)
        except Exception as e:  # no answer at all (the CLI exits 255)
            sys.stderr.write("%s\n" % e)
            sys.exit(255)
        # text output of --query SecretString: the string, or None for a binary secret
        sys.stdout.write("%s\n" % secret.get("SecretString"))
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
