// A table's description as a summary, rendered as aligned text fields (describe-table, schema-load)
// or as one JSON object of data (describe-table --json), both from the same values.
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

public static class TableSummary
{
    /// <summary>The fields that describe a table, shared by schema-load and describe-table; the
    /// protection lines only with <paramref name="protection"/> (schema-load says them its own way).</summary>
    public static IEnumerable<(string, string)> Fields(TableDescription t, bool protection = true)
    {
        static string Keys(IEnumerable<KeySchemaElement>? k) =>
            k is null ? "-" : string.Join(", ", k.Select(e => $"{e.AttributeName} ({e.KeyType?.Value})"));
        static string Capacity(ProvisionedThroughputDescription? p) =>
            p is null ? "-" : $"{p.ReadCapacityUnits ?? 0} read / {p.WriteCapacityUnits ?? 0} write";
        var billing = t.BillingModeSummary?.BillingMode?.Value ?? "PROVISIONED";
        yield return ("status", t.TableStatus?.Value ?? "-");
        yield return ("key", Keys(t.KeySchema));
        yield return ("attributes", string.Join(", ", (t.AttributeDefinitions ?? []).Select(a => $"{a.AttributeName} ({a.AttributeType?.Value})")));
        yield return ("billing", billing == "PROVISIONED" ? $"PROVISIONED, {Capacity(t.ProvisionedThroughput)}" : billing);
        foreach (var g in t.GlobalSecondaryIndexes ?? [])
            yield return ("index", $"{g.IndexName}: {Keys(g.KeySchema)}, projection {g.Projection?.ProjectionType?.Value}, "
                + (billing == "PROVISIONED" ? Capacity(g.ProvisionedThroughput) + ", " : "") + (g.IndexStatus?.Value ?? "-"));
        yield return ("stream", t.StreamSpecification is { StreamEnabled: true } s
            ? $"{s.StreamViewType?.Value} {t.LatestStreamArn}" : "off");
        yield return ("items", $"{t.ItemCount ?? 0} (about {Bytes(t.TableSizeBytes ?? 0)}, refreshed by DynamoDB every ~6 hours)");
        if (protection)
        {
            yield return ("deletion protection", t.DeletionProtectionEnabled == true ? "on" : "off");
            yield return ("encryption", Encryption(t.SSEDescription, Tables.IsLocal(t)));
        }
        yield return ("created", t.CreationDateTime?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'") ?? "-");
        yield return ("arn", t.TableArn ?? "-");
    }

    /// <summary>Encryption at rest as DynamoDB reports it. A KMS key ARN is always key/&lt;id&gt;, whether it is the
    /// AWS managed key (aws/dynamodb) or a customer's: telling them apart would take KMS DescribeKey.</summary>
    public static string Encryption(SSEDescription? sse, bool local) => sse switch
    {
        null when local => "not reported (DynamoDB Local does not encrypt)",
        null => "AWS owned key",
        { Status: var s } when s == SSEStatus.ENABLED => $"KMS key {sse.KMSMasterKeyArn ?? "(ARN not reported)"}",
        { Status: var s } when s == SSEStatus.DISABLED => "AWS owned key",
        _ => $"KMS, {sse.Status?.Value ?? "status unknown"}" + (sse.KMSMasterKeyArn is { } arn ? $" (key {arn})" : ""),
    };

    /// <summary>
    /// A table's description as one JSON object of data: numbers as numbers, lists as arrays, sizes in
    /// bytes, times in ISO 8601, absent things as null (the shape is in the README).
    /// </summary>
    public static void Json(Utf8JsonWriter w, TableDescription t)
    {
        static void Keys(Utf8JsonWriter w, IEnumerable<KeySchemaElement>? keys)
        {
            w.WriteStartArray("key");
            foreach (var k in keys ?? []) { w.WriteStartObject(); w.WriteString("name", k.AttributeName); w.WriteString("type", k.KeyType?.Value); w.WriteEndObject(); }
            w.WriteEndArray();
        }
        static void Capacity(Utf8JsonWriter w, ProvisionedThroughputDescription? p)
        {
            if (p?.ReadCapacityUnits is > 0 || p?.WriteCapacityUnits is > 0)
            {
                w.WriteNumber("read_capacity_units", p.ReadCapacityUnits ?? 0);
                w.WriteNumber("write_capacity_units", p.WriteCapacityUnits ?? 0);
            }
            else { w.WriteNull("read_capacity_units"); w.WriteNull("write_capacity_units"); }
        }
        var local = Tables.IsLocal(t);
        w.WriteStartObject();
        w.WriteString("name", t.TableName);
        w.WriteString("status", t.TableStatus?.Value);
        Keys(w, t.KeySchema);
        w.WriteStartObject("attributes");
        foreach (var a in t.AttributeDefinitions ?? []) w.WriteString(a.AttributeName, a.AttributeType?.Value);
        w.WriteEndObject();
        w.WriteString("billing_mode", t.BillingModeSummary?.BillingMode?.Value ?? "PROVISIONED");
        Capacity(w, t.ProvisionedThroughput);
        w.WriteStartArray("indexes");
        foreach (var g in t.GlobalSecondaryIndexes ?? [])
        {
            w.WriteStartObject();
            w.WriteString("name", g.IndexName);
            Keys(w, g.KeySchema);
            w.WriteString("projection", g.Projection?.ProjectionType?.Value);
            Capacity(w, g.ProvisionedThroughput);
            w.WriteString("status", g.IndexStatus?.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (t.StreamSpecification is { StreamEnabled: true } s)
        {
            w.WriteStartObject("stream");
            w.WriteString("view_type", s.StreamViewType?.Value);
            w.WriteString("arn", t.LatestStreamArn);
            w.WriteEndObject();
        }
        else w.WriteNull("stream");
        w.WriteNumber("item_count", t.ItemCount ?? 0);
        w.WriteNumber("size_bytes", t.TableSizeBytes ?? 0);
        w.WriteBoolean("deletion_protection", t.DeletionProtectionEnabled == true);
        w.WriteStartObject("encryption");
        w.WriteString("type", t.SSEDescription is { Status: var st } && st == SSEStatus.ENABLED ? "KMS" : local ? null : "AWS_OWNED"); // DynamoDB Local does not encrypt
        w.WriteString("kms_key_arn", t.SSEDescription?.KMSMasterKeyArn);
        w.WriteEndObject();
        if (t.CreationDateTime is { } created) w.WriteString("created", created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")); else w.WriteNull("created");
        w.WriteString("arn", t.TableArn);
        w.WriteEndObject();
    }

    static string Bytes(long b) => b < 1024 ? $"{b} B" : b < 1 << 20 ? $"{b / 1024.0:0.#} KiB" : $"{b / 1048576.0:0.#} MiB";
}
