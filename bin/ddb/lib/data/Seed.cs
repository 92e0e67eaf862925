// The seed job: the sample conversation (and synthetic load) written through BatchWriter
// (Throughput.cs, Retry.cs). Seeding replaces the sample conversation under a lease (Lease.cs), so any number
// of runs, at once or after a killed one, leave exactly one. It owns only what it wrote: every row
// carries the run that wrote it (seeded_by), and a later run deletes a row only on condition that
// it still carries that mark. The app's messages and the group rows the stream or the Lambda moved
// stay. Group rows are derived (they show a conversation's last message): seed leaves exactly one per
// participant, moved forward to the conversation's newest message, whoever wrote it, and removes a
// stray second one (the bootcamp's Lambda, which deletes and puts without a condition, can leave one).
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

/// <summary>
/// What a seed run did: the conversation's group and messages; rows of earlier seed runs it replaced;
/// group rows of others (the stream's, the Lambda's, the app's) it moved forward to the newest message;
/// stray second group rows of others it removed; rows of others it left in place; synthetic items.
/// </summary>
public sealed record Seeded(string Group, int Messages, long Replaced, int Moved, long Removed, int Kept, long Synthetic);

/// <summary>
/// One seed run, checked whole before its first write (the table's shape, every item's size), then
/// written: the conversation under a lease, the rows of earlier runs removed, the group rows moved
/// to the newest message last, then any synthetic load.
/// </summary>
public sealed class Seeder : IDisposable
{
    readonly IAmazonDynamoDB _ddb;
    readonly DdbContext _ctx;
    readonly List<Message> _messages;
    readonly User _me, _other;
    readonly IAmazonDynamoDB _writes; // SDK retries off: the writer's own retry budget counts every attempt
    readonly RetryBudget _budget;
    readonly BatchWriter _writer;
    readonly (int Groups, int Messages) _synthetic;
    readonly int _concurrency;

    public string Group { get; }
    public int Messages => _messages.Count;
    public long Synthetic => (long)_synthetic.Groups * (_synthetic.Messages + 2);
    public long Total => Messages + 2 + Synthetic;
    public TableDescription Table { get; }
    public Pace Pace { get; }
    public long Done => _writer.Done;

    Seeder(DdbContext ctx, IAmazonDynamoDB ddb, TableDescription table, string group, User me, User other, List<Message> messages,
        (int, int) synthetic, int concurrency)
    {
        (_ctx, _ddb, Table, Group, _me, _other, _messages, _synthetic, _concurrency) =
            (ctx, ddb, table, group, me, other, messages, synthetic, concurrency);
        Pace = ctx.Prod ? Pace.For(table) : Pace.None;
        _writes = ctx.CreateClient(retries: 0);
        _budget = Retry.For(ctx);
        _writer = new BatchWriter(_writes, ctx.Table, concurrency, Pace, _budget);
    }

    /// <summary>Checks everything that can be wrong before a write: the table's shape and every item's size.</summary>
    public static async Task<Seeder> Plan(DdbContext ctx, IAmazonDynamoDB ddb, List<Message> messages, string path, User me, User other,
        (int Groups, int Messages) synthetic, int concurrency, CancellationToken ct)
    {
        var table = (await ddb.DescribeTableAsync(ctx.Table, ct)).Table;
        if (MessagesTable.ShapeProblem(table) is { } notShaped)
            throw notShaped;
        var group = Items.GroupUuid(me, other);
        Items.CheckSizes(Rows(me, other, group, messages, DateTime.UtcNow).ToList(), messages, path);
        var seeder = new Seeder(ctx, ddb, table, group, me, other, messages, synthetic, concurrency);
        if (!seeder.Pace.Unlimited) // paced: the estimate counts the rows an earlier run left, which are deleted one by one
        {
            var (earlier, others) = await seeder.EarlierMessages(run: null, ct);
            (seeder.Existing, seeder.Replaceable) = (earlier.Count + others, earlier.Count);
        }
        return seeder;
    }

    /// <summary>Message rows the conversation held before this run (counted in prod only, for the estimate).</summary>
    public int Existing { get; private set; }

    /// <summary>Of <see cref="Existing"/>, the rows of earlier seed runs, which this run deletes (counted in prod only).</summary>
    public int Replaceable { get; private set; }

