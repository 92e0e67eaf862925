using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>The pure parts of lib/stream/Streams.cs and lib/stream/MessageGroups.cs: picking the newest message, images, checkpoints.</summary>
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
        var item = Attributes.Read(JsonDocument.Parse("""
            {"pk": {"S": "MSG#a"}, "n": {"N": "3"}, "ok": {"BOOL": true}, "l": {"L": [{"S": "x"}]}, "m": {"M": {"k": {"NULL": true}}}, "ss": {"SS": ["p", "q"]}}
            """).RootElement);

        Assert.Equal("MSG#a", item["pk"].S);
        Assert.Equal("3", item["n"].N);
        Assert.True(item["ok"].BOOL);
        Assert.Equal("x", item["l"].L[0].S);
        Assert.True(item["m"].M["k"].NULL);
        Assert.Equal(["p", "q"], item["ss"].SS);
    }

    /// <summary>An item in DynamoDB's JSON, written from the SDK's values: the reference the reader must read back.</summary>
    static void WriteWire(Utf8JsonWriter w, Dictionary<string, AttributeValue> item)
    {
        w.WriteStartObject();
        foreach (var (name, v) in item) { w.WritePropertyName(name); WireValue(w, v); }
        w.WriteEndObject();
    }

    static void WireValue(Utf8JsonWriter w, AttributeValue v)
    {
        w.WriteStartObject();
        if (v.S is not null) w.WriteString("S", v.S);
        else if (v.N is not null) w.WriteString("N", v.N);
        else if (v.BOOL is { } b) w.WriteBoolean("BOOL", b);
        else if (v.NULL == true) w.WriteBoolean("NULL", true);
        else if (v.B is not null) w.WriteBase64String("B", v.B.ToArray());
        else if (v.M is not null) { w.WritePropertyName("M"); WriteWire(w, v.M); }
        else if (v.L is not null) { w.WriteStartArray("L"); foreach (var x in v.L) WireValue(w, x); w.WriteEndArray(); }
        else if (v.SS is not null) { w.WriteStartArray("SS"); foreach (var s in v.SS) w.WriteStringValue(s); w.WriteEndArray(); }
        else if (v.NS is not null) { w.WriteStartArray("NS"); foreach (var n in v.NS) w.WriteStringValue(n); w.WriteEndArray(); }
        else if (v.BS is not null) { w.WriteStartArray("BS"); foreach (var b2 in v.BS) w.WriteBase64StringValue(b2.ToArray()); w.WriteEndArray(); }
        w.WriteEndObject();
    }

    [Fact]
    public void What_dynamodbs_json_says_the_attribute_reader_reads_back_whole()
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = "MSG#a" }, ["n"] = new() { N = "3.5" }, ["ok"] = new() { BOOL = false }, ["nothing"] = new() { NULL = true },
            ["b"] = new() { B = new MemoryStream([1, 2, 255]) }, ["l"] = new() { L = [new() { S = "x" }, new() { N = "1" }] },
            ["m"] = new() { M = new() { ["k"] = new() { SS = ["p", "q"] } } }, ["ns"] = new() { NS = ["1", "2"] },
            ["bs"] = new() { BS = [new MemoryStream([7])] },
        };
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) WriteWire(w, item);

        var back = Attributes.Read(JsonDocument.Parse(ms.ToArray()).RootElement);

        Assert.Equal(("MSG#a", "3.5", false, true), (back["pk"].S, back["n"].N, back["ok"].BOOL, back["nothing"].NULL));
        Assert.Equal([1, 2, 255], back["b"].B.ToArray());
        Assert.Equal(("x", "1"), (back["l"].L[0].S, back["l"].L[1].N));
        Assert.Equal(["p", "q"], back["m"].M["k"].SS);
        Assert.Equal(["1", "2"], back["ns"].NS);
        Assert.Equal([7], back["bs"].BS[0].ToArray());
    }

    [Fact]
    public void A_checkpoint_is_kept_for_its_stream_and_set_aside_for_another()
    {
        var path = Path.Combine(Path.GetTempPath(), $"checkpoint-{Guid.NewGuid():N}", "c.json");
        new Checkpoint { Stream = "arn:1", Last = { ["shard-1"] = "42" }, Finished = { "shard-0" } }.Save(path);

        var same = Checkpoint.Load(path, "arn:1");
        var other = Checkpoint.Load(path, "arn:2");
        var none = Checkpoint.Load(path + ".missing", "arn:1");

        Assert.Equal(("42", false, null), (same.Checkpoint.Last["shard-1"], same.Stale, same.Unreadable));
        Assert.Contains("shard-0", same.Checkpoint.Finished);
        Assert.Equal((0, true), (other.Checkpoint.Last.Count, other.Stale));
        Assert.Equal((0, false, null), (none.Checkpoint.Last.Count, none.Stale, none.Unreadable));
        File.WriteAllText(path, "{\"Stream\": \"arn:1\", \"Last\": ");
        var broken = Checkpoint.Load(path, "arn:1");
        Assert.Equal((0, false), (broken.Checkpoint.Last.Count, broken.Stale));
        Assert.NotNull(broken.Unreadable); // said, not silently started over
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void Two_followers_of_one_table_save_checkpoints_side_by_side_and_leave_a_whole_file_and_no_temporary_one()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"checkpoint-{Guid.NewGuid():N}");
        var path = Path.Combine(dir, "c.json");
        Parallel.For(0, 2, follower =>
        {
            for (var i = 0; i < 200; i++)
                new Checkpoint { Stream = "arn:1", Last = { ["shard-1"] = $"{follower}-{i}" } }.Save(path);
        });

        var saved = Checkpoint.Load(path, "arn:1");
        Assert.Null(saved.Unreadable);
        Assert.EndsWith("-199", saved.Checkpoint.Last["shard-1"]);
        Assert.Equal(["c.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
        Directory.Delete(dir, recursive: true);
    }

    const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    static string Authorization(string method, string url, Dictionary<string, string> headers, string body, Amazon.Runtime.ImmutableCredentials creds,
        string region, string service, DateTime at)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        SigV4.Sign(request, headers, body, creds, region, service, at);
        return string.Join(",", request.Headers.GetValues("Authorization"));
    }

    [Fact]
    public void Signature_version_4_matches_the_published_test_suite()
    {
        // AWS's Signature Version 4 test suite, get-vanilla: the signature it publishes
        var auth = Authorization("GET", "https://example.amazonaws.com/", [], "", new("AKIDEXAMPLE", Secret, null), "us-east-1", "service",
            new DateTime(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc));

        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
            + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", auth);
    }

    // Expected values computed independently (the documented algorithm in Python's hmac and hashlib, which gives
    // the test suite's own get-vanilla signature above).
    const string DescribeStream = "{\"StreamArn\":\"arn:aws:dynamodb:eu-west-2:123456789012:table/cruddur-messages/stream/2026-11-30T05:00:00.000\"}";
    static readonly DateTime At = new(2026, 11, 30, 5, 15, 0, DateTimeKind.Utc);
    static readonly Dictionary<string, string> StreamsHeaders = new()
    {
        ["content-type"] = "application/x-amz-json-1.0", ["x-amz-target"] = "DynamoDBStreams_20120810.DescribeStream",
    };

    [Fact]
    public void A_streams_request_signed_with_a_session_token_signs_the_token_too()
    {
        var auth = Authorization("POST", "https://streams.dynamodb.eu-west-2.amazonaws.com", StreamsHeaders, DescribeStream,
            new("ASIAEXAMPLEKEY", Secret, "IQoJb3JpZ2luX2VjEXAMPLETOKEN"), "eu-west-2", "dynamodb", At);

        Assert.Equal("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEY/20261130/eu-west-2/dynamodb/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
            + "Signature=b203f41e8251eb655b76d0a446ed68cb193a0d530b4241315beba3d1d2afb48d", auth);
    }

    [Fact]
    public void An_endpoint_with_a_path_and_a_port_signs_that_path_and_host()
    {
        var auth = Authorization("POST", "http://127.0.0.1:8443/ddb/streams/", StreamsHeaders, DescribeStream,
            new("AKIDEXAMPLE", Secret, null), "eu-west-2", "dynamodb", At);

        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/eu-west-2/dynamodb/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            + "Signature=a9f7d5f809e499c03d13a560c6315fe82562dbcd6ab84d5ed8e13de4fba4ff75", auth);
    }

    [Theory]
    [InlineData("cn-north-1", false, false, "https://streams.dynamodb.cn-north-1.amazonaws.com.cn/")]
    [InlineData("eu-west-2", false, false, "https://streams.dynamodb.eu-west-2.amazonaws.com/")]
    [InlineData("us-east-1", true, false, "https://streams.dynamodb-fips.us-east-1.amazonaws.com/")]
    [InlineData("us-east-1", false, true, "https://streams.dynamodb.us-east-1.api.aws/")]
    [InlineData("us-east-1", true, true, "https://streams.dynamodb-fips.us-east-1.api.aws/")]
    [InlineData("us-gov-west-1", true, false, "https://streams.dynamodb.us-gov-west-1.amazonaws.com/")]
    [InlineData("cn-north-1", false, true, "https://streams.dynamodb.cn-north-1.api.amazonwebservices.com.cn/")]
    public void The_streams_endpoint_follows_the_services_rule_set_over_the_sdks_partitions(string region, bool fips, bool dualStack, string url) =>
        Assert.Equal(url, Endpoints.StreamsRule(region, fips, dualStack, null).ToString());

    [Fact]
    public void A_configured_streams_endpoint_is_used_as_it_is_and_refused_with_fips_or_dual_stack()
    {
        Assert.Equal("http://proxy:1/s/", Endpoints.StreamsRule("eu-west-2", false, false, "http://proxy:1/s/").ToString());
        var fips = Assert.Throws<EndpointError>(() => Endpoints.StreamsRule("eu-west-2", true, false, "http://proxy:1/"));
        Assert.Equal(("DynamoDB Streams: FIPS and a configured endpoint are not supported together (AWS_USE_FIPS_ENDPOINT)", 2), Failure.Explain(fips, null));
        var dualStack = Assert.Throws<EndpointError>(() => Endpoints.StreamsRule("eu-west-2", false, true, "http://proxy:1/"));
        Assert.Equal((EndpointProblem.ConfiguredAndDualStack, 2), (dualStack.Problem, Failure.Explain(dualStack, null).Code));
    }

    [Fact]
    public void Locally_the_stream_is_read_from_dynamodb_local_or_its_own_variable_never_from_aws()
    {
        var local = new DdbContext(false, "t", "http://localhost:8000", "us-east-1", "default");
        Assert.Equal("http://localhost:8000/", Endpoints.Streams(local, _ => null).ToString());
        Assert.Equal("http://proxy:1/s/", Endpoints.Streams(local, n => n == "AWS_ENDPOINT_URL_DYNAMODB_STREAMS" ? "http://proxy:1/s/" : null).ToString());
        var aws = Assert.Throws<SettingError>(() => Endpoints.Streams(local,
            n => n == "AWS_ENDPOINT_URL_DYNAMODB_STREAMS" ? "https://streams.dynamodb.us-east-1.amazonaws.com" : null));
        Assert.Equal(("AWS_ENDPOINT_URL_DYNAMODB_STREAMS points at AWS (streams.dynamodb.us-east-1.amazonaws.com) but prod was not asked for: "
            + "add the word prod to act on AWS, or point it at DynamoDB Local", 2), Failure.Explain(aws, null));
    }
}
