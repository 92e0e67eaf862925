// What the scripts print: human tables on stdout (like the AWS CLI's --output table), JSON with --json,
// items one per line, and progress on a terminal. Colours only on a terminal and never with NO_COLOR.
using System.Diagnostics;
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
    public static void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows) =>
        Console.Out.Write(TableText(title, columns, rows));

    public static string TableText(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
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
        return text.ToString();
    }

    /// <summary>Name/value lines under a title, e.g. a table summary; names grey and title bold on a terminal.</summary>
    public static void Fields(string title, IEnumerable<(string Name, string Value)> fields) =>
        Console.Out.Write(FieldsText(title, fields, Colour));

    public static string FieldsText(string title, IEnumerable<(string Name, string Value)> fields, bool colour)
    {
        var rows = fields.ToList();
        var width = rows.Count == 0 ? 0 : rows.Max(f => f.Name.Length) + 2;
        var (bold, grey, reset) = colour ? ("\u001b[1m", "\u001b[90m", "\u001b[0m") : ("", "", "");
        var text = new StringBuilder().Append(bold).Append(title).Append(reset).Append('\n');
        foreach (var (name, value) in rows)
            text.Append(grey).Append(name.PadRight(width)).Append(reset).Append(value).Append('\n');
        return text.ToString();
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

    /// <summary>
    /// A table's description as one JSON object of data: numbers as numbers, lists as arrays, sizes in
    /// bytes, times in ISO 8601, absent things as null (the shape is in the README).
    /// </summary>
    public static void TableJson(Utf8JsonWriter w, TableDescription t)
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
        var local = t.TableArn?.Contains(":ddblocal:", StringComparison.Ordinal) == true;
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
    /// Standard output written with write(2) on file descriptor 1. .NET's console stream ignores EPIPE,
    /// so `scan | head -1` would read the whole table into a closed pipe, and a FileStream keeps an
    /// offset of its own, so `(scan; scan) > f` would overwrite: this one writes where the shell's
    /// descriptor points (appending after what others wrote) and throws <see cref="ReaderGone"/> when
    /// the reader has gone away, which Cli.Run turns into a quiet exit 0.
    /// </summary>
    public static Stream OpenStdout() => new StdoutStream();

    /// <summary>Writes one JSON document (an object or array built by <paramref name="write"/>) to stdout.</summary>
    public static void Json(Action<Utf8JsonWriter> write)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = JsonWriter(stdout, indented: true)) write(w);
        stdout.Write("\n"u8);
    }

    /// <summary>A value shortened to <paramref name="max"/> characters for one-line output, control characters shown as '?'.</summary>
    public static string Clip(string? s, int max)
    {
        // one line, and never a control character that a terminal would act on (a binary file's bytes)
        s = string.Concat((s ?? "").ReplaceLineEndings(" ").Select(c => char.IsControl(c) ? '?' : c));
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

    /// <summary>The consumed capacity and some fields of each item, as one JSON object: {"consumed_capacity": 0.5, "name": [...]}.</summary>
    public static void ItemsJson(double capacity, string name, IEnumerable<Dictionary<string, AttributeValue>> items, string[] fields) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("consumed_capacity", capacity);
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStartObject();
            foreach (var f in fields) w.WriteString(f, Plain(item.GetValueOrDefault(f)));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>A rough duration: "40 s", "12 min", "2.5 h".</summary>
    public static string Duration(double seconds) =>
        seconds < 90 ? $"{Math.Max(1, seconds):0} s" : seconds < 5400 ? $"{seconds / 60:0} min" : $"{seconds / 3600:0.#} h";

    // ---- progress ---------------------------------------------------------------------------

    /// <summary>
    /// Runs <paramref name="work"/> while showing how far it got on stderr: on a terminal (and only
    /// when <paramref name="onTerminal"/>) a line redrawn every 100 ms, with a bar and the time left
    /// when <paramref name="total"/> is known, erased at the end; with <paramref name="logLines"/> and
    /// no terminal, a line every 15 seconds, so that CI logs show it too.
    /// </summary>
    public static async Task Progress(string label, long total, Func<long> done, Func<Task> work, bool onTerminal = true, bool logLines = false)
    {
        var run = work();
        var clock = Stopwatch.StartNew();
        if (Console.IsErrorRedirected || !onTerminal)
        {
            while (logLines && await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(15))) != run)
                Console.Error.WriteLine($"{label}: {done()} of {total} items ({done() / clock.Elapsed.TotalSeconds:0} items/s)");
            await run;
            return;
        }
        try
        {
            while (await Task.WhenAny(run, Task.Delay(100)) != run)
                Console.Error.Write("\r" + ProgressLine(label, done(), total, clock.Elapsed) + "\u001b[K");
        }
        finally
        {
            Console.Error.Write("\r\u001b[K");
        }
        await run;
    }

    /// <summary>"seeding t [#####.....]  50% 500 of 1000 items, about 3 s left", or "scanned 500 items" when the total is unknown.</summary>
    public static string ProgressLine(string label, long done, long total, TimeSpan elapsed)
    {
        if (total <= 0) return $"{label} {done} items";
        var share = Math.Clamp((double)done / total, 0, 1);
        var filled = (int)(share * 20);
        var left = done > 0 && share < 1 ? $", about {Math.Ceiling(elapsed.TotalSeconds * (1 - share) / share):0} s left" : "";
        return $"{label} [{new string('#', filled)}{new string('.', 20 - filled)}] {share * 100,3:0}% {done} of {total} items{left}";
    }
}

/// <summary>Items one per line on a stream: JSON lines (plain values, or DynamoDB's type wrappers when raw), or readable text.</summary>
public sealed class ItemLines(Stream stream, bool json, bool raw) : IDisposable
{
    readonly Utf8JsonWriter _json = Output.JsonWriter(stream);
    readonly StreamWriter _text = new(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { AutoFlush = false };

    public void Write(Dictionary<string, AttributeValue> item)
    {
        if (json || raw)
        {
            _json.Reset(stream);
            Output.WriteItem(_json, item, raw);
            _json.Flush();
            stream.WriteByte((byte)'\n');
            return;
        }
        _text.Write($"{Output.Plain(item.GetValueOrDefault("pk")),-46} {Output.Plain(item.GetValueOrDefault("sk")),-33}");
        foreach (var (name, value) in item.Where(kv => kv.Key is not ("pk" or "sk")).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            _text.Write($" {name}={Output.Clip(Output.Plain(value), 60)}");
        _text.Write('\n');
        _text.Flush();
    }

    public void Dispose()
    {
        _json.Dispose();
        _text.Dispose();
    }
}
/// <summary>File descriptor 1 through write(2): the shared file offset, EPIPE as <see cref="ReaderGone"/>.</summary>
sealed class StdoutStream : Stream
{
    const int EINTR = 4, EAGAIN = 11, EPIPE = 32;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "write", SetLastError = true)]
    static extern nint Write(int fd, ref byte buffer, nint count);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var n = Write(1, ref System.Runtime.InteropServices.MemoryMarshal.GetReference(buffer), buffer.Length);
            if (n >= 0)
            {
                buffer = buffer[(int)n..];
                continue;
            }
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == EPIPE) throw new ReaderGone();
            if (errno == EAGAIN) Thread.Sleep(1); // a non-blocking descriptor that is full: wait for the reader
            else if (errno != EINTR)
                throw new IOException($"cannot write to standard output: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void WriteByte(byte value) => Write([value]);
    public override void Flush() { }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
