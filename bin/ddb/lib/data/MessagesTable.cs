// The cruddur-messages table as the bootcamp defines it, and how to compare a live table with it.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

public static class MessagesTable
{
    /// <summary>The attribute DynamoDB's time to live removes items by: only the seed's lease item carries it,
    /// so that a lease left by a killed run goes by itself (schema-load turns TTL on for it).</summary>
    public const string TtlAttribute = "ttl";

    /// <summary>Time to live as the definition wants it: on for <see cref="TtlAttribute"/>.</summary>
    public static readonly Tables.Ttl WantedTtl = new(true, TtlAttribute, false);

    /// <summary>The AWS CLI's option that gives a stream's Lambda trigger an INSERT-only filter: the messaging Lambda then
    /// sees new messages only, never the REMOVE records of a reseed, on which the bootcamp's one fails.</summary>
    public const string InsertOnlyFilter = """--filter-criteria '{"Filters":[{"Pattern":"{\"eventName\":[\"INSERT\"]}"}]}'""";

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
                IndexName = Items.GroupIndex,
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

    /// <summary>How a difference can be mended: in place (UpdateTable), by rebuilding the index (no data
    /// lost), or only by dropping and loading the table again (every item lost).</summary>
    public enum Fix { InPlace, RebuildIndex, Recreate }

    /// <summary>
    /// What the definition wants of time to live (on for <see cref="TtlAttribute"/>) against what the table has, as a
    /// difference (null when they agree); <paramref name="found"/> is what the table has, in words, or why it is unknown.
    /// </summary>
    public static Difference? TtlDifference(string table, string found, string cli) =>
        found == WantedTtl.ToString() ? null
            : new("time to live", WantedTtl.ToString(), found, Fix.InPlace,
                $"{cli} --table-name {table} --time-to-live-specification Enabled=true,AttributeName={TtlAttribute}"
                + (found.StartsWith("on for", StringComparison.Ordinal) ? "  # after turning the other attribute's off: a table has one" : ""));

    /// <summary>One way a live table differs from the definition, and the AWS CLI command that mends it (null: drop and load again).</summary>
    public sealed record Difference(string What, string Expected, string Found, Fix Fix, string? Command);

    /// <summary>
    /// Every way the live table differs from <see cref="Definition"/>. Capacity, billing mode, the
    /// stream and the index are mended in place with UpdateTable; only the table's own keys need a
    /// new table. <paramref name="updateTable"/> is the AWS CLI's update-table where the table lives
    /// (DdbContext.AwsCli: endpoint, region and, locally, placeholder keys), which the commands extend.
    /// </summary>
    public static List<Difference> Differences(TableDescription live, string updateTable = "aws dynamodb update-table")
    {
        var name = live.TableName;
        var want = Definition(name);
        var diffs = new List<Difference>();
        var update = $"{updateTable} --table-name {name}";
        void Check(string what, string expected, string found, Fix fix, string? command)
        {
            if (expected != found) diffs.Add(new(what, expected, found, fix, command));
        }
        var throughput = $"ReadCapacityUnits={ReadCapacity},WriteCapacityUnits={WriteCapacity}";
        var gsi = want.GlobalSecondaryIndexes[0];
        var indexCapacity = $$"""{"ReadCapacityUnits":{{ReadCapacity}},"WriteCapacityUnits":{{WriteCapacity}}}""";
        var createIndex = $"{update} --attribute-definitions AttributeName=message_group_uuid,AttributeType=S AttributeName=sk,AttributeType=S "
            + "--global-secondary-index-updates '[{\"Create\":{\"IndexName\":\"" + Items.GroupIndex + "\",\"KeySchema\":["
            + "{\"AttributeName\":\"message_group_uuid\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
            + "\"Projection\":{\"ProjectionType\":\"ALL\"},\"ProvisionedThroughput\":" + indexCapacity + "}}]'";
        var deleteIndex = $"{update} --global-secondary-index-updates '[{{\"Delete\":{{\"IndexName\":\"{Items.GroupIndex}\"}}}}]'";

        Check("key schema", Keys(want.KeySchema), Keys(live.KeySchema), Fix.Recreate, null);
        Check("key attributes", Attrs(want.AttributeDefinitions, want.KeySchema), Attrs(live.AttributeDefinitions, live.KeySchema), Fix.Recreate, null);
        var billing = BillingOf(live);
        var hasIndex = live.GlobalSecondaryIndexes?.Any(g => g.IndexName == Items.GroupIndex) == true;
        // the index's capacity goes with the billing change only if the index exists; one created later brings its own
        Check("billing mode", want.BillingMode.Value, billing, Fix.InPlace,
            $"{update} --billing-mode PROVISIONED --provisioned-throughput {throughput}" + (hasIndex ? " --global-secondary-index-updates "
            + $"'[{{\"Update\":{{\"IndexName\":\"{Items.GroupIndex}\",\"ProvisionedThroughput\":{indexCapacity}}}}}]'" : ""));
        if (billing == BillingMode.PROVISIONED.Value)
            Check("table capacity", Capacity(ReadCapacity, WriteCapacity),
                Capacity(live.ProvisionedThroughput?.ReadCapacityUnits, live.ProvisionedThroughput?.WriteCapacityUnits),
                Fix.InPlace, $"{update} --provisioned-throughput {throughput}");
        // NEW_AND_OLD_IMAGES carries everything NEW_IMAGE does: the messaging Lambda and the stream script read either
        var stream = live.StreamSpecification is { StreamEnabled: true } s
            ? s.StreamViewType == StreamViewType.NEW_AND_OLD_IMAGES ? $"on, {StreamViewType.NEW_IMAGE.Value}" : $"on, {s.StreamViewType?.Value}"
            : "off";
        Check("stream", $"on, {StreamViewType.NEW_IMAGE.Value}", stream, Fix.InPlace,
            (stream == "off" ? "" : $"{update} --stream-specification StreamEnabled=false && ")
            + $"{update} --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE"
            + (stream == "off" ? "" : "  # a new stream, with a new ARN: create the messaging Lambda's trigger again on it, "
                + $"with an INSERT-only filter: {InsertOnlyFilter}"));

        var found = live.GlobalSecondaryIndexes?.FirstOrDefault(g => g.IndexName == Items.GroupIndex);
        if (found is null)
            diffs.Add(new($"index {Items.GroupIndex}", "present", "missing", Fix.InPlace, createIndex));
        else
        {
            var rebuild = $"{deleteIndex} && (wait until it is gone) {createIndex}";
            Check($"index {Items.GroupIndex} keys", Keys(gsi.KeySchema), Keys(found.KeySchema), Fix.RebuildIndex, rebuild);
            Check($"index {Items.GroupIndex} projection", gsi.Projection.ProjectionType.Value, found.Projection?.ProjectionType?.Value ?? "none", Fix.RebuildIndex, rebuild);
            if (billing == BillingMode.PROVISIONED.Value)
                Check($"index {Items.GroupIndex} capacity", Capacity(ReadCapacity, WriteCapacity),
                    Capacity(found.ProvisionedThroughput?.ReadCapacityUnits, found.ProvisionedThroughput?.WriteCapacityUnits), Fix.InPlace,
                    $"{update} --global-secondary-index-updates '[{{\"Update\":{{\"IndexName\":\"{Items.GroupIndex}\",\"ProvisionedThroughput\":{indexCapacity}}}}}]'");
        }
        return diffs;
    }

