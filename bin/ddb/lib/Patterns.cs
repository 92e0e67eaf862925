// The app's two read access patterns (backend lib/ddb.py): a partition (GRP#<user> or MSG#<group>)
// whose sort keys begin with a year, newest first, with the consumed capacity.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

public sealed record PatternResult(List<Item> Items, double Capacity);

public static class Patterns
{
    public static async Task<PatternResult> Query(IAmazonDynamoDB ddb, string table, string pk, int year, int limit, CancellationToken ct)
    {
        if (limit < 1) throw Cli.Usage("--limit takes a positive number");
        if (year is < 1970 or > 9999) throw Cli.Usage($"--year {year} is not a year");
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

    /// <summary>The group of the sample conversation, for the users seed would use.</summary>
    public static async Task<string> SeededGroup(bool prod, CancellationToken ct)
    {
        var users = await SeedData.Users(prod, [SeedData.Me.Handle, SeedData.Other.Handle], [null, null], ct);
        return SeedData.GroupUuid(users[0], users[1]);
    }

    /// <summary>An item's sk as local time, like the bootcamp's %Y-%m-%d %I:%M %p.</summary>
    public static string LocalTime(Item item) =>
        item.GetValueOrDefault("sk")?.S is { } sk && DateTime.TryParse(sk, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal, out var utc)
            ? utc.ToLocalTime().ToString("yyyy-MM-dd hh:mm tt", System.Globalization.CultureInfo.InvariantCulture)
            : "";

    public static void Json(double capacity, string name, IEnumerable<Item> items, string[] fields) => Output.Json(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("consumed_capacity", capacity);
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStartObject();
            foreach (var f in fields) w.WriteString(f, Output.Plain(item.GetValueOrDefault(f)));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });
}
