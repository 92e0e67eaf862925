using System.Text.Json;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// `stream prod --print --once` against a DynamoDB Streams stand-in that behaves as AWS may: every
/// record of every shard is printed, once, in order, through throttling, 5xx answers, empty pages,
/// a shard split, an expired iterator and trimmed records.
/// </summary>
public sealed class StreamsApiTests : IDisposable
{
    readonly string _cache = Directory.CreateTempSubdirectory("cruddur-cache-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    static List<string> Page(params int[] sequences) => sequences.Select(s => s.ToString()).ToList();

    /// <summary>Prod with the stand-in as AWS: static keys, the stand-in for DynamoDB and its Streams, checkpoints of this test's own.</summary>
    Dictionary<string, string?> Env(StreamsStandIn aws) => new()
    {
        ["AWS_REGION"] = "eu-west-2", ["AWS_ACCESS_KEY_ID"] = "AKIASTANDIN", ["AWS_SECRET_ACCESS_KEY"] = "standinsecret",
        ["AWS_ENDPOINT_URL_DYNAMODB"] = aws.Endpoint, ["XDG_CACHE_HOME"] = _cache,
        ["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = aws.Endpoint, // botocore and the SDK take Streams' endpoint from its own variable only
    };

    ProcessResult PrintOnce(StreamsStandIn aws, params (string Name, string? Value)[] extra)
    {
        var env = Env(aws);
        foreach (var (k, v) in extra) env[k] = v;
        return Scripts.Run("stream", ["prod", "--print", "--once", "--json"], env, timeout: TimeSpan.FromMinutes(2));
    }

    /// <summary>
    /// `stream prod --print --json` following the stand-in: once it reads records, <paramref name="meanwhile"/> runs
    /// with the lines printed so far (it appends records and waits for them), then SIGTERM stops it. Returns the
    /// sequence numbers printed, what it said on stderr, and its exit code.
    /// </summary>
    async Task<(List<string> Printed, string Said, int Exit)> Follow(StreamsStandIn aws, Func<List<string>, DateTime, Task> meanwhile)
    {
        var env = Env(aws);
        _ = Scripts.Run("stream", ["--help"], env); // built before the process below starts
        var psi = Scripts.Command(Scripts.PathOf("stream"), ["prod", "--print", "--json"], env);
        (psi.RedirectStandardOutput, psi.RedirectStandardError) = (true, true);
        using var stream = System.Diagnostics.Process.Start(psi)!;
        var stderr = stream.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        var reading = Task.Run(async () => { while (await stream.StandardOutput.ReadLineAsync() is { } l) lock (lines) lines.Add(l); });
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!aws.Requests.Any(q => q.Operation == "GetRecords") && DateTime.UtcNow < deadline) await Task.Delay(100);
        await meanwhile(lines, deadline);
        System.Diagnostics.Process.Start("kill", ["-TERM", stream.Id.ToString()])!.WaitForExit();
        Assert.True(stream.WaitForExit(15_000), "stream did not stop after SIGTERM");
        await reading;
        return (lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("sequence_number").GetString()!).ToList(), await stderr, stream.ExitCode);
    }

