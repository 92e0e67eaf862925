#!/usr/bin/env python3
"""list-tables the way a boto3 user writes it (the bench's reference for warm start)."""
import os
import boto3

ddb = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000"),
                   region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench")
for name in ddb.list_tables()["TableNames"]:
    print(name)
