// The one codec of attribute values: DynamoDB's JSON ({"pk": {"S": "..."}}) read as the SDK's values
// (stream records, scan's text lines), and either written as plain JSON ({"pk": "..."}) or as text, the
// same from both: scan writes DynamoDB's JSON as it arrived, stream --print and the patterns the SDK's.
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

public static class Attributes
{
    /// <summary>JSON as the scripts write it: non-ASCII text as it is, not escaped.</summary>
    public static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>An item in DynamoDB's JSON ({"pk": {"S": "..."}}) as the SDK's attribute values.</summary>
    public static Item Read(JsonElement json) => json.EnumerateObject().ToDictionary(p => p.Name, p => Value(p.Value));

    static AttributeValue Value(JsonElement v)
    {
        var (type, x) = v.EnumerateObject().Select(p => (p.Name, p.Value)).First();
        return type switch
        {
            "S" => new() { S = x.GetString() },
            "N" => new() { N = x.GetString() },
            "BOOL" => new() { BOOL = x.GetBoolean() },
            "NULL" => new() { NULL = true },
            "B" => new() { B = new MemoryStream(x.GetBytesFromBase64()) },
            "M" => new() { M = Read(x) },
            "L" => new() { L = x.EnumerateArray().Select(Value).ToList() },
            "SS" => new() { SS = x.EnumerateArray().Select(e => e.GetString()!).ToList() },
            "NS" => new() { NS = x.EnumerateArray().Select(e => e.GetString()!).ToList() },
            "BS" => new() { BS = x.EnumerateArray().Select(e => new MemoryStream(e.GetBytesFromBase64())).ToList() },
            _ => throw new AmazonDynamoDBException($"unknown attribute type {type} in a stream record"),
        };
    }

    /// <summary>A value in DynamoDB's JSON ({"S": "..."}) without its type wrapper, as the SDK's value is written below.</summary>
    public static void WritePlain(Utf8JsonWriter w, JsonElement wrapped)
    {
        using var e = wrapped.EnumerateObject();
        if (!e.MoveNext())
        {
            w.WriteNullValue();
            return;
        }
        var (type, v) = (e.Current.Name, e.Current.Value);
        switch (type)
        {
            case "S" or "B" or "BOOL" or "SS" or "BS": v.WriteTo(w); break; // base64 stays base64
            case "N": w.WriteRawValue(v.GetString()!); break;
            case "NULL": w.WriteNullValue(); break;
            case "M":
                w.WriteStartObject();
                foreach (var p in v.EnumerateObject()) { w.WritePropertyName(p.Name); WritePlain(w, p.Value); }
                w.WriteEndObject();
                break;
            case "L":
                w.WriteStartArray();
                foreach (var x in v.EnumerateArray()) WritePlain(w, x);
                w.WriteEndArray();
                break;
            case "NS":
                w.WriteStartArray();
                foreach (var n in v.EnumerateArray()) w.WriteRawValue(n.GetString()!);
                w.WriteEndArray();
                break;
            default: w.WriteNullValue(); break;
        }
    }

    /// <summary>An item in DynamoDB's JSON as a JSON object with plain values (scan --json), as the SDK's items are written below.</summary>
    public static void WriteItem(Utf8JsonWriter w, JsonElement item)
    {
        w.WriteStartObject();
        foreach (var attribute in item.EnumerateObject())
        {
            w.WritePropertyName(attribute.Name);
            WritePlain(w, attribute.Value);
        }
        w.WriteEndObject();
    }

    /// <summary>An item as a JSON object with plain values, {"pk": "...", "n": 3}, without DynamoDB's type
    /// wrappers: as scan --json writes them from DynamoDB's JSON, so the two agree.</summary>
    public static void WriteItem(Utf8JsonWriter w, Dictionary<string, AttributeValue> item)
    {
        w.WriteStartObject();
        foreach (var (name, v) in item)
        {
            w.WritePropertyName(name);
            WritePlain(w, v);
        }
        w.WriteEndObject();
    }

    /// <summary>The SDK's value without its type wrapper: strings, numbers, booleans, null, base64, nested.</summary>
    public static void WritePlain(Utf8JsonWriter w, AttributeValue v)
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

    /// <summary>A value as one piece of text: strings and numbers as they are, anything else as compact plain JSON.</summary>
    public static string Text(AttributeValue? v) =>
        v is null ? "" : v.S ?? v.N ?? (v.BOOL is { } b ? (b ? "true" : "false") : v.NULL == true ? "null" : Compact(v));

    static string Compact(AttributeValue v)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, JsonOptions)) WritePlain(w, v);
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
