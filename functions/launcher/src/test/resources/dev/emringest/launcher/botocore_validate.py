"""Validates one request body (JSON on stdin) against botocore's model of SERVICE OPERATION, as boto3 would
before sending it. Prints "valid", or botocore's report and exits 1."""
import json
import sys

import botocore.session
from botocore.validate import ParamValidator

service, operation = sys.argv[1], sys.argv[2]
model = botocore.session.get_session().get_service_model(service)
report = ParamValidator().validate(json.load(sys.stdin), model.operation_model(operation).input_shape)
if report.has_errors():
    print(report.generate_report())
    sys.exit(1)
print("valid")
