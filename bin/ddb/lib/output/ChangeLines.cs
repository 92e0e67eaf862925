// stream --print's lines: each change of the table's stream as text or as JSON.
using System.Text;

namespace Cruddur.Ddb;

/// <summary>The renderer of changes (stream --print).</summary>
public static class ChangeLines
{
    /// <summary>Stream changes, one per line: readable text, or JSON objects with the event, sequence
    /// number, time (ISO 8601), keys and new image as plain values.</summary>
    public static void Write(Stream stdout, IEnumerable<Change> changes, bool json)
    {
        var text = new StringBuilder();
        foreach (var c in changes)
        {
            if (json)
            {
                using var ms = new MemoryStream();
                using (var w = Output.JsonWriter(ms))
                {
                    w.WriteStartObject();
                    w.WriteString("event", c.Event);
                    w.WriteString("sequence_number", c.Sequence);
                    if (c.At is { } at) w.WriteString("approximate_time", at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")); else w.WriteNull("approximate_time");
                    w.WritePropertyName("keys");
                    Attributes.WriteItem(w, c.Keys);
                    w.WritePropertyName("new_image");
                    if (c.NewImage is { } image) Attributes.WriteItem(w, image); else w.WriteNullValue();
                    w.WriteEndObject();
                }
                text.Append(Encoding.UTF8.GetString(ms.ToArray())).Append('\n');
            }
            else
                text.Append($"{c.Event,-7}{Attributes.Text(c.Keys.GetValueOrDefault("pk")),-46} {Attributes.Text(c.Keys.GetValueOrDefault("sk")),-33} "
                    + Output.Clip(Attributes.Text(c.NewImage?.GetValueOrDefault("message")), 40)).Append('\n');
        }
        stdout.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }
}
