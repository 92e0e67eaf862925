// What protects a prod table (deletion protection, point-in-time recovery, encryption at rest):
// what schema-load asks for, what the table really has, and turning on what it lacks.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

/// <summary>What protects a prod table: deletion protection, point-in-time recovery, KMS encryption (AWS managed key).</summary>
public sealed record Guards(bool DeletionProtection, bool PointInTimeRecovery, bool ManagedKey)
{
    public static readonly Guards None = new(false, false, false);
}

/// <summary>PITR as the endpoint reports it.</summary>
public enum Pitr { On, Off, NotSupported }

/// <summary>What protects a table, as DynamoDB describes it: deletion protection, PITR, encryption at rest.</summary>
public sealed record Protection(bool DeletionProtection, Pitr Pitr, SSEDescription? Encryption, bool Local)
{
    /// <param name="backups">DescribeContinuousBackups' answer; null where the endpoint does not support it.</param>
    public static Protection Of(TableDescription t, ContinuousBackupsDescription? backups) => new(
        t.DeletionProtectionEnabled == true,
        backups is null ? Pitr.NotSupported : PitrOn(backups) ? Pitr.On : Pitr.Off,
        t.SSEDescription,
        Tables.IsLocal(t));

    /// <summary>
    /// Turns on the guards a table lacks (never off) and returns what the table then has, and the
    /// guards this call turned on (ManagedKey never: encryption is chosen at creation). PITR that the
    /// endpoint does not support (DynamoDB Local) is left alone.
    /// </summary>
    public static async Task<(Protection State, Guards TurnedOn)> TurnOn(IAmazonDynamoDB client, TableDescription table, Guards guards,
        CancellationToken ct)
    {
        var name = table.TableName;
        var turnedOn = Guards.None;
        if (guards.DeletionProtection && table.DeletionProtectionEnabled != true)
        {
            table = (await client.UpdateTableAsync(new UpdateTableRequest { TableName = name, DeletionProtectionEnabled = true }, ct)).TableDescription;
            table.DeletionProtectionEnabled = true; // the answer may still describe the update under way
            turnedOn = turnedOn with { DeletionProtection = true };
        }
        var backups = await ContinuousBackups(client, name, ct);
        if (guards.PointInTimeRecovery && backups is not null && !PitrOn(backups))
        {
            backups = await EnablePitr(client, name, ct);
            turnedOn = turnedOn with { PointInTimeRecovery = true };
        }
        return (Protection.Of(table, backups), turnedOn);
    }

    static bool PitrOn(ContinuousBackupsDescription b) =>
        b.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus == PointInTimeRecoveryStatus.ENABLED;

    /// <summary>The table's continuous backups, or null where the endpoint has none (DynamoDB Local).</summary>
    static async Task<ContinuousBackupsDescription?> ContinuousBackups(IAmazonDynamoDB client, string table, CancellationToken ct)
    {
        try
        {
            return (await client.DescribeContinuousBackupsAsync(new() { TableName = table }, ct)).ContinuousBackupsDescription;
        }
        catch (AmazonDynamoDBException e) when (e.ErrorCode == "UnknownOperationException")
        {
            return null;
        }
    }

    static async Task<ContinuousBackupsDescription> EnablePitr(IAmazonDynamoDB client, string table, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
            try
            {
                return (await client.UpdateContinuousBackupsAsync(new()
                {
                    TableName = table,
                    PointInTimeRecoverySpecification = new() { PointInTimeRecoveryEnabled = true },
                }, ct)).ContinuousBackupsDescription;
            }
            catch (ContinuousBackupsUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), ct); // a new table takes a moment before backups can be turned on
            }
    }
}
