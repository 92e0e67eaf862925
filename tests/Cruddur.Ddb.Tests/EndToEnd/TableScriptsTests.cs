using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>schema-load, list-tables, describe-table and drop against a real DynamoDB Local.</summary>
public sealed class TableScriptsTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    [Fact]
    public async Task Schema_load_creates_the_table_exactly_as_the_bootcamp_defines_it()
    {
        var r = Ok("schema-load");

        Assert.Equal($"{Table} @ {Ddb.Endpoint} (local)", r.StderrLines[0]);
        Assert.Contains($"[create] table {Table}", r.Stderr);
        var t = (await Ddb.Client.DescribeTableAsync(Table)).Table;
        Assert.Equal(TableStatus.ACTIVE, t.TableStatus);
        Assert.Equal(["pk HASH", "sk RANGE"], t.KeySchema.Select(k => $"{k.AttributeName} {k.KeyType}"));
        Assert.Equal(["message_group_uuid S", "pk S", "sk S"],
            t.AttributeDefinitions.Select(a => $"{a.AttributeName} {a.AttributeType}").Order(StringComparer.Ordinal));
        Assert.Equal((5, 5), (t.ProvisionedThroughput.ReadCapacityUnits, t.ProvisionedThroughput.WriteCapacityUnits));
        Assert.True(t.BillingModeSummary is null || t.BillingModeSummary.BillingMode == BillingMode.PROVISIONED);
        var gsi = Assert.Single(t.GlobalSecondaryIndexes);
        Assert.Equal("message-group-sk-index", gsi.IndexName);
        Assert.Equal(["message_group_uuid HASH", "sk RANGE"], gsi.KeySchema.Select(k => $"{k.AttributeName} {k.KeyType}"));
        Assert.Equal(ProjectionType.ALL, gsi.Projection.ProjectionType);
        Assert.Equal((5, 5), (gsi.ProvisionedThroughput.ReadCapacityUnits, gsi.ProvisionedThroughput.WriteCapacityUnits));
        Assert.True(t.StreamSpecification.StreamEnabled);
        Assert.Equal(StreamViewType.NEW_IMAGE, t.StreamSpecification.StreamViewType);
        Assert.Contains("message-group-sk-index: message_group_uuid (HASH), sk (RANGE), projection ALL", r.Stdout);
        Assert.Contains("ACTIVE", r.Stdout);
        var ttl = (await Ddb.Client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = Table })).TimeToLiveDescription;
        Assert.Equal(("ttl", TimeToLiveStatus.ENABLED), (ttl.AttributeName, ttl.TimeToLiveStatus)); // for the lease a killed seed leaves
        Assert.Contains("[ttl] time to live turned on for attribute ttl", r.Stderr);
        Assert.DoesNotContain("[ttl]", Ok("schema-load").Stderr);
    }

    [Fact]
    public async Task Schema_load_twice_skips_the_existing_table_and_keeps_its_data()
    {
        Ok("schema-load");
        await Ddb.Client.PutItemAsync(Table, new() { ["pk"] = new() { S = "keep" }, ["sk"] = new() { S = "me" } });

        var r = Ok("schema-load");

        Assert.Contains($"[skip] table {Table} already exists", r.Stderr);
        Assert.DoesNotContain("[differs]", r.Stderr);
        Assert.Equal(1, (await Ddb.Client.ScanAsync(new ScanRequest(Table))).Count);
    }

    [Fact]
    public async Task Schema_load_on_a_table_of_another_shape_lists_the_differences_and_fails()
    {
        await Ddb.CreateOtherTable(Table, "pk");

        var r = Run("schema-load");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("[differs] key schema: expected pk HASH, sk RANGE, found pk HASH", r.Stderr);
        Assert.Contains("[differs] billing mode: expected PROVISIONED, found PAY_PER_REQUEST", r.Stderr);
        Assert.Contains("[differs] stream: expected on, NEW_IMAGE, found off", r.Stderr);
        Assert.Contains("[differs] index message-group-sk-index: expected present, found missing; mend in place: "
            + "AWS_ACCESS_KEY_ID=cruddurlocal AWS_SECRET_ACCESS_KEY=cruddurlocal aws dynamodb update-table", r.Stderr);
        Assert.Contains("[differs] key schema: expected pk HASH, sk RANGE, found pk HASH; only a new table can change this", r.Stderr);
        Assert.Contains("its keys can only change in a new table: drop it (every item is lost)", r.StderrLines[^1]);
        Assert.DoesNotContain("Exception", r.Stderr);
    }

    [Fact]
    public async Task Schema_load_shows_commands_that_mend_capacity_and_stream_in_place_and_they_work()
    {
        await Ddb.Client.CreateTableAsync(MessagesTable.Definition(Table));
        await Ddb.Client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = Table, ProvisionedThroughput = new() { ReadCapacityUnits = 7, WriteCapacityUnits = 9 },
        });
        await Ddb.Client.PutItemAsync(Table, new() { ["pk"] = new() { S = "keep" }, ["sk"] = new() { S = "me" } });

        var r = Run("schema-load");

        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.StderrLines, l => l.StartsWith("[differs] table capacity"));
        // runnable as printed in a shell with no AWS configuration: the endpoint, a region and placeholder keys
        Assert.Equal($"[differs] table capacity: expected 5 read / 5 write, found 7 read / 9 write; mend in place: "
            + $"AWS_ACCESS_KEY_ID=cruddurlocal AWS_SECRET_ACCESS_KEY=cruddurlocal aws dynamodb update-table --endpoint-url {Ddb.Endpoint} --region us-east-1 "
            + $"--table-name {Table} --provisioned-throughput ReadCapacityUnits=5,WriteCapacityUnits=5", line);
        Assert.Contains("each is mended in place by the command shown, keeping every item", r.StderrLines[^1]);
        Assert.DoesNotContain("drop", r.StderrLines[^1]);

        // what the command asks for, done through the SDK: schema-load is then content and the item is still there
        await Ddb.Client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = Table, ProvisionedThroughput = new() { ReadCapacityUnits = 5, WriteCapacityUnits = 5 },
        });
        Ok("schema-load", "--no-ttl"); // the table was made here without time to live
        Assert.Equal(1, await Ddb.Count(Table));
    }

    [Fact]
    public void List_tables_prints_a_table_like_the_aws_cli_and_json_on_request()
    {
        Ok("schema-load");

        var human = Ok("list-tables");
        var json = Ok("list-tables", "--json");

        Assert.Equal($"DynamoDB @ {Ddb.Endpoint} (local)", human.StderrLines[0]);
        Assert.Contains("ListTables", human.Stdout);
        Assert.Contains($"| {Table} |", human.Stdout);
        var names = JsonSerializer.Deserialize<string[]>(json.Stdout)!;
        Assert.Contains(Table, names);
    }

    [Fact]
    public void Describe_table_shows_keys_index_stream_and_billing_of_a_named_table()
    {
        Ok("schema-load");

        var r = Ok("describe-table", Table);
        var json = JsonDocument.Parse(Ok("describe-table", Table, "--json").Stdout).RootElement;

        Assert.Equal($"{Table} @ {Ddb.Endpoint} (local)", r.StderrLines[0]);
        Assert.Contains("pk (HASH), sk (RANGE)", r.Stdout);
        Assert.Contains("PROVISIONED, 5 read / 5 write", r.Stdout);
        Assert.Contains("NEW_IMAGE", r.Stdout);
        Assert.Equal(Table, json.GetProperty("name").GetString());
        Assert.Equal("ACTIVE", json.GetProperty("status").GetString());
        Assert.Equal(0, json.GetProperty("item_count").GetInt64());
        Assert.Equal(5, json.GetProperty("read_capacity_units").GetInt64());
        Assert.Equal("NEW_IMAGE", json.GetProperty("stream").GetProperty("view_type").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("encryption").GetProperty("type").ValueKind); // DynamoDB Local does not encrypt
    }

    [Fact]
    public async Task Describe_table_json_of_a_table_with_two_indexes_is_one_strict_document_with_an_array()
    {
        await Ddb.Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = Table, BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new() { AttributeName = "pk", AttributeType = "S" }, new() { AttributeName = "a", AttributeType = "S" },
                new() { AttributeName = "b", AttributeType = "N" }],
            KeySchema = [new() { AttributeName = "pk", KeyType = "HASH" }],
            GlobalSecondaryIndexes =
            [
                new() { IndexName = "by-a", KeySchema = [new() { AttributeName = "a", KeyType = "HASH" }], Projection = new() { ProjectionType = "ALL" } },
                new() { IndexName = "by-b", KeySchema = [new() { AttributeName = "b", KeyType = "HASH" }], Projection = new() { ProjectionType = "KEYS_ONLY" } },
            ],
        });
        await Ddb.Client.PutItemAsync(Table, new() { ["pk"] = new() { S = "x" }, ["a"] = new() { S = "y" } });

        var json = JsonDocument.Parse(Ok("describe-table", "--json").Stdout, new JsonDocumentOptions { AllowDuplicateProperties = false }).RootElement;

        Assert.Equal(["by-a", "by-b"], json.GetProperty("indexes").EnumerateArray().Select(i => i.GetProperty("name").GetString()).Order());
        Assert.Equal("PAY_PER_REQUEST", json.GetProperty("billing_mode").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("read_capacity_units").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("size_bytes").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("stream").ValueKind);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", json.GetProperty("created").GetString());
    }

    [Fact]
    public void Describe_table_of_a_missing_table_says_so_in_one_line()
    {
        AssertFails(Run("describe-table", "no-such-table"), 1, "table 'no-such-table' does not exist");
    }

    [Fact]
    public async Task Drop_deletes_the_table_and_a_second_drop_is_a_clear_error()
    {
        Ok("schema-load");

        var r = Ok("drop", Table);
        Assert.Contains($"dropped {Table}", r.Stdout);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ddb.Client.DescribeTableAsync(Table));

        AssertFails(Run("drop", Table), 1, $"table '{Table}' does not exist");
    }

    [Fact]
    public async Task The_mend_commands_schema_load_prints_work_in_the_order_printed_and_leave_no_difference()
    {
        await Ddb.Client.CreateTableAsync(new CreateTableRequest // the right keys; on demand, a keys-only stream, no index
        {
            TableName = Table, BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new() { AttributeName = "pk", AttributeType = ScalarAttributeType.S }, new() { AttributeName = "sk", AttributeType = ScalarAttributeType.S }],
            KeySchema = [new() { AttributeName = "pk", KeyType = KeyType.HASH }, new() { AttributeName = "sk", KeyType = KeyType.RANGE }],
            StreamSpecification = new() { StreamEnabled = true, StreamViewType = StreamViewType.KEYS_ONLY },
        });
        await Ddb.Client.PutItemAsync(Table, new() { ["pk"] = new() { S = "keep" }, ["sk"] = new() { S = "me" } });
        var drift = Run("schema-load");
        Assert.Equal(1, drift.ExitCode);
        var commands = drift.StderrLines.Where(l => l.StartsWith("[differs]")).Select(l => l[(l.IndexOf("mend in place: ") + "mend in place: ".Length)..]).ToList();
        Assert.Equal(4, commands.Count); // billing, stream, index; and time to live, which a table made elsewhere lacks

        // the AWS CLI, as a user who only ever used DynamoDB Local pastes them: no AWS configuration at all
        var home = Directory.CreateTempSubdirectory("cruddur-nohome-").FullName;
        foreach (var command in commands)
        {
            var r = Repo.Exec(Scripts.Command("bash", ["-c", command], new Dictionary<string, string?>
            {
                ["HOME"] = home, ["AWS_CONFIG_FILE"] = null, ["AWS_SHARED_CREDENTIALS_FILE"] = null,
            }));
            Assert.True(r.ExitCode == 0, $"{command}\n{r}");
        }
        Directory.Delete(home, recursive: true);

        var mended = Run("schema-load");
        Assert.True(mended.ExitCode == 0, mended.ToString());
        Assert.DoesNotContain("[differs]", mended.Stderr);
        Assert.Equal(1, await Ddb.Count(Table)); // every item kept
    }

    [Fact]
    public void Describe_table_raw_prints_what_the_aws_cli_prints_for_describe_table()
    {
        Ok("schema-load");
        var ours = Path.GetTempFileName();
        var theirs = Path.GetTempFileName();
        File.WriteAllText(ours, Ok("describe-table", "--raw").Stdout);
        var cli = Repo.Exec(Scripts.Command("aws", ["dynamodb", "describe-table", "--table-name", Table, "--endpoint-url", Ddb.Endpoint, "--output", "json"],
            new Dictionary<string, string?> { ["AWS_ACCESS_KEY_ID"] = "cruddurlocal", ["AWS_SECRET_ACCESS_KEY"] = "cruddurlocal", ["AWS_DEFAULT_REGION"] = "us-east-1" }));
        Assert.True(cli.ExitCode == 0, cli.ToString());
        File.WriteAllText(theirs, cli.Stdout);

        // the same JSON document (numbers as values: the CLI prints 0 as 0.0)
        var same = Repo.Exec(Scripts.Command("python3", ["-c", "import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); print(a == b)", ours, theirs]));
        File.Delete(ours);
        File.Delete(theirs);
        Assert.Equal("True", same.Stdout.Trim());
        AssertFails(Run("describe-table", "--raw", "--json"), 2, "--json and --raw are two shapes of the output");
    }

    [Fact]
    public void An_empty_table_name_is_a_usage_error_not_the_default_table()
    {
        Ok("schema-load");
        AssertFails(Run("describe-table", ""), 2, "TABLE is empty: name a table, or leave it out for");
        AssertFails(Run("scan", "  "), 2, "TABLE is empty");
    }

    [Fact]
    public void Drop_without_a_table_name_is_a_usage_error()
    {
        AssertFails(Run("drop"), 2, "drop: TABLE is missing: ");
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_named_without_dotnet_type_names()
    {
        var r = Run("scan", "--limit", "abc");

        AssertFails(r, 2, "scan: --limit takes a whole number, not 'abc' (see scan --help)");
        Assert.DoesNotContain("System.", r.Stderr);
    }

    [Fact]
    public async Task Drop_in_prod_without_a_terminal_or_yes_refuses_and_deletes_nothing()
    {
        Ok("schema-load");
        var prodEnv = new Dictionary<string, string?>
        {
            ["AWS_REGION"] = "eu-west-2",
            ["AWS_ACCESS_KEY_ID"] = "AKIAPRODTEST",
            ["AWS_SECRET_ACCESS_KEY"] = "prodsecret",
        };

        var refused = RunWith("drop", prodEnv, Table, "prod");

        AssertFails(refused, 2, "refusing to delete in prod without a terminal");
        Assert.Contains("WARNING: prod requests go to", refused.Stderr);
        Assert.Equal(TableStatus.ACTIVE, (await Ddb.Client.DescribeTableAsync(Table)).Table.TableStatus);

        var confirmed = RunWith("drop", prodEnv, Table, "prod", "--yes");
        Assert.True(confirmed.ExitCode == 0, confirmed.ToString());
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ddb.Client.DescribeTableAsync(Table));
    }

    [Fact]
    public void An_unknown_option_or_extra_argument_is_a_usage_error_before_any_call()
    {
        AssertFails(Run("schema-load", "--bogus"), 2, "Unrecognized command or argument '--bogus'");
        AssertFails(Run("list-tables", "extra"), 2, "Unrecognized command or argument 'extra'");
    }

    [Fact]
    public void Help_prints_the_header_of_the_script_and_exits_zero()
    {
        var r = Ok("schema-load", "--help");

        Assert.Contains("create the cruddur-messages table", r.Stdout);
        Assert.Contains("Usage: ./bin/ddb/schema-load [prod]", r.Stdout);
        Assert.Contains("IAM: dynamodb:CreateTable dynamodb:DescribeTable", r.Stdout);
        Assert.DoesNotContain(".NET Run Command", r.Stdout);
    }

    [Fact]
    public void An_unreachable_endpoint_fails_within_seconds_naming_it()
    {
        var dead = $"http://127.0.0.1:{Repo.FreePort()}";
        var watch = Stopwatch.StartNew();

        var r = RunWith("list-tables", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = dead });

        AssertFails(r, 1, $"cannot reach DynamoDB at {dead}");
        Assert.Contains("./bin/ddb/local up", r.Stderr);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public void The_generic_aws_endpoint_url_is_used_locally_when_the_dynamodb_one_is_unset()
    {
        Ok("schema-load");

        var r = RunWith("list-tables", new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = null,
            ["AWS_ENDPOINT_URL"] = Ddb.Endpoint,
        });

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"DynamoDB @ {Ddb.Endpoint} (local)", r.StderrLines[0]);
        Assert.Contains(Table, r.Stdout);
    }

    [Fact]
    public void Prod_without_a_region_says_what_to_set()
    {
        var r = RunWith("list-tables", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = null }, "prod");

        AssertFails(r, 1, "prod needs an AWS region: set AWS_REGION");
    }

    [Fact]
    public void Prod_without_credentials_says_how_to_get_them()
    {
        var r = RunWith("list-tables", new Dictionary<string, string?> { ["AWS_REGION"] = "us-east-1" }, "prod");

        AssertFails(r, 1, "prod needs AWS credentials");
    }
}
