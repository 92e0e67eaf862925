// The seed job: the sample conversation (and synthetic load) written through BatchWriter
// (Throughput.cs). Seeding replaces the sample conversation under a lease, so any number of runs,
// at once or after a killed one, leave exactly one.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

/// <summary>What a seed run wrote: the conversation's group, its messages, items of an earlier run it replaced, synthetic items.</summary>
public sealed record Seeded(string Group, int Messages, int Replaced, long Synthetic);

/// <summary>
/// One seed run, checked whole before its first write (the table's shape, every item's size), then
/// written: the conversation under a lease, the rows of earlier runs removed, then any synthetic load.
/// </summary>
public sealed class Seeder : IDisposable
{
    readonly IAmazonDynamoDB _ddb;
    readonly DdbContext _ctx;
    readonly List<Item> _conversation;
    readonly IAmazonDynamoDB _writes; // SDK retries off: the writer's own retry budget counts every attempt
    readonly BatchWriter _writer;
    readonly (int Groups, int Messages) _synthetic;
    readonly int _concurrency;

    public string Group { get; }
    public int Messages { get; }
    public long Synthetic => (long)_synthetic.Groups * (_synthetic.Messages + 2);
    public long Total => _conversation.Count + Synthetic;
    public TableDescription Table { get; }
    public Pace Pace { get; }
    public long Done => _writer.Done;

    Seeder(DdbContext ctx, IAmazonDynamoDB ddb, TableDescription table, string group, List<Message> messages, List<Item> conversation,
        (int, int) synthetic, int concurrency)
    {
        (_ctx, _ddb, Table, Group, Messages, _conversation, _synthetic, _concurrency) =
            (ctx, ddb, table, group, messages.Count, conversation, synthetic, concurrency);
        Pace = ctx.Prod ? Pace.For(table) : Pace.None;
        _writes = ctx.CreateClient(retries: 0);
        _writer = new BatchWriter(_writes, ctx.Table, concurrency, Pace);
    }

    /// <summary>Checks everything that can be wrong before a write: the table's shape and every item's size.</summary>
    public static async Task<Seeder> Plan(DdbContext ctx, IAmazonDynamoDB ddb, List<Message> messages, string path, User me, User other,
        (int Groups, int Messages) synthetic, int concurrency, CancellationToken ct)
    {
        var table = (await ddb.DescribeTableAsync(ctx.Table, ct)).Table;
        if (MessagesTable.ShapeProblem(table) is { } problem)
            throw new UserError($"table {ctx.Table} is not shaped like cruddur-messages: {problem}; nothing written "
                + "(./bin/ddb/schema-load lists the differences)");
        var group = Items.GroupUuid(me, other);
        var conversation = Items.Conversation(me, other, group, messages, Items.MessageTimes(messages.Count, DateTime.UtcNow)).ToList();
        Items.CheckSizes(conversation, messages, path);
        return new Seeder(ctx, ddb, table, group, messages, conversation, synthetic, concurrency);
    }

    /// <summary>Writes; <paramref name="waiting"/> is called once when another run holds the conversation's lease.</summary>
    public async Task<Seeded> Write(Action<string> waiting, CancellationToken ct)
    {
        try
        {
            int replaced;
            await using (await Lease.Take(_ddb, _ctx.Table, "seed#" + Group, waiting, ct))
            {
                await _writer.Put(_conversation, ct);
                // What an earlier (or killed) run wrote of this conversation has other sort keys: remove it.
                var keep = _conversation.Select(i => (i["pk"].S, i["sk"].S)).ToHashSet();
                var old = new List<Item>();
                await foreach (var key in ConversationKeys(ct))
                    if (!keep.Contains((key["pk"].S, key["sk"].S))) old.Add(key);
                replaced = old.Count;
                await new BatchWriter(_writes, _ctx.Table, _concurrency, Pace).Delete(old, ct);
            }
            if (Synthetic > 0)
                await _writer.Put(Items.Synthetic(_synthetic.Groups, _synthetic.Messages, DateTime.UtcNow.Year), ct);
            return new Seeded(Group, Messages, replaced, Synthetic);
        }
        catch (Exception e) when (e is not UserError && _writer.Done > 0)
        {
            throw new IncompleteWrite(_writer.Done, Total, e);
        }
    }

    public void Dispose() => _writes.Dispose();

    /// <summary>The keys of every item of the conversation: its messages, and its group rows (through the index).</summary>
    async IAsyncEnumerable<Item> ConversationKeys([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var queries = new[]
        {
            new QueryRequest
            {
                TableName = _ctx.Table, KeyConditionExpression = "pk = :pk", ProjectionExpression = "pk, sk",
                ExpressionAttributeValues = new() { [":pk"] = new() { S = "MSG#" + Group } },
            },
            new QueryRequest
            {
                TableName = _ctx.Table, IndexName = MessagesTable.GroupIndex, KeyConditionExpression = "message_group_uuid = :g",
                ProjectionExpression = "pk, sk", ExpressionAttributeValues = new() { [":g"] = new() { S = Group } },
            },
        };
        foreach (var q in queries)
            await foreach (var page in _ddb.Paginators.Query(q).Responses.WithCancellation(ct))
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

    /// <param name="waiting">called once, with the job, when another run holds the lease.</param>
    public static async Task<Lease> Take(IAmazonDynamoDB ddb, string table, string job, Action<string> waiting, CancellationToken ct)
    {
        var lease = new Lease(ddb, table, job);
        var deadline = DateTime.UtcNow + MaxWait;
        var said = false;
        while (!await lease.TryPut(ct))
        {
            if (!said) waiting(job);
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