    static List<string> Sequences(ProcessResult r) =>
        r.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("sequence_number").GetString()!).ToList();

    static void AssertPrinted(ProcessResult r, params int[] sequences)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(sequences.Select(s => s.ToString()), Sequences(r));
        Assert.Contains($"{sequences.Length} change{(sequences.Length == 1 ? "" : "s")} read", r.Stderr);
    }

    [Fact]
    public void Throttling_and_5xx_answers_are_retried_and_every_record_is_printed()
    {
        using var aws = new StreamsStandIn([new("shard-1", null, Closed: true, [Page(1, 2), Page(3)])], (op, n) => (op, n) switch
        {
            ("DescribeStream", 0) => (400, "LimitExceededException"),
            ("GetRecords", 0) => (500, "InternalServerError"),
            ("GetRecords", 1) => (400, "ThrottlingException"),
            ("GetRecords", 3) => (503, "ServiceUnavailable"),
            _ => null,
        });

        AssertPrinted(PrintOnce(aws), 1, 2, 3);
    }

    [Fact]
    public void Empty_pages_before_records_are_read_through_in_closed_and_open_shards()
    {
        using var aws = new StreamsStandIn(
        [
            new("closed", null, Closed: true, [Page(), Page(), Page(1, 2, 3)]),
            new("open", null, Closed: false, [Page(), Page(), Page(4, 5, 6)]),
        ]);

        AssertPrinted(PrintOnce(aws), 1, 2, 3, 4, 5, 6);
        Assert.True(aws.Requests.Count(q => q.Operation == "GetRecords") <= 3 + 3 + 5, "a bounded number of empty pages");
    }

    [Fact]
    public void A_split_shard_is_read_parent_first_then_its_children()
    {
        using var aws = new StreamsStandIn(
        [
            new("child-a", "parent", Closed: false, [Page(5)]),
            new("child-b", "parent", Closed: true, [Page(6, 7)]),
            new("parent", null, Closed: true, [Page(1, 2), Page(3, 4)]),
        ]);

        var r = PrintOnce(aws);

        Assert.True(r.ExitCode == 0, r.ToString());
        var printed = Sequences(r);
        Assert.Equal(["1", "2", "3", "4"], printed.Take(4));
        Assert.Equal(["5", "6", "7"], printed.Skip(4).Order());
    }

    [Fact]
    public async Task A_print_follower_whose_iterator_expires_before_any_record_reads_again_from_the_oldest_not_the_newest()
    {
        var expire = 0; // 1: answer the next GetRecords with ExpiredIteratorException
        using var aws = new StreamsStandIn([new("shard-1", null, Closed: false, [Page(0)])],
            (op, _) => op == "GetRecords" && Interlocked.CompareExchange(ref expire, 0, 1) == 1 ? (400, "ExpiredIteratorException") : null);
        var (printed, said, _) = await Follow(aws, async (lines, deadline) =>
        {
            // written while it waits (prod polls a shard once a second), and its iterator expires before it reads them
            aws.Append("shard-1", Page(1, 2));
            Interlocked.Exchange(ref expire, 1);
            while (!(lines.Count >= 2 && lines.Any(l => l.Contains("\"2\""))) && DateTime.UtcNow < deadline) await Task.Delay(100);
        });

        Assert.True(printed.Contains("1") && printed.Contains("2"), $"printed {string.Join(", ", printed)}\n{said}");
        Assert.Equal(["LATEST", "TRIM_HORIZON"], aws.IteratorTypes.Take(2));
        Assert.Contains("[gap] shard shard-1: its iterator expired; reading again from the start, so nothing is missed", said);
    }

    [Fact]
    public void An_expired_iterator_is_made_again_after_the_last_record_read_and_said()
    {
        using var aws = new StreamsStandIn([new("shard-1", null, Closed: true, [Page(1, 2), Page(3, 4), Page(5)])],
            (op, n) => op == "GetRecords" && n == 1 ? (400, "ExpiredIteratorException") : null);

        var r = PrintOnce(aws);

        AssertPrinted(r, 1, 2, 3, 4, 5);
        Assert.Contains("[gap] shard shard-1: its iterator expired; reading again after 2, so nothing is missed", r.Stderr);
    }

    [Fact]
    public void Trimmed_records_are_said_and_reading_goes_on_from_the_oldest_left()
    {
        using var aws = new StreamsStandIn([new("shard-1", null, Closed: true, [Page(1, 2), Page(3, 4), Page(5)], TrimmedBefore: 1)],
            (op, n) => op == "GetRecords" && n == 0 ? (400, "TrimmedDataAccessException") : null);

        var r = PrintOnce(aws);

        AssertPrinted(r, 3, 4, 5);
        Assert.Contains("[gap] shard shard-1: records were trimmed from the stream (older than 24 hours) before they were read", r.Stderr);
    }

    [Fact]
    public void The_streams_endpoint_comes_from_its_own_variable_and_its_path_is_used()
    {
        using var aws = new StreamsStandIn([new("shard-1", null, Closed: true, [Page(1)])]);

        var r = PrintOnce(aws, ("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", aws.Endpoint + "/streams/"));

        AssertPrinted(r, 1);
        Assert.Contains($"reading the stream of cruddur-messages at {aws.Endpoint}/streams/", r.Stderr);
        Assert.All(aws.Requests.Where(q => q.Operation != "DescribeTable"), q => Assert.Equal("/streams/", q.Path));
        Assert.All(aws.Requests.Where(q => q.Operation == "DescribeTable"), q => Assert.Equal("/", q.Path));
    }

    [Fact]
    public void Throttling_that_outlasts_the_retries_of_a_once_run_is_one_clear_line()
    {
        using var aws = new StreamsStandIn([new("shard-1", null, Closed: true, [Page(1)])],
            (op, _) => op == "GetRecords" ? (400, "LimitExceededException") : null);

        var r = PrintOnce(aws);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("LimitExceededException", r.Stderr);
        Assert.Single(r.StderrLines, l => l.Contains("LimitExceededException"));
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Equal(StreamsApi.Tries, aws.Requests.Count(q => q.Operation == "GetRecords"));
    }

    [Fact]
    public async Task While_following_throttling_beyond_the_retries_is_said_once_and_reading_goes_on()
    {
        using var aws = new StreamsStandIn([new("shard-1", null, Closed: false, [Page(0)])],
            (op, n) => op == "GetRecords" && n < StreamsApi.Tries + 2 ? (400, "LimitExceededException") : null);
        var (printed, stderr, exit) = await Follow(aws, async (lines, deadline) =>
        {
            aws.Append("shard-1", Page(1, 2)); // written after it started following (it starts at the newest record)
            while (lines.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(100);
        });

        var said = stderr.Split('\n');
        Assert.True(printed.Count == 2, string.Join('\n', said) + string.Join(", ", aws.Requests));
        Assert.Equal(["1", "2"], printed);
        Assert.Single(said, l => l.Contains("LimitExceededException") && l.Contains("trying again with backoff"));
        Assert.Contains(said, l => l.Contains("answers again"));
        Assert.Equal(143, exit);
    }
}
