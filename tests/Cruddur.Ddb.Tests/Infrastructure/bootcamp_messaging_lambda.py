#!/usr/bin/env python3
"""The bootcamp's messaging Lambda (aws/lambdas/cruddur-messaging-stream.py) as its trigger runs it, over
DynamoDB Local's stream, for tests of what seed leaves beside it.

The handler is the bootcamp's: it reads only the batch's first record, and for a MSG# row queries the
message-group-sk-index and, for each group row it returns, deletes the old key and puts the row again at
the message's sk, with no condition. The trigger has the INSERT-only filter that seed asks for in prod
(without it the handler fails on REMOVE records), Lambda's default batch size of 100, and a batching
window. The index is eventually consistent on AWS; here it lags by up to the window: the handler is given
the index as it was when the first record of the group among those waiting arrived.

Usage: bootcamp_messaging_lambda.py ENDPOINT TABLE WINDOW_SECONDS
Prints "ready" once it reads the stream, "invoked N records, first PK SK" per batch, and "idle" when
no record has come for 2 s since the last batch. Stops on SIGTERM.
"""
import signal
import sys
import time

import boto3
from boto3.dynamodb.conditions import Key

endpoint, table_name, window = sys.argv[1], sys.argv[2], float(sys.argv[3])
session = boto3.session.Session(aws_access_key_id="cruddurlocal", aws_secret_access_key="cruddurlocal", region_name="us-east-1")
dynamodb = session.resource("dynamodb", endpoint_url=endpoint)
streams = session.client("dynamodbstreams", endpoint_url=endpoint)
client = session.client("dynamodb", endpoint_url=endpoint)
table = dynamodb.Table(table_name)
index_name = "message-group-sk-index"
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def say(line):
    print(line, flush=True)


def lambda_handler(event, index):
    """The bootcamp's handler; `index` answers its query of message-group-sk-index."""
    pk = event["Records"][0]["dynamodb"]["Keys"]["pk"]["S"]
    sk = event["Records"][0]["dynamodb"]["Keys"]["sk"]["S"]
    if pk.startswith("MSG#"):
        group_uuid = pk.replace("MSG#", "")
        message = event["Records"][0]["dynamodb"]["NewImage"]["message"]["S"]
        data = index(group_uuid)
        # recreate the message group rows with new SK value
        for i in data["Items"]:
            table.delete_item(Key={"pk": i["pk"], "sk": i["sk"]})
            table.put_item(Item={
                "pk": i["pk"],
                "sk": sk,
                "message_group_uuid": i["message_group_uuid"],
                "message": message,
                "user_display_name": i["user_display_name"],
                "user_handle": i["user_handle"],
                "user_uuid": i["user_uuid"],
            })


def query_index(group_uuid):
    return table.query(IndexName=index_name, KeyConditionExpression=Key("message_group_uuid").eq(group_uuid))


arn = client.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
iterators = [streams.get_shard_iterator(StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType="LATEST")["ShardIterator"]
             for s in shards if "EndingSequenceNumber" not in s.get("SequenceNumberRange", {})]
say("ready")

# records waiting for the trigger's next batch; the index as it was when each group's first of them arrived
batch, snapshots, first_at, last_record_at, idle_said = [], {}, None, time.monotonic(), True
while True:
    for n, iterator in enumerate(iterators):
        if iterator is None:
            continue
        page = streams.get_records(ShardIterator=iterator)
        iterators[n] = page.get("NextShardIterator")
        for record in page["Records"]:
            last_record_at, idle_said = time.monotonic(), False
            if record["eventName"] != "INSERT":  # the trigger's filter: {"eventName": ["INSERT"]}
                continue
            if not batch:
                first_at = time.monotonic()
            pk = record["dynamodb"]["Keys"]["pk"]["S"]
            if pk.startswith("MSG#") and pk[4:] not in snapshots:
                snapshots[pk[4:]] = query_index(pk[4:])  # what the lagging index will answer the handler
            batch.append(record)
    while batch and (len(batch) >= 100 or time.monotonic() - first_at >= window):
        event, batch = {"Records": batch[:100]}, batch[100:]
        lambda_handler(event, lambda group: snapshots[group])
        first = event["Records"][0]["dynamodb"]["Keys"]
        say(f"invoked {len(event['Records'])} records, first {first['pk']['S']} {first['sk']['S']}")
    if not batch:
        snapshots = {}
    if not batch and not idle_said and time.monotonic() - last_record_at >= 2:
        say("idle")
        idle_said = True
    time.sleep(0.02)
