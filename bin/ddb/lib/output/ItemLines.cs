// Items one per line (scan), copied from DynamoDB's JSON as it arrived: readable text, plain JSON
// (values as Attributes writes them, so scan and stream --print agree), or DynamoDB's own
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
            var values = Attributes.Read(item);
            _text.Write($"{Attributes.Text(values.GetValueOrDefault("pk")),-46} {Attributes.Text(values.GetValueOrDefault("sk")),-33}");
            foreach (var (name, value) in values.Where(kv => kv.Key is not ("pk" or "sk")).OrderBy(kv => kv.Key, StringComparer.Ordinal))
                _text.Write($" {name}={Output.Clip(Attributes.Text(value), 60)}");
            _text.Write('\n');
            _text.Flush();
            return;
        }
        _json.Reset(stream);
        if (raw) item.WriteTo(_json);
        else Attributes.WriteItem(_json, item);
        _json.Flush();
        stream.WriteByte((byte)'\n');
    }

    public void Dispose()
    {
        _json.Dispose();
        _text.Dispose();
    }
}
