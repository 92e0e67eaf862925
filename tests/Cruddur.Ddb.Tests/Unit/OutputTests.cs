using System.Text;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>The renderers of lib/output/Output.cs: tables, fields, item lines, progress.</summary>
public sealed class OutputTests
{
    [Fact]
    public void A_table_looks_like_the_aws_clis_with_headers_only_for_several_columns()
    {
        Assert.Equal(
            "  ListTables\n+------------+\n| a          |\n| longer-one |\n+------------+\n",
            Output.TableText("ListTables", ["TableName"], [["a"], ["longer-one"]]));
        Assert.Equal(
            "    T\n+--------+\n| k | v  |\n|---+----|\n| 1 | 22 |\n+--------+\n",
            Output.TableText("T", ["k", "v"], [["1", "22"]]));
    }

    [Fact]
    public void Fields_align_their_names_and_colour_only_when_asked()
    {
        Assert.Equal("t\nkey     pk\nstatus  ACTIVE\n", Output.FieldsText("t", [("key", "pk"), ("status", "ACTIVE")], colour: false));
        Assert.Contains("\u001b[1mt\u001b[0m", Output.FieldsText("t", [("key", "pk")], colour: true));
    }

    static string Lines(bool json, bool raw, string wire)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(wire);
        using var ms = new MemoryStream();
        using (var lines = new ItemLines(ms, json, raw)) lines.Write(doc.RootElement);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    [Fact]
    public void Items_are_one_line_each_as_text_json_or_raw_json()
    {
        const string wire = """{"pk":{"S":"MSG#g"},"sk":{"S":"2026"},"n":{"N":"3"},"message":{"S":"hi\nthere"}}""";
        Assert.Equal($"{"MSG#g",-46} {"2026",-33} message=hi there n=3\n", Lines(false, false, wire));
        Assert.Equal("{\"pk\":\"MSG#g\",\"sk\":\"2026\",\"n\":3,\"message\":\"hi\\nthere\"}\n", Lines(true, false, wire));
        Assert.Equal(wire + "\n", Lines(true, true, wire));
    }

    [Fact]
    public void Scan_json_copied_from_dynamodbs_json_writes_every_value_as_stream_print_writes_the_sdks()
    {
        // every attribute type, nested, with escapes and non-ASCII, as DynamoDB sends it (what scan copies out)
        const string wire = """
            {"pk":{"S":"MSG#g"},"sk":{"S":"2026"},"n":{"N":"-3.50"},"big":{"N":"123456789012345678901234567890"},"ok":{"BOOL":true},
             "none":{"NULL":true},"b":{"B":"AAEC/w=="},"msg":{"S":"h\u00e9 \"quoted\"\n\u2603"},
             "m":{"M":{"x":{"S":"y"},"l":{"L":[{"N":"1"},{"S":"two"},{"BOOL":false},{"NULL":true}]}}},
             "ss":{"SS":["a","b"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AQ==","Ag=="]}}
            """;
        using var doc = System.Text.Json.JsonDocument.Parse(wire);
        using var ms = new MemoryStream();
        using (var w = Output.JsonWriter(ms)) Attributes.WriteItem(w, Attributes.Read(doc.RootElement)); // stream --print --json's way
        Assert.Equal(Encoding.UTF8.GetString(ms.ToArray()) + "\n", Lines(true, false, wire));
        using var raw = System.Text.Json.JsonDocument.Parse(Lines(true, true, wire));
        Assert.True(System.Text.Json.JsonElement.DeepEquals(doc.RootElement, raw.RootElement)); // --raw: DynamoDB's JSON as it came
    }

    [Fact]
    public void Progress_shows_a_bar_and_the_time_left_or_a_count_without_a_total()
    {
        Assert.Equal("seeding t [##########..........]  50% 500 of 1000 items, about 4 s left",
            Output.ProgressLine("seeding t", 500, 1000, TimeSpan.FromSeconds(4)));
        Assert.Equal("scanned 42 items", Output.ProgressLine("scanned", 42, 0, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Durations_are_rough()
    {
        Assert.Equal(["1 s", "40 s", "12 min", "2.5 h"], new[] { 0.2, 40, 720, 9000 }.Select(Output.Duration));
    }
}
