using System.Diagnostics;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

using Item = Dictionary<string, AttributeValue>;

/// <summary>seed and setup, with and without the app's Postgres, checked with the app's own queries.</summary>
public sealed class SeedTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    static readonly string Year = DateTime.UtcNow.Year.ToString();
    static readonly string[] Lines = File.ReadAllLines(Repo.Path_("bin", "ddb", "conversation.txt"))
        .Where(l => l.StartsWith("Person ", StringComparison.Ordinal)).ToArray();

    async Task<List<Item>> Query(string pk, int? limit = null, bool newestFirst = true)
    {
        var items = new List<Item>();
        var q = new QueryRequest
        {
            TableName = Table, KeyConditionExpression = "pk = :pk AND begins_with(sk, :year)", ScanIndexForward = !newestFirst, Limit = limit,
            ExpressionAttributeValues = new() { [":pk"] = new() { S = pk }, [":year"] = new() { S = Year } },
        };
        do
        {
            var page = await Ddb.Client.QueryAsync(q);
            items.AddRange(page.Items ?? []);
            q.ExclusiveStartKey = limit is null && page.LastEvaluatedKey is { Count: > 0 } k ? k : null;
        } while (q.ExclusiveStartKey is not null);
        return items;
    }

    async Task<List<Item>> GroupRowsByIndex(string group) => (await Ddb.Client.QueryAsync(new QueryRequest
    {
        TableName = Table, IndexName = "message-group-sk-index", KeyConditionExpression = "message_group_uuid = :g",
        ExpressionAttributeValues = new() { [":g"] = new() { S = group } },
    })).Items ?? [];

    /// <summary>What the app's backend and messaging Lambda read must be there, exactly once.</summary>
    async Task AssertConversation(User me, User other, int messages)
    {
        var group = Items.GroupUuid(me, other);

        var inbox = Assert.Single(await Query("GRP#" + me.Uuid));          // list_message_groups(me)
        Assert.Equal(group, inbox["message_group_uuid"].S);
        Assert.Equal((other.Uuid, other.Handle, other.DisplayName), (inbox["user_uuid"].S, inbox["user_handle"].S, inbox["user_display_name"].S));
        Assert.Equal(Lines[^1]["Person 2:".Length..].Trim(), inbox["message"].S);
        var theirs = Assert.Single(await Query("GRP#" + other.Uuid));
        Assert.Equal((group, me.Handle), (theirs["message_group_uuid"].S, theirs["user_handle"].S));

        var last20 = await Query("MSG#" + group, limit: 20);                   // list_messages(group)
        Assert.Equal(20, last20.Count);
        Assert.All(last20, m => Assert.False(m.ContainsKey("message_group_uuid")));
        Assert.All(last20, m => Assert.True(Guid.TryParse(m["message_uuid"].S, out _)));
        Assert.Equal(inbox["sk"].S, last20[0]["sk"].S);
        var newest = DateTime.Parse(last20[0]["sk"].S, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.InRange(DateTime.UtcNow - newest, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.EndsWith("+00:00", last20[0]["sk"].S);
        var previous = DateTime.Parse(last20[1]["sk"].S, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        var rule = Items.MessageTimes(messages, newest); // the code's own spacing: a minute, less in the first hours of a year
        Assert.Equal(rule[^1] - rule[^2], newest - previous);

        Assert.Equal(messages, (await Query("MSG#" + group)).Count);
        var byIndex = await GroupRowsByIndex(group);                           // the messaging Lambda's lookup
        Assert.Equal(new[] { "GRP#" + me.Uuid, "GRP#" + other.Uuid }.Order(StringComparer.Ordinal),
            byIndex.Select(i => i["pk"].S).Order(StringComparer.Ordinal));
    }

    /// <summary>The table holds the built-in users' sample conversation and nothing else.</summary>
    async Task AssertOnlyTheSampleConversation()
    {
        Assert.Equal(Lines.Length + 2, await Ddb.Count(Table));
        await AssertConversation(Users.Me, Users.Other, Lines.Length);
    }

    [Fact]
    public async Task Seed_without_postgres_writes_the_conversation_the_app_reads()
    {
        Ok("schema-load");

        var r = Ok("seed");

        Assert.Contains("users: no CONNECTION_URL, using andrewbrown", r.Stderr);
        Assert.Contains($"{Lines.Length} messages, 2 message group rows", r.Stdout);
        await AssertOnlyTheSampleConversation();
    }

    [Fact]
    public async Task Seed_twice_leaves_one_conversation()
    {
        Ok("schema-load");
        Ok("seed");

        var again = Ok("seed");

        Assert.Contains($"{Lines.Length + 2} items of an earlier run replaced", again.Stdout);
        await AssertOnlyTheSampleConversation();
    }

    [Fact]
    public async Task Seed_after_a_killed_run_leaves_exactly_one_conversation()
    {
        Ok("schema-load");
        var big = Path.Combine(Path.GetTempPath(), $"conversation-{Table}.txt");
        const int n = 20000;
        File.WriteAllLines(big, Enumerable.Range(0, n).Select(i => $"Person {i % 2 + 1}: line {i}"));
        var group = Items.GroupUuid(Users.Me, Users.Other);
        using (var killed = Start("seed", ["--conversation", big]))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await Ddb.Client.QueryAsync(new QueryRequest
                   {
                       TableName = Table, KeyConditionExpression = "pk = :pk", Select = Amazon.DynamoDBv2.Select.COUNT,
                       ExpressionAttributeValues = new() { [":pk"] = new() { S = "MSG#" + group } },
                   })).Count < 50 && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            killed.Kill(entireProcessTree: true);
            await killed.WaitForExitAsync();
        }
        var partial = await Ddb.Count(Table);
        Assert.InRange(partial, 50, n + 1); // it really died half-way

        var r = Run("seed", "--conversation", big);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(n + 2, await Ddb.Count(Table));
        Assert.Equal(n, (await Query("MSG#" + group)).Count);
        Assert.Single(await Query("GRP#" + Users.Me.Uuid));
        File.Delete(big);
    }

    [Fact]
    public async Task Seed_looks_the_users_up_in_the_apps_postgres()
    {
        Ok("schema-load");
        var me = new User(Guid.NewGuid().ToString(), "Andrew Brown", "andrewbrown");
        var other = new User(Guid.NewGuid().ToString(), "Andrew Bayko", "bayko");
        var url = Postgres.Shared.Database(me, other);

        var r = RunWith("seed", new Dictionary<string, string?> { ["CONNECTION_URL"] = url });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"users: from Postgres 127.0.0.1:{Postgres.Shared.Port}/", r.Stderr);
        await AssertConversation(me, other, Lines.Length);
        Assert.Empty(await Query("GRP#" + Users.Me.Uuid));
    }

    [Fact]
    public async Task Seed_with_other_handles_from_postgres()
    {
        Ok("schema-load");
        var me = new User(Guid.NewGuid().ToString(), "Alice Example", "alice");
        var other = new User(Guid.NewGuid().ToString(), "Bob Example", "bob");
        var url = Postgres.Shared.Database(me, other);

        var r = RunWith("seed", new Dictionary<string, string?> { ["CONNECTION_URL"] = url }, "--my-handle", "alice", "--other-handle", "bob");

        Assert.True(r.ExitCode == 0, r.ToString());
        await AssertConversation(me, other, Lines.Length);
    }

    [Fact]
    public async Task A_handle_missing_from_postgres_is_one_clear_error_and_nothing_is_written()
    {
        Ok("schema-load");
        var url = Postgres.Shared.Database(Users.Me);

        AssertFails(RunWith("seed", new Dictionary<string, string?> { ["CONNECTION_URL"] = url }), 2, "no user with handle 'bayko' in Postgres");
        Assert.Equal(0, await Ddb.Count(Table));
    }

    [Fact]
    public async Task Postgres_set_but_unreachable_is_one_clear_error_and_nothing_is_written()
    {
        Ok("schema-load");
        var url = $"postgresql://postgres:s3cretpw@127.0.0.1:{Repo.FreePort()}/cruddur";

        var r = RunWith("seed", new Dictionary<string, string?> { ["CONNECTION_URL"] = url });

        AssertFails(r, 1, "cannot query Postgres 127.0.0.1:");
        Assert.DoesNotContain("s3cretpw", r.Stderr);
        Assert.Equal(0, await Ddb.Count(Table));
    }

    [Fact]
    public async Task Postgres_without_a_users_table_says_to_load_the_apps_schema()
    {
        Ok("schema-load");
        var url = Postgres.Shared.Database() + "?sslmode=disable";
        using (var conn = new Npgsql.NpgsqlConnection(Users.ConnectionString(url).ConnectionString))
        {
            conn.Open();
            new Npgsql.NpgsqlCommand("DROP TABLE public.users", conn).ExecuteNonQuery();
        }

        AssertFails(RunWith("seed", new Dictionary<string, string?> { ["CONNECTION_URL"] = url }), 1, "has no users table");
        Assert.Equal(0, await Ddb.Count(Table));
    }

    [Fact]
    public async Task Explicit_uuids_are_used_without_postgres_and_a_bad_uuid_is_a_usage_error()
    {
        Ok("schema-load");
        var (a, b) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());

        Ok("seed", "--my-uuid", a, "--other-uuid", b);

        Assert.Single(await Query("GRP#" + a));
        Assert.Single(await Query("GRP#" + b));
        AssertFails(Run("seed", "--my-uuid", "not-a-uuid"), 2, "'not-a-uuid' is not a uuid");
        AssertFails(Run("seed", "--my-handle", "carol"), 2, "no CONNECTION_URL to look up 'carol'");
    }

    [Fact]
    public async Task A_missing_or_malformed_conversation_file_is_one_clear_error_and_nothing_is_written()
    {
        Ok("schema-load");
        var bad = Path.Combine(Path.GetTempPath(), $"bad-{Table}.txt");
        File.WriteAllLines(bad, ["Person 1: hello", "# a comment", "Person 3: who am I"]);

        AssertFails(Run("seed", "--conversation", "/nonexistent/conversation.txt"), 1, "cannot read the conversation file /nonexistent/conversation.txt");
        AssertFails(Run("seed", "--conversation", Path.GetTempPath()), 2, $"{Path.GetTempPath()} is a folder, not a conversation file");
        AssertFails(Run("seed", "--conversation", bad), 1, $"{bad}:3: expected 'Person 1: <message>' or 'Person 2: <message>'");
        File.WriteAllBytes(bad, [.. "Person 1: plain\nPerson 2: caf"u8, 0xE9, .. " cr"u8, 0xE8, .. "me\n"u8]); // Latin-1, as another editor saves it
        AssertFails(Run("seed", "--conversation", bad), 2, $"{bad}:2:14: not UTF-8 (byte 0xE9): save the file as UTF-8; nothing written");
        File.WriteAllLines(bad, ["# nothing here"]);
        AssertFails(Run("seed", "--conversation", bad), 1, "no messages");
        Assert.Equal(0, await Ddb.Count(Table));
        File.Delete(bad);
    }

    [Fact]
    public async Task A_message_too_large_once_seeds_mark_is_added_is_refused_naming_its_line_and_nothing_is_written()
    {
        Ok("schema-load");
        // the largest row of this conversation exactly 400 KB without the seeded_by mark: one byte more with it
        var group = Items.GroupUuid(Users.Me, Users.Other);
        int Largest(string text) => Items.Conversation(Users.Me, Users.Other, group, [new(1, "hello", 1), new(2, text, 2)],
            Items.MessageTimes(2, DateTime.UtcNow)).Max(Items.Size);
        var text = new string('x', 1000);
        text = new string('x', Items.MaxItemBytes - (Largest(text) - text.Length));
        Assert.Equal(Items.MaxItemBytes, Largest(text));
        var file = Path.Combine(Path.GetTempPath(), $"large-{Table}.txt");
        File.WriteAllLines(file, ["Person 1: hello", "Person 2: " + text]);

        AssertFails(Run("seed", "--conversation", file), 1, $"{file}:2: this message makes an item of");
        Assert.Equal(0, await Ddb.Count(Table));
        File.Delete(file);
    }

    [Fact]
    public void Seed_into_a_missing_table_says_to_run_schema_load()
    {
        AssertFails(Run("seed"), 1, $"table '{Table}' does not exist at {Ddb.Endpoint}: create it with ./bin/ddb/schema-load");
    }

    [Fact]
    public async Task Seed_refuses_a_table_of_another_shape()
    {
        await Ddb.CreateOtherTable(Table, "id");

        AssertFails(Run("seed"), 1, "is not shaped like cruddur-messages");
        Assert.Equal(0, await Ddb.Count(Table));
    }

    [Fact]
    public void Groups_without_messages_is_a_usage_error()
    {
        Ok("schema-load");
        AssertFails(Run("seed", "--groups", "3"), 2, "--groups and --messages go together");
    }

    [Fact]
    public async Task Synthetic_conversations_are_deterministic_and_paginate()
    {
        Ok("schema-load");
        Ok("seed", "--groups", "30", "--messages", "40");
        var first = await Ddb.Keys(Table);

        var r = Ok("seed", "--groups", "30", "--messages", "40");

        Assert.Contains("seeded 30 synthetic conversations of 40 messages (1260 items)", r.Stdout);
        var second = await Ddb.Keys(Table);
        Assert.Equal(Lines.Length + 2 + 30 * 42, second.Count);
        Assert.Equal(first.Where(k => !k.StartsWith("MSG#" + Items.GroupUuid(Users.Me, Users.Other)) && !k.StartsWith("GRP#" + Users.Me.Uuid) && !k.StartsWith("GRP#" + Users.Other.Uuid)).Order(),
            second.Where(k => !k.StartsWith("MSG#" + Items.GroupUuid(Users.Me, Users.Other)) && !k.StartsWith("GRP#" + Users.Me.Uuid) && !k.StartsWith("GRP#" + Users.Other.Uuid)).Order());
        Assert.Equal(30, (await Query("GRP#" + Items.LoadTestOwner.Uuid)).Count);

        var page = Ok("patterns/list-conversations", "--user-uuid", Items.LoadTestOwner.Uuid, "--limit", "5", "--json");
        Assert.Equal(5, System.Text.Json.JsonDocument.Parse(page.Stdout).RootElement.GetProperty("message_groups").GetArrayLength());
    }

    [Fact]
    public async Task Setup_empties_a_table_of_the_right_shape_instead_of_dropping_it()
    {
        Ok("schema-load");
        var created = (await Ddb.Client.DescribeTableAsync(Table)).Table.CreationDateTime;
        await Ddb.Client.PutItemAsync(Table, new() { ["pk"] = new() { S = "old" }, ["sk"] = new() { S = "junk" } });

        var r = Ok("setup");
        var again = Ok("setup");

        Assert.Contains($"[clear] table {Table}: 1 item deleted", r.Stderr);
        Assert.Contains($"[clear] table {Table}: {Lines.Length + 2} items deleted", again.Stderr);
        Assert.DoesNotContain("[drop]", r.Stderr + again.Stderr);
        Assert.Equal(created, (await Ddb.Client.DescribeTableAsync(Table)).Table.CreationDateTime); // the same table
        await AssertOnlyTheSampleConversation();
    }

    [Fact]
    public async Task Setup_drops_a_table_that_differs_and_creates_it_as_defined()
    {
        await Ddb.CreateOtherTable(Table, "id");

        var r = Ok("setup");

        Assert.Contains($"[drop] table {Table} (it differs from the definition)", r.Stderr);
        Assert.Contains($"[create] table {Table}", r.Stderr);
        await AssertOnlyTheSampleConversation();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Seeds_run_at_the_same_time_leave_one_whole_conversation(int runs)
    {
        Ok("schema-load");
        // about 2 s of writing each (the proxy admits 60 items/s), so that the runs overlap however slowly they start
        using var slow = new FaultProxy(Ddb.Endpoint, admitItemsPerSecond: 60);
        var env = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = slow.Endpoint };
        var seeds = Enumerable.Range(0, runs).Select(_ => Task.Run(() => RunWith("seed", env))).ToArray();
        var results = await Task.WhenAll(seeds);

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Contains(results, r => r.Stderr.Contains("holds the lease on this conversation until"));
        await AssertOnlyTheSampleConversation();
    }

    [Fact]
    public async Task A_message_too_large_for_dynamodb_is_refused_before_anything_is_written()
    {
        Ok("schema-load");
        Ok("seed");
        var before = await Ddb.Keys(Table);
        var big = Path.Combine(Path.GetTempPath(), $"big-{Table}.txt");
        File.WriteAllLines(big, [.. Enumerable.Range(0, 55).Select(i => $"Person {i % 2 + 1}: line {i}"), "Person 2: " + new string('x', 500_000),
            .. Enumerable.Range(0, 4).Select(i => $"Person 1: after {i}")]);

        AssertFails(Run("seed", "--conversation", big), 1, $"{big}:56: this message makes an item of ");
        Assert.Equal(before.Order(), (await Ddb.Keys(Table)).Order());
        File.Delete(big);
    }

    [Fact]
    public async Task Setup_refuses_prod_before_touching_anything()
    {
        Ok("schema-load");
        await Ddb.Client.PutItemAsync(Table, new() { ["pk"] = new() { S = "keep" }, ["sk"] = new() { S = "me" } });

        AssertFails(RunWith("setup", new Dictionary<string, string?> { ["AWS_REGION"] = "us-east-1", ["AWS_ACCESS_KEY_ID"] = "AKIAX", ["AWS_SECRET_ACCESS_KEY"] = "x" }, "prod"),
            2, "setup is for DynamoDB Local only and refuses prod");
        Assert.Equal(1, await Ddb.Count(Table));
    }
}
