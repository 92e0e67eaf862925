// What Cruddur's messaging stream Lambda does in prod, done from the table's stream locally: a new
// message row (pk MSG#<group>) makes it the last message of the group's rows (pk GRP#<user>, one per
// participant), which the inbox lists newest first. Unlike the bootcamp's Lambda, every change of a
// batch counts (the newest message of each group wins), each row moves in one transaction (delete the
// old key and put the new one, or neither), and a replayed or late message never moves a row back.
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

    /// <summary>Moves every row of each group that is older than the group's newest message; returns the rows moved.</summary>
    public static async Task<List<Moved>> Apply(IAmazonDynamoDB ddb, string table, IEnumerable<Change> changes, CancellationToken ct)
    {
        var moved = new List<Moved>();
        foreach (var (group, (sk, message)) in Newest(changes))
            for (var attempt = 0; ; attempt++)
                try
                {
                    moved.AddRange(await Move(ddb, table, group, sk, message, ct));
                    break;
                }
                catch (TransactionCanceledException) when (attempt < 5)
                {
                    // another writer moved a row between the query and the transaction: look again
                }
        return moved;
    }

    static async Task<List<Moved>> Move(IAmazonDynamoDB ddb, string table, string group, string sk, string message, CancellationToken ct)
    {
        var moved = new List<Moved>();
        var query = new QueryRequest
        {
            TableName = table, IndexName = MessagesTable.GroupIndex, KeyConditionExpression = "message_group_uuid = :g",
            ExpressionAttributeValues = new() { [":g"] = new() { S = group } },
        };
        var rows = new List<Item>();
        await foreach (var page in ddb.Paginators.Query(query).Responses.WithCancellation(ct))
            rows.AddRange(page.Items ?? []);
        foreach (var row in rows.Where(r => r["pk"].S.StartsWith("GRP#", StringComparison.Ordinal) && string.CompareOrdinal(r["sk"].S, sk) < 0))
        {
            var newer = new Item(row) { ["sk"] = new() { S = sk }, ["message"] = new() { S = message } };
            newer.Remove(Items.SeededBy); // the stream wrote this row, not seed: a later seed must leave it
            await ddb.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems =
                [
                    new() { Delete = new Delete
                    {
                        TableName = table, Key = new() { ["pk"] = row["pk"], ["sk"] = row["sk"] },
                        ConditionExpression = "message_group_uuid = :g", // still there, still this group's row
                        ExpressionAttributeValues = new() { [":g"] = new() { S = group } },
                    } },
                    new() { Put = new Put { TableName = table, Item = newer, ConditionExpression = "attribute_not_exists(pk)" } },
                ],
            }, ct);
            moved.Add(new Moved(row["pk"].S, group, sk, message));
        }
        return moved;
    }
}
