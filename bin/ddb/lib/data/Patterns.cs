// The app's two read access patterns (backend lib/ddb.py): a partition (GRP#<user> or MSG#<group>)
// whose sort keys begin with a year, newest first, with the consumed capacity.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

public sealed record PatternResult(List<Item> Items, double Capacity);

public static class Patterns
{
    /// <summary>Up to <paramref name="limit"/> items of partition <paramref name="pk"/> whose sort key begins with <paramref name="year"/>, newest first.</summary>
    public static async Task<PatternResult> Query(IAmazonDynamoDB ddb, string table, string pk, int year, int limit, CancellationToken ct)
    {
        var response = await ddb.QueryAsync(new QueryRequest
        {
            TableName = table,
            KeyConditionExpression = "pk = :pk AND begins_with(sk, :year)",
            ExpressionAttributeValues = new() { [":pk"] = new() { S = pk }, [":year"] = new() { S = year.ToString() } },
            ScanIndexForward = false,
            Limit = limit,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
        }, ct);
        return new PatternResult(response.Items ?? [], response.ConsumedCapacity?.CapacityUnits ?? 0);
    }

    /// <summary>The group of the sample conversation, between the users seed would use.</summary>
    public static async Task<string> SeededGroup(bool prod, CancellationToken ct)
    {
        var found = await Users.Find(prod, [(Users.Me.Handle, null), (Users.Other.Handle, null)], ct);
        return Items.GroupUuid(found.Users[0], found.Users[1]);
    }
}
