// A scan of a whole table, as fast as the table allows: several segments in parallel, pages handed on
// as they arrive (memory stays flat however large the table), each page retried as Retry.cs says, a
// failed segment ending the scan at once, and with a limit never more items read than asked for.
// Items stay in DynamoDB's JSON as it arrived (JsonApi), for writers that copy them out without
// building the SDK's objects.
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Cruddur.Ddb;

public static class ParallelScan
{
    /// <summary>
    /// Every item of a table, page by page as they arrive, from <paramref name="segments"/> parallel
    /// scan segments; at most one page per segment waits, so memory stays flat however large the table.
    /// With <paramref name="limit"/>, stops after that many items and asks for no more than it needs.
    /// Each page is one call under the retry policy (JsonApi.Call). A segment that fails stops the others
    /// at once, and no item is handed on after its failure. Stopping early (a break, a closed pipe)
    /// cancels the segments still reading.
    /// </summary>
    /// <remarks>An item is valid until the next one is asked for (its page's memory is then reused).</remarks>
    public static async IAsyncEnumerable<JsonElement> Items(JsonApi api, string table, int segments, long? limit,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        long count = 0, reserved = 0, read = 0; // items handed to the caller; read or being read; read
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pages = Channel.CreateBounded<JsonDocument>(segments);
        Exception? failure = null; // the first segment's failure: it ends the scan
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
        async Task Segment(int segment)
        {
            var request = new JsonObject { ["TableName"] = table };
            if (segments > 1) (request["Segment"], request["TotalSegments"]) = (segment, segments);
            do
            {
                var asked = limit is null ? 0 : await Reserve(stop.Token);
                if (limit is not null && asked == 0) break;
                if (limit is not null) request["Limit"] = asked;
                var page = await api.Call("Scan", request.ToJsonString(), stop.Token);
                var root = page.RootElement;
                var n = root.TryGetProperty("Items", out var items) ? items.GetArrayLength() : 0;
                Interlocked.Add(ref read, n);
                if (limit is not null) Interlocked.Add(ref reserved, n - asked); // what the page did not use
                request["ExclusiveStartKey"] = root.TryGetProperty("LastEvaluatedKey", out var last) && last.EnumerateObject().Any()
                    ? JsonNode.Parse(last.GetRawText()) : null;
                if (n > 0) await pages.Writer.WriteAsync(page, stop.Token); else page.Dispose();
            } while (request["ExclusiveStartKey"] is not null);
        }
        var producers = Task.WhenAll(Enumerable.Range(0, segments).Select(async segment =>
        {
            try
            {
                await Segment(segment);
            }
            catch (Exception e) when (!stop.IsCancellationRequested || e is not OperationCanceledException)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                stop.Cancel(); // the other segments stop reading, and the reader stops handing on items
            }
        })).ContinueWith(_ => pages.Writer.TryComplete(), TaskScheduler.Default);

        // The next page, or null at the end; the first failure instead of any page still waiting.
        async Task<JsonDocument?> Next()
        {
            try
            {
                while (failure is null && await pages.Reader.WaitToReadAsync(stop.Token))
                    if (failure is null && pages.Reader.TryRead(out var page)) return page;
            }
            catch (OperationCanceledException) when (failure is not null) { }
            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            return null;
        }
        try
        {
            while (await Next() is { } page)
                using (page)
                    foreach (var item in page.RootElement.GetProperty("Items").EnumerateArray())
                    {
                        if (failure is not null) break;
                        yield return item;
                        if (Interlocked.Increment(ref count) == limit) yield break;
                    }
            if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        finally
        {
            stop.Cancel(); // the segments still reading, when the caller stopped early
            await producers;
            while (pages.Reader.TryRead(out var left)) left.Dispose();
        }
    }
}
