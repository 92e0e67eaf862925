using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>scan and the two access patterns over seeded data.</summary>
public sealed class ReadScriptsTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    static readonly string[] Raw = File.ReadAllLines(Repo.Path_("bin", "ddb", "conversation.txt"))
        .Where(l => l.StartsWith("Person ", StringComparison.Ordinal)).ToArray();
    static readonly string[] Lines = Raw.Select(l => l["Person 1:".Length..].Trim()).ToArray();
    static readonly string[] Handles = Raw.Select(l => l.StartsWith("Person 1:") ? "andrewbrown" : "bayko").ToArray();

    [Fact]
    public async Task Scan_prints_every_item_of_a_table_of_several_pages_in_every_format()
    {
        Ok("schema-load");
        Ok("seed", "--groups", "4", "--messages", "2500"); // ~10,000 items, ~2.5 MB: several 1 MB pages
        var keys = (await Ddb.Keys(Table)).ToHashSet();
        var firstPage = await Ddb.Client.ScanAsync(new ScanRequest { TableName = Table });
        Assert.True(firstPage.LastEvaluatedKey is { Count: > 0 }, "the table should need more than one page");

        var json = Ok("scan", "--json");
        var parallel = Ok("scan", "--json", "--segments", "3");
        var human = Ok("scan");

        foreach (var r in new[] { json, parallel })
        {
            var items = r.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(keys.Count, items.Count);
            Assert.Equal(keys, items.Select(i => i.GetProperty("pk").GetString() + "|" + i.GetProperty("sk").GetString()).ToHashSet());
            Assert.Contains($"{keys.Count} items", r.Stderr);
        }
        Assert.Equal(keys.Count, human.StdoutLines.Length);
        Assert.Contains(human.StdoutLines, l => l.StartsWith("GRP#" + Users.Me.Uuid) && l.Contains("user_handle=bayko"));
    }

    [Fact]
    public void Scan_raw_keeps_the_type_wrappers_and_limit_stops_early()
    {
        Ok("schema-load");
        Ok("seed");

        var raw = Ok("scan", "--raw", "--limit", "3");

        Assert.Equal(3, raw.StdoutLines.Length);
        var item = JsonDocument.Parse(raw.StdoutLines[0]).RootElement;
        Assert.NotEmpty(item.GetProperty("pk").GetProperty("S").GetString()!);
        Assert.Contains("3 items", raw.Stderr);
        AssertFails(Run("scan", "--limit", "0"), 2, "--limit takes a positive number");
        AssertFails(Run("scan", "--limit", "many"), 2, "many");
    }

    [Fact]
    public void A_failed_scan_segment_ends_the_scan_at_once_and_no_item_is_printed_after_it()
    {
        Ok("schema-load");
        Ok("seed");
        // segment 0 is refused (not a fault to retry); the other segments' pages are slow to come
        using var proxy = new FaultProxy(Ddb.Endpoint, byBody: (op, body) => op != "Scan" ? FaultProxy.Fault.None
            : body.Contains("\"Segment\":0", StringComparison.Ordinal) ? FaultProxy.Fault.Denied : FaultProxy.Fault.Slow);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var r = RunWith("scan", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint }, "--json", "--segments", "4");

        AssertFails(r, 1, "access denied");
        Assert.EndsWith("(./bin/ddb/scan --help lists the IAM actions it calls)", r.Stderr.TrimEnd());
        Assert.Empty(r.StdoutLines); // the other segments' pages, arriving after the failure, are not printed
        Assert.True(clock.Elapsed < FaultProxy.SlowBy, $"the scan waited {clock.Elapsed} for the other segments");
        Assert.Equal(4, proxy.Requests.Count(q => q.Operation == "Scan")); // one page asked of each segment, none after
    }

    [Fact]
    public void Scan_limit_reads_no_more_than_it_prints()
    {
        Ok("schema-load");
        Ok("seed", "--groups", "2", "--messages", "500");
        using var proxy = new FaultProxy(Ddb.Endpoint);
        var env = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint };

        var one = RunWith("scan", env, "--json", "--limit", "1", "--segments", "1");

        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Single(one.StdoutLines);
        var scans = proxy.Requests.Where(q => q.Operation == "Scan").ToList();
        var request = JsonDocument.Parse(Assert.Single(scans).Body).RootElement;
        Assert.Equal(1, request.GetProperty("Limit").GetInt32()); // one item read, not a 1 MB page

        var seven = RunWith("scan", env, "--json", "--limit", "7", "--segments", "4");

        Assert.True(seven.ExitCode == 0, seven.ToString());
        Assert.Equal(7, seven.StdoutLines.Length);
        var read = proxy.Answers.Where(a => a.Operation == "Scan").Sum(a => JsonDocument.Parse(a.Body).RootElement.GetProperty("Count").GetInt32());
        Assert.Equal(1 + 7, read); // the first scan's one item, then seven: the four segments together read no more than the limit
    }

    [Fact]
    public void Get_conversation_prints_capacity_then_the_last_20_messages_oldest_first()
    {
        Ok("schema-load");
        Ok("seed");

        var r = Ok("patterns/get-conversation");

        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^consumed capacity: [0-9.]+ read units \(20 messages of group ", lines[0]);
        Assert.Equal(21, lines.Length);
        var (expected, handles) = (Lines[^20..], Handles[^20..]);
        for (var i = 0; i < 20; i++)
        {
            var line = lines[i + 1];
            Assert.Equal(expected[i].Length <= 40 ? expected[i] : expected[i][..39] + "…", line[34..]);
            Assert.Equal(handles[i].PadRight(12), line[..12]);
            Assert.True(DateTime.TryParseExact(line[12..34].Trim(), "yyyy-MM-dd hh:mm tt", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), line);
        }
        Assert.StartsWith("andrewbrown ", lines[^1]); // "Person 1: Then prod. Carefully."
    }

    [Fact]
    public void Get_conversation_json_by_group_and_year()
    {
        Ok("schema-load");
        Ok("seed");
        var group = Items.GroupUuid(Users.Me, Users.Other);

        var doc = JsonDocument.Parse(Ok("patterns/get-conversation", "--group", group, "--json").Stdout).RootElement;
        var empty = JsonDocument.Parse(Ok("patterns/get-conversation", "--group", group, "--year", "1999", "--json").Stdout).RootElement;

        var messages = doc.GetProperty("messages");
        Assert.Equal(20, messages.GetArrayLength());
        Assert.Equal(Lines[^1], messages[19].GetProperty("message").GetString());
        Assert.True(doc.GetProperty("consumed_capacity").GetDouble() > 0);
        Assert.Equal(0, empty.GetProperty("messages").GetArrayLength());
        AssertFails(Run("patterns/get-conversation", "--group", "nope"), 2, "'nope' is not a uuid");
    }

    [Fact]
    public void List_conversations_shows_each_users_inbox()
    {
        Ok("schema-load");
        Ok("seed");

        var mine = Ok("patterns/list-conversations");
        var theirs = JsonDocument.Parse(Ok("patterns/list-conversations", "--handle", "bayko", "--json").Stdout).RootElement;

        Assert.Matches(@"consumed capacity: [0-9.]+ read units \(1 message group of user " + Users.Me.Uuid, mine.Stdout);
        Assert.Matches(@"\| bayko +\| Andrew Bayko +\| \d{4}-\d\d-\d\d \d\d:\d\d [AP]M \| Then prod\. Carefully\. +\|", mine.Stdout);
        var group = Assert.Single(theirs.GetProperty("message_groups").EnumerateArray());
        Assert.Equal("andrewbrown", group.GetProperty("user_handle").GetString());
        Assert.Equal(Items.GroupUuid(Users.Me, Users.Other), group.GetProperty("message_group_uuid").GetString());
        AssertFails(Run("patterns/list-conversations", "--handle", "bayko", "--user-uuid", Users.Me.Uuid), 2, "not both");
    }

    [Fact]
    public void List_conversations_finds_the_user_in_postgres()
    {
        Ok("schema-load");
        var me = new User(Guid.NewGuid().ToString(), "Andrew Brown", "andrewbrown");
        var other = new User(Guid.NewGuid().ToString(), "Andrew Bayko", "bayko");
        var env = new Dictionary<string, string?> { ["CONNECTION_URL"] = Postgres.Shared.Database(me, other) };
        Assert.Equal(0, RunWith("seed", env).ExitCode);

        var r = RunWith("patterns/list-conversations", env, "--json");
        var conversation = RunWith("patterns/get-conversation", env, "--json");

        Assert.True(r.ExitCode == 0, r.ToString());
        var group = Assert.Single(JsonDocument.Parse(r.Stdout).RootElement.GetProperty("message_groups").EnumerateArray());
        Assert.Equal(other.Uuid, group.GetProperty("user_uuid").GetString());
        Assert.Equal(20, JsonDocument.Parse(conversation.Stdout).RootElement.GetProperty("messages").GetArrayLength());
    }
}
