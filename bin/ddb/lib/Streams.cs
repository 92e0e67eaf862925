// A table's DynamoDB stream, read shard by shard (parents before children), with a checkpoint per
// shard so that a restart neither re-reads nor misses records. The AWS SDK for .NET v4 ships the
// Streams client as its own package (AWSSDK.DynamoDBStreams), which cannot be restored here, so
// StreamsApi speaks the Streams JSON protocol itself: four operations, signed with the SDK's own
// Signature Version 4 code, errors raised as AmazonDynamoDBException like the SDK's.
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

/// <summary>One change: INSERT, MODIFY or REMOVE, its sequence number, the item's keys and (NEW_IMAGE) the item after it.</summary>
public sealed record Change(string Event, string Sequence, DateTime? At, Item Keys, Item? NewImage);

/// <summary>The renderer of changes (stream --print).</summary>
public static class ChangeLines
{
    /// <summary>Stream changes, one per line: readable text, or JSON objects with the event, sequence
    /// number, time (ISO 8601), keys and new image as plain values.</summary>
    public static void Write(Stream stdout, IEnumerable<Change> changes, bool json)
    {
        var text = new StringBuilder();
        foreach (var c in changes)
        {
            if (json)
            {
                using var ms = new MemoryStream();
                using (var w = Output.JsonWriter(ms))
                {
                    w.WriteStartObject();
                    w.WriteString("event", c.Event);
                    w.WriteString("sequence_number", c.Sequence);
                    if (c.At is { } at) w.WriteString("approximate_time", at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")); else w.WriteNull("approximate_time");
                    w.WritePropertyName("keys");
                    Output.WriteItem(w, c.Keys, raw: false);
                    w.WritePropertyName("new_image");
                    if (c.NewImage is { } image) Output.WriteItem(w, image, raw: false); else w.WriteNullValue();
                    w.WriteEndObject();
                }
                text.Append(Encoding.UTF8.GetString(ms.ToArray())).Append('\n');
            }
            else
                text.Append($"{c.Event,-7}{Output.Plain(c.Keys.GetValueOrDefault("pk")),-46} {Output.Plain(c.Keys.GetValueOrDefault("sk")),-33} "
                    + Output.Clip(Output.Plain(c.NewImage?.GetValueOrDefault("message")), 40)).Append('\n');
        }
        stdout.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }
}

public sealed record Shard(string Id, string? Parent, bool Closed);

/// <summary>The DynamoDB Streams API (DescribeStream, GetShardIterator, GetRecords), signed like the SDK signs.</summary>
public sealed class StreamsApi(DdbContext ctx) : IDisposable
{
    readonly HttpClient _http = new() { Timeout = ctx.RequestTimeout };
    readonly Uri _endpoint = new(ctx.Endpoint ?? $"https://streams.dynamodb.{ctx.Region}.amazonaws.com");
    readonly AWSCredentials _credentials = ctx.CreateCredentials();

    public async Task<List<Shard>> Describe(string streamArn, CancellationToken ct)
    {
        var shards = new List<Shard>();
        string? start = null;
        do
        {
            var r = await Call("DescribeStream", new JsonObject { ["StreamArn"] = streamArn, ["ExclusiveStartShardId"] = start }, ct);
            var d = r.GetProperty("StreamDescription");
            foreach (var shard in d.TryGetProperty("Shards", out var list) ? list.EnumerateArray() : default)
                shards.Add(new Shard(shard.GetProperty("ShardId").GetString()!,
                    shard.TryGetProperty("ParentShardId", out var p) ? p.GetString() : null,
                    shard.GetProperty("SequenceNumberRange").TryGetProperty("EndingSequenceNumber", out _)));
            start = d.TryGetProperty("LastEvaluatedShardId", out var last) ? last.GetString() : null;
        } while (start is not null);
        return shards;
    }

    /// <param name="after">the last sequence number already read, or null for the shard's oldest record (or its newest with <paramref name="latest"/>).</param>
    public async Task<string> Iterator(string streamArn, string shard, string? after, bool latest, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["StreamArn"] = streamArn, ["ShardId"] = shard,
            ["ShardIteratorType"] = after is not null ? "AFTER_SEQUENCE_NUMBER" : latest ? "LATEST" : "TRIM_HORIZON",
            ["SequenceNumber"] = after,
        };
        return (await Call("GetShardIterator", body, ct)).GetProperty("ShardIterator").GetString()!;
    }

