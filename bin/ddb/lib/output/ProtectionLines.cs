// The protection lines of schema-load's summary: what protects the table, and why a guard is off.
namespace Cruddur.Ddb;

public static class ProtectionLines
{
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
