// Generic table operations: describe, wait for ACTIVE, wait until gone (the .NET SDK has no waiters),
// time to live.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

public static class Tables
{
    /// <summary>Whether DynamoDB Local serves the table: its ARNs are in the made-up region "ddblocal".</summary>
    public static bool IsLocal(TableDescription t) => t.TableArn?.Contains(":ddblocal:", StringComparison.Ordinal) == true;

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

    /// <summary>A table's time to live: on (and for which attribute; a table has one), or off (or being turned off).</summary>
    public sealed record Ttl(bool On, string? Attribute, bool TurningOff)
    {
        public override string ToString() => On ? $"on for attribute {Attribute}" : TurningOff ? "being turned off" : "off";
    }

    /// <summary>The table's time to live as DynamoDB describes it.</summary>
    public static async Task<Ttl> TimeToLive(IAmazonDynamoDB client, string table, CancellationToken ct)
    {
        var ttl = (await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table }, ct)).TimeToLiveDescription;
        return ttl?.TimeToLiveStatus == TimeToLiveStatus.ENABLED || ttl?.TimeToLiveStatus == TimeToLiveStatus.ENABLING ? new(true, ttl.AttributeName, false)
            : new(false, null, ttl?.TimeToLiveStatus == TimeToLiveStatus.DISABLING);
    }

    /// <summary>Turns time to live on for <paramref name="attribute"/>.</summary>
    public static Task TurnTtlOn(IAmazonDynamoDB client, string table, string attribute, CancellationToken ct) =>
        client.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = table, TimeToLiveSpecification = new TimeToLiveSpecification { Enabled = true, AttributeName = attribute },
        }, ct);

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
                throw new TableWaitTimedOut(table, TableGoal.Active, t?.TableStatus?.Value, timeout);
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
                throw new TableWaitTimedOut(table, TableGoal.Gone, t.TableStatus?.Value, timeout);
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }

    /// <summary>Deletes a table and polls until it is gone.</summary>
    public static async Task Drop(IAmazonDynamoDB client, string table, CancellationToken ct)
    {
        await client.DeleteTableAsync(table, ct);
        await WaitGone(client, table, TimeSpan.FromMinutes(5), ct);
    }
}
