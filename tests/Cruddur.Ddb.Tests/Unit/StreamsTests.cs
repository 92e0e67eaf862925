using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>The pure parts of lib/Streams.cs and lib/MessageGroups.cs: picking the newest message, images, checkpoints.</summary>
public sealed class StreamsTests
{
    static Change Message(string ev, string pk, string sk, string text) => new(ev, sk, null,
        new() { ["pk"] = new() { S = pk }, ["sk"] = new() { S = sk } },
        ev == "REMOVE" ? null : new() { ["pk"] = new() { S = pk }, ["sk"] = new() { S = sk }, ["message"] = new() { S = text } });

    [Fact]
    public void The_newest_message_of_each_group_wins_whatever_the_order_and_other_rows_are_ignored()
    {
        var newest = MessageGroups.Newest([
            Message("INSERT", "MSG#a", "2026-01-02", "second"),
            Message("INSERT", "MSG#a", "2026-01-03", "third"),
            Message("INSERT", "MSG#a", "2026-01-01", "first, late"),
            Message("MODIFY", "MSG#b", "2026-01-01", "edited"),
            Message("REMOVE", "MSG#c", "2026-01-09", ""),
            Message("INSERT", "GRP#u", "2026-01-09", "a group row"),
        ]);

        Assert.Equal(new Dictionary<string, (string, string)> { ["a"] = ("2026-01-03", "third"), ["b"] = ("2026-01-01", "edited") }, newest);
    }

    [Fact]
    public void Stream_images_become_the_sdks_attribute_values()
    {
        var item = StreamsApi.Image(JsonDocument.Parse("""
            {"pk": {"S": "MSG#a"}, "n": {"N": "3"}, "ok": {"BOOL": true}, "l": {"L": [{"S": "x"}]}, "m": {"M": {"k": {"NULL": true}}}, "ss": {"SS": ["p", "q"]}}
            """).RootElement);

        Assert.Equal("MSG#a", item["pk"].S);
        Assert.Equal("3", item["n"].N);
        Assert.True(item["ok"].BOOL);
        Assert.Equal("x", item["l"].L[0].S);
        Assert.True(item["m"].M["k"].NULL);
        Assert.Equal(["p", "q"], item["ss"].SS);
    }

    [Fact]
    public void A_checkpoint_is_kept_for_its_stream_and_set_aside_for_another()
    {
        var path = Path.Combine(Path.GetTempPath(), $"checkpoint-{Guid.NewGuid():N}", "c.json");
        new Checkpoint { Stream = "arn:1", Last = { ["shard-1"] = "42" }, Finished = { "shard-0" } }.Save(path);

        var (same, staleSame) = Checkpoint.Load(path, "arn:1");
        var (other, staleOther) = Checkpoint.Load(path, "arn:2");
        var (none, staleNone) = Checkpoint.Load(path + ".missing", "arn:1");

        Assert.Equal(("42", false), (same.Last["shard-1"], staleSame));
        Assert.Contains("shard-0", same.Finished);
        Assert.Equal((0, true), (other.Last.Count, staleOther));
        Assert.Equal((0, false), (none.Last.Count, staleNone));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
