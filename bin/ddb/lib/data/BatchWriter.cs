// BatchWriteItem in requests of 25, several in flight, at a Pace, retried as Retry.cs says: throttling
// and unprocessed items within DDB_MAX_RETRIES, other faults within the context's tries.
using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

/// <param name="budget">the retry budget (Retry.For): the client these writes use must not retry on its own
/// (DdbContext.CreateClient(retries: 0)), so that one budget counts every attempt.</param>
public sealed class BatchWriter(IAmazonDynamoDB ddb, string table, int concurrency, Pace pace, RetryBudget budget)
{
    public const int BatchSize = 25;
    long _done, _retries;
    readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Items written or deleted so far.</summary>
    public long Done => Interlocked.Read(ref _done);

    public Task Put(IEnumerable<Item> items, CancellationToken ct) =>
        Write(items.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = i } }), ct);

    public Task Delete(IEnumerable<Item> keys, CancellationToken ct) =>
        Write(keys.Select(k => new WriteRequest { DeleteRequest = new DeleteRequest { Key = k } }), ct);

    /// <summary>Streams the requests: only the batches in flight are held in memory.</summary>
    Task Write(IEnumerable<WriteRequest> requests, CancellationToken ct) =>
        Parallel.ForEachAsync(requests.Chunk(BatchSize),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
            async (batch, token) => await WriteBatch([.. batch], token));

    async Task WriteBatch(List<WriteRequest> pending, CancellationToken ct) =>
        await Retrying(() => pending.Count, async token =>
        {
            var response = await ddb.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [table] = pending } }, token);
            var left = response.UnprocessedItems?.GetValueOrDefault(table) ?? [];
            Interlocked.Add(ref _done, pending.Count - left.Count);
            if (left.Count == 0) return null;
            pending = left;
            return "unprocessed items";
        }, ct);

    /// <summary>
    /// Deletes item by item, each on its own condition (paced and retried like the batches); an item
    /// whose condition no longer holds (someone else wrote it since) is left. Returns how many were deleted.
    /// </summary>
    public async Task<long> DeleteEach(IEnumerable<DeleteItemRequest> requests, CancellationToken ct)
    {
        long deleted = 0;
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
            async (request, token) => await Retrying(() => 1, async t =>
            {
                try
                {
                    await ddb.DeleteItemAsync(request, t);
                    Interlocked.Increment(ref deleted);
                    Interlocked.Increment(ref _done);
                }
                catch (ConditionalCheckFailedException) { } // not what it was when read: not ours to delete
                return null;
            }, token));
        return deleted;
    }

    /// <summary>
    /// One request under the pace and the retry budget: <paramref name="attempt"/> returns null when done, or
    /// why it must be sent again (unprocessed items); throttling is sent again up to DDB_MAX_RETRIES times, and
    /// the other faults Retry.cs names (5xx, the network) within the budget's tries, each with backoff.
    /// </summary>
    async Task Retrying(Func<int> items, Func<CancellationToken, Task<string?>> attempt, CancellationToken ct)
    {
        var clockChecked = false;
        for (int tries = 0, faults = 1; ; tries++)
        {
            await pace.Take(items(), ct);
            string? why;
            try
            {
                why = await attempt(ct);
                if (why is null)
                {
                    pace.Succeeded();
                    return;
                }
                pace.Throttled();
            }
            catch (Exception e) when (!clockChecked && Clock.Corrected(e))
            {
                (tries, clockChecked) = (tries - 1, true); // sent again at once with the corrected clock
                continue;
            }
            catch (AmazonServiceException e) when (Retry.Throttling(e))
            {
                why = e.ErrorCode.Replace("Exception", "");
                pace.Throttled();
            }
            catch (Exception e) when (Retry.Transient(e, budget.RetryTimeouts) && faults++ < budget.Tries && !ct.IsCancellationRequested)
            {
                tries--; // a fault, not throttling: counted by the budget's tries
                why = null;
            }
            if (tries >= Retry.MaxThrottledRetries)
                throw new BatchThrottled(why, Retry.MaxThrottledRetries, Interlocked.Read(ref _retries), _clock.Elapsed, Done);
            Interlocked.Increment(ref _retries);
            await Retry.Backoff(Math.Max(tries, faults), ct);
        }
    }

    /// <summary>Deletes every item of a table (a scan of its keys, then batches of deletes); returns how many.
    /// <paramref name="ddb"/> retries faults itself (the SDK's retries on); throttling and unprocessed items are retried here.</summary>
    public static async Task<long> DeleteAll(IAmazonDynamoDB ddb, TableDescription table, int concurrency, CancellationToken ct)
    {
        var keys = table.KeySchema.Select(k => k.AttributeName).ToList();
        var scan = new ScanRequest
        {
            TableName = table.TableName,
            ProjectionExpression = string.Join(", ", keys.Select((_, i) => $"#k{i}")),
            ExpressionAttributeNames = keys.Select((k, i) => (k, i)).ToDictionary(x => $"#k{x.i}", x => x.k),
        };
        var writer = new BatchWriter(ddb, table.TableName, concurrency, Pace.None, new RetryBudget(1, Retry.MaxThrottledRetries, RetryTimeouts: false));
        await foreach (var page in ddb.Paginators.Scan(scan).Responses.WithCancellation(ct))
            await writer.Delete(page.Items ?? [], ct);
        return writer.Done;
    }
}
