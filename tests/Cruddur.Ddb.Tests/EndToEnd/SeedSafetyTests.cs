using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

using Item = Dictionary<string, AttributeValue>;

/// <summary>
/// seed owns only what it wrote: the app's messages and the group rows the stream moved survive
/// every reseed, and two runs never delete each other's rows, even when a lease cannot be renewed.
/// </summary>
public sealed class SeedSafetyTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    static readonly string Group = Items.GroupUuid(Users.Me, Users.Other);
    static readonly int Lines = File.ReadAllLines(Repo.Path_("bin", "ddb", "conversation.txt")).Count(l => l.StartsWith("Person ", StringComparison.Ordinal));
    readonly string _cache = Directory.CreateTempSubdirectory("cruddur-cache-").FullName;

    protected override Dictionary<string, string?> Env()
    {
        var env = base.Env();
        env["XDG_CACHE_HOME"] = _cache; // the stream's checkpoints, this test's own
        return env;
    }

    /// <summary>What the backend's create_message writes: a MSG# row with a random (version 4) uuid and sk = its time.</summary>
    async Task<Item> PostFromTheApp(User sender, string text, DateTime at)
    {
        var row = Items.MessageRow(sender, Group, Guid.NewGuid().ToString(), text, Items.Iso(at));
        await Ddb.Client.PutItemAsync(Table, row);
        return row;
    }

    async Task<List<Item>> Partition(string pk) => (await Ddb.Client.QueryAsync(new QueryRequest
    {
        TableName = Table, KeyConditionExpression = "pk = :pk", ConsistentRead = true,
        ExpressionAttributeValues = new() { [":pk"] = new() { S = pk } },
    })).Items;

    async Task<Item> Newest() => (await Ddb.Client.QueryAsync(new QueryRequest
    {
        TableName = Table, KeyConditionExpression = "pk = :pk", ConsistentRead = true, ScanIndexForward = false, Limit = 1,
        ExpressionAttributeValues = new() { [":pk"] = new() { S = "MSG#" + Group } },
    })).Items[0];

    /// <summary>Each participant has exactly one row of the group, and it shows the conversation's newest message.</summary>
    async Task AssertGroupRowsShowTheNewestMessage()
    {
        var newest = await Newest();
        foreach (var owner in new[] { Users.Me, Users.Other })
        {
            var row = Assert.Single(await Partition("GRP#" + owner.Uuid));
            Assert.Equal((newest["sk"].S, newest["message"].S), (row["sk"].S, row["message"].S));
        }
    }

    async Task AssertStillThere(Item row) =>
        Assert.Equal(row["message"].S, (await Ddb.Client.GetItemAsync(Table, new() { ["pk"] = row["pk"], ["sk"] = row["sk"] })).Item["message"].S);

    [Fact]
    public async Task The_apps_messages_and_the_group_rows_the_stream_moved_survive_every_reseed()
    {
        Ok("schema-load");
        Ok("seed");
        var reply = await PostFromTheApp(Users.Other, "a reply from the app", DateTime.UtcNow);
        Ok("stream", "--once");
        var moved = await Partition("GRP#" + Users.Me.Uuid);
        Assert.Equal(reply["sk"].S, Assert.Single(moved)["sk"].S); // the stream moved the group rows to the reply
        Assert.DoesNotContain(Items.SeededBy, moved[0].Keys);

        var first = Ok("seed");

        await AssertStillThere(reply);
        Assert.Contains($"{Lines} items of an earlier run replaced, 2 group rows moved to the newest message, 1 row of others left in place", first.Stdout);
        await AssertGroupRowsShowTheNewestMessage();
        Assert.Equal(Lines + 1, (await Partition("MSG#" + Group)).Count);

        // a message of the app's that is newer than anything seed writes (a clock ahead, say): the group rows show it
        var ahead = await PostFromTheApp(Users.Me, "written by a clock ten minutes ahead", DateTime.UtcNow.AddMinutes(10));
        var second = Ok("seed");

        await AssertStillThere(reply);
        await AssertStillThere(ahead);
        Assert.Contains($"{Lines + 2} items of an earlier run replaced, 2 rows of others left in place", second.Stdout);
        await AssertGroupRowsShowTheNewestMessage();
        Assert.Equal("written by a clock ten minutes ahead", (await Partition("GRP#" + Users.Other.Uuid))[0]["message"].S);
        Assert.Equal(Lines + 2 + 2, await Ddb.Count(Table));
    }

    [Fact]
    public async Task Beside_the_bootcamps_messaging_lambda_a_reseed_leaves_one_group_row_per_participant()
    {
        Ok("schema-load");
        Ok("seed");
        using (var lambda = new BootcampLambda(Ddb.Endpoint, Table, windowSeconds: 5))
        {
            // the reseed's records come in two batches of up to 100: the first starts with the lease (the handler
            // skips it), the second with a message, for which the handler's index answer is from before seed moved
            // the group rows and its delete and put from after
            Ok("seed");
            lambda.WaitFor("idle", TimeSpan.FromSeconds(60));
            Assert.Contains(lambda.Lines, l => l.StartsWith("invoked ", StringComparison.Ordinal) && l.Contains(" first MSG#" + Group, StringComparison.Ordinal));
        }
        foreach (var owner in new[] { Users.Me, Users.Other }) // what it left: its row beside seed's
            Assert.Equal(2, (await Partition("GRP#" + owner.Uuid)).Count);

        var r = Ok("seed");

        Assert.Contains("2 stray group rows removed", r.Stdout);
        await AssertGroupRowsShowTheNewestMessage();
    }

    [Fact]
    public async Task A_waiting_seed_only_reads_the_lease_and_says_whose_it_is_and_until_when()
    {
        Ok("schema-load");
        var until = DateTime.UtcNow.AddSeconds(6);
        await Ddb.Client.PutItemAsync(Table, new()
        {
            ["pk"] = new() { S = "LEASE#seed#" + Group }, ["sk"] = new() { S = "lease" }, ["owner"] = new() { S = "killed-run" },
            ["holder"] = new() { S = "seed on host elsewhere, pid 4242, started 05:00:00 UTC" },
            ["expires_ms"] = new() { N = new DateTimeOffset(until).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
        });
        using var proxy = new FaultProxy(Ddb.Endpoint);

        var r = RunWith("seed", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"waiting: seed on host elsewhere, pid 4242, started 05:00:00 UTC holds the lease on this conversation until {until:HH:mm:ss} UTC", r.Stderr);
        var requests = proxy.Requests.ToList();
        var take = requests.FindIndex(q => q.Operation == "PutItem" && q.Body.Contains("LEASE#"));
        Assert.True(take > 0, string.Join(", ", requests.Select(q => q.Operation)));
        Assert.All(requests.Take(take), q => Assert.Contains(q.Operation, new[] { "DescribeTable", "GetItem" }));
        Assert.True(requests.Take(take).Count(q => q.Operation == "GetItem") >= 2, "it read the lease while it was held");
        var taken = Assert.Single(requests, q => q.Operation == "PutItem" && q.Body.Contains("LEASE#")); // at the first try, once it had lapsed
        Assert.Contains("\"ttl\":{\"N\":", taken.Body); // so that DynamoDB removes it if this run is killed
        Assert.Equal(Lines + 2, await Ddb.Count(Table)); // and released
    }

    [Fact]
    public async Task Whether_a_lease_lapsed_is_judged_by_dynamodbs_clock_not_this_hosts()
    {
        Ok("schema-load");
        // a lease another host took, valid for 5 more minutes by this host's clock, which lags DynamoDB's by 10:
        // by DynamoDB's clock it lapsed 5 minutes ago
        await Ddb.Client.PutItemAsync(Table, new()
        {
            ["pk"] = new() { S = "LEASE#seed#" + Group }, ["sk"] = new() { S = "lease" }, ["owner"] = new() { S = "killed-run" },
            ["holder"] = new() { S = "seed on host elsewhere, pid 4242, started 05:00:00 UTC" },
            ["expires_ms"] = new() { N = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
        });
        using var proxy = new FaultProxy(Ddb.Endpoint) { DateAhead = TimeSpan.FromMinutes(10) };

        var r = RunWith("seed", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("waiting:", r.Stderr);
        var taken = Assert.Single(proxy.Requests, q => q.Operation == "PutItem" && q.Body.Contains("LEASE#"));
        var expires = long.Parse(System.Text.Json.JsonDocument.Parse(taken.Body).RootElement.GetProperty("Item").GetProperty("expires_ms").GetProperty("N").GetString()!);
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(expires) - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(11)); // DynamoDB's time
        Assert.Equal(Lines + 2, await Ddb.Count(Table));
    }

    /// <summary>Lines enough that writing them at 40 items/s takes longer than a lease lasts unrenewed (20 s).</summary>
    string LongConversation()
    {
        var file = Path.Combine(Path.GetTempPath(), $"conversation-{Table}.txt");
        File.WriteAllLines(file, Enumerable.Range(0, 1000).Select(i => $"Person {i % 2 + 1}: line {i}"));
        return file;
    }

    [Fact]
    public async Task A_seed_whose_renewals_are_throttled_stops_before_its_lease_lapses_and_the_other_seed_ends_with_one_whole_conversation()
    {
        Ok("schema-load");
        var file = LongConversation();
        using var throttled = new FaultProxy(Ddb.Endpoint, admitItemsPerSecond: 40, throttle: (op, _) => op == "UpdateItem");
        var first = Task.Run(() => RunWith("seed", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = throttled.Endpoint }, "--conversation", file));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Partition("LEASE#seed#" + Group)).Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.NotEmpty(await Partition("LEASE#seed#" + Group)); // the first run holds the lease

        var second = Run("seed", "--conversation", file);
        var lost = await first;

        File.Delete(file);
        AssertFails(lost, 1, "stopped writing: the lease on seed#");
        Assert.Contains("could not be renewed", lost.Stderr);
        Assert.Contains("nothing of another run was deleted", lost.Stderr);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("waiting: seed on host", second.Stderr);
        Assert.Equal(1000, (await Partition("MSG#" + Group)).Count);
        Assert.Equal(1000 + 2, await Ddb.Count(Table));
        await AssertGroupRowsShowTheNewestMessage();
    }

    [Fact]
    public async Task Renewals_throttled_now_and_then_are_retried_and_a_long_seed_finishes()
    {
        Ok("schema-load");
        var file = LongConversation();
        using var throttled = new FaultProxy(Ddb.Endpoint, admitItemsPerSecond: 40, throttle: (op, n) => op == "UpdateItem" && n % 2 == 0);

        var r = RunWith("seed", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = throttled.Endpoint }, "--conversation", file);

        File.Delete(file);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(throttled.Requests.Count(q => q.Operation == "UpdateItem") >= 4, "the lease was renewed through throttling");
        Assert.Equal(1000 + 2, await Ddb.Count(Table));
    }
}
