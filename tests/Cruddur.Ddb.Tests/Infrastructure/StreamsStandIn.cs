using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// DynamoDB Streams as AWS serves it, on loopback, so that the stream script's own client runs for real
/// against what DynamoDB Local never does: throttling and 5xx answers, empty pages before a shard's
/// records, shards that split, iterators that expire, records trimmed away. It also answers
/// DescribeTable (a table whose stream is on), so a prod run needs nothing else.
/// </summary>
public sealed class StreamsStandIn : LoopbackServer
{
    public const string Arn = "arn:aws:dynamodb:eu-west-2:123456789012:table/cruddur-messages/stream/2026-11-30T05:00:00.000";

    /// <summary>A shard: its pages of records in order (an empty page is an empty list), whether it is closed,
    /// and from which page on its records are still there (earlier ones were trimmed).</summary>
    public sealed record ShardPlan(string Id, string? Parent, bool Closed, List<List<string>> Pages, int TrimmedBefore = 0);

    readonly List<ShardPlan> _shards;
    readonly Func<string, int, (int Status, string Type)?> _faults;
    readonly ConcurrentDictionary<string, int> _calls = new();

    /// <summary>The ShardIteratorType of every GetShardIterator, in order.</summary>
    public ConcurrentQueue<string> IteratorTypes { get; } = new();

    /// <summary>Every request: the operation and the path it was sent to.</summary>
    public ConcurrentQueue<(string Operation, string Path)> Requests { get; } = new();

    /// <param name="faults">the error (HTTP status, error type) to answer the n-th (0-based) call of an operation with, if any</param>
    public StreamsStandIn(List<ShardPlan> shards, Func<string, int, (int, string)?>? faults = null)
    {
        _shards = shards;
        _faults = faults ?? ((_, _) => null);
    }

    /// <summary>A new page of records at the end of an open shard, as writes to the table add them.</summary>
    public void Append(string shard, List<string> page)
    {
        lock (_shards) _shards.Single(s => s.Id == shard).Pages.Add(page);
    }

    /// <summary>The sequence number of a record: its text (records are named by their sequence numbers).</summary>
    static JsonObject Record(string sequence) => new()
    {
        ["eventID"] = sequence, ["eventName"] = "INSERT", ["eventSource"] = "aws:dynamodb", ["awsRegion"] = "eu-west-2",
        ["dynamodb"] = new JsonObject
        {
            ["ApproximateCreationDateTime"] = 1764479000 + int.Parse(sequence) % 1000,
            ["Keys"] = new JsonObject { ["pk"] = new JsonObject { ["S"] = "MSG#g" }, ["sk"] = new JsonObject { ["S"] = "2026-11-30T05:00:00." + sequence } },
            ["NewImage"] = new JsonObject
            {
                ["pk"] = new JsonObject { ["S"] = "MSG#g" }, ["sk"] = new JsonObject { ["S"] = "2026-11-30T05:00:00." + sequence },
                ["message"] = new JsonObject { ["S"] = "record " + sequence },
            },
            ["SequenceNumber"] = sequence, ["SizeBytes"] = 100, ["StreamViewType"] = "NEW_IMAGE",
        },
    };

    protected override async Task Handle(HttpListenerContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
        var target = ctx.Request.Headers["X-Amz-Target"] ?? "";
        var operation = target[(target.IndexOf('.') + 1)..];
        Requests.Enqueue((operation, ctx.Request.Url!.AbsolutePath));
        var n = _calls.AddOrUpdate(operation, 0, (_, c) => c + 1);
        if (_faults(operation, n) is { } fault)
        {
            await Answer(ctx, fault.Status, new JsonObject { ["__type"] = "com.amazonaws.dynamodb.v20120810#" + fault.Type, ["message"] = $"{fault.Type} (stand-in)" });
            return;
        }
        await Answer(ctx, 200, operation switch
        {
            "DescribeTable" => new JsonObject
            {
                ["Table"] = new JsonObject
                {
                    ["TableName"] = body["TableName"]!.GetValue<string>(), ["TableStatus"] = "ACTIVE", ["LatestStreamArn"] = Arn,
                    ["StreamSpecification"] = new JsonObject { ["StreamEnabled"] = true, ["StreamViewType"] = "NEW_IMAGE" },
                },
            },
            "DescribeStream" => new JsonObject
            {
                ["StreamDescription"] = new JsonObject
                {
                    ["StreamArn"] = Arn, ["StreamStatus"] = "ENABLED", ["StreamViewType"] = "NEW_IMAGE",
                    ["Shards"] = new JsonArray(_shards.Select(s =>
                    {
                        var range = new JsonObject { ["StartingSequenceNumber"] = "1" };
                        if (s.Closed) range["EndingSequenceNumber"] = "999999";
                        var shard = new JsonObject { ["ShardId"] = s.Id, ["SequenceNumberRange"] = range };
                        if (s.Parent is not null) shard["ParentShardId"] = s.Parent;
                        return (JsonNode)shard;
                    }).ToArray()),
                },
            },
            "GetShardIterator" => new JsonObject { ["ShardIterator"] = Iterator(body) },
            "GetRecords" => Records(body["ShardIterator"]!.GetValue<string>()),
            _ => new JsonObject(),
        });
    }

    string Iterator(JsonObject body)
    {
        var shard = _shards.Single(s => s.Id == body["ShardId"]!.GetValue<string>());
        IteratorTypes.Enqueue(body["ShardIteratorType"]!.GetValue<string>());
        var page = body["ShardIteratorType"]!.GetValue<string>() switch
        {
            "TRIM_HORIZON" => shard.TrimmedBefore,
            "LATEST" => shard.Pages.Count,
            _ => shard.Pages.FindIndex(p => p.Contains(body["SequenceNumber"]!.GetValue<string>())) + 1,
        };
        return $"{shard.Id}|{page}";
    }

    JsonObject Records(string iterator)
    {
        lock (_shards) return RecordsOf(iterator);
    }

    JsonObject RecordsOf(string iterator)
    {
        var (shard, page) = (_shards.Single(s => s.Id == iterator.Split('|')[0]), int.Parse(iterator.Split('|')[1]));
        var records = page < shard.Pages.Count ? shard.Pages[page] : [];
        var result = new JsonObject { ["Records"] = new JsonArray(records.Select(r => (JsonNode)Record(r)).ToArray()) };
        var next = Math.Min(page + 1, shard.Pages.Count);
        if (!(shard.Closed && page + 1 >= shard.Pages.Count)) result["NextShardIterator"] = $"{shard.Id}|{next}";
        return result;
    }

    static Task Answer(HttpListenerContext ctx, int status, JsonObject body) =>
        Reply(ctx, status, "application/x-amz-json-1.0", body.ToJsonString(), ("x-amzn-RequestId", Guid.NewGuid().ToString()));
}
