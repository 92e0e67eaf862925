using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// An HTTP proxy in front of a real DynamoDB Local that injects the faults AWS produces under load:
/// BatchWriteItem answered with ProvisionedThroughputExceededException, or with only part of the
/// batch written and the rest returned as UnprocessedItems; or, like a provisioned table, admitting
/// only so many written items a second and throttling the rest; or a connection that breaks. Everything else passes through, and
/// every request is recorded (its target, body and the access key that signed it).
/// </summary>
public sealed class FaultProxy : LoopbackServer
{
    readonly HttpClient _upstream = new();
    readonly string _target;
    readonly Func<int, Fault> _plan;
    readonly double _admitPerSecond;
    readonly Func<string, int, bool> _throttle;
    readonly ConcurrentDictionary<string, int> _counts = new();
    readonly Stopwatch _clock = Stopwatch.StartNew();
    double _tokens, _lastRefill;
    int _batches, _throttled, _partial;

    public enum Fault { None, Throttle, Partial, Drop }

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
    public FaultProxy(string target, Func<int, Fault>? plan = null, double admitItemsPerSecond = 0, Func<string, int, bool>? throttle = null)
    {
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
            var operation = target[(target.IndexOf('.') + 1)..];
            var fault = target.EndsWith(".BatchWriteItem") ? _plan(Interlocked.Increment(ref _batches) - 1) : Fault.None;
            if (_throttle(operation, _counts.AddOrUpdate(operation, 0, (_, n) => n + 1)))
                fault = Fault.Throttle;
            if (fault == Fault.None && _admitPerSecond > 0 && target.EndsWith(".BatchWriteItem") && !Admit(body))
                fault = Fault.Throttle;
            if (fault == Fault.Drop)
            {
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
            await Reply(ctx, (int)response.StatusCode, text);
        }
        catch (Exception e)
        {
            try { await Reply(ctx, 500, "{\"__type\":\"InternalFailure\",\"message\":\"proxy: " + e.Message.Replace("\"", "'") + "\"}"); }
            catch (Exception) { }
        }
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
        base.Dispose();
        _upstream.Dispose();
    }
}