    /// <summary>
    /// What the scripts' reads and writes need of a table, whatever else it has: keys pk and sk (strings)
    /// and the index message-group-sk-index on message_group_uuid and sk. Null when the table has them.
    /// </summary>
    public static NotShaped? ShapeProblem(TableDescription live)
    {
        var want = Definition(live.TableName);
        if (Keys(live.KeySchema) != Keys(want.KeySchema) || Attrs(live.AttributeDefinitions, live.KeySchema) != Attrs(want.AttributeDefinitions, want.KeySchema))
            return new(live.TableName, ShapeMismatch.Keys, KeysAndTypes(live.KeySchema, live.AttributeDefinitions),
                KeysAndTypes(want.KeySchema, want.AttributeDefinitions));
        var index = live.GlobalSecondaryIndexes?.FirstOrDefault(g => g.IndexName == Items.GroupIndex);
        if (index is null) return new(live.TableName, ShapeMismatch.NoIndex, index: Items.GroupIndex);
        if (Keys(index.KeySchema) != Keys(want.GlobalSecondaryIndexes[0].KeySchema))
            return new(live.TableName, ShapeMismatch.IndexKeys, Keys(index.KeySchema), Keys(want.GlobalSecondaryIndexes[0].KeySchema), Items.GroupIndex);
        return null;
    }

    static string BillingOf(TableDescription t) => t.BillingModeSummary?.BillingMode?.Value ?? BillingMode.PROVISIONED.Value;

    static string Keys(IEnumerable<KeySchemaElement>? keys) =>
        keys is null ? "none" : string.Join(", ", keys.Select(k => $"{k.AttributeName} {k.KeyType?.Value}"));

    static string KeysAndTypes(List<KeySchemaElement>? keys, List<AttributeDefinition>? attrs) =>
        Attrs(attrs, keys) is { Length: > 0 } types && types != "none" ? $"{Keys(keys)} ({types})" : Keys(keys);

    /// <summary>The types of the key attributes only: other attribute definitions belong to other indexes.</summary>
    static string Attrs(IEnumerable<AttributeDefinition>? attrs, IEnumerable<KeySchemaElement>? keys)
    {
        var names = (keys ?? []).Select(k => k.AttributeName).ToHashSet();
        return attrs is null ? "none" : string.Join(", ", attrs.Where(a => names.Contains(a.AttributeName))
            .OrderBy(a => a.AttributeName, StringComparer.Ordinal).Select(a => $"{a.AttributeName} {a.AttributeType?.Value}"));
    }

    static string Capacity(long? read, long? write) => $"{read ?? 0} read / {write ?? 0} write";

    /// <summary>
    /// Creates the table unless it exists and waits until it is ACTIVE. Returns its description and
    /// whether this call created it (false also when someone else was creating it at the same time).
    /// </summary>
    public static async Task<(TableDescription Table, bool Created)> Ensure(IAmazonDynamoDB client, string table, CancellationToken ct, Guards? guards = null)
    {
        var created = false;
        if (await Tables.TryDescribe(client, table, ct) is null)
            try
            {
                await client.CreateTableAsync(Definition(table, guards), ct);
                created = true;
            }
            catch (ResourceInUseException)
            {
                // being created by another run at this moment: wait for it like for our own
            }
        return (await Tables.WaitActive(client, table, TimeSpan.FromMinutes(5), ct), created);
    }
}