    /// <summary>A page of changes and the next iterator (null once a closed shard has been read to its end).</summary>
    public async Task<(List<Change> Changes, string? Next)> Records(string iterator, CancellationToken ct)
    {
        var r = await Call("GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = 1000 }, ct);
        var changes = new List<Change>();
        foreach (var record in r.TryGetProperty("Records", out var list) ? list.EnumerateArray() : default)
        {
            var d = record.GetProperty("dynamodb");
            changes.Add(new Change(record.GetProperty("eventName").GetString()!, d.GetProperty("SequenceNumber").GetString()!,
                d.TryGetProperty("ApproximateCreationDateTime", out var at) ? DateTime.UnixEpoch.AddSeconds(at.GetDouble()) : null,
                Image(d.GetProperty("Keys")), d.TryGetProperty("NewImage", out var image) ? Image(image) : null));
        }
        return (changes, r.TryGetProperty("NextShardIterator", out var next) ? next.GetString() : null);
    }

    async Task<JsonElement> Call(string operation, JsonObject body, CancellationToken ct)
    {
        foreach (var key in body.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) body.Remove(key);
        var json = body.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        Sign(request, operation, json);
        using var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.First() : null;
        JsonElement parsed;
        try
        {
            parsed = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new AmazonDynamoDBException($"DynamoDB Streams {operation}: not JSON", null, ErrorType.Unknown, null, requestId, response.StatusCode);
        }
        if (response.StatusCode == HttpStatusCode.OK) return parsed;
        var type = parsed.TryGetProperty("__type", out var t) ? t.GetString()!.Split('#')[^1] : null;
        var message = parsed.TryGetProperty("message", out var m) || parsed.TryGetProperty("Message", out m) ? m.GetString() : text;
        throw new AmazonDynamoDBException(message, null, ErrorType.Sender, type, requestId, response.StatusCode);
    }

    /// <summary>Signature Version 4 for service "dynamodb", as the SDK's clients sign.</summary>
    void Sign(HttpRequestMessage request, string operation, string body)
    {
        var creds = _credentials.GetCredentials();
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/x-amz-json-1.0",
            ["host"] = _endpoint.IsDefaultPort ? _endpoint.Host : $"{_endpoint.Host}:{_endpoint.Port}",
            ["x-amz-date"] = amzDate,
            ["x-amz-target"] = "DynamoDBStreams_20120810." + operation,
        };
        if (creds.UseToken) headers["x-amz-security-token"] = creds.Token;
        var signed = string.Join(';', headers.Keys);
        var canonical = $"POST\n/\n\n{string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n"))}\n{signed}\n"
            + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var result = AWS4Signer.ComputeSignature(creds, ctx.Region, now, "dynamodb", signed, canonical);
        foreach (var (name, value) in headers.Where(h => h.Key is not ("content-type" or "host")))
            request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }

    /// <summary>An item in DynamoDB's JSON ({"pk": {"S": "..."}}) as the SDK's attribute values.</summary>
    public static Item Image(JsonElement json) => json.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value));

    static AttributeValue Value(JsonElement v)
    {
        var (type, x) = v.EnumerateObject().Select(p => (p.Name, p.Value)).First();
        return type switch
        {
            "S" => new() { S = x.GetString() },
            "N" => new() { N = x.GetString() },
            "BOOL" => new() { BOOL = x.GetBoolean() },
            "NULL" => new() { NULL = true },
            "B" => new() { B = new MemoryStream(x.GetBytesFromBase64()) },
            "M" => new() { M = Image(x) },
            "L" => new() { L = x.EnumerateArray().Select(Value).ToList() },
            "SS" => new() { SS = x.EnumerateArray().Select(e => e.GetString()!).ToList() },
            "NS" => new() { NS = x.EnumerateArray().Select(e => e.GetString()!).ToList() },
            "BS" => new() { BS = x.EnumerateArray().Select(e => new MemoryStream(e.GetBytesFromBase64())).ToList() },
            _ => throw new AmazonDynamoDBException($"unknown attribute type {type} in a stream record"),
        };
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// How far a reader got in a stream: the last sequence number handled in each shard, and the shards
/// read to their end. Kept in a small JSON file; one for another stream (the table was dropped and
/// created again) is not used.
/// </summary>
public sealed class Checkpoint
{
    public string Stream { get; set; } = "";
    public Dictionary<string, string> Last { get; set; } = [];
    public HashSet<string> Finished { get; set; } = [];

    /// <summary>The checkpoint file of one table at one endpoint, under the user's cache directory.</summary>
    public static string PathFor(DdbContext ctx)
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var where = new string((ctx.Endpoint ?? ctx.Region).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return Path.Combine(cache, "cruddur-ddb", $"stream-{where}-{ctx.Table}.json");
    }

    /// <summary>The saved checkpoint for <paramref name="stream"/>; a fresh one when there is none, or it is for another stream (Stale).</summary>
    public static (Checkpoint Checkpoint, bool Stale) Load(string path, string stream)
    {
        try
        {
            var saved = JsonSerializer.Deserialize<Checkpoint>(File.ReadAllText(path));
            if (saved?.Stream == stream) return (saved, false);
            return (new Checkpoint { Stream = stream }, saved is not null);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return (new Checkpoint { Stream = stream }, false);
        }
    }

    /// <summary>Writes the file whole or not at all (a temporary file renamed over it).</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this));
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>
/// Reads every shard of a stream, a shard's parent before the shard, and hands each page of changes
/// to a handler; after the handler returns, the page counts as read (and is in the checkpoint).
/// </summary>
public sealed class ShardReader(StreamsApi api, string streamArn, Checkpoint checkpoint, bool fromLatest = false)
{
    readonly Dictionary<string, string> _iterators = [];
    List<Shard> _shards = [];
    HashSet<string>? _atStart; // the shards there were when reading began (LATEST applies to them only)
    DateTime _described = DateTime.MinValue;

    /// <summary>
    /// One pass: every readable shard is read until it has nothing more for now (an open shard) or
    /// ends (a closed one). Returns the number of changes handed over.
    /// </summary>
    public async Task<int> Pass(Func<List<Change>, Task> handle, CancellationToken ct)
    {
        if (DateTime.UtcNow - _described > TimeSpan.FromSeconds(5))
        {
            _shards = await api.Describe(streamArn, ct);
            _atStart ??= _shards.Select(s => s.Id).ToHashSet();
            _described = DateTime.UtcNow;
        }
        var known = _shards.Select(s => s.Id).ToHashSet();
        // shards the stream no longer has (trimmed after 24 hours) leave the checkpoint, so that it stays small
        checkpoint.Finished.RemoveWhere(id => !known.Contains(id));
        foreach (var gone in checkpoint.Last.Keys.Where(id => !known.Contains(id)).ToList()) checkpoint.Last.Remove(gone);
        var count = 0;
        foreach (var shard in _shards.Where(s => !checkpoint.Finished.Contains(s.Id)))
        {
            if (shard.Parent is { } parent && known.Contains(parent) && !checkpoint.Finished.Contains(parent))
                continue; // its parent's changes come first
            if (!_iterators.TryGetValue(shard.Id, out var iterator))
                iterator = await Iterator(shard.Id, ct);
            while (true)
            {
                List<Change> changes;
                string? next;
                try
                {
                    (changes, next) = await api.Records(iterator, ct);
                }
                catch (AmazonDynamoDBException e) when (e.ErrorCode is "ExpiredIteratorException")
                {
                    iterator = await Iterator(shard.Id, ct);
                    continue;
                }
                if (changes.Count > 0)
                {
                    await handle(changes);
                    count += changes.Count;
                    checkpoint.Last[shard.Id] = changes[^1].Sequence;
                }
                if (next is null)
                {
                    checkpoint.Finished.Add(shard.Id);
                    _iterators.Remove(shard.Id);
                    _described = DateTime.MinValue; // its children may be readable now
                    break;
                }
                iterator = next;
                if (changes.Count == 0)
                {
                    _iterators[shard.Id] = next;
                    break;
                }
            }
        }
        return count;
    }

    async Task<string> Iterator(string shard, CancellationToken ct)
    {
        var latest = fromLatest && _atStart!.Contains(shard);
        try
        {
            return await api.Iterator(streamArn, shard, checkpoint.Last.GetValueOrDefault(shard), latest, ct);
        }
        catch (AmazonDynamoDBException e) when (e.ErrorCode is "TrimmedDataAccessException")
        {
            return await api.Iterator(streamArn, shard, null, latest, ct); // what followed the checkpoint has expired: read what is left
        }
    }

    /// <summary>Forgets the iterators (after the endpoint went away: they may no longer be valid).</summary>
    public void Reset() => _iterators.Clear();
}

/// <summary>Why reading starts over from a stream's oldest record: the checkpoint was for an older stream, or the table was created again while being followed.</summary>
public enum Fresh { OlderCheckpoint, Recreated }

/// <summary>What a follower reports as it goes; the caller words it.</summary>
public sealed record FollowEvents(Action<Fresh> Fresh, Action<Exception> Outage, Action Back);

public static class Streams
{
    /// <summary>The table's latest stream; an error when its stream is off.</summary>
    public static async Task<string> LatestArn(IAmazonDynamoDB ddb, string table, CancellationToken ct)
    {
        var t = (await ddb.DescribeTableAsync(table, ct)).Table;
        return t.StreamSpecification?.StreamEnabled == true && t.LatestStreamArn is { } arn ? arn
            : throw new UserError($"table {table} has no stream turned on: ./bin/ddb/schema-load shows the command that turns it on");
    }

    /// <summary>
    /// Reads the table's latest stream and hands each page of changes to <paramref name="handle"/>:
    /// once (everything not yet read, then return) or until cancelled. With a checkpoint, starts where
    /// the last run stopped and saves how far it got after every pass and when stopped; without, starts
    /// at the oldest record (once) or at the newest. Every 5 s it checks that the stream is still the
    /// table's latest; while following, an endpoint that does not answer is asked again with backoff.
    /// </summary>
    public static async Task Follow(DdbContext ctx, IAmazonDynamoDB ddb, bool once, bool checkpoints,
        Func<List<Change>, Task> handle, FollowEvents events, CancellationToken ct)
    {
        using var api = new StreamsApi(ctx);
        var path = Checkpoint.PathFor(ctx);
        string? arn = null;
        Checkpoint? checkpoint = null;
        ShardReader? reader = null;
        var (checkedAt, backoff, failing) = (DateTime.MinValue, 0.25, false);
        try
        {
            while (true)
                try
                {
                    if (failing)
                    {
                        await LatestArn(ddb, ctx.Table, ct); // the endpoint answers again: say so before anything else
                        events.Back();
                        (failing, backoff) = (false, 0.25);
                    }
                    if (reader is null || DateTime.UtcNow - checkedAt > TimeSpan.FromSeconds(5))
                    {
                        var latest = await LatestArn(ddb, ctx.Table, ct);
                        checkedAt = DateTime.UtcNow;
                        if (latest != arn)
                        {
                            var (loaded, stale) = checkpoints ? Checkpoint.Load(path, latest) : (new Checkpoint { Stream = latest }, false);
                            if (stale || arn is not null) events.Fresh(arn is null ? Fresh.OlderCheckpoint : Fresh.Recreated);
                            (arn, checkpoint, reader) = (latest, loaded, new ShardReader(api, latest, loaded, fromLatest: !checkpoints && !once && arn is null));
                        }
                    }
                    var count = await reader!.Pass(handle, ct); // set above: reader is null only before the first check
                    if (checkpoints) checkpoint!.Save(path);
                    if (once) return;
                    if (count == 0) await Task.Delay(250, ct);
                }
                catch (Exception e) when (!once && !ct.IsCancellationRequested && Cli.Unreachable(e))
                {
                    if (!failing) events.Outage(e);
                    failing = true;
                    reader?.Reset();
                    await Task.Delay(TimeSpan.FromSeconds(backoff), ct);
                    backoff = Math.Min(backoff * 2, 5);
                }
        }
        finally
        {
            if (checkpoints && checkpoint is not null) checkpoint.Save(path);
        }
    }
}
