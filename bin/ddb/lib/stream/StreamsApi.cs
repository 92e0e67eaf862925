// The DynamoDB Streams API: DescribeStream, GetShardIterator, GetRecords. The AWS SDK for .NET v4
// ships its Streams client as a package of its own (AWSSDK.DynamoDBStreams), which cannot be
// restored here, so this speaks the Streams JSON protocol itself (JsonApi). Every call is retried
// with capped exponential backoff and full jitter on throttling, 5xx answers and network errors,
// within a budget; a request that got no answer in time is not sent again here (that would
// multiply the wait by the tries): the follower says so and asks again with backoff.
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

/// <summary>One change: INSERT, MODIFY or REMOVE, its sequence number, the item's keys and (NEW_IMAGE) the item after it.</summary>
public sealed record Change(string Event, string Sequence, DateTime? At, Item Keys, Item? NewImage);

/// <summary>A shard of a stream: its parent (read first), and whether it is closed (it then has an end).</summary>
public sealed record Shard(string Id, string? Parent, bool Closed);

/// <summary>Where a shard iterator starts: after a sequence number, at the oldest record, or after the newest.</summary>
public sealed record ShardStart(string? After, bool Latest = false)
{
    public static readonly ShardStart Oldest = new(After: null);
}

/// <summary>The three calls a stream reader makes; the HTTP client below, or a fake in tests.</summary>
public interface IStreamsApi
{
    Task<List<Shard>> Describe(string streamArn, CancellationToken ct);
    Task<string> Iterator(string streamArn, string shard, ShardStart start, CancellationToken ct);
    /// <summary>A page of changes and the next iterator (null once a closed shard has been read to its end).</summary>
    Task<(List<Change> Changes, string? Next)> Records(string iterator, CancellationToken ct);
}

public sealed class StreamsApi(DdbContext ctx, Uri endpoint) : IStreamsApi, IDisposable
{
    /// <summary>Tries of one call (the first and its retries) before its error is the caller's.</summary>
    public const int Tries = 6;

    readonly JsonApi _api = new(ctx, endpoint, "DynamoDBStreams_20120810", new RetryBudget(Tries, Tries - 1, RetryTimeouts: false));

    public async Task<List<Shard>> Describe(string streamArn, CancellationToken ct)
    {
        var shards = new List<Shard>();
        string? start = null;
        do
        {
            using var r = await Call("DescribeStream", new JsonObject { ["StreamArn"] = streamArn, ["ExclusiveStartShardId"] = start }, ct);
            var d = r.RootElement.GetProperty("StreamDescription");
            foreach (var shard in d.TryGetProperty("Shards", out var list) ? list.EnumerateArray() : default)
                shards.Add(new Shard(shard.GetProperty("ShardId").GetString()!,
                    shard.TryGetProperty("ParentShardId", out var p) ? p.GetString() : null,
                    shard.GetProperty("SequenceNumberRange").TryGetProperty("EndingSequenceNumber", out _)));
            start = d.TryGetProperty("LastEvaluatedShardId", out var last) ? last.GetString() : null;
        } while (start is not null);
        return shards;
    }

    public async Task<string> Iterator(string streamArn, string shard, ShardStart start, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["StreamArn"] = streamArn, ["ShardId"] = shard,
            ["ShardIteratorType"] = start.After is not null ? "AFTER_SEQUENCE_NUMBER" : start.Latest ? "LATEST" : "TRIM_HORIZON",
            ["SequenceNumber"] = start.After,
        };
        using var r = await Call("GetShardIterator", body, ct);
        return r.RootElement.GetProperty("ShardIterator").GetString()!;
    }

    public async Task<(List<Change> Changes, string? Next)> Records(string iterator, CancellationToken ct)
    {
        using var doc = await Call("GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = 1000 }, ct);
        var r = doc.RootElement;
        var changes = new List<Change>();
        foreach (var record in r.TryGetProperty("Records", out var list) ? list.EnumerateArray() : default)
        {
            var d = record.GetProperty("dynamodb");
            changes.Add(new Change(record.GetProperty("eventName").GetString()!, d.GetProperty("SequenceNumber").GetString()!,
                d.TryGetProperty("ApproximateCreationDateTime", out var at) ? DateTime.UnixEpoch.AddSeconds(at.GetDouble()) : null,
                Attributes.Read(d.GetProperty("Keys")), d.TryGetProperty("NewImage", out var image) ? Attributes.Read(image) : null));
        }
        return (changes, r.TryGetProperty("NextShardIterator", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null);
    }

    async Task<JsonDocument> Call(string operation, JsonObject body, CancellationToken ct)
    {
        foreach (var key in body.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) body.Remove(key);
        return await _api.Call(operation, body.ToJsonString(), ct);
    }

    public void Dispose() => _api.Dispose();
}
