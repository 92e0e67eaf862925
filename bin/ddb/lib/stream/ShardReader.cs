// Reading every shard of a stream, a shard's parent before the shard, handing each page of changes
// to a handler and keeping the checkpoint. Empty pages are normal in DynamoDB Streams (AWS may return
// some before a shard's records): a closed shard is read through them to its end, and an open one,
// when reading once, through a bounded number of them. Trimmed records and expired iterators are
// reported as gaps, and reading goes on.
using Amazon.DynamoDBv2;

namespace Cruddur.Ddb;

/// <summary>Why reading did not simply go on where it was: records trimmed (older than 24 hours) before they
/// were read, so reading resumed at the oldest record left; or an iterator expired and was made again.</summary>
public enum GapKind { Trimmed, ExpiredIterator }

/// <summary>A gap in one shard: its kind, and the last sequence number handled before it (null if none).</summary>
public sealed record Gap(GapKind Kind, string Shard, string? After);

/// <summary>How a reader paces itself: the least time between two GetRecords of one shard, and, when reading
/// once, how many empty pages in a row end an open shard for now.</summary>
public sealed record ReaderPace(TimeSpan MinGap, int MaxEmptyPages)
{
    public static ReaderPace For(bool prod) => prod ? new(TimeSpan.FromSeconds(1), 5) : new(TimeSpan.Zero, 5);
}

public sealed class ShardReader(IStreamsApi api, string streamArn, Checkpoint checkpoint, ReaderPace pace, Action<Gap> gap, bool fromLatest = false)
{
    readonly Dictionary<string, string> _iterators = [];
    readonly Dictionary<string, DateTime> _lastRead = [];
    readonly HashSet<string> _started = []; // shards that had an iterator: LATEST is for a follower's very first one only
    List<Shard> _shards = [];
    HashSet<string>? _atStart; // the shards there were when reading began (LATEST applies to them only)
    DateTime _described = DateTime.MinValue;

    /// <summary>
    /// One pass: every readable shard is read until it has nothing more for now (an open shard) or ends
    /// (a closed one). With <paramref name="once"/>, an open shard is read through up to
    /// <see cref="ReaderPace.MaxEmptyPages"/> empty pages in a row. Returns the number of changes handed over.
    /// </summary>
    public async Task<int> Pass(Func<List<Change>, Task> handle, bool once, CancellationToken ct)
    {
        if (DateTime.UtcNow - _described > TimeSpan.FromSeconds(5))
        {
            _shards = await api.Describe(streamArn, ct);
            _atStart ??= _shards.Select(s => s.Id).ToHashSet();
            _described = DateTime.UtcNow;
        }
        var known = _shards.Select(s => s.Id).ToHashSet();
        // shards the stream no longer has (trimmed after 24 hours) leave the checkpoint, so that it stays small
        checkpoint.Finished.RemoveWhere(id => !known.Contains(id));
        foreach (var gone in checkpoint.Last.Keys.Where(id => !known.Contains(id)).ToList()) checkpoint.Last.Remove(gone);
        var (count, visited) = (0, new HashSet<string>());
        for (var progress = true; progress;) // a shard finished in this pass may make its children readable
        {
            progress = false;
            foreach (var shard in _shards.Where(s => !checkpoint.Finished.Contains(s.Id) && !visited.Contains(s.Id)).ToList())
            {
                if (shard.Parent is { } parent && known.Contains(parent) && !checkpoint.Finished.Contains(parent))
                    continue; // its parent's changes come first
                visited.Add(shard.Id);
                var (read, finished) = await ReadShard(shard, handle, once, ct);
                count += read;
                progress |= finished;
            }
        }
        return count;
    }

    async Task<(int Read, bool Finished)> ReadShard(Shard shard, Func<List<Change>, Task> handle, bool once, CancellationToken ct)
    {
        var iterator = _iterators.GetValueOrDefault(shard.Id) ?? await Iterator(shard.Id, ct);
        var (count, empty) = (0, 0);
        while (true)
        {
            // kept until its page is handled: after any failure (no answer, throttling, a page that could not be
            // applied) the next pass reads that page again, and an iterator stays valid for 15 minutes
            _iterators[shard.Id] = iterator;
            if (_lastRead.TryGetValue(shard.Id, out var last) && DateTime.UtcNow - last < pace.MinGap)
                await Task.Delay(pace.MinGap - (DateTime.UtcNow - last), ct);
            _lastRead[shard.Id] = DateTime.UtcNow;
            List<Change> changes;
            string? next;
            try
            {
                (changes, next) = await api.Records(iterator, ct);
            }
            catch (AmazonDynamoDBException e) when (e.ErrorCode is "ExpiredIteratorException"
                || e.ErrorCode is "ValidationException" && e.Message.Contains("iterator", StringComparison.OrdinalIgnoreCase)) // a restarted DynamoDB Local
            {
                gap(new Gap(GapKind.ExpiredIterator, shard.Id, checkpoint.Last.GetValueOrDefault(shard.Id)));
                iterator = await Iterator(shard.Id, ct);
                continue;
            }
            catch (AmazonDynamoDBException e) when (e.ErrorCode is "TrimmedDataAccessException")
            {
                gap(new Gap(GapKind.Trimmed, shard.Id, checkpoint.Last.GetValueOrDefault(shard.Id)));
                iterator = await api.Iterator(streamArn, shard.Id, ShardStart.Oldest, ct);
                continue;
            }
            if (changes.Count > 0)
            {
                await handle(changes);
                count += changes.Count;
                checkpoint.Last[shard.Id] = changes[^1].Sequence;
                empty = 0;
            }
            if (next is null)
            {
                checkpoint.Finished.Add(shard.Id);
                _iterators.Remove(shard.Id);
                _described = DateTime.MinValue; // its children may have appeared
                return (count, true);
            }
            iterator = next;
            // A closed shard is read to its end, through empty pages; an open one until it has nothing for now.
            if (changes.Count == 0 && !shard.Closed && !(once && ++empty < pace.MaxEmptyPages))
            {
                _iterators[shard.Id] = next;
                return (count, false);
            }
        }
    }

    async Task<string> Iterator(string shard, CancellationToken ct)
    {
        var after = checkpoint.Last.GetValueOrDefault(shard);
        // after the last record read; else, the first time, the newest (a --print follower starts there), and
        // any later time (an expired iterator) the oldest: what came while it waited is not skipped
        var start = after is not null ? new ShardStart(after)
            : new ShardStart(null, Latest: _started.Add(shard) && fromLatest && _atStart!.Contains(shard));
        try
        {
            return await api.Iterator(streamArn, shard, start, ct);
        }
        catch (AmazonDynamoDBException e) when (e.ErrorCode is "TrimmedDataAccessException" && after is not null)
        {
            gap(new Gap(GapKind.Trimmed, shard, after)); // what followed the checkpoint has expired: read what is left
            return await api.Iterator(streamArn, shard, ShardStart.Oldest, ct);
        }
    }
}
