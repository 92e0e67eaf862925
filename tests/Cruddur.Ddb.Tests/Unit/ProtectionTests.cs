using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>schema-load prod's protection summary, from what DynamoDB describes (lib/data/Protection.cs).</summary>
public sealed class ProtectionTests
{
    const string Arn = "arn:aws:dynamodb:eu-west-2:123456789012:table/t";
    const string Key = "arn:aws:kms:eu-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    static readonly Guards All = new(true, true, true);

    static TableDescription Table(bool deletion = true, SSEDescription? sse = null, string arn = Arn) =>
        new() { TableName = "tbl", TableArn = arn, DeletionProtectionEnabled = deletion, SSEDescription = sse };

    static ContinuousBackupsDescription Backups(bool on) => new()
    {
        ContinuousBackupsStatus = ContinuousBackupsStatus.ENABLED,
        PointInTimeRecoveryDescription = new() { PointInTimeRecoveryStatus = on ? PointInTimeRecoveryStatus.ENABLED : PointInTimeRecoveryStatus.DISABLED },
    };

    static Dictionary<string, string> Render(TableDescription t, ContinuousBackupsDescription? b, Guards asked, bool created) =>
        ProtectionLines.Fields(Protection.Of(t, b), asked, created, "tbl", ("--no-deletion-protection", "--no-pitr", "--aws-owned-key")).ToDictionary(f => f.Item1, f => f.Item2);

    static readonly SSEDescription ManagedKey = new() { Status = SSEStatus.ENABLED, SSEType = SSEType.KMS, KMSMasterKeyArn = Key };

    [Fact]
    public void A_new_table_with_every_guard_says_on_and_names_the_key_arn_it_really_has()
    {
        var r = Render(Table(sse: ManagedKey), Backups(true), All, created: true);

        Assert.Equal("on", r["deletion protection"]);
        Assert.Equal("on", r["point-in-time recovery"]);
        Assert.Equal($"KMS key {Key}", r["encryption"]);
    }

    [Fact]
    public void An_existing_table_without_kms_is_not_said_to_have_declined_it()
    {
        var r = Render(Table(sse: null), Backups(true), All, created: false);

        Assert.StartsWith("AWS owned key (an existing table keeps its key; for the AWS managed key: aws dynamodb update-table --table-name tbl --sse-specification Enabled=true,SSEType=KMS)", r["encryption"]);
        Assert.DoesNotContain("declined", r["encryption"]);
    }

    [Fact]
    public void A_customer_key_is_shown_as_the_key_it_is()
    {
        var customer = "arn:aws:kms:eu-west-2:123456789012:key/11111111-2222-3333-4444-555555555555";
        var r = Render(Table(sse: new() { Status = SSEStatus.ENABLED, SSEType = SSEType.KMS, KMSMasterKeyArn = customer }), Backups(true), All, created: false);

        Assert.Equal($"KMS key {customer}", r["encryption"]);
    }

    [Fact]
    public void Encryption_being_updated_is_said_to_be_updating_not_an_aws_owned_key()
    {
        var r = Render(Table(sse: new() { Status = SSEStatus.UPDATING, SSEType = SSEType.KMS, KMSMasterKeyArn = Key }), Backups(true), All, created: false);

        Assert.Equal($"KMS, UPDATING (key {Key})", r["encryption"]);
    }

    [Fact]
    public void Pitr_already_on_is_said_to_be_on_even_with_no_pitr()
    {
        var r = Render(Table(), Backups(true), All with { PointInTimeRecovery = false }, created: false);

        Assert.Equal("on (already on: --no-pitr never turns it off)", r["point-in-time recovery"]);
    }

    [Fact]
    public void Each_declined_guard_says_which_option_declined_it()
    {
        var r = Render(Table(deletion: false), Backups(false), new Guards(false, false, false), created: true);

        Assert.Equal("off (declined: --no-deletion-protection)", r["deletion protection"]);
        Assert.Equal("off (declined: --no-pitr)", r["point-in-time recovery"]);
        Assert.Equal("AWS owned key (declined: --aws-owned-key)", r["encryption"]);
    }

    [Fact]
    public void Dynamodb_local_reports_no_pitr_and_no_encryption()
    {
        var r = Render(Table(arn: "arn:aws:dynamodb:ddblocal:000000000000:table/t"), null, All, created: true);

        Assert.Equal("not supported by this endpoint", r["point-in-time recovery"]);
        Assert.Equal("not reported (DynamoDB Local does not encrypt)", r["encryption"]);
    }
}
