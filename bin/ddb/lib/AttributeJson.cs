// DynamoDB's JSON for attribute values ({"pk": {"S": "..."}}): written for scan --raw, read from stream
// records. One codec, so that what one writes the other reads back (a unit test round-trips them).
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

public static class AttributeJson
{
    /// <summary>An item with DynamoDB's type wrappers: {"pk": {"S": "..."}, "n": {"N": "3"}}.</summary>
    public static void Write(Utf8JsonWriter w, Item item) => Output.WriteItem(w, item, WriteRaw);

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
}
