// DynamoDB's JSON for attribute values ({"pk": {"S": "..."}}) read as the SDK's attribute values: stream
// records, and scan's text lines. (scan writes DynamoDB's JSON as it arrived, never from the SDK's objects.)
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

using Item = Dictionary<string, AttributeValue>;

public static class AttributeJson
{
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
