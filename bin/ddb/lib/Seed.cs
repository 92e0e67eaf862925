// The seed job, shared by seed and setup: the sample conversation (and synthetic load) written
// through BatchWriter (Throughput.cs). Seeding replaces the sample conversation under a lease, so any
// number of runs, at once or after a killed one, leave exactly one.
using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Spectre.Console;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

public sealed record SeedOptions(
    string ConversationPath,
    string MyHandle = "andrewbrown",
    string OtherHandle = "bayko",
    string? MyUuid = null,
    string? OtherUuid = null,
    int Groups = 0,
    int Messages = 0,
    int Concurrency = 8,
    bool Yes = false);

public static class Seeder
{
    public static async Task Run(DdbContext ctx, IAmazonDynamoDB ddb, SeedOptions o, CancellationToken ct)
    {
        // Everything that can be wrong with the input is found before the first write.
        if (o.Groups < 0 || o.Messages < 0 || (o.Groups > 0) != (o.Messages > 0))
            throw Cli.Usage("--groups and --messages go together, both positive");
        if (o.Concurrency is < 1 or > 64) throw Cli.Usage("--concurrency takes 1 to 64");
        var messages = SeedData.ReadConversation(o.ConversationPath);
        var users = await SeedData.Users(ctx.Prod, [o.MyHandle, o.OtherHandle], [o.MyUuid, o.OtherUuid], ct);
        var (me, other) = (users[0], users[1]);
        if (me.Uuid == other.Uuid) throw Cli.Usage($"the two users are the same ({me.Handle})");
        var table = (await ddb.DescribeTableAsync(ctx.Table, ct)).Table;
        if (MessagesTable.ShapeProblem(table) is { } problem)
            throw new UserError($"table {ctx.Table} is not shaped like cruddur-messages: {problem}; nothing written "
                + "(./bin/ddb/schema-load lists the differences)");

        var group = SeedData.GroupUuid(me, other);
        var now = DateTime.UtcNow;
        var conversation = SeedData.Conversation(me, other, group, messages, SeedData.MessageTimes(messages.Count, now)).ToList();
        SeedData.CheckSizes(conversation, messages, o.ConversationPath);
        var synthetic = (long)o.Groups * (o.Messages + 2);
        var total = conversation.Count + synthetic;
        var pace = ctx.Prod ? Pace.For(table) : Pace.None;
        if (ctx.Prod && synthetic > 0 && !o.Yes)
            Cli.Confirm($"Write {synthetic} synthetic load-test items into the AWS table '{ctx.Table}' in {ctx.Region}? "
                + "Type its name to confirm: ", ctx.Table, "add --yes to write synthetic data into prod without a terminal", "nothing written");
        if (!pace.Unlimited)
            Console.Error.WriteLine($"pacing: {total} items at about {pace.Rate:0} items/s to start "
                + $"({(table.BillingModeSummary?.BillingMode == BillingMode.PAY_PER_REQUEST ? "on-demand table" : $"{table.ProvisionedThroughput?.WriteCapacityUnits} write capacity units")}): "
                + $"about {Duration(total / pace.Rate)}; faster or slower as DynamoDB allows");

        using var writes = ctx.CreateClient(retries: 0);
        var writer = new BatchWriter(writes, ctx.Table, o.Concurrency, pace);
        var stale = 0;
        try
        {
            await ProgressBar.Run($"seeding {ctx.Table}", total, () => writer.Done, !pace.Unlimited, async () =>
            {
                await using (await Lease.Take(ddb, ctx.Table, "seed#" + group, ct))
                {
                    await writer.Put(conversation, ct);
                    // What an earlier (or killed) run wrote of this conversation has other sort keys: remove it.
                    var keep = conversation.Select(i => (i["pk"].S, i["sk"].S)).ToHashSet();
                    var old = new List<Item>();
                    await foreach (var key in ConversationKeys(ddb, ctx.Table, group, ct))
                        if (!keep.Contains((key["pk"].S, key["sk"].S))) old.Add(key);
                    stale = old.Count;
                    await new BatchWriter(writes, ctx.Table, o.Concurrency, pace).Delete(old, ct);
                }
                if (o.Groups > 0)
                    await writer.Put(SeedData.Synthetic(o.Groups, o.Messages, now.Year), ct);
            });
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new UserError($"interrupted: {writer.Done} of {total} items written; run seed again to finish", 130);
        }
        catch (Exception e) when (e is not UserError && writer.Done > 0)
        {
            throw new IncompleteWrite(writer.Done, total, e);
        }
        Console.WriteLine($"seeded conversation {group}: {me.Handle} and {other.Handle}, {messages.Count} messages, "
            + $"2 message group rows{(stale > 0 ? $", {stale} items of an earlier run replaced" : "")}");
        if (o.Groups > 0)
            Console.WriteLine($"seeded {o.Groups} synthetic conversations of {o.Messages} messages "
                + $"({synthetic} items) owned by {SeedData.LoadTestOwner.Handle} {SeedData.LoadTestOwner.Uuid}");
    }

    static string Duration(double seconds) =>
        seconds < 90 ? $"{Math.Max(1, seconds):0} s" : seconds < 5400 ? $"{seconds / 60:0} min" : $"{seconds / 3600:0.#} h";

