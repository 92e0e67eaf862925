// Following a table's DynamoDB stream: the table's latest stream, read shard by shard (ShardReader)
// with a checkpoint per shard (Checkpoint), so that a restart neither re-reads nor misses records.
// While following, nothing ends it but Ctrl-C: an endpoint that goes away, throttling beyond the
// client's retries, or any other error is reported once and tried again with backoff.
using Amazon.DynamoDBv2;

namespace Cruddur.Ddb;

/// <summary>Why reading starts over from a stream's oldest record: the checkpoint was for an older stream, the table
/// was created again while being followed, or the checkpoint file could not be read.</summary>
public enum Fresh { OlderCheckpoint, Recreated, Unreadable }

/// <summary>What a follower reports as it goes; the caller words it. <c>Fresh</c> carries the unreadable
/// checkpoint's path and why; <c>Trouble</c> an error that outlived the retries, said once until <c>Back</c>.</summary>
public sealed record FollowEvents(Action<Fresh, string?> Fresh, Action<Exception> Trouble, Action Back, Action<Gap> Gap);

public static class Streams
{
    /// <summary>The table's latest stream; an error when its stream is off.</summary>
    public static async Task<string> LatestArn(IAmazonDynamoDB ddb, string table, CancellationToken ct)
    {
        var t = (await ddb.DescribeTableAsync(table, ct)).Table;
        return t.StreamSpecification?.StreamEnabled == true && t.LatestStreamArn is { } arn ? arn
            : throw new NoStream(table);
    }

    /// <summary>
    /// Reads the table's latest stream and hands each page of changes to <paramref name="handle"/>:
    /// once (everything not yet read, then return) or until cancelled. With a checkpoint, starts where
    /// the last run stopped and saves how far it got after every pass and when stopped; without, starts
    /// at the oldest record (once) or at the newest. Every 5 s it checks that the stream is still the
    /// table's latest. Polls each shard every 250 ms locally and at most once a second in prod.
    /// </summary>
    public static async Task Follow(DdbContext ctx, IAmazonDynamoDB ddb, IStreamsApi api, bool once, bool checkpoints,
        Func<List<Change>, Task> handle, FollowEvents events, CancellationToken ct)
    {
        var path = Checkpoint.PathFor(ctx);
        var (poll, pace) = (TimeSpan.FromMilliseconds(ctx.Prod ? 1000 : 250), ReaderPace.For(ctx.Prod));
        string? arn = null;
        Checkpoint? checkpoint = null;
        ShardReader? reader = null;
        var (checkedAt, backoff, failing) = (DateTime.MinValue, 0, false);
        try
        {
            while (true)
                try
                {
                    if (failing)
                    {
                        await LatestArn(ddb, ctx.Table, ct); // it answers again: say so before anything else
                        events.Back();
                        (failing, backoff) = (false, 0);
                    }
                    if (reader is null || DateTime.UtcNow - checkedAt > TimeSpan.FromSeconds(5))
                    {
                        var latest = await LatestArn(ddb, ctx.Table, ct);
                        checkedAt = DateTime.UtcNow;
                        if (latest != arn)
                        {
                            var loaded = checkpoints ? Checkpoint.Load(path, latest) : new LoadedCheckpoint(new Checkpoint { Stream = latest }, false, null);
                            if (loaded.Unreadable is { } why) events.Fresh(Fresh.Unreadable, $"{path}: {why}");
                            else if (loaded.Stale || arn is not null) events.Fresh(arn is null ? Fresh.OlderCheckpoint : Fresh.Recreated, null);
                            (arn, checkpoint) = (latest, loaded.Checkpoint);
                            reader = new ShardReader(api, latest, checkpoint, pace, events.Gap, fromLatest: !checkpoints && !once && reader is null);
                        }
                    }
                    var count = await reader!.Pass(handle, once, ct); // set above: reader is null only before the first check
                    if (checkpoints) checkpoint!.Save(path);
                    if (once) return;
                    if (count == 0) await Task.Delay(poll, ct);
                }
                catch (Exception e) when (!once && !ct.IsCancellationRequested && e is not (SetupError or NoStream))
                {
                    if (!failing) events.Trouble(e);
                    failing = true;
                    await Retry.Backoff(++backoff + 3, ct, capMs: 30_000); // 0.8 s, then longer, up to 30 s
                }
        }
        finally
        {
            if (checkpoints && checkpoint is not null) checkpoint.Save(path);
        }
    }
}
