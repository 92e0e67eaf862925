using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// An HTTP proxy in front of a real DynamoDB Local that injects the faults AWS produces under load:
/// BatchWriteItem answered with ProvisionedThroughputExceededException, or with only part of the
/// batch written and the rest returned as UnprocessedItems; or, like a provisioned table, admitting
/// only so many written items a second and throttling the rest; or a connection that breaks; or, for any
/// operation, a 500, a 503 or throttling; or a server clock that is ahead, refusing requests signed at another
/// time as AWS does. Everything else passes through, and every request is recorded (its target, body and the
/// access key that signed it, and what a signature check needs).
/// </summary>
public sealed class FaultProxy : LoopbackServer
{
    // A TCP front before the HTTP listener, so that a dropped connection is a real reset (HttpListener's own
    // Abort answers an empty 200): each client connection is piped to the listener, keyed by the port it uses there.
    TcpListener _front = new(IPAddress.Loopback, 0);
    readonly ConcurrentDictionary<int, Socket> _clients = new();
    volatile bool _paused;

    /// <summary>Where clients connect: the TCP front.</summary>
    public new string Endpoint { get; }
    readonly HttpClient _upstream = new();
    readonly string _target;
    readonly Func<int, Fault> _plan;
    readonly double _admitPerSecond;
    readonly Func<string, int, bool> _throttle;
    readonly ConcurrentDictionary<string, int> _counts = new();
    readonly Stopwatch _clock = Stopwatch.StartNew();
    double _tokens, _lastRefill;
    int _batches, _throttled, _partial;

    public enum Fault { None, Throttle, Partial, Drop, ServerError, Unavailable, Denied, Slow }

    /// <summary>How long a <see cref="Fault.Slow"/> request waits before it is passed on.</summary>
    public static readonly TimeSpan SlowBy = TimeSpan.FromSeconds(8);

    readonly Func<string, int, Fault> _each;
    readonly Func<string, string, Fault> _byBody;
    int _injected;

    /// <summary>Faults injected by <c>each</c> and requests refused for the clock.</summary>
    public int Injected => _injected;

    /// <summary>How far the Date of every answer passed through is ahead of this machine's clock (a host whose clock lags DynamoDB's).</summary>
    public TimeSpan DateAhead { get; init; }

    /// <summary>How far the server's clock is ahead: requests signed more than 5 minutes from it are refused.</summary>
    public TimeSpan ClockAhead { get; init; }

    /// <summary>A request as it arrived, for checking its signature.</summary>
    public sealed record Signed(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body);

    public ConcurrentQueue<Signed> Raw { get; } = new();

    public int Throttled => _throttled;

    public int Partial => _partial;

    /// <summary>Every answer passed through: the operation and the body DynamoDB answered with.</summary>
    public ConcurrentQueue<(string Operation, string Body)> Answers { get; } = new();

    /// <summary>Every request: the operation (X-Amz-Target without the service prefix), its body, the access key id that signed it.</summary>
    public ConcurrentQueue<(string Operation, string Body, string AccessKey)> Requests { get; } = new();

