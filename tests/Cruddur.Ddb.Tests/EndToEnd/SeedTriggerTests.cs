using System.Collections.Concurrent;
using System.Net;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// A prod reseed replaces an earlier run's rows, which puts REMOVE records on the table's stream; the bootcamp's
/// messaging Lambda fails on those. Before it deletes, seed lists the stream's Lambda triggers (a stand-in for
/// Lambda's API at the HTTP level; DynamoDB Local as the table) and refuses while one would be handed them.
/// </summary>
public sealed class SeedTriggerTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    /// <summary>Lambda's ListEventSourceMappings, answering with the mappings given (JSON), or 403 AccessDenied when null.</summary>
    sealed class LambdaStandIn(string? mappings) : LoopbackServer
    {
        public ConcurrentQueue<(string PathAndQuery, string Authorization)> Requests { get; } = new();

        protected override Task Handle(HttpListenerContext ctx)
        {
            Requests.Enqueue((ctx.Request.Url!.PathAndQuery, ctx.Request.Headers["Authorization"] ?? ""));
            return mappings is null
                ? Reply(ctx, 403, "application/json", """{"Message":"User is not authorized to perform: lambda:ListEventSourceMappings"}""",
                    ("x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"))
                : Reply(ctx, 200, "application/json", $$"""{"EventSourceMappings":{{mappings}}}""");
        }
    }

    static string Mapping(string uuid, string? pattern) =>
        $$"""{"UUID":"{{uuid}}","FunctionArn":"arn:aws:lambda:eu-west-2:123456789012:function:cruddur-messaging-stream","State":"Enabled"{{(pattern is null ? ""
            : $$""","FilterCriteria":{"Filters":[{"Pattern":{{System.Text.Json.JsonSerializer.Serialize(pattern)}}}]}""")}}}""";

    async Task<List<string>> Rows() => (await Ddb.ScanAll(Table, "pk, sk, seeded_by")).Select(i => $"{i["pk"].S}|{i["sk"].S}|{i.GetValueOrDefault("seeded_by")?.S}").Order().ToList();

    /// <summary>The table, with capacity enough for a quick prod seed (prod paces its writes to it), and an earlier run's rows.</summary>
    async Task Earlier()
    {
        Ok("schema-load");
        await Ddb.Client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = Table, ProvisionedThroughput = new() { ReadCapacityUnits = 1000, WriteCapacityUnits = 1000 },
        });
        Ok("seed");
    }

    /// <summary>seed prod: DynamoDB Local as the table (AWS_ENDPOINT_URL_DYNAMODB), the stand-in as Lambda.</summary>
    ProcessResult Reseed(LambdaStandIn lambda, params string[] args) => RunWith("seed", new Dictionary<string, string?>
    {
        ["AWS_REGION"] = "eu-west-2", ["AWS_ACCESS_KEY_ID"] = "AKIATRIGGERS", ["AWS_SECRET_ACCESS_KEY"] = "SeedTriggerTestsSecret0123",
        ["AWS_ENDPOINT_URL_LAMBDA"] = lambda.Endpoint,
    }, ["prod", .. args]);

    [Fact]
    public async Task A_trigger_without_a_filter_stops_a_prod_reseed_before_it_deletes_and_says_the_command_that_filters_it()
    {
        using var lambda = new LambdaStandIn($"[{Mapping("4f1c9e2a-0001", null)}]");
        await Earlier();
        var before = await Rows();

        var r = Reseed(lambda);

        AssertFails(r, 2, "nothing written: the Lambda cruddur-messaging-stream (trigger 4f1c9e2a-0001, Enabled) would be handed the REMOVE records");
        Assert.Contains("""aws lambda update-event-source-mapping --uuid 4f1c9e2a-0001 --region eu-west-2 --filter-criteria '{"Filters":[{"Pattern":"{\"eventName\":[\"INSERT\"]}"}]}'""", r.Stderr);
        var (query, authorization) = Assert.Single(lambda.Requests);
        var stream = (await Ddb.Client.DescribeTableAsync(Table)).Table.LatestStreamArn;
        Assert.Equal($"/2015-03-31/event-source-mappings/?EventSourceArn={Uri.EscapeDataString(stream)}", query);
        Assert.Contains("Credential=AKIATRIGGERS/", authorization);
        Assert.Contains("/eu-west-2/lambda/aws4_request", authorization);
        Assert.Equal(before, await Rows()); // the earlier run's rows, untouched
    }

    [Fact]
    public async Task A_first_prod_seed_beside_the_apps_messages_deletes_nothing_and_does_not_ask_for_the_triggers()
    {
        using var lambda = new LambdaStandIn($"[{Mapping("4f1c9e2a-0003", null)}]");
        await Earlier();
        await Ddb.Client.DeleteItemAsync(Table, new() { ["pk"] = new() { S = "LEASE#seed#" + Items.GroupUuid(Users.Me, Users.Other) }, ["sk"] = new() { S = "lease" } });
        foreach (var row in await Ddb.ScanAll(Table)) // the earlier run's rows become the app's: no mark, a random message uuid
            if (row["pk"].S.StartsWith("MSG#", StringComparison.Ordinal))
            {
                row.Remove("seeded_by");
                row["message_uuid"] = new() { S = Guid.NewGuid().ToString() };
                await Ddb.Client.PutItemAsync(Table, row);
            }

        var r = Reseed(lambda);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Empty(lambda.Requests); // nothing of an earlier run to delete: no REMOVE records for a trigger to choke on
        Assert.Contains("rows of others left in place", r.Stdout);
    }

    [Theory]
    [InlineData("""{"eventName":["INSERT"]}""", true)]
    [InlineData("""{"eventName":["INSERT","MODIFY"]}""", true)]
    [InlineData("""{"eventName":[{"anything-but":["REMOVE"]}]}""", true)]
    [InlineData("""{"eventName":["INSERT","REMOVE"]}""", false)]
    [InlineData("""{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"MSG#"}]}}}}""", false)]
    public async Task A_trigger_whose_filter_keeps_remove_records_out_lets_the_reseed_go_on(string pattern, bool goesOn)
    {
        using var lambda = new LambdaStandIn($"[{Mapping("4f1c9e2a-0002", pattern)}]");
        await Earlier();

        var r = Reseed(lambda);

        if (goesOn) Assert.True(r.ExitCode == 0, r.ToString());
        else AssertFails(r, 2, "would be handed the REMOVE records");
    }

    [Fact]
    public async Task Mappings_that_may_not_be_listed_stop_the_reseed_until_it_is_confirmed()
    {
        using var lambda = new LambdaStandIn(null);
        await Earlier();

        AssertFails(Reseed(lambda), 2, "the Lambda triggers of the table's stream could not be listed (AccessDenied)");
        var confirmed = Reseed(lambda, "--yes");

        Assert.True(confirmed.ExitCode == 0, confirmed.ToString());
        Assert.Contains("of an earlier run replaced", confirmed.Stdout);
    }
}
