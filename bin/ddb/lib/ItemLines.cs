// Items one per line (scan), copied from DynamoDB's JSON as it arrived: readable text, plain JSON
// (values as Output.WriteItem writes the SDK's, so scan and stream --print agree), or DynamoDB's own
// JSON with its type wrappers.
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

/// <summary>Items one per line on a stream: JSON lines (plain values, or DynamoDB's type wrappers when raw), or readable text.</summary>
public sealed class ItemLines(Stream stream, bool json, bool raw) : IDisposable
{
    readonly Utf8JsonWriter _json = Output.JsonWriter(stream);
    readonly StreamWriter _text = new(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { AutoFlush = false };

    /// <summary>An item in DynamoDB's JSON as it arrived ({"pk": {"S": "..."}}): as JSON, copied out without
    /// becoming the SDK's objects; as text, pk and sk first, then the other attributes by name.</summary>
    public void Write(JsonElement item)
    {
        if (!json && !raw)
        {
            var values = AttributeJson.Read(item);
            _text.Write($"{Output.Plain(values.GetValueOrDefault("pk")),-46} {Output.Plain(values.GetValueOrDefault("sk")),-33}");
            foreach (var (name, value) in values.Where(kv => kv.Key is not ("pk" or "sk")).OrderBy(kv => kv.Key, StringComparer.Ordinal))
                _text.Write($" {name}={Output.Clip(Output.Plain(value), 60)}");
            _text.Write('\n');
            _text.Flush();
            return;
        }
        _json.Reset(stream);
        if (raw) item.WriteTo(_json);
        else
        {
            _json.WriteStartObject();
            foreach (var attribute in item.EnumerateObject())
            {
                _json.WritePropertyName(attribute.Name);
                WritePlain(attribute.Value);
            }
            _json.WriteEndObject();
        }
        _json.Flush();
        stream.WriteByte((byte)'\n');
    }

    /// <summary>A value without its type wrapper, as Output.WriteItem writes the SDK's: strings, numbers, booleans, null, base64, nested.</summary>
    void WritePlain(JsonElement wrapped)
    {
        using var e = wrapped.EnumerateObject();
        if (!e.MoveNext())
        {
            _json.WriteNullValue();
            return;
        }
        var (type, v) = (e.Current.Name, e.Current.Value);
        switch (type)
        {
            case "S" or "B" or "BOOL" or "SS" or "BS": v.WriteTo(_json); break; // base64 stays base64
            case "N": _json.WriteRawValue(v.GetString()!); break;
            case "NULL": _json.WriteNullValue(); break;
            case "M":
                _json.WriteStartObject();
                foreach (var p in v.EnumerateObject()) { _json.WritePropertyName(p.Name); WritePlain(p.Value); }
                _json.WriteEndObject();
                break;
            case "L":
                _json.WriteStartArray();
                foreach (var x in v.EnumerateArray()) WritePlain(x);
                _json.WriteEndArray();
                break;
            case "NS":
                _json.WriteStartArray();
                foreach (var n in v.EnumerateArray()) _json.WriteRawValue(n.GetString()!);
                _json.WriteEndArray();
                break;
            default: _json.WriteNullValue(); break;
        }
    }

    public void Dispose()
    {
        _json.Dispose();
        _text.Dispose();
    }
}
