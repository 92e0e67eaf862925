// What Cruddur's messaging stream Lambda does in prod, done from the table's stream locally: a new
// message row (pk MSG#<group>) makes it the last message of the group's rows (pk GRP#<user>, one per
// participant), which the inbox lists newest first. Unlike the bootcamp's Lambda, every change of a
// batch counts (the newest message of each group wins), each row moves in one transaction (delete the
// old key and put the new one, or neither), a replayed or late message never moves a row back, and a
// stray second row of the same participant and group is removed rather than stopping everything.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

/// <summary>A group row moved to a newer last message: whose inbox (pk), the group, the message's time (sk) and text.</summary>
public sealed record Moved(string Owner, string Group, string Sk, string Message);

public static class MessageGroups
{
    /// <summary>The newest message of each group among the changes: new or changed message rows only.</summary>
    public static Dictionary<string, (string Sk, string Message)> Newest(IEnumerable<Change> changes)
    {
        var newest = new Dictionary<string, (string Sk, string Message)>();
        foreach (var c in changes)
            if (c.Event is "INSERT" or "MODIFY" && c.NewImage is { } image
                && image.GetValueOrDefault("pk")?.S is { } pk && pk.StartsWith("MSG#", StringComparison.Ordinal)
                && image.GetValueOrDefault("sk")?.S is { } sk && image.GetValueOrDefault("message")?.S is { } message
                && (!newest.TryGetValue(pk[4..], out var seen) || string.CompareOrdinal(sk, seen.Sk) > 0))
                newest[pk[4..]] = (sk, message);
        return newest;
    }

    /// <summary>
    /// Makes each group's rows show the group's newest message among the changes: per participant, the
    /// newest row moves forward (a delete and a put in one transaction, each on condition that nobody
    /// changed the row since it was read), and any other row of the same participant and group, a stray
    /// duplicate, is removed. A transaction refused for a conflict with another writer is tried again
    /// with backoff; a group that still cannot be applied is reported and skipped, so that the rest goes on.
    /// </summary>
    public static async Task<Applied> Apply(IAmazonDynamoDB ddb, string table, IEnumerable<Change> changes, CancellationToken ct)
    {
        var applied = new Applied([], [], []);
        foreach (var (group, (sk, message)) in Newest(changes))
            for (var attempt = 0; ; attempt++)
                try
                {
                    await Move(ddb, table, group, sk, message, applied, ct);
                    break;
                }
                catch (Exception e) when (e is TransactionCanceledException or ConditionalCheckFailedException)
                {
                    if (attempt >= 5)
                    {
                        applied.Skipped.Add(new Skipped(group, sk, Why(e)));
                        break;
                    }
                    await Retry.Backoff(attempt + 2, ct, capMs: 2_000); // another writer changed a row between the read and the write: read again
                }
        return applied;
    }

    /// <summary>Why DynamoDB refused a move, from the transaction's cancellation reasons.</summary>
    static string Why(Exception e) => e is TransactionCanceledException { CancellationReasons: { Count: > 0 } reasons }
        ? string.Join(", ", reasons.Where(r => r.Code is not (null or "None")).Select(r => r.Code + (r.Message is { Length: > 0 } m ? $" ({m})" : "")).Distinct())
        : e.Message;

    static async Task Move(IAmazonDynamoDB ddb, string table, string group, string sk, string message, Applied applied, CancellationToken ct)
    {
        var query = new QueryRequest
        {
            TableName = table, IndexName = Items.GroupIndex, KeyConditionExpression = "message_group_uuid = :g",
            ExpressionAttributeValues = new() { [":g"] = new() { S = group } },
        };
        var rows = new List<Item>();
        await foreach (var page in ddb.Paginators.Query(query).Responses.WithCancellation(ct))
            rows.AddRange(page.Items ?? []);
        foreach (var owned in rows.Where(r => r["pk"].S.StartsWith("GRP#", StringComparison.Ordinal)).GroupBy(r => r["pk"].S))
        {
            var newestFirst = owned.OrderByDescending(r => r["sk"].S, StringComparer.Ordinal).ToList();
            var (row, stale) = (newestFirst[0], newestFirst.Skip(1).ToList()); // older rows of the same participant: strays
            if (string.CompareOrdinal(row["sk"].S, sk) < 0)
            {
                var newer = new Item(row) { ["sk"] = new() { S = sk }, ["message"] = new() { S = message } };
                newer.Remove(Items.SeededBy); // the stream wrote this row, not seed: a later seed must leave it
                try
                {
                    await ddb.TransactWriteItemsAsync(Items.MoveGroupRow(table, row, newer), ct);
                    applied.Moved.Add(new Moved(row["pk"].S, group, sk, message));
                }
                catch (TransactionCanceledException e) when (e.CancellationReasons is { Count: 2 } r && r[0].Code is "None" && r[1].Code is "ConditionalCheckFailed")
                {
                    stale.Add(row); // a row at this message exists already (the index had not shown it): this one is stale
                }
            }
            foreach (var old in stale)
            {
                await ddb.DeleteItemAsync(Items.DeleteStray(table, old), ct);
                applied.Removed.Add(new Moved(old["pk"].S, group, old["sk"].S, old.GetValueOrDefault("message")?.S ?? ""));
            }
        }
    }
}
/// <summary>What applying a batch did: group rows moved to a newer message, stray duplicate rows removed,
/// groups skipped (and why).</summary>
public sealed record Applied(List<Moved> Moved, List<Moved> Removed, List<Skipped> Skipped);

/// <summary>A group that could not be applied: which, the message it should have moved to, and why.</summary>
public sealed record Skipped(string Group, string Sk, string Why);
