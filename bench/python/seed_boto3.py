#!/usr/bin/env python3
"""seed --groups G --messages M the way a boto3 user writes it: batch_writer, THREADS threads.

Usage: seed_boto3.py TABLE GROUPS MESSAGES [THREADS]   (items shaped like bin/ddb/seed's)
"""
import os
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import boto3

table_name, groups, messages = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 4
endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000")
start = datetime(datetime.now().year, 1, 1, tzinfo=timezone.utc)
owner = str(uuid.uuid5(uuid.NAMESPACE_URL, "user:loadtest"))


def write_groups(gs):
    table = boto3.session.Session().resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="bench", aws_secret_access_key="bench").Table(table_name)
    with table.batch_writer() as batch:
        for g in gs:
            other = str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:loadtest-{g}"))
            group = str(uuid.uuid5(uuid.NAMESPACE_URL, f"synthetic:{g}:{messages}"))
            for j in range(messages):
                at = (start + timedelta(seconds=j, milliseconds=g)).isoformat()
                batch.put_item(Item={
                    "pk": f"MSG#{group}", "sk": at, "message_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{group}:{j}")),
                    "message": f"synthetic message {j + 1} of {messages} in conversation {g + 1}",
                    "user_uuid": owner if j % 2 == 0 else other, "user_display_name": "Load Test",
                    "user_handle": "loadtest" if j % 2 == 0 else f"loadtest-{g}"})
            last = (start + timedelta(seconds=messages - 1, milliseconds=g)).isoformat()
            for me, them, handle in ((owner, other, f"loadtest-{g}"), (other, owner, "loadtest")):
                batch.put_item(Item={
                    "pk": f"GRP#{me}", "sk": last, "message_group_uuid": group, "message": "last",
                    "user_uuid": them, "user_display_name": "Load Test", "user_handle": handle})


with ThreadPoolExecutor(threads) as pool:
    list(pool.map(write_groups, [range(t, groups, threads) for t in range(threads)]))
print(groups * (messages + 2))
