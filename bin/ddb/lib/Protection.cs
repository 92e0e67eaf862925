// What protects a prod table (deletion protection, point-in-time recovery, encryption at rest):
// what schema-load asks for, what the table really has, and the summary lines that say it.
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
        backups is null ? Pitr.NotSupported
            : backups.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus == PointInTimeRecoveryStatus.ENABLED ? Pitr.On : Pitr.Off,
        t.SSEDescription,
        Tables.IsLocal(t));

    /// <summary>
    /// The protection lines of a summary: what the table has, and why, where the user declined a guard
    /// (naming the option of <paramref name="declinedBy"/> that did) or the existing table was left as it was.
    /// </summary>
    public static List<(string, string)> Fields(Protection p, Guards asked, bool created, string table,
        (string DeletionProtection, string Pitr, string ManagedKey) declinedBy)
    {
        var fields = new List<(string, string)>
        {
            ("deletion protection", p.DeletionProtection ? "on" : asked.DeletionProtection ? "off" : $"off (declined: {declinedBy.DeletionProtection})"),
            ("point-in-time recovery", p.Pitr switch
            {
                Pitr.NotSupported => "not supported by this endpoint",
                Pitr.On => asked.PointInTimeRecovery ? "on" : $"on (already on: {declinedBy.Pitr} never turns it off)",
                _ => asked.PointInTimeRecovery ? "off" : $"off (declined: {declinedBy.Pitr})",
            }),
        };
        var encryption = TableSummary.Encryption(p.Encryption, p.Local);
        if (!p.Local && p.Encryption is null)
            encryption += !asked.ManagedKey ? $" (declined: {declinedBy.ManagedKey})"
                : created ? ""
                : $" (an existing table keeps its key; for the AWS managed key: aws dynamodb update-table --table-name {table} --sse-specification Enabled=true,SSEType=KMS)";
        fields.Add(("encryption", encryption));
        return fields;
    }
}
