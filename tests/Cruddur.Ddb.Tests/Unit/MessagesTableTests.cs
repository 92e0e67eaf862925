using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

public sealed class MessagesTableTests
{
    static TableDescription AsLive(CreateTableRequest d) => new()
    {
        TableName = d.TableName,
        KeySchema = d.KeySchema,
        AttributeDefinitions = d.AttributeDefinitions,
        ProvisionedThroughput = new() { ReadCapacityUnits = 5, WriteCapacityUnits = 5 },
        StreamSpecification = d.StreamSpecification,
        GlobalSecondaryIndexes = d.GlobalSecondaryIndexes.Select(g => new GlobalSecondaryIndexDescription
        {
            IndexName = g.IndexName, KeySchema = g.KeySchema, Projection = g.Projection,
            ProvisionedThroughput = new() { ReadCapacityUnits = 5, WriteCapacityUnits = 5 },
        }).ToList(),
    };

    [Fact]
    public void The_definition_matches_itself()
    {
        Assert.Empty(MessagesTable.Differences(AsLive(MessagesTable.Definition("tbl"))));
    }

    static string Line(MessagesTable.Difference d) => $"{d.What}: expected {d.Expected}, found {d.Found}";

    [Fact]
    public void Each_difference_is_one_readable_line_with_the_command_that_mends_it_in_place()
    {
        var live = AsLive(MessagesTable.Definition("tbl"));
        live.ProvisionedThroughput.WriteCapacityUnits = 10;
        live.StreamSpecification = new() { StreamEnabled = true, StreamViewType = StreamViewType.KEYS_ONLY };
        live.GlobalSecondaryIndexes[0].Projection = new() { ProjectionType = ProjectionType.KEYS_ONLY };

        var diffs = MessagesTable.Differences(live);

        Assert.Equal(
        [
            "table capacity: expected 5 read / 5 write, found 5 read / 10 write",
            "stream: expected on, NEW_IMAGE, found on, KEYS_ONLY",
            "index message-group-sk-index projection: expected ALL, found KEYS_ONLY",
        ], diffs.Select(Line));
        Assert.Equal("aws dynamodb update-table --table-name tbl --provisioned-throughput ReadCapacityUnits=5,WriteCapacityUnits=5", diffs[0].Command);
        Assert.Equal("aws dynamodb update-table --table-name tbl --stream-specification StreamEnabled=false && "
            + "aws dynamodb update-table --table-name tbl --stream-specification StreamEnabled=true,StreamViewType=NEW_IMAGE"
            + "  # a new stream, with a new ARN: create the messaging Lambda's trigger again on it, with an INSERT-only filter: "
            + """--filter-criteria '{"Filters":[{"Pattern":"{\"eventName\":[\"INSERT\"]}"}]}'""", diffs[1].Command);
        Assert.Equal(MessagesTable.Fix.RebuildIndex, diffs[2].Fix);
        Assert.Contains("\"Delete\":{\"IndexName\":\"message-group-sk-index\"}", diffs[2].Command);
        Assert.Contains("\"Projection\":{\"ProjectionType\":\"ALL\"}", diffs[2].Command);
        Assert.DoesNotContain(diffs, d => d.Fix == MessagesTable.Fix.Recreate);
    }

    [Fact]
    public void A_stream_of_new_and_old_images_carries_what_new_image_does_and_is_no_difference()
    {
        var live = AsLive(MessagesTable.Definition("tbl"));
        live.StreamSpecification = new() { StreamEnabled = true, StreamViewType = StreamViewType.NEW_AND_OLD_IMAGES };

        Assert.Empty(MessagesTable.Differences(live));
    }

    [Fact]
    public void Only_different_table_keys_need_a_new_table()
    {
        var live = AsLive(MessagesTable.Definition("tbl"));
        live.KeySchema = [new() { AttributeName = "id", KeyType = KeyType.HASH }];
        live.GlobalSecondaryIndexes = null;
        live.BillingModeSummary = new() { BillingMode = BillingMode.PAY_PER_REQUEST };

        var diffs = MessagesTable.Differences(live, "aws dynamodb update-table --endpoint-url http://localhost:8000 --region us-east-1");

        Assert.Equal(MessagesTable.Fix.Recreate, diffs.Single(d => d.What == "key schema").Fix);
        Assert.Null(diffs.Single(d => d.What == "key schema").Command);
        var index = diffs.Single(d => d.What == "index message-group-sk-index");
        Assert.Equal((MessagesTable.Fix.InPlace, "missing"), (index.Fix, index.Found));
        Assert.StartsWith("aws dynamodb update-table --endpoint-url http://localhost:8000 --region us-east-1 --table-name tbl --attribute-definitions", index.Command);
        Assert.Contains("--billing-mode PROVISIONED", diffs.Single(d => d.What == "billing mode").Command);
        Assert.DoesNotContain(diffs, d => d.What == "table capacity"); // on-demand: no capacity to compare
    }

    [Fact]
    public void The_shape_the_scripts_need_is_the_keys_and_the_index_keys_only()
    {
        var live = AsLive(MessagesTable.Definition("tbl"));
        live.ProvisionedThroughput.WriteCapacityUnits = 10;
        live.StreamSpecification = null;
        live.GlobalSecondaryIndexes[0].Projection = new() { ProjectionType = ProjectionType.KEYS_ONLY };
        live.GlobalSecondaryIndexes.Add(new() { IndexName = "extra", KeySchema = [new() { AttributeName = "user_uuid", KeyType = KeyType.HASH }] });
        live.AttributeDefinitions = [.. live.AttributeDefinitions, new() { AttributeName = "user_uuid", AttributeType = ScalarAttributeType.S }];
        Assert.Null(MessagesTable.ShapeProblem(live));

        live.GlobalSecondaryIndexes.RemoveAt(0);
        Assert.Equal(ShapeMismatch.NoIndex, MessagesTable.ShapeProblem(live)?.Mismatch);
        live.KeySchema = [new() { AttributeName = "id", KeyType = KeyType.HASH }];
        var keys = MessagesTable.ShapeProblem(live)!;
        Assert.Equal((ShapeMismatch.Keys, "id HASH", "pk HASH, sk RANGE (pk S, sk S)"), (keys.Mismatch, keys.Found, keys.Expected));
        Assert.StartsWith("table tbl is not shaped like cruddur-messages: its keys are id HASH, not pk HASH, sk RANGE (pk S, sk S); nothing written",
            Failure.Explain(keys, null).Message);
    }

    [Fact]
    public void Null_collections_from_the_sdk_are_read_as_empty()
    {
        var diffs = MessagesTable.Differences(new TableDescription { TableName = "tbl" }).Select(Line).ToList();
        Assert.Contains("index message-group-sk-index: expected present, found missing", diffs);
        Assert.Contains("key schema: expected pk HASH, sk RANGE, found none", diffs);
        Assert.NotNull(MessagesTable.ShapeProblem(new TableDescription { TableName = "tbl" }));
    }
}
