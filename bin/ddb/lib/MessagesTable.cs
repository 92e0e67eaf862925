// The cruddur-messages table as the bootcamp defines it, and how to compare a live table with it.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

/// <summary>What protects a prod table: deletion protection, point-in-time recovery, KMS encryption (AWS managed key).</summary>
public sealed record Guards(bool DeletionProtection, bool PointInTimeRecovery, bool ManagedKey)
{
    public static readonly Guards None = new(false, false, false);
}

public static class MessagesTable
{
    public const string GroupIndex = "message-group-sk-index";
    public const long ReadCapacity = 5;
    public const long WriteCapacity = 5;

    public static CreateTableRequest Definition(string table, Guards? guards = null) => new()
    {
        DeletionProtectionEnabled = guards?.DeletionProtection == true ? true : null,
        SSESpecification = guards?.ManagedKey == true ? new() { Enabled = true, SSEType = SSEType.KMS } : null,
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

    /// <summary>
    /// Every way the live table differs from <see cref="Definition"/>, one readable line each. With
    /// <paramref name="shapeOnly"/>, only what the app's reads and writes depend on: keys, attributes
    /// and indexes, not billing, capacity or the stream.
    /// </summary>
    public static List<string> Differences(TableDescription live, bool shapeOnly = false)
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
        var capacity = !shapeOnly && billing == BillingMode.PROVISIONED.Value;
        if (!shapeOnly)
        {
            Check("billing mode", want.BillingMode.Value, billing);
            if (capacity)
                Check("table capacity", Capacity(ReadCapacity, WriteCapacity),
                    Capacity(live.ProvisionedThroughput?.ReadCapacityUnits, live.ProvisionedThroughput?.WriteCapacityUnits));
            var stream = live.StreamSpecification is { StreamEnabled: true } s ? $"on, {s.StreamViewType?.Value}" : "off";
            Check("stream", $"on, {StreamViewType.NEW_IMAGE.Value}", stream);
        }

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
            if (capacity)
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
    public static async Task<TableDescription> Ensure(IAmazonDynamoDB client, string table, CancellationToken ct, Guards? guards = null)
    {
        if (await TryDescribe(client, table, ct) is not null)
            Console.Error.WriteLine($"[skip] table {table} already exists");
        else
            try
            {
                await client.CreateTableAsync(Definition(table, guards), ct);
                Console.Error.WriteLine($"[create] table {table}");
            }
            catch (ResourceInUseException)
            {
                Console.Error.WriteLine($"[skip] table {table} is being created by someone else");
            }
        return await WaitActive(client, table, TimeSpan.FromMinutes(5), ct);
    }

    /// <summary>
    /// Turns on the guards a table lacks (never off) and returns one line per guard saying its state.
    /// What the endpoint does not support (DynamoDB Local has no point-in-time recovery) is skipped and said.
    /// </summary>
    public static async Task<List<(string Name, string State)>> Protect(IAmazonDynamoDB client, TableDescription table, Guards guards,
        string optOut, CancellationToken ct)
    {
        var name = table.TableName;
        var lines = new List<(string, string)>();
        if (guards.DeletionProtection && table.DeletionProtectionEnabled != true)
        {
            await client.UpdateTableAsync(new UpdateTableRequest { TableName = name, DeletionProtectionEnabled = true }, ct);
            Console.Error.WriteLine($"[protect] deletion protection turned on for {name}");
            table.DeletionProtectionEnabled = true;
        }
        lines.Add(("deletion protection", table.DeletionProtectionEnabled == true ? "on" : $"off{optOut}"));
        lines.Add(("point-in-time recovery", guards.PointInTimeRecovery ? await EnablePitr(client, name, ct) : $"off{optOut}"));
        lines.Add(("encryption", table.SSEDescription is { Status: var st } sse && st == SSEStatus.ENABLED
            ? $"KMS ({(sse.KMSMasterKeyArn is { } arn && !arn.Contains(":alias/aws/dynamodb") && guards.ManagedKey ? arn : "AWS managed key")})"
            : table.SSEDescription is null && table.TableArn?.Contains(":ddblocal:") == true
                ? "not reported (DynamoDB Local does not encrypt)"
                : $"AWS owned key{optOut}"));
        return lines;
    }

    static async Task<string> EnablePitr(IAmazonDynamoDB client, string table, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
            try
            {
                var now = await client.DescribeContinuousBackupsAsync(new() { TableName = table }, ct);
                if (now.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus == PointInTimeRecoveryStatus.ENABLED)
                    return "on";
                await client.UpdateContinuousBackupsAsync(new()
                {
                    TableName = table,
                    PointInTimeRecoverySpecification = new() { PointInTimeRecoveryEnabled = true },
                }, ct);
                Console.Error.WriteLine($"[protect] point-in-time recovery turned on for {table}");
                return "on";
            }
            catch (AmazonDynamoDBException e) when (e.ErrorCode == "UnknownOperationException")
            {
                Console.Error.WriteLine("[skip] point-in-time recovery: this endpoint (DynamoDB Local) does not support it");
                return "not supported by this endpoint";
            }
            catch (ContinuousBackupsUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), ct); // a new table takes a moment before backups can be turned on
            }
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
