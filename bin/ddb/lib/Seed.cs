// Writing the seed data: BatchWriteItem in requests of 25, several in flight, retrying unprocessed
// items and throttling with capped exponential backoff and jitter; and the seed job itself, shared by
// seed and setup. Seeding replaces the sample conversation, so any number of runs (or a killed one
// followed by another) leave exactly one.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Polly;
using Polly.Retry;
using Spectre.Console;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

public sealed class BatchWriter(IAmazonDynamoDB ddb, string table, int concurrency)
{
    public const int BatchSize = 25;
    long _done;

    /// <summary>Items written or deleted so far.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Retries of one batch before giving up: DDB_MAX_RETRIES, default 15 (about 4 minutes of backoff).</summary>
    public static readonly int MaxRetries =
        int.TryParse(Environment.GetEnvironmentVariable("DDB_MAX_RETRIES"), out var n) && n >= 1 ? n : 15;

    static readonly ResiliencePipeline<int> Retry = new ResiliencePipelineBuilder<int>()
        .AddRetry(new RetryStrategyOptions<int>
        {
            // the result is the number of items DynamoDB left unprocessed
            ShouldHandle = new PredicateBuilder<int>()
                .HandleResult(left => left > 0)
                .Handle<ProvisionedThroughputExceededException>()
                .Handle<RequestLimitExceededException>()
                .Handle<AmazonDynamoDBException>(e => e.ErrorCode is "ThrottlingException"),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromSeconds(20),
            MaxRetryAttempts = MaxRetries,
        })
        .Build();

    public Task Put(IEnumerable<Item> items, CancellationToken ct) =>
        Write(items.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = i } }), ct);

    public Task Delete(IEnumerable<Item> keys, CancellationToken ct) =>
        Write(keys.Select(k => new WriteRequest { DeleteRequest = new DeleteRequest { Key = k } }), ct);

    /// <summary>Streams the requests: only the batches in flight are held in memory.</summary>
    Task Write(IEnumerable<WriteRequest> requests, CancellationToken ct) =>
        Parallel.ForEachAsync(requests.Chunk(BatchSize),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
            async (batch, token) => await WriteBatch([.. batch], token));

    async Task WriteBatch(List<WriteRequest> pending, CancellationToken ct)
    {
        try
        {
            await Retry.ExecuteAsync(async token =>
            {
                var response = await ddb.BatchWriteItemAsync(
                    new BatchWriteItemRequest { RequestItems = new() { [table] = pending } }, token);
                var left = response.UnprocessedItems?.GetValueOrDefault(table) ?? [];
                Interlocked.Add(ref _done, pending.Count - left.Count);
                pending = left;
                return left.Count;
            }, ct);
        }
        catch (AmazonDynamoDBException e) when (e is ProvisionedThroughputExceededException or RequestLimitExceededException
                                                 || e.ErrorCode == "ThrottlingException")
        {
            throw Throttled(e.ErrorCode.Replace("Exception", ""));
        }
        if (pending.Count > 0) throw Throttled("unprocessed items");
    }

    UserError Throttled(string why) => new(
        $"DynamoDB kept throttling ({why}) after {MaxRetries} retries; {Done} items were written. "
        + "Run again later (it picks up where it left off) or raise the table's write capacity");
}

public sealed record SeedOptions(
    string ConversationPath,
    string MyHandle = "andrewbrown",
    string OtherHandle = "bayko",
    string? MyUuid = null,
    string? OtherUuid = null,
    int Groups = 0,
    int Messages = 0,
    int Concurrency = 8);

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
        var shape = MessagesTable.Differences(table, shapeOnly: true);
        if (shape.Count > 0)
            throw new UserError($"table {ctx.Table} is not shaped like cruddur-messages ({shape[0]}); nothing written");

        var group = SeedData.GroupUuid(me, other);
        var now = DateTime.UtcNow;
        var conversation = SeedData.Conversation(me, other, group, messages, SeedData.MessageTimes(messages.Count, now)).ToList();
        var total = conversation.Count + (long)o.Groups * (o.Messages + 2);
        var writer = new BatchWriter(ddb, ctx.Table, o.Concurrency);
        var stale = 0;
        try
        {
            await ProgressBar.Run($"seeding {ctx.Table}", total, () => writer.Done, async () =>
            {
                await writer.Put(conversation, ct);
                // What an earlier (or killed) run wrote of this conversation has other sort keys: remove it.
                var keep = conversation.Select(i => (i["pk"].S, i["sk"].S)).ToHashSet();
                var old = new List<Item>();
                await foreach (var key in ConversationKeys(ddb, ctx.Table, group, ct))
                    if (!keep.Contains((key["pk"].S, key["sk"].S))) old.Add(key);
                stale = old.Count;
                await new BatchWriter(ddb, ctx.Table, o.Concurrency).Delete(old, ct);
                if (o.Groups > 0)
                    await writer.Put(SeedData.Synthetic(o.Groups, o.Messages, now.Year), ct);
            });
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new UserError($"interrupted: {writer.Done} of {total} items written; run seed again to finish", 130);
        }
        Console.WriteLine($"seeded conversation {group}: {me.Handle} and {other.Handle}, {messages.Count} messages, "
            + $"2 message group rows{(stale > 0 ? $", {stale} items of an earlier run replaced" : "")}");
        if (o.Groups > 0)
            Console.WriteLine($"seeded {o.Groups} synthetic conversations of {o.Messages} messages "
                + $"({(long)o.Groups * (o.Messages + 2)} items) owned by {SeedData.LoadTestOwner.Handle} {SeedData.LoadTestOwner.Uuid}");
    }

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
            do
            {
                var page = await ddb.QueryAsync(q, ct);
                foreach (var item in page.Items ?? []) yield return item;
                q.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            } while (q.ExclusiveStartKey is not null);
    }
}

/// <summary>A progress bar on stderr (Spectre.Console) while long writes run, only when stderr is a terminal.</summary>
public static class ProgressBar
{
    public static async Task Run(string label, long total, Func<long> done, Func<Task> work)
    {
        if (Console.IsErrorRedirected || total <= 0)
        {
            await work();
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
