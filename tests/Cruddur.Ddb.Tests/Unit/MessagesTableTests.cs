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

    [Fact]
    public void Each_difference_is_one_readable_line()
    {
        var live = AsLive(MessagesTable.Definition("tbl"));
        live.ProvisionedThroughput.WriteCapacityUnits = 10;
        live.StreamSpecification = new() { StreamEnabled = true, StreamViewType = StreamViewType.KEYS_ONLY };
        live.GlobalSecondaryIndexes[0].Projection = new() { ProjectionType = ProjectionType.KEYS_ONLY };

        Assert.Equal(
        [
            "table capacity: expected 5 read / 5 write, found 5 read / 10 write",
            "stream: expected on, NEW_IMAGE, found on, KEYS_ONLY",
            "index message-group-sk-index projection: expected ALL, found KEYS_ONLY",
        ], MessagesTable.Differences(live));
    }

    [Fact]
    public void Shape_only_ignores_billing_capacity_and_stream_but_not_keys_or_indexes()
    {
        var live = AsLive(MessagesTable.Definition("tbl"));
        live.ProvisionedThroughput.WriteCapacityUnits = 10;
        live.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits = 25;
        live.StreamSpecification = null;
        Assert.Empty(MessagesTable.Differences(live, shapeOnly: true));

        live.GlobalSecondaryIndexes[0].Projection = new() { ProjectionType = ProjectionType.KEYS_ONLY };
        Assert.Equal(["index message-group-sk-index projection: expected ALL, found KEYS_ONLY"], MessagesTable.Differences(live, shapeOnly: true));
    }

    [Fact]
    public void Null_collections_from_the_sdk_are_read_as_empty()
    {
        var diffs = MessagesTable.Differences(new TableDescription { TableName = "tbl" });
        Assert.Contains("index message-group-sk-index: missing", diffs);
        Assert.Contains("key schema: expected pk HASH, sk RANGE, found none", diffs);
    }
}
