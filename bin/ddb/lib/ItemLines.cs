// Items one per line (scan): readable text, plain JSON, or JSON with DynamoDB's type wrappers.
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb;

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
            if (raw) AttributeJson.Write(_json, item); else Output.WriteItem(_json, item);
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

    /// <summary>An item in DynamoDB's JSON as it arrived ({"pk": {"S": "..."}}): copied out as JSON without
    /// becoming the SDK's objects; the same line as <see cref="Write(Dictionary{string, AttributeValue})"/> writes.</summary>
    public void Write(JsonElement item)
    {
        if (!json && !raw)
        {
            Write(AttributeJson.Read(item));
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
