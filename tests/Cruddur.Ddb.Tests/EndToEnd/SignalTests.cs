using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// Stopping a script from outside: SIGTERM to the launcher (what `timeout` and process managers
/// send), kill -9 of the launcher (the program runs as its child), a reader that goes away
/// (`| head`), an endpoint that accepts connections but never answers, and one that is not DynamoDB.
/// </summary>
public sealed class SignalTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    /// <summary>Waits until the table holds <paramref name="atLeast"/> items: the seed has begun writing.</summary>
    async Task WaitForItems(int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Ddb.Count(Table) < atLeast && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(await Ddb.Count(Table) >= atLeast, $"the seed had not written {atLeast} items after 60 s");
    }

    [Fact]
    public async Task Sigterm_to_the_launcher_stops_a_seed_saying_how_far_it_got_with_exit_143()
    {
        Ok("schema-load");
        using var seed = Start("seed", ["--groups", "40", "--messages", "2000"]);
        var stderr = seed.StandardError.ReadToEndAsync();
        await WaitForItems(500);

        Process.Start("kill", ["-TERM", seed.Id.ToString()])!.WaitForExit();

        Assert.True(seed.WaitForExit(30_000), "seed did not stop after SIGTERM");
        Assert.Equal(143, seed.ExitCode);
        Assert.Matches(@"seed: interrupted: \d+ of \d+ items written; run seed again to finish", await stderr);
    }

    [Fact]
    public async Task Kill_9_of_the_launcher_stops_the_writes_within_a_second()
    {
        Ok("schema-load");
        using var seed = Start("seed", ["--groups", "40", "--messages", "2000"]);
        await WaitForItems(500);
        var program = Assert.Single(Watched.Children(seed.Id)); // `dotnet FILE` runs the program as the launcher's child

        Process.Start("kill", ["-KILL", seed.Id.ToString()])!.WaitForExit();
        var clock = Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{program}") && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.False(Directory.Exists($"/proc/{program}"), "the orphaned program went on after its launcher was killed");
        var after = await Ddb.Count(Table);
        await Task.Delay(2000); // a window in which nothing may happen: no event marks that nothing more is written

        Assert.Equal(after, await Ddb.Count(Table));
    }

    [Fact]
    public async Task Scan_into_head_stops_reading_when_head_has_its_line()
    {
        Ok("schema-load");
        Ok("seed", "--groups", "10", "--messages", "2000"); // 20,000 items: about 6 pages of 1 MB
        using var proxy = new FaultProxy(Ddb.Endpoint);
        var env = Env();
        env["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint;

        var r = Repo.Exec(Scripts.Command("bash", ["-c", $"'{Scripts.PathOf("scan")}' --json --segments 1 | head -1"], env));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Single(r.StdoutLines);
        var pages = proxy.Requests.Count(q => q.Operation == "Scan");
        Assert.True(pages <= 3, $"{pages} pages read for one line");
        Assert.True(await Ddb.Count(Table) > 20_000);
    }

    [Fact]
    public void Redirected_output_is_whole_two_scans_into_one_file_and_lines_echoed_around_a_scan()
    {
        Ok("schema-load");
        Ok("seed");
        var file = Path.Combine(Path.GetTempPath(), $"scans-{Table}.txt");
        var scan = $"'{Scripts.PathOf("scan")}' --json";

        var r = Repo.Exec(Scripts.Command("bash", ["-c", $"{{ echo HEADER; {scan}; {scan}; echo FOOTER; }} > '{file}'"], Env()));

        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = File.ReadAllLines(file);
        File.Delete(file);
        Assert.Equal("HEADER", lines[0]);
        Assert.Equal("FOOTER", lines[^1]);
        var items = lines[1..^1];
        Assert.Equal(2 * 110, items.Length);
        Assert.All(items, l => System.Text.Json.JsonDocument.Parse(l).Dispose());
    }

    [Fact]
    public async Task A_dynamodb_connection_that_breaks_mid_seed_is_a_failure_with_its_message()
    {
        Ok("schema-load");
        using var proxy = new FaultProxy(Ddb.Endpoint, plan: n => n >= 3 ? FaultProxy.Fault.Drop : FaultProxy.Fault.None);
        var big = Path.Combine(Path.GetTempPath(), $"conversation-{Table}.txt");
        File.WriteAllLines(big, Enumerable.Range(0, 2000).Select(i => $"Person {i % 2 + 1}: line {i}"));

        var r = RunWith("seed", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint }, "--conversation", big, "--concurrency", "1");

        File.Delete(big);
        AssertFails(r, 1, "items were written: running seed again completes it");
        Assert.InRange(await Ddb.Count(Table), 3 * 25, 3 * 25 + 1); // the three batches before the break (and a lease item)
    }

    [Fact]
    public async Task A_slow_answer_after_the_first_gets_the_whole_request_timeout()
    {
        Ok("schema-load");
        // the first two batches wait 8 s each, beyond the 4 s a first answer gets (and its retry): DynamoDB Local answered the reads before them, so it is only busy
        using var proxy = new FaultProxy(Ddb.Endpoint, plan: n => n <= 1 ? FaultProxy.Fault.Slow : FaultProxy.Fault.None);

        var r = RunWith("seed", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint }, "--concurrency", "1");

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(await Ddb.Count(Table) > 0);
    }

    [Theory]
    [InlineData("list-tables")]    // DynamoDB's JSON protocol (JsonApi)
    [InlineData("describe-table")] // the SDK's client
    public void An_endpoint_that_never_answers_fails_within_the_stated_time(string script)
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(100); // accepts connections (the kernel's backlog) and never answers
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";

        var watch = Stopwatch.StartNew();
        var r = RunWith(script, new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint });

        AssertFails(r, 1, $"{endpoint} accepted the connection but did not answer within 4 s (2 tries)");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(40), $"took {watch.Elapsed}"); // 2 tries of 4 s (not 20 s), and a start-up that is slow while every test runs
    }

    [Theory]
    [InlineData(501)]
    [InlineData(200)]
    public void A_server_that_is_not_dynamodb_is_named_as_such(int status)
    {
        using var other = new OtherServer(status);

        var r = RunWith("list-tables", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = other.Endpoint });

        AssertFails(r, 1, $"{other.Endpoint} is not DynamoDB (it answered HTTP {status} without a DynamoDB request id): is another program using the port?");
    }
}
