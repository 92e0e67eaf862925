// What the scripts print: human tables on stdout (like the AWS CLI's --output table), JSON with --json.
// Colours only on a terminal and never with NO_COLOR. (Progress bars: Seed.cs.)
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

public static class Output
{
    public static bool Colour =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) && !Console.IsOutputRedirected;

    /// <summary>
    /// A table like the AWS CLI's --output table: a title, column headers (none for one column), one
    /// row each. Written by hand: rendering it with Spectre.Console cost ~60 ms of start-up (bench/).
    /// </summary>
    public static void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var body = rows.ToList();
        var headers = columns.Count > 1;
        var widths = columns.Select((c, i) => body.Select(r => r[i].Length).Append(headers ? c.Length : 0).Max()).ToArray();
        var inner = Math.Max(widths.Sum() + 3 * (widths.Length - 1), title.Length);
        widths[^1] += inner - (widths.Sum() + 3 * (widths.Length - 1)); // a long title widens the last column
        string Line(IReadOnlyList<string> cells) => "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
        var rule = "+" + new string('-', inner + 2) + "+";
        var text = new StringBuilder();
        var pad = (inner + 4 - title.Length) / 2;
        text.Append(new string(' ', pad)).Append(title).Append('\n').Append(rule).Append('\n');
        if (headers)
            text.Append(Line(columns)).Append('\n').Append("|" + string.Join("+", widths.Select(w => new string('-', w + 2))) + "|").Append('\n');
        foreach (var row in body) text.Append(Line(row)).Append('\n');
        text.Append(rule).Append('\n');
        Console.Out.Write(text);
    }

    /// <summary>Name/value lines under a title, e.g. a table summary; names grey and title bold on a terminal.</summary>
    public static void Fields(string title, IEnumerable<(string Name, string Value)> fields)
    {
        var rows = fields.ToList();
        var width = rows.Count == 0 ? 0 : rows.Max(f => f.Name.Length) + 2;
        var (bold, grey, reset) = Colour ? ("\u001b[1m", "\u001b[90m", "\u001b[0m") : ("", "", "");
        var text = new StringBuilder().Append(bold).Append(title).Append(reset).Append('\n');
        foreach (var (name, value) in rows)
            text.Append(grey).Append(name.PadRight(width)).Append(reset).Append(value).Append('\n');
        Console.Out.Write(text);
    }

    /// <summary>The fields that describe a table, shared by schema-load and describe-table; the
    /// protection lines only with <paramref name="protection"/> (schema-load says them its own way).</summary>
    public static IEnumerable<(string, string)> TableFields(TableDescription t, bool protection = true)
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
            yield return ("encryption", Encryption(t.SSEDescription, t.TableArn?.Contains(":ddblocal:", StringComparison.Ordinal) == true));
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

    static string Bytes(long b) => b < 1024 ? $"{b} B" : b < 1 << 20 ? $"{b / 1024.0:0.#} KiB" : $"{b / 1048576.0:0.#} MiB";

    // ---- JSON -------------------------------------------------------------------------------

    static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Utf8JsonWriter JsonWriter(Stream stream, bool indented = false) =>
        new(stream, JsonOptions with { Indented = indented });

    /// <summary>An item as plain JSON ({"pk": "..."}), or with the type wrappers ({"pk": {"S": "..."}}) when raw.</summary>
    public static void WriteItem(Utf8JsonWriter w, Dictionary<string, AttributeValue> item, bool raw)
    {
        w.WriteStartObject();
        foreach (var (name, value) in item)
        {
            w.WritePropertyName(name);
            if (raw) WriteRaw(w, value); else WritePlain(w, value);
        }
        w.WriteEndObject();
    }

    static void WritePlain(Utf8JsonWriter w, AttributeValue v)
    {
        if (v.S is not null) w.WriteStringValue(v.S);
        else if (v.N is not null) w.WriteRawValue(v.N);
        else if (v.BOOL is { } b) w.WriteBooleanValue(b);
        else if (v.NULL == true) w.WriteNullValue();
        else if (v.B is not null) w.WriteBase64StringValue(v.B.ToArray());
        else if (v.M is not null)
        {
            w.WriteStartObject();
            foreach (var (k, x) in v.M) { w.WritePropertyName(k); WritePlain(w, x); }
            w.WriteEndObject();
        }
        else if (v.L is not null) { w.WriteStartArray(); foreach (var x in v.L) WritePlain(w, x); w.WriteEndArray(); }
        else if (v.SS is not null) { w.WriteStartArray(); foreach (var s in v.SS) w.WriteStringValue(s); w.WriteEndArray(); }
        else if (v.NS is not null) { w.WriteStartArray(); foreach (var n in v.NS) w.WriteRawValue(n); w.WriteEndArray(); }
        else if (v.BS is not null) { w.WriteStartArray(); foreach (var b2 in v.BS) w.WriteBase64StringValue(b2.ToArray()); w.WriteEndArray(); }
        else w.WriteNullValue();
    }

    static void WriteRaw(Utf8JsonWriter w, AttributeValue v)
    {
        w.WriteStartObject();
        if (v.S is not null) w.WriteString("S", v.S);
        else if (v.N is not null) w.WriteString("N", v.N);
        else if (v.BOOL is { } b) w.WriteBoolean("BOOL", b);
        else if (v.NULL == true) w.WriteBoolean("NULL", true);
        else if (v.B is not null) w.WriteBase64String("B", v.B.ToArray());
        else if (v.M is not null)
        {
            w.WriteStartObject("M");
            foreach (var (k, x) in v.M) { w.WritePropertyName(k); WriteRaw(w, x); }
            w.WriteEndObject();
        }
        else if (v.L is not null) { w.WriteStartArray("L"); foreach (var x in v.L) WriteRaw(w, x); w.WriteEndArray(); }
        else if (v.SS is not null) { w.WriteStartArray("SS"); foreach (var s in v.SS) w.WriteStringValue(s); w.WriteEndArray(); }
        else if (v.NS is not null) { w.WriteStartArray("NS"); foreach (var n in v.NS) w.WriteStringValue(n); w.WriteEndArray(); }
        else if (v.BS is not null) { w.WriteStartArray("BS"); foreach (var b2 in v.BS) w.WriteBase64StringValue(b2.ToArray()); w.WriteEndArray(); }
        w.WriteEndObject();
    }

    /// <summary>
    /// Standard output as a plain file stream. .NET's console stream ignores EPIPE, so `scan | head -1`
    /// would read the whole table into a closed pipe; this one throws IOException("Broken pipe"),
    /// which Cli.Run turns into a quiet exit 0.
    /// </summary>
    public static Stream OpenStdout() =>
        new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);

    /// <summary>Writes one JSON document (an object or array built by <paramref name="write"/>) to stdout.</summary>
    public static void Json(Action<Utf8JsonWriter> write)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = JsonWriter(stdout, indented: true)) write(w);
        stdout.Write("\n"u8);
    }

    /// <summary>A value shortened to <paramref name="max"/> characters for one-line output.</summary>
    public static string Clip(string? s, int max)
    {
        s = (s ?? "").ReplaceLineEndings(" ");
        return s.Length <= max ? s : s[..(max - 1)] + "…";
    }

    public static string Plain(AttributeValue? v) =>
        v is null ? "" : v.S ?? v.N ?? (v.BOOL is { } b ? (b ? "true" : "false") : v.NULL == true ? "null" : Compact(v));

    static string Compact(AttributeValue v)
    {
        using var ms = new MemoryStream();
        using (var w = JsonWriter(ms)) WritePlain(w, v);
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