    /// <summary>The keys of every item of one conversation: its messages, and its group rows (through the index).</summary>
    static async IAsyncEnumerable<Item> ConversationKeys(IAmazonDynamoDB ddb, string table, string group,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var queries = new[]
        {
            new QueryRequest
            {
                TableName = table, KeyConditionExpression = "pk = :pk", ProjectionExpression = "pk, sk",
                ExpressionAttributeValues = new() { [":pk"] = new() { S = "MSG#" + group } },
            },
            new QueryRequest
            {
                TableName = table, IndexName = MessagesTable.GroupIndex, KeyConditionExpression = "message_group_uuid = :g",
                ProjectionExpression = "pk, sk", ExpressionAttributeValues = new() { [":g"] = new() { S = group } },
            },
        };
        foreach (var q in queries)
            await foreach (var page in ddb.Paginators.Query(q).Responses.WithCancellation(ct))
                foreach (var item in page.Items ?? [])
                    yield return item;
    }
}

/// <summary>
/// One writer at a time for one job (a conversation): an item (pk LEASE#&lt;job&gt;) put on condition
/// that no live lease exists, renewed while the work runs, deleted after. A killed holder's lease
/// runs out after <see cref="Duration"/>; a second run waits for the first, saying so once.
/// </summary>
public sealed class Lease : IAsyncDisposable
{
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(20);
    static readonly TimeSpan Renew = TimeSpan.FromSeconds(5), MaxWait = TimeSpan.FromMinutes(5);

    readonly IAmazonDynamoDB _ddb;
    readonly string _table;
    readonly Item _key;
    readonly string _owner = Guid.NewGuid().ToString("N");
    readonly CancellationTokenSource _stop = new();
    Task _renewing = Task.CompletedTask;

    Lease(IAmazonDynamoDB ddb, string table, string job)
    {
        (_ddb, _table) = (ddb, table);
        _key = new() { ["pk"] = new() { S = "LEASE#" + job }, ["sk"] = new() { S = "lease" } };
    }

    static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static async Task<Lease> Take(IAmazonDynamoDB ddb, string table, string job, CancellationToken ct)
    {
        var lease = new Lease(ddb, table, job);
        var deadline = DateTime.UtcNow + MaxWait;
        var said = false;
        while (!await lease.TryPut(ct))
        {
            if (!said)
                Console.Error.WriteLine($"waiting: another run is writing the same data ({job}); it holds a lease this run waits for");
            said = true;
            if (DateTime.UtcNow > deadline)
                throw new UserError($"another run has been writing the same data ({job}) for over {MaxWait.TotalMinutes:0} minutes; "
                    + "nothing written: try again when it has finished");
            await Task.Delay(500, ct);
        }
        lease._renewing = lease.KeepRenewing();
        return lease;
    }

    async Task<bool> TryPut(CancellationToken ct)
    {
        try
        {
            await _ddb.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = new(_key)
                {
                    ["owner"] = new() { S = _owner },
                    ["expires_ms"] = new() { N = (Now + (long)Duration.TotalMilliseconds).ToString() },
                },
                ConditionExpression = "attribute_not_exists(pk) OR expires_ms < :now",
                ExpressionAttributeValues = new() { [":now"] = new() { N = Now.ToString() } },
            }, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    async Task KeepRenewing()
    {
        try
        {
            while (true)
            {
                await Task.Delay(Renew, _stop.Token);
                await _ddb.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = _table,
                    Key = _key,
                    UpdateExpression = "SET expires_ms = :t",
                    ConditionExpression = "#o = :me",
                    ExpressionAttributeNames = new() { ["#o"] = "owner" },
                    ExpressionAttributeValues = new()
                    {
                        [":t"] = new() { N = (Now + (long)Duration.TotalMilliseconds).ToString() },
                        [":me"] = new() { S = _owner },
                    },
                }, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (AmazonDynamoDBException) { } // a missed renewal: the lease may run out; the next run then waits less
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _renewing;
        try
        {
            // also on Ctrl-C: a short request of its own, not the cancelled token
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _ddb.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _table,
                Key = _key,
                ConditionExpression = "#o = :me",
                ExpressionAttributeNames = new() { ["#o"] = "owner" },
                ExpressionAttributeValues = new() { [":me"] = new() { S = _owner } },
            }, timeout.Token);
        }
        catch (Exception e) when (e is AmazonDynamoDBException or OperationCanceledException or HttpRequestException) { }
        _stop.Dispose();
    }
}

/// <summary>
/// Progress of long writes on stderr: a bar (Spectre.Console) when stderr is a terminal; with
/// <paramref name="lines"/> (prod), otherwise a line every 15 seconds, so CI logs show it too.
/// </summary>
public static class ProgressBar
{
    public static async Task Run(string label, long total, Func<long> done, bool lines, Func<Task> work)
    {
        if (Console.IsErrorRedirected || total <= 0)
        {
            var run = work();
            var clock = Stopwatch.StartNew();
            while (lines && await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(15))) != run)
                Console.Error.WriteLine($"{label}: {done()} of {total} items ({done() / clock.Elapsed.TotalSeconds:0} items/s)");
            await run;
            return;
        }
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var stderr = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            ColorSystem = noColor ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        await stderr.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var bar = progress.AddTask(Markup.Escape(label), maxValue: total);
                var run = work();
                while (!run.IsCompleted)
                {
                    bar.Value = done();
                    await Task.WhenAny(run, Task.Delay(100));
                }
                bar.Value = done();
                await run;
            });
    }
}
