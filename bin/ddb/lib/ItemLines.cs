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

    public void Dispose()
    {
        _json.Dispose();
        _text.Dispose();
    }
}
