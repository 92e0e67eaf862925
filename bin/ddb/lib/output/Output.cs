// What the scripts print: human tables on stdout (like the AWS CLI's --output table), fields, plain
// JSON with --json, and progress on a terminal. Colours only on a terminal and never with NO_COLOR.
using System.Diagnostics;
using System.Text;
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

    // ---- JSON -------------------------------------------------------------------------------

    public static Utf8JsonWriter JsonWriter(Stream stream, bool indented = false) =>
        new(stream, Attributes.JsonOptions with { Indented = indented });

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

    /// <summary>The consumed capacity and some fields of each item, as one JSON object: {"consumed_capacity": 0.5, "name": [...]}.</summary>
    public static void ItemsJson(double capacity, string name, IEnumerable<Dictionary<string, AttributeValue>> items, string[] fields) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("consumed_capacity", capacity);
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStartObject();
            foreach (var f in fields) w.WriteString(f, Attributes.Text(item.GetValueOrDefault(f)));
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
