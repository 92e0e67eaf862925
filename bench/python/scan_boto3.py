#!/usr/bin/env python3
"""scan --json the way a boto3 user writes it: a paginator, one JSON object per line.

Usage: scan_boto3.py TABLE
"""
import json
import os
import sys

import boto3
from boto3.dynamodb.types import TypeDeserializer

ddb = boto3.client("dynamodb", endpoint_url=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000"),
                   region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench")
plain = TypeDeserializer().deserialize
out = sys.stdout
for page in ddb.get_paginator("scan").paginate(TableName=sys.argv[1]):
    for item in page["Items"]:
        out.write(json.dumps({k: plain(v) for k, v in item.items()}, default=str) + "\n")
