// The DynamoDB Streams API: DescribeStream, GetShardIterator, GetRecords. The AWS SDK for .NET v4
// ships its Streams client as a package of its own (AWSSDK.DynamoDBStreams), which cannot be
// restored here, so this speaks the Streams JSON protocol itself, signed by SigV4 below (the SDK's
// own signature computation over a canonical request built as botocore builds it). Every call is
// retried with capped exponential backoff and full jitter on throttling, 5xx answers and network
// errors, within a budget; a clock that is off by minutes is corrected from the server's Date.
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
    readonly HttpClient _http = new() { Timeout = ctx.RequestTimeout };
    readonly AWSCredentials _credentials = ctx.CreateCredentials();
    TimeSpan _clockOffset; // the server's clock minus ours, once a request was refused for a skewed clock

    /// <summary>Tries of one call (the first and its retries) before its error is the caller's.</summary>
    public const int Tries = 6;

    /// <summary>
    /// Where the stream is read, as the SDK resolves it: AWS_ENDPOINT_URL_DYNAMODB_STREAMS, then the
    /// DynamoDB endpoint (AWS_ENDPOINT_URL_DYNAMODB, or DynamoDB Local, which serves both), then AWS's
    /// own host in the region's partition (streams.dynamodb.REGION.amazonaws.com, .amazonaws.com.cn in China).
    /// </summary>
    public static Uri Endpoint(DdbContext ctx, Func<string, string?> env)
    {
        if (env("AWS_ENDPOINT_URL_DYNAMODB_STREAMS") is { Length: > 0 } set)
        {
            if (!Uri.TryCreate(set.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                throw new UserError($"AWS_ENDPOINT_URL_DYNAMODB_STREAMS is not an http(s) URL: {set}");
            if (!ctx.Prod && DdbContext.AwsHost(url.ToString()))
                throw new UserError($"AWS_ENDPOINT_URL_DYNAMODB_STREAMS points at AWS ({url.Host}) but prod was not asked for", 2);
            return url;
        }
        if (ctx.Endpoint is { } dynamodb) return new Uri(dynamodb);
        var suffix = Amazon.RegionEndpoint.GetBySystemName(ctx.Region).PartitionDnsSuffix ?? "amazonaws.com";
        return new Uri($"https://streams.dynamodb.{ctx.Region}.{suffix}");
    }

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

    public async Task<string> Iterator(string streamArn, string shard, ShardStart start, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["StreamArn"] = streamArn, ["ShardId"] = shard,
            ["ShardIteratorType"] = start.After is not null ? "AFTER_SEQUENCE_NUMBER" : start.Latest ? "LATEST" : "TRIM_HORIZON",
            ["SequenceNumber"] = start.After,
        };
        return (await Call("GetShardIterator", body, ct)).GetProperty("ShardIterator").GetString()!;
    }

    public async Task<(List<Change> Changes, string? Next)> Records(string iterator, CancellationToken ct)
    {
        var r = await Call("GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = 1000 }, ct);
        var changes = new List<Change>();
        foreach (var record in r.TryGetProperty("Records", out var list) ? list.EnumerateArray() : default)
        {
            var d = record.GetProperty("dynamodb");
            changes.Add(new Change(record.GetProperty("eventName").GetString()!, d.GetProperty("SequenceNumber").GetString()!,
                d.TryGetProperty("ApproximateCreationDateTime", out var at) ? DateTime.UnixEpoch.AddSeconds(at.GetDouble()) : null,
                AttributeJson.Read(d.GetProperty("Keys")), d.TryGetProperty("NewImage", out var image) ? AttributeJson.Read(image) : null));
        }
        return (changes, r.TryGetProperty("NextShardIterator", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null);
    }

    /// <summary>Whether another try may succeed: throttling, a 5xx, the network, no answer in time.</summary>
    public static bool Retryable(Exception e) => e switch
    {
        AmazonDynamoDBException d when d.ErrorCode is "LimitExceededException" or "ThrottlingException" or "ProvisionedThroughputExceededException"
            or "RequestLimitExceeded" or "ThrottlingError" => true,
        AmazonDynamoDBException d => (int)d.StatusCode >= 500,
        HttpRequestException or IOException or TimeoutException => true,
        TaskCanceledException { InnerException: TimeoutException } => true,
        _ => false,
    };

    async Task<JsonElement> Call(string operation, JsonObject body, CancellationToken ct)
    {
        foreach (var key in body.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) body.Remove(key);
        var json = body.ToJsonString();
        var skewCorrected = false;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await Send(operation, json, ct);
            }
            catch (SkewedClock skew) when (!skewCorrected)
            {
                (_clockOffset, skewCorrected) = (skew.Offset, true);
                attempt--; // a corrected clock is not a retry
            }
            // a request that got no answer in time is not sent again here: that would multiply the wait by the
            // tries; the caller says so (while following, it asks again with backoff)
            catch (Exception e) when (attempt < Tries && Retryable(e) && !ct.IsCancellationRequested
                && e is not TimeoutException && e is not TaskCanceledException { InnerException: TimeoutException })
            {
                await Throughput.Backoff(attempt + 1, ct, capMs: 5_000); // up to 0.2, 0.4, ... 5 s
            }
        }
    }

    async Task<JsonElement> Send(string operation, string json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        var headers = new Dictionary<string, string> { ["content-type"] = "application/x-amz-json-1.0", ["x-amz-target"] = "DynamoDBStreams_20120810." + operation };
        SigV4.Sign(request, headers, json, _credentials.GetCredentials(), ctx.Region, "dynamodb", DateTime.UtcNow + _clockOffset);
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
            throw new AmazonDynamoDBException($"DynamoDB Streams {operation}: not JSON (HTTP {(int)response.StatusCode})", null,
                ErrorType.Unknown, null, requestId, response.StatusCode);
        }
        if (response.StatusCode == HttpStatusCode.OK) return parsed;
        var type = parsed.TryGetProperty("__type", out var t) ? t.GetString()!.Split('#')[^1] : null;
        var message = parsed.TryGetProperty("message", out var m) || parsed.TryGetProperty("Message", out m) ? m.GetString() : text;
        if (type is "InvalidSignatureException" or "RequestExpired" or "RequestTimeTooSkewed" or "SignatureDoesNotMatch"
            && response.Headers.Date is { } server && (server.UtcDateTime - DateTime.UtcNow - _clockOffset).Duration() > TimeSpan.FromMinutes(4))
            throw new SkewedClock(server.UtcDateTime - DateTime.UtcNow);
        throw new AmazonDynamoDBException(message, null, ErrorType.Sender, type, requestId, response.StatusCode);
    }

    sealed class SkewedClock(TimeSpan offset) : Exception("the request's time is too far from the server's")
    {
        public TimeSpan Offset { get; } = offset;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Signature Version 4 of an HTTP request, as the AWS SDKs and botocore compute it.</summary>
public static class SigV4
{
    /// <summary>
    /// Adds x-amz-date, x-amz-security-token (with a session token), the given headers and the
    /// Authorization header to <paramref name="request"/>. The canonical request covers the method, the
    /// endpoint's path (each segment URI-encoded again, as for every service but S3), its query, the host,
    /// every given header and the body's SHA-256; the signature itself is the SDK's computation.
    /// </summary>
    public static void Sign(HttpRequestMessage request, IReadOnlyDictionary<string, string> headers, string body,
        ImmutableCredentials credentials, string region, string service, DateTime utcNow)
    {
        var uri = request.RequestUri!;
        var all = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}",
            ["x-amz-date"] = utcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in headers) all[k.ToLowerInvariant()] = v.Trim();
        if (credentials.UseToken) all["x-amz-security-token"] = credentials.Token;
        var signed = string.Join(';', all.Keys);
        var path = string.Join('/', uri.AbsolutePath.Split('/').Select(Uri.EscapeDataString));
        var query = string.Join('&', uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Select(p => (Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Uri.EscapeDataString(Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""))))
            .OrderBy(p => p.Item1, StringComparer.Ordinal).ThenBy(p => p.Item2, StringComparer.Ordinal).Select(p => $"{p.Item1}={p.Item2}"));
        var canonical = $"{request.Method.Method}\n{(path.Length == 0 ? "/" : path)}\n{query}\n{string.Concat(all.Select(h => $"{h.Key}:{h.Value}\n"))}\n{signed}\n"
            + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var result = AWS4Signer.ComputeSignature(credentials, region, utcNow, service, signed, canonical);
        foreach (var (name, value) in all.Where(h => h.Key is not ("content-type" or "host")))
            request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }
}
