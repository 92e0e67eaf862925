// DynamoDB's JSON protocol (awsJson1_0: a POST of a JSON body named by X-Amz-Target), spoken directly
// over HttpClient and signed by SigV4 below, for the calls where the SDK's client costs more than the
// call itself: the Streams API (its SDK package cannot be restored here), scan's pages (items go from
// the response to the output without becoming objects: about a quarter of the CPU per item) and
// list-tables (a fresh process spends ~30-100 ms less than on the SDK's first request; bench/RESULTS.md).
// Errors are the SDK's exception types, so Failure.Explain and Retry.cs treat them as the SDK's; every
// call is retried by the one policy (Retry.cs), and a clock that is off by minutes is corrected once
// from the server's Date, as the SDK does. Where requests go: Endpoints.cs.
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace Cruddur.Ddb;

/// <param name="target">the X-Amz-Target prefix: DynamoDB_20120810, DynamoDBStreams_20120810</param>
/// <param name="budget">the retries of one <see cref="Call"/> (Retry.cs) before its error is the caller's</param>
public sealed class JsonApi(DdbContext ctx, Uri endpoint, string target, RetryBudget budget) : IDisposable
{
    readonly HttpClient _http = ctx.CreateHttpClient();
    readonly AWSCredentials _credentials = ctx.CreateCredentials();

    /// <summary>A client of DynamoDB itself, at the endpoint the SDK's client would use (Endpoints.DynamoDb).</summary>
    public static JsonApi DynamoDb(DdbContext ctx, RetryBudget budget) => new(ctx, Endpoints.DynamoDb(ctx), "DynamoDB_20120810", budget);

    /// <summary>One operation under the retry policy (Retry.Run): retried, and sent again with a corrected clock.</summary>
    public Task<JsonDocument> Call(string operation, string json, CancellationToken ct) => Retry.Run(token => Send(operation, json, token), budget, ct);

    /// <summary>One try of one operation: its answer, or DynamoDB's error as the SDK's exception of that name.</summary>
    async Task<JsonDocument> Send(string operation, string json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(json, Encoding.UTF8) };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        var headers = new Dictionary<string, string> { ["content-type"] = "application/x-amz-json-1.0", ["x-amz-target"] = target + "." + operation };
        SigV4.Sign(request, headers, json, _credentials.GetCredentials(), ctx.Region, "dynamodb", Clock.UtcNow);
        using var response = await _http.SendAsync(request, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.First() : null;
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new AmazonDynamoDBException($"{Service} {operation}: not JSON (HTTP {(int)response.StatusCode})", null,
                ErrorType.Unknown, null, requestId, response.StatusCode);
        }
        if (response.StatusCode == HttpStatusCode.OK) return parsed;
        using (parsed)
        {
            var root = parsed.RootElement;
            var type = root.TryGetProperty("__type", out var t) ? t.GetString()!.Split('#')[^1] : null;
            var message = root.TryGetProperty("message", out var m) || root.TryGetProperty("Message", out m) ? m.GetString() : Encoding.UTF8.GetString(body);
            var error = Error(type, message, requestId, response.StatusCode);
            if (response.Headers.Date is { } server) error.Data[Clock.ServerDate] = server.UtcDateTime; // for Clock.Corrected
            throw error;
        }
    }

    /// <summary>Every table's name at the endpoint, all ListTables pages.</summary>
    public async Task<List<string>> TableNames(CancellationToken ct)
    {
        var (names, start) = (new List<string>(), (string?)null);
        do
        {
            using var page = await Call("ListTables", start is null ? "{}" : JsonSerializer.Serialize(new Dictionary<string, string> { ["ExclusiveStartTableName"] = start }), ct);
            foreach (var name in page.RootElement.TryGetProperty("TableNames", out var list) ? list.EnumerateArray() : default)
                names.Add(name.GetString()!);
            start = page.RootElement.TryGetProperty("LastEvaluatedTableName", out var last) ? last.GetString() : null;
        } while (start is not null);
        return names;
    }

    string Service => target.StartsWith("DynamoDBStreams", StringComparison.Ordinal) ? "DynamoDB Streams" : "DynamoDB";

    /// <summary>DynamoDB's error as the SDK would throw it: the type of that name where the scripts tell them apart.</summary>
    static AmazonDynamoDBException Error(string? type, string? message, string? requestId, HttpStatusCode status) => type switch
    {
        "ResourceNotFoundException" => new ResourceNotFoundException(message, null, ErrorType.Sender, type, requestId, status),
        "ProvisionedThroughputExceededException" => new ProvisionedThroughputExceededException(message, null, ErrorType.Sender, type, requestId, status),
        "RequestLimitExceeded" => new RequestLimitExceededException(message, null, ErrorType.Sender, type, requestId, status),
        _ => new AmazonDynamoDBException(message, null, (int)status >= 500 ? ErrorType.Receiver : ErrorType.Sender, type, requestId, status),
    };

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