    /// <summary>The conversation's rows, its messages ending at <paramref name="now"/>, then its two group rows.</summary>
    static IEnumerable<Item> Rows(User me, User other, string group, List<Message> messages, DateTime now) =>
        Items.Conversation(me, other, group, messages, Items.MessageTimes(messages.Count, now));

    /// <summary>
    /// Writes. <paramref name="holder"/> says who this run is to runs that wait for it; <paramref name="waiting"/>
    /// is called when another run holds the conversation's lease. Throws <see cref="LeaseLost"/> (inside an
    /// <see cref="IncompleteWrite"/>) when this run stopped because its lease could not be kept.
    /// </summary>
    public async Task<Seeded> Write(string holder, Action<LeaseHolder> waiting, CancellationToken ct)
    {
        try
        {
            long replaced, removed;
            int moved, kept;
            await using (var lease = await Lease.Take(_ddb, _ctx.Table, "seed#" + Group, holder, waiting, ct))
            {
                using var work = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
                try
                {
                    // times from now, once the lease is held: a later run's messages are always newer than an earlier run's
                    var rows = Rows(_me, _other, Group, _messages, DateTime.UtcNow).Take(Messages);
                    await _writer.Put(rows.Select(m => new Item(m) { [Items.SeededBy] = new() { S = lease.Owner } }), work.Token);
                    var (earlier, othersMessages) = await EarlierMessages(lease.Owner, work.Token);
                    replaced = await new BatchWriter(_writes, _ctx.Table, _concurrency, Pace, _budget).DeleteEach(earlier, work.Token);
                    var groupRows = await PointGroupRows(lease.Owner, work.Token);
                    (replaced, moved, removed, kept) = (replaced + groupRows.Replaced, groupRows.Moved, groupRows.Removed, othersMessages + groupRows.Kept);
                }
                catch (OperationCanceledException) when (lease.LostBecause is { } lost && !ct.IsCancellationRequested)
                {
                    throw lost;
                }
            }
            if (Synthetic > 0)
                await _writer.Put(Items.Synthetic(_synthetic.Groups, _synthetic.Messages, DateTime.UtcNow.Year), ct);
            return new Seeded(Group, Messages, replaced, moved, removed, kept, Synthetic);
        }
        catch (Exception e) when (e is not BatchThrottled && _writer.Done > 0)
        {
            throw new IncompleteWrite(_writer.Done, Total, e);
        }
    }

    public void Dispose() => _writes.Dispose();

    static AttributeValue S(string s) => new() { S = s };

    /// <summary>
    /// The message rows of earlier seed runs, as deletes conditional on the mark they carry, and how
    /// many rows of others (the app's messages) the conversation holds. Rows written before runs were
    /// marked are recognised by their message uuid, which only seed derives from the group and the line.
    /// </summary>
    /// <param name="run">this run's mark, or null before it holds one (every marked row is then an earlier run's)</param>
    async Task<(List<DeleteItemRequest> Earlier, int Others)> EarlierMessages(string? run, CancellationToken ct)
    {
        var rows = await QueryAll(new QueryRequest
        {
            TableName = _ctx.Table, KeyConditionExpression = "pk = :pk", ConsistentRead = true,
            ProjectionExpression = "pk, sk, message_uuid, " + Items.SeededBy,
            ExpressionAttributeValues = new() { [":pk"] = S("MSG#" + Group) },
        }, ct);
        var unmarked = Enumerable.Range(0, Math.Max(rows.Count, Messages) + 1000).Select(i => Items.Uuid5($"{Group}:{i}")).ToHashSet();
        var (earlier, others) = (new List<DeleteItemRequest>(), 0);
        foreach (var row in rows)
        {
            var key = new Item { ["pk"] = row["pk"], ["sk"] = row["sk"] };
            if (row.GetValueOrDefault(Items.SeededBy)?.S is { } by)
            {
                if (by != run) earlier.Add(DeleteIf(key, $"{Items.SeededBy} = :by", by));
            }
            else if (row.GetValueOrDefault("message_uuid")?.S is { } id && unmarked.Contains(id))
                earlier.Add(DeleteIf(key, $"attribute_not_exists({Items.SeededBy}) AND message_uuid = :by", id));
            else
                others++;
        }
        return (earlier, others);
    }

