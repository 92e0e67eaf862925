// The cruddur-messages table as the bootcamp defines it, and how to compare a live table with it.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

public static class MessagesTable
{
    public const string GroupIndex = "message-group-sk-index";
    public const long ReadCapacity = 5;
    public const long WriteCapacity = 5;

    public static CreateTableRequest Definition(string table) => new()
    {
        TableName = table,
        AttributeDefinitions =
        [
            new() { AttributeName = "message_group_uuid", AttributeType = ScalarAttributeType.S },
            new() { AttributeName = "pk", AttributeType = ScalarAttributeType.S },
            new() { AttributeName = "sk", AttributeType = ScalarAttributeType.S },
        ],
        KeySchema =
        [
            new() { AttributeName = "pk", KeyType = KeyType.HASH },
            new() { AttributeName = "sk", KeyType = KeyType.RANGE },
        ],
        GlobalSecondaryIndexes =
        [
            new()
            {
                IndexName = GroupIndex,
                KeySchema =
                [
                    new() { AttributeName = "message_group_uuid", KeyType = KeyType.HASH },
                    new() { AttributeName = "sk", KeyType = KeyType.RANGE },
                ],
                Projection = new() { ProjectionType = ProjectionType.ALL },
                ProvisionedThroughput = new() { ReadCapacityUnits = ReadCapacity, WriteCapacityUnits = WriteCapacity },
            },
        ],
        BillingMode = BillingMode.PROVISIONED,
        ProvisionedThroughput = new() { ReadCapacityUnits = ReadCapacity, WriteCapacityUnits = WriteCapacity },
        // The app's messaging Lambda reads new messages from the stream.
        StreamSpecification = new() { StreamEnabled = true, StreamViewType = StreamViewType.NEW_IMAGE },
    };

    /// <summary>Every way the live table differs from <see cref="Definition"/>, one readable line each.</summary>
    public static List<string> Differences(TableDescription live)
    {
        var want = Definition(live.TableName);
        var diffs = new List<string>();
        void Check(string what, string? expected, string? actual)
        {
            if (expected != actual) diffs.Add($"{what}: expected {expected ?? "none"}, found {actual ?? "none"}");
        }
        static string Keys(IEnumerable<KeySchemaElement>? keys) =>
            keys is null ? "none" : string.Join(", ", keys.Select(k => $"{k.AttributeName} {k.KeyType}"));
        static string Attrs(IEnumerable<AttributeDefinition>? attrs) =>
            attrs is null ? "none" : string.Join(", ", attrs.OrderBy(a => a.AttributeName, StringComparer.Ordinal)
                .Select(a => $"{a.AttributeName} {a.AttributeType}"));
        static string Capacity(long? read, long? write) => $"{read ?? 0} read / {write ?? 0} write";

        Check("key schema", Keys(want.KeySchema), Keys(live.KeySchema));
        Check("attributes", Attrs(want.AttributeDefinitions), Attrs(live.AttributeDefinitions));
        var billing = live.BillingModeSummary?.BillingMode?.Value ?? BillingMode.PROVISIONED.Value;
        Check("billing mode", want.BillingMode.Value, billing);
        if (billing == BillingMode.PROVISIONED.Value)
            Check("table capacity", Capacity(ReadCapacity, WriteCapacity),
                Capacity(live.ProvisionedThroughput?.ReadCapacityUnits, live.ProvisionedThroughput?.WriteCapacityUnits));
        var stream = live.StreamSpecification is { StreamEnabled: true } s ? $"on, {s.StreamViewType?.Value}" : "off";
        Check("stream", $"on, {StreamViewType.NEW_IMAGE.Value}", stream);

        foreach (var gsi in want.GlobalSecondaryIndexes)
        {
            var found = live.GlobalSecondaryIndexes?.FirstOrDefault(g => g.IndexName == gsi.IndexName);
            if (found is null)
            {
                diffs.Add($"index {gsi.IndexName}: missing");
                continue;
            }
            Check($"index {gsi.IndexName} keys", Keys(gsi.KeySchema), Keys(found.KeySchema));
            Check($"index {gsi.IndexName} projection", gsi.Projection.ProjectionType.Value, found.Projection?.ProjectionType?.Value);
            if (billing == BillingMode.PROVISIONED.Value)
                Check($"index {gsi.IndexName} capacity", Capacity(ReadCapacity, WriteCapacity),
                    Capacity(found.ProvisionedThroughput?.ReadCapacityUnits, found.ProvisionedThroughput?.WriteCapacityUnits));
        }
        foreach (var extra in live.GlobalSecondaryIndexes ?? [])
            if (want.GlobalSecondaryIndexes.All(g => g.IndexName != extra.IndexName))
                diffs.Add($"index {extra.IndexName}: not in the definition");
        return diffs;
    }

    /// <summary>
    /// Creates the table unless it exists (saying [create] or [skip] on stderr) and waits until it is
    /// ACTIVE. Returns its description; compare it with <see cref="Differences"/>.
    /// </summary>
    public static async Task<TableDescription> Ensure(IAmazonDynamoDB client, string table, CancellationToken ct)
    {
        if (await TryDescribe(client, table, ct) is not null)
            Console.Error.WriteLine($"[skip] table {table} already exists");
        else
            try
            {
                await client.CreateTableAsync(Definition(table), ct);
                Console.Error.WriteLine($"[create] table {table}");
            }
            catch (ResourceInUseException)
            {
                Console.Error.WriteLine($"[skip] table {table} is being created by someone else");
            }
        return await WaitActive(client, table, TimeSpan.FromMinutes(5), ct);
    }

    /// <summary>The table's description, or null when there is no such table.</summary>
    public static async Task<TableDescription?> TryDescribe(IAmazonDynamoDB client, string table, CancellationToken ct)
    {
        try
        {
            return (await client.DescribeTableAsync(table, ct)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Polls DescribeTable until the table and its indexes are ACTIVE (.NET has no waiters).</summary>
    public static async Task<TableDescription> WaitActive(IAmazonDynamoDB client, string table, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var t = await TryDescribe(client, table, ct);
            if (t is not null && t.TableStatus == TableStatus.ACTIVE
                && (t.GlobalSecondaryIndexes ?? []).All(g => g.IndexStatus == IndexStatus.ACTIVE))
                return t;
            if (DateTime.UtcNow > deadline)
                throw new UserError($"table '{table}' is not ACTIVE after {timeout.TotalSeconds:0} s (status {t?.TableStatus?.Value ?? "missing"})");
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }

    /// <summary>Polls DescribeTable until the table is gone.</summary>
    public static async Task WaitGone(IAmazonDynamoDB client, string table, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await TryDescribe(client, table, ct) is { } t)
        {
            if (DateTime.UtcNow > deadline)
                throw new UserError($"table '{table}' is still {t.TableStatus?.Value} after {timeout.TotalSeconds:0} s");
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }
}
