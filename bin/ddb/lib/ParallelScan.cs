// A scan of a whole table, as fast as the table allows: several segments in parallel, pages handed on
// as they arrive (memory stays flat however large the table), throttled pages asked again, and
// with a limit never more items read than asked for.
using System.Threading.Channels;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

public static class ParallelScan
{
    /// <summary>
    /// Every item of a table, page by page as they arrive, from <paramref name="segments"/> parallel
    /// scan segments; at most one page per segment waits, so memory stays flat however large the table.
    /// With <paramref name="limit"/>, stops after that many items and asks for no more than it needs.
    /// Throttled pages are asked again (<see cref="Read"/>). Stopping early (a break, a closed pipe)
    /// cancels the segments still reading.
    /// </summary>
    public static async IAsyncEnumerable<Item> Items(IAmazonDynamoDB ddb, string table, int segments, long? limit,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        long count = 0, reserved = 0, read = 0; // items handed to the caller; read or being read; read
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pages = Channel.CreateBounded<List<Item>>(segments);
        // With a limit, each page asks only for what no other segment has reserved, so that all of them together
        // read no more than the limit; a segment with nothing left to ask for waits while pages are in flight,
        // since they may bring fewer items than they asked for.
        async Task<int> Reserve(CancellationToken token)
        {
            while (true)
            {
                var was = Interlocked.Read(ref reserved);
                var take = (int)Math.Min(limit!.Value - was, 10_000);
                if (take > 0 && Interlocked.CompareExchange(ref reserved, was + take, was) == was) return take;
                if (take <= 0 && Interlocked.Read(ref read) >= limit) return 0;
                if (take <= 0) await Task.Delay(5, token);
            }
        }
        var producers = Task.WhenAll(Enumerable.Range(0, segments).Select(async segment =>
        {
            var request = new ScanRequest { TableName = table, Segment = segments > 1 ? segment : null, TotalSegments = segments > 1 ? segments : null };
            do
            {
                if (limit is not null && (request.Limit = await Reserve(stop.Token)) == 0) break;
                var page = await Throughput.Read(token => ddb.ScanAsync(request, token), stop.Token);
                var items = page.Items ?? [];
                Interlocked.Add(ref read, items.Count);
                if (limit is not null) Interlocked.Add(ref reserved, items.Count - request.Limit!.Value); // what the page did not use
                if (items.Count > 0) await pages.Writer.WriteAsync(items, stop.Token);
                request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            } while (request.ExclusiveStartKey is not null);
        })).ContinueWith(t => pages.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        try
        {
            await foreach (var page in pages.Reader.ReadAllAsync(stop.Token))
                foreach (var item in page)
                {
                    yield return item;
                    if (Interlocked.Increment(ref count) == limit) yield break;
                }
        }
        finally
        {
            stop.Cancel(); // the segments still reading, when the caller stopped early
            await producers;
        }
    }
}
