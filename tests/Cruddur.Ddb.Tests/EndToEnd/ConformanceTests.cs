namespace Cruddur.Ddb.Tests;

/// <summary>
/// One fault catalogue for every script that calls AWS, at the HTTP level (a proxy before the real DynamoDB
/// Local): a 500, a 503, throttling and a connection reset on the first request of every operation a script
/// sends, and a server clock 10 minutes ahead. Every script retries (or corrects its clock) and succeeds,
/// through the SDK's client and through DynamoDB's JSON protocol alike.
/// </summary>
public sealed class ConformanceTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    public static TheoryData<string> Faults() => ["ServerError", "Unavailable", "Throttle", "Drop", "ClockAhead"];

    static FaultProxy Proxy(string upstream, string fault) => fault == "ClockAhead"
        ? new FaultProxy(upstream) { ClockAhead = TimeSpan.FromMinutes(10) }
        : new FaultProxy(upstream, each: (_, n) => n == 0 ? Enum.Parse<FaultProxy.Fault>(fault) : FaultProxy.Fault.None);

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Every_script_retries_the_fault_and_succeeds(string fault)
    {
        var steps = new (string Script, string[] Args, bool Prod)[]
        {
            ("list-tables", [], false),
            ("schema-load", [], false),
            ("describe-table", [], false),
            ("seed", [], false),
            ("scan", ["--json"], false),
            ("patterns/get-conversation", [], false),
            ("patterns/list-conversations", [], false),
            ("stream", ["--once"], false),
            ("stream", ["--print", "--once"], true),
            ("drop", [Table, "--yes"], false),
        };
        var cache = Directory.CreateTempSubdirectory("cruddur-cache-").FullName; // stream's checkpoint, not in the user's ~/.cache
        foreach (var (script, args, prod) in steps)
        {
            using var proxy = Proxy(Ddb.Endpoint, fault);
            var env = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint, ["XDG_CACHE_HOME"] = cache };
            if (prod) // AWS as the stand-in: the proxy for DynamoDB and its Streams, static keys
                foreach (var (k, v) in new[] { ("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", proxy.Endpoint), ("AWS_REGION", "us-east-1"),
                    ("AWS_ACCESS_KEY_ID", "AKIACONFORMANCE"), ("AWS_SECRET_ACCESS_KEY", "conformance") })
                    env[k] = v;

            var r = RunWith(script, env, prod ? [.. args, "prod"] : args);

            Assert.True(r.ExitCode == 0, $"{script} {string.Join(' ', args)}{(prod ? " prod" : "")} with {fault}:\n{r}");
            Assert.True(proxy.Injected > 0, $"{script}: no {fault} was met");
        }
        Assert.DoesNotContain(Table, (await Ddb.Client.ListTablesAsync()).TableNames); // the last step dropped it, through the faults
        Directory.Delete(cache, recursive: true);
    }
}
