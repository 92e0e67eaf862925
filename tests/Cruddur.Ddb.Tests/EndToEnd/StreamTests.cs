using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// bin/ddb/stream against DynamoDB Local's real stream: a message written the way the app writes it
/// becomes the last message of both group rows; bursts, replays, restarts, a table created again,
/// an endpoint that goes away, Ctrl-C.
/// </summary>
public sealed class StreamTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    readonly string _cache = Directory.CreateTempSubdirectory("cruddur-cache-").FullName;
    static readonly string Group = Items.GroupUuid(Users.Me, Users.Other);

    protected override Dictionary<string, string?> Env()
    {
        var env = base.Env();
        env["XDG_CACHE_HOME"] = _cache;
        return env;
    }

    /// <summary>What the app's create_message writes: a MSG# row with sk = now in ISO 8601.</summary>
    async Task<string> Post(string text, DateTime? at = null)
    {
        var sk = Items.Iso(at ?? DateTime.UtcNow);
        await Ddb.Client.PutItemAsync(Table, Items.MessageRow(Users.Me, Group, Guid.NewGuid().ToString(), text, sk));
        return sk;
    }

    async Task<List<Dictionary<string, AttributeValue>>> GroupRows() =>
        (await Ddb.Client.QueryAsync(new QueryRequest
        {
            TableName = Table, IndexName = "message-group-sk-index", KeyConditionExpression = "message_group_uuid = :g",
            ExpressionAttributeValues = new() { [":g"] = new() { S = Group } },
        })).Items;

    /// <summary>Waits for the follower's first checkpoint, saved after its first pass over the stream.</summary>
    async Task FirstPassDone()
    {
        var dir = Path.Combine(_cache, "cruddur-ddb");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(Directory.Exists(dir) && Directory.GetFiles(dir, "stream-*.json").Length > 0) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(Directory.Exists(dir) && Directory.GetFiles(dir, "stream-*.json").Length > 0, "the follower saved no checkpoint in 60 s");
    }

    async Task AssertBothGroupRowsEndWith(string sk, string text)
    {
        var rows = await GroupRows();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal((sk, text), (r["sk"].S, r["message"].S)));
    }

    [Fact]
    public async Task Following_moves_both_group_rows_to_a_new_message_and_ctrl_c_says_how_many()
    {
        Ok("schema-load");
        Ok("seed");
        using var stream = Start("stream", [], ownProcessGroup: true);
        var stderr = stream.StandardError.ReadToEndAsync();
        var stdout = new Watched(stream.StandardOutput);
        await FirstPassDone(); // following now: it has read what seed wrote

        var sk = await Post("posted from the app");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await GroupRows()).Any(r => r["sk"].S != sk) && DateTime.UtcNow < deadline) await Task.Delay(100);
        var watch = Stopwatch.StartNew();
        Process.Start("kill", ["-INT", "--", $"-{stream.Id}"])!.WaitForExit();
        Assert.True(stream.WaitForExit(10_000), "stream did not stop after Ctrl-C");

        await AssertBothGroupRowsEndWith(sk, "posted from the app");
        Assert.Equal(130, stream.ExitCode);
        Assert.Matches(@"stream: stopped: \d+ changes read, 2 group rows moved", await stderr);
        Assert.Contains($"conversation {Group} now ends at {sk}: posted from the app", await stdout.All());
        Assert.DoesNotContain("Exception", await stderr);
    }

    [Fact]
    public async Task A_burst_out_of_order_leaves_the_newest_and_a_replay_from_the_start_changes_nothing()
    {
        Ok("schema-load");
        Ok("seed");
        var now = DateTime.UtcNow;
        var times = Enumerable.Range(1, 30).Select(i => now.AddSeconds(i)).OrderBy(_ => Random.Shared.Next()).ToList();
        foreach (var t in times) await Post($"burst {t:ss}", t);

        var first = Ok("stream", "--once");
        await AssertBothGroupRowsEndWith(Items.Iso(now.AddSeconds(30)), $"burst {now.AddSeconds(30):ss}");
        Assert.Contains("2 group rows moved", first.Stderr);

        Directory.Delete(_cache, recursive: true); // no checkpoint: every change of the stream again
        var replay = Ok("stream", "--once");
        Assert.Contains("0 group rows moved", replay.Stderr);
        await AssertBothGroupRowsEndWith(Items.Iso(now.AddSeconds(30)), $"burst {now.AddSeconds(30):ss}");
    }

    [Fact]
    public async Task Once_after_a_stop_catches_up_and_a_checkpoint_means_nothing_is_read_twice()
    {
        Ok("schema-load");
        Ok("seed");
        Ok("stream", "--once");
        var sk = await Post("while nothing followed");

        var caughtUp = Ok("stream", "--once");
        var again = Ok("stream", "--once");

        Assert.Matches(@"\d+ changes read, 2 group rows moved", caughtUp.Stderr);
        Assert.Contains("0 changes read, 0 group rows moved", again.Stderr);
        await AssertBothGroupRowsEndWith(sk, "while nothing followed");
    }

    [Fact]
    public async Task A_table_created_again_is_read_from_its_new_streams_start()
    {
        Ok("schema-load");
        Ok("seed");
        Ok("stream", "--once");
        Ok("drop", Table);
        Ok("schema-load");
        Ok("seed");
        var sk = await Post("after the table came back");

        var r = Ok("stream", "--once");

        Assert.Contains($"[fresh] the saved checkpoint is for an older stream of {Table}", r.Stderr);
        await AssertBothGroupRowsEndWith(sk, "after the table came back");
    }

    [Fact]
    public async Task An_endpoint_that_goes_away_is_said_once_and_followed_again_when_back()
    {
        Ok("schema-load");
        Ok("seed");
        using var proxy = new FaultProxy(Ddb.Endpoint);
        var env = Env();
        env["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint;
        var psi = Scripts.Command(Scripts.PathOf("stream"), [], env);
        psi.RedirectStandardError = true;
        psi.RedirectStandardOutput = true;
        using var stream = Process.Start(psi)!;
        var stderr = new Watched(stream.StandardError);
        Assert.True(await stderr.WaitFor("following the stream of", TimeSpan.FromSeconds(60)));
        await FirstPassDone();

        proxy.Pause();
        // Said as unreachable, or, for a request in flight when the proxy stopped (HttpListener answers it with an
        // empty 200), as an answer that is not DynamoDB's: either way once, and then followed again.
        Assert.True(await stderr.WaitFor("again with backoff", TimeSpan.FromSeconds(60)), "the outage was not said:\n" + stderr.SoFar);
        proxy.Resume();
        var sk = await Post("after the outage");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await GroupRows()).Any(r => r["sk"].S != sk) && DateTime.UtcNow < deadline) await Task.Delay(200);
        Process.Start("kill", ["-TERM", stream.Id.ToString()])!.WaitForExit();
        Assert.True(stream.WaitForExit(10_000));

        var said = await stderr.All();
        Assert.Single(said.Split('\n'), l => l.StartsWith(proxy.Endpoint, StringComparison.Ordinal) && l.EndsWith("again with backoff", StringComparison.Ordinal));
        Assert.True(said.Contains($"{proxy.Endpoint} answers again"), said);
        await AssertBothGroupRowsEndWith(sk, "after the outage");
        Assert.Equal(143, stream.ExitCode);
    }

    [Fact]
    public async Task A_stray_second_group_row_is_removed_and_the_newest_message_still_reaches_the_group_rows()
    {
        Ok("schema-load");
        Ok("seed");
        Ok("stream", "--once");
        // a second row of the same participant and group, as a seed racing the follower (or the app) can leave
        var stray = Items.GroupRow(Users.Me, Users.Other, Group, "a stray row", Items.Iso(DateTime.UtcNow.AddMinutes(-30)));
        await Ddb.Client.PutItemAsync(Table, stray);

        var first = await Post("first after the stray");
        var once = Ok("stream", "--once");
        await AssertBothGroupRowsEndWith(first, "first after the stray");
        Assert.Contains($"[stray] GRP#{Users.Me.Uuid}: removed a second row of conversation {Group}", once.Stdout);

        var second = await Post("second after the stray");
        Ok("stream", "--once");
        await AssertBothGroupRowsEndWith(second, "second after the stray");
    }

    [Fact]
    public void Print_shows_every_change_as_strict_json_lines_and_writes_nothing()
    {
        Ok("schema-load");
        Ok("seed");

        var r = Ok("stream", "--print", "--once", "--json");

        var changes = r.StdoutLines.Select(l => JsonDocument.Parse(l, new JsonDocumentOptions { AllowDuplicateProperties = false }).RootElement).ToList();
        Assert.Equal(File.ReadLines(Repo.Path_("bin", "ddb", "conversation.txt")).Count(l => l.StartsWith("Person ")) + 2,
            changes.Count(c => c.GetProperty("event").GetString() == "INSERT" && c.GetProperty("new_image").GetProperty("pk").GetString()![..4] is "MSG#" or "GRP#"));
        Assert.All(changes, c => Assert.Equal(JsonValueKind.String, c.GetProperty("keys").GetProperty("pk").ValueKind));
        Assert.False(Directory.Exists(Path.Combine(_cache, "cruddur-ddb")), "--print keeps no checkpoint");
    }

    [Fact]
    public void Prod_is_refused_unless_only_printing_and_json_needs_print()
    {
        var aws = new Dictionary<string, string?> { ["AWS_REGION"] = "us-east-1", ["AWS_ACCESS_KEY_ID"] = "AKIAX", ["AWS_SECRET_ACCESS_KEY"] = "x" };
        AssertFails(RunWith("stream", aws, "prod"), 2, "stream writes only to DynamoDB Local");
        AssertFails(Run("stream", "--json"), 2, "--json goes with --print");
    }

    [Fact]
    public async Task A_table_without_a_stream_says_how_to_turn_it_on()
    {
        await Ddb.CreateOtherTable(Table, "pk");

        AssertFails(Run("stream", "--once"), 1, $"table {Table} has no stream turned on: ./bin/ddb/schema-load shows the command that turns it on");
    }
}