    /// <param name="plan">the fault for the n-th BatchWriteItem request (0-based)</param>
    /// <param name="admitItemsPerSecond">when positive, BatchWriteItem requests are throttled whenever they would
    /// write more items than this rate allows (one second's worth may be saved up, like a table's burst)</param>
    /// <param name="throttle">whether to throttle the n-th (0-based) request of an operation ("UpdateItem", ...), any operation</param>
    /// <param name="each">the fault for the n-th (0-based) request of an operation, any operation</param>
    /// <param name="byBody">the fault for a request of an operation with this body</param>
    public FaultProxy(string target, Func<int, Fault>? plan = null, double admitItemsPerSecond = 0, Func<string, int, bool>? throttle = null,
        Func<string, int, Fault>? each = null, Func<string, string, Fault>? byBody = null)
    {
        _each = each ?? ((_, _) => Fault.None);
        _byBody = byBody ?? ((_, _) => Fault.None);
        _front.Start();
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_front.LocalEndpoint).Port}";
        _ = Task.Run(Front);
        _throttle = throttle ?? ((_, _) => false);
        _target = target.TrimEnd('/');
        _plan = plan ?? (_ => Fault.None);
        _admitPerSecond = admitItemsPerSecond;
        _tokens = admitItemsPerSecond;
    }

    protected override async Task Handle(HttpListenerContext ctx)
    {
        try
        {
            using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var target = ctx.Request.Headers["X-Amz-Target"] ?? "";
            var key = System.Text.RegularExpressions.Regex.Match(ctx.Request.Headers["Authorization"] ?? "", "Credential=([^/]+)/").Groups[1].Value;
            Requests.Enqueue((target[(target.IndexOf('.') + 1)..], body, key));
            Raw.Enqueue(new(ctx.Request.HttpMethod, ctx.Request.Url!.AbsolutePath, ctx.Request.Url.Query.TrimStart('?'),
                ctx.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!.ToLowerInvariant(), k => ctx.Request.Headers[k]!), body));
            var operation = target[(target.IndexOf('.') + 1)..];
            var fault = target.EndsWith(".BatchWriteItem") ? _plan(Interlocked.Increment(ref _batches) - 1) : Fault.None;
            var nth = _counts.AddOrUpdate(operation, 0, (_, n) => n + 1);
            if (_throttle(operation, nth))
                fault = Fault.Throttle;
            var injected = _each(operation, nth) is var byOrder and not Fault.None ? byOrder : _byBody(operation, body);
            if (injected != Fault.None)
            {
                fault = injected;
                Interlocked.Increment(ref _injected);
            }
            var server = DateTime.UtcNow + ClockAhead;
            if (ClockAhead != TimeSpan.Zero && DateTime.TryParseExact(ctx.Request.Headers["X-Amz-Date"], "yyyyMMdd'T'HHmmss'Z'",
                    System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var signedAt)
                && (signedAt - server).Duration() > TimeSpan.FromMinutes(5))
            {
                Interlocked.Increment(ref _injected);
                await Reply(ctx, 400, "application/x-amz-json-1.0", "{\"__type\":\"com.amazon.coral.service#InvalidSignatureException\",\"message\":\"Signature expired: "
                    + $"{signedAt:yyyyMMdd'T'HHmmss'Z'} is now earlier than {server.AddMinutes(-5):yyyyMMdd'T'HHmmss'Z'} ({server:yyyyMMdd'T'HHmmss'Z'} - 5 min.)\"}}",
                    ("Date", server.ToString("R")), ("x-amzn-RequestId", Guid.NewGuid().ToString()));
                return;
            }
            if (fault == Fault.Denied)
            {
                await Reply(ctx, 400, "application/x-amz-json-1.0",
                    """{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"not authorized to perform this action (injected)"}""",
                    ("x-amzn-RequestId", Guid.NewGuid().ToString()));
                return;
            }
            if (fault == Fault.Slow) await Task.Delay(SlowBy);
            if (fault is Fault.ServerError or Fault.Unavailable)
            {
                await Reply(ctx, fault == Fault.ServerError ? 500 : 503, "application/x-amz-json-1.0", fault == Fault.ServerError
                    ? """{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error (injected)"}"""
                    : """{"__type":"com.amazon.coral.availability#ServiceUnavailableException","message":"Service unavailable (injected)"}""",
                    ("x-amzn-RequestId", Guid.NewGuid().ToString()));
                return;
            }
            if (fault == Fault.None && _admitPerSecond > 0 && target.EndsWith(".BatchWriteItem") && !Admit(body))
                fault = Fault.Throttle;
            if (fault == Fault.Drop)
            {
                if (_clients.TryRemove(ctx.Request.RemoteEndPoint.Port, out var client))
                {
                    client.LingerState = new LingerOption(true, 0); // a reset, not an orderly close
                    client.Close();
                }
                ctx.Response.Abort(); // the connection breaks without an answer
                return;
            }
            if (fault == Fault.Throttle)
            {
                Interlocked.Increment(ref _throttled);
                await Reply(ctx, 400, """{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded (injected)"}""");
                return;
            }
            JsonObject? unprocessed = null;
            if (fault == Fault.Partial)
            {
                var json = JsonNode.Parse(body)!.AsObject();
                var tables = json["RequestItems"]!.AsObject();
                var (table, requests) = (tables.First().Key, tables.First().Value!.AsArray());
                if (requests.Count > 1)
                {
                    Interlocked.Increment(ref _partial);
                    var keep = requests.Count / 2;
                    var rest = new JsonArray(requests.Skip(keep).Select(r => r!.DeepClone()).ToArray());
                    while (requests.Count > keep) requests.RemoveAt(requests.Count - 1);
                    unprocessed = new JsonObject { [table] = rest };
                    body = json.ToJsonString();
                }
            }
            using var forward = new HttpRequestMessage(new HttpMethod(ctx.Request.HttpMethod), _target + ctx.Request.RawUrl)
            {
                Content = new StringContent(body, Encoding.UTF8),
            };
            forward.Content.Headers.ContentType = new("application/x-amz-json-1.0");
            foreach (var name in ctx.Request.Headers.AllKeys)
                if (name is not null && !name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && name != "Host")
                    forward.Headers.TryAddWithoutValidation(name, ctx.Request.Headers[name]);
            using var response = await _upstream.SendAsync(forward);
            var text = await response.Content.ReadAsStringAsync();
            Answers.Enqueue((operation, text));
            if (unprocessed is not null && response.IsSuccessStatusCode)
            {
                var result = JsonNode.Parse(text)!.AsObject();
                result["UnprocessedItems"] = unprocessed;
                text = result.ToJsonString();
            }
            if (DateAhead == TimeSpan.Zero) await Reply(ctx, (int)response.StatusCode, text);
            else await Reply(ctx, (int)response.StatusCode, "application/x-amz-json-1.0", text, ("Date", (DateTime.UtcNow + DateAhead).ToString("R")));
        }
        catch (Exception e)
        {
            try { await Reply(ctx, 500, "{\"__type\":\"InternalFailure\",\"message\":\"proxy: " + e.Message.Replace("\"", "'") + "\"}"); }
            catch (Exception) { }
        }
    }

    async Task Front()
    {
        var listener = new Uri(base.Endpoint);
        while (true)
        {
            Socket client;
            try { client = await _front.AcceptSocketAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    if (_paused) throw new SocketException((int)SocketError.ConnectionRefused);
                    await upstream.ConnectAsync(IPAddress.Loopback, listener.Port);
                    _clients[((IPEndPoint)upstream.LocalEndPoint!).Port] = client;
                    using var a = new NetworkStream(client, ownsSocket: false);
                    using var b = new NetworkStream(upstream, ownsSocket: false);
                    await Task.WhenAny(a.CopyToAsync(b), b.CopyToAsync(a));
                    _clients.TryRemove(((IPEndPoint)upstream.LocalEndPoint!).Port, out _);
                }
                catch (Exception) { }
                finally
                {
                    try { client.Shutdown(SocketShutdown.Both); } catch (Exception) { }
                    client.Dispose();
                }
            });
        }
    }

    /// <summary>Stops answering: connections to the front are refused, as when the endpoint goes away.</summary>
    public override void Pause()
    {
        _paused = true;
        _front.Stop();
        base.Pause();
    }

    public override void Resume()
    {
        base.Resume();
        _front = new TcpListener(IPAddress.Loopback, new Uri(Endpoint).Port); // the same port (a restarted listener would take a new one)
        _front.Start();
        _paused = false;
        _ = Task.Run(Front);
    }

    /// <summary>Whether <paramref name="r"/> carries a SigV4 signature made with <paramref name="secret"/> (the canonical request rebuilt from what arrived).</summary>
    public static bool SignedWith(Signed r, string secret)
    {
        var m = System.Text.RegularExpressions.Regex.Match(r.Headers.GetValueOrDefault("authorization") ?? "",
            @"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)");
        if (!m.Success) return false;
        var signed = m.Groups[4].Value;
        var headers = string.Concat(signed.Split(';').Select(h => $"{h}:{System.Text.RegularExpressions.Regex.Replace(r.Headers.GetValueOrDefault(h)?.Trim() ?? "", @"\s+", " ")}\n"));
        var payload = r.Headers.GetValueOrDefault("x-amz-content-sha256")
            ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(r.Body)));
        var canonical = $"{r.Method}\n{r.Path}\n{r.Query}\n{headers}\n{signed}\n{payload}";
        var at = DateTime.ParseExact(r.Headers["x-amz-date"], "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
        var result = Amazon.Runtime.Internal.Auth.AWS4Signer.ComputeSignature(
            new Amazon.Runtime.ImmutableCredentials(m.Groups[1].Value, secret, r.Headers.GetValueOrDefault("x-amz-security-token")),
            m.Groups[2].Value, at, m.Groups[3].Value, signed, canonical);
        return result.Signature == m.Groups[5].Value;
    }

    /// <summary>A token bucket of written items: refilled at the admitted rate, holding at most one second's worth.</summary>
    bool Admit(string body)
    {
        var items = JsonNode.Parse(body)!["RequestItems"]!.AsObject().Sum(t => t.Value!.AsArray().Count);
        lock (_clock)
        {
            var now = _clock.Elapsed.TotalSeconds;
            _tokens = Math.Min(_admitPerSecond, _tokens + (now - _lastRefill) * _admitPerSecond);
            _lastRefill = now;
            if (_tokens < items) return false;
            _tokens -= items;
            return true;
        }
    }

    static Task Reply(HttpListenerContext ctx, int status, string body) => Reply(ctx, status, "application/x-amz-json-1.0", body);

    public override void Dispose()
    {
        _front.Stop();
        base.Dispose();
        _upstream.Dispose();
    }
}