    DeleteItemRequest DeleteIf(Item key, string condition, string value) => new()
    {
        TableName = _ctx.Table, Key = key, ConditionExpression = condition, ExpressionAttributeValues = new() { [":by"] = S(value) },
    };

    async Task<List<Item>> QueryAll(QueryRequest query, CancellationToken ct)
    {
        var items = new List<Item>();
        do
        {
            var page = await Retry.Run(token => _ddb.QueryAsync(query, token), _budget, ct);
            items.AddRange(page.Items ?? []);
            query.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        } while (query.ExclusiveStartKey is not null);
        return items;
    }

    /// <summary>
    /// Last, each participant's group row is made to show the conversation's newest message, whoever
    /// wrote it: created if missing, moved forward as the messaging Lambda moves it (delete and put in
    /// one transaction, each on condition that nobody changed it since it was read), never back. Any older
    /// row of the same participant and group is a stray and is deleted (an earlier run's on condition that
    /// it still carries its mark, another writer's on condition that it is still that group's row), as
    /// the stream follower does, so that the inbox lists the conversation once.
    /// </summary>
    async Task<(long Replaced, int Moved, long Removed, int Kept)> PointGroupRows(string run, CancellationToken ct)
    {
        var (replaced, moved, removed, kept) = (0L, 0, 0L, 0);
        foreach (var (owner, other) in new[] { (_me, _other), (_other, _me) })
            for (var attempt = 0; ; attempt++)
                try
                {
                    var newest = (await Retry.Run(token => _ddb.QueryAsync(new QueryRequest
                    {
                        TableName = _ctx.Table, KeyConditionExpression = "pk = :pk", ConsistentRead = true, ScanIndexForward = false, Limit = 1,
                        ExpressionAttributeValues = new() { [":pk"] = S("MSG#" + Group) },
                    }, token), _budget, ct)).Items[0];
                    var rows = (await QueryAll(new QueryRequest
                    {
                        TableName = _ctx.Table, KeyConditionExpression = "pk = :pk", FilterExpression = "message_group_uuid = :g", ConsistentRead = true,
                        ExpressionAttributeValues = new() { [":pk"] = S("GRP#" + owner.Uuid), [":g"] = S(Group) },
                    }, ct)).OrderByDescending(r => r["sk"].S, StringComparer.Ordinal).ToList();
                    var target = Items.GroupRow(owner, other, Group, newest["message"].S, newest["sk"].S);
                    target[Items.SeededBy] = S(run);
                    var current = rows.FirstOrDefault();
                    if (current is null)
                        await Retry.Run(token => _writes.PutItemAsync(new PutItemRequest
                        {
                            TableName = _ctx.Table, Item = target, ConditionExpression = "attribute_not_exists(pk)",
                        }, token), _budget, ct);
                    else if (string.CompareOrdinal(current["sk"].S, newest["sk"].S) < 0)
                    {
                        await Retry.Run(token => _writes.TransactWriteItemsAsync(Items.MoveGroupRow(_ctx.Table, current, target), token), _budget, ct);
                        if (current.ContainsKey(Items.SeededBy)) replaced++; else moved++;
                    }
                    else if (current.GetValueOrDefault(Items.SeededBy)?.S != run)
                        kept++; // already at the newest message (the Lambda's or the app's row): it stays as it is
                    var strays = rows.Skip(1).ToLookup(r => r.GetValueOrDefault(Items.SeededBy)?.S is { } by ? by == run ? "this run" : "a run" : "others");
                    var deleter = new BatchWriter(_writes, _ctx.Table, 1, Pace, _budget);
                    replaced += await deleter.DeleteEach(strays["a run"].Select(r =>
                        DeleteIf(new() { ["pk"] = r["pk"], ["sk"] = r["sk"] }, $"{Items.SeededBy} = :by", r[Items.SeededBy].S)), ct);
                    removed += await deleter.DeleteEach(strays["others"].Select(r => Items.DeleteStray(_ctx.Table, r)), ct);
                    await deleter.DeleteEach(strays["this run"].Select(r => Items.DeleteStray(_ctx.Table, r)), ct);
                    break;
                }
                catch (Exception e) when (e is TransactionCanceledException or ConditionalCheckFailedException && attempt < 5)
                {
                    await Retry.Backoff(attempt + 2, ct); // another writer moved it between the read and the write: read again
                }
        return (replaced, moved, removed, kept);
    }
}
