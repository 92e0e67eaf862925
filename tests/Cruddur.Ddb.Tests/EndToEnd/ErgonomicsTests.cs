using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>--help, --json, colours and progress, and the workspace start-up script.</summary>
public sealed class ErgonomicsTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    public static TheoryData<string> AllScripts() => [.. Scripts.All];

    [Fact]
    public void Every_script_of_the_product_is_found()
    {
        Assert.Equal(["describe-table", "drop", "list-tables", "patterns/get-conversation", "patterns/list-conversations",
            "scan", "schema-load", "seed", "setup", "stream"], Scripts.All);
    }

    [Theory]
    [MemberData(nameof(AllScripts))]
    public void Every_script_has_help_with_usage_description_options_and_an_example(string script)
    {
        var r = Ok(script, "--help");

        Assert.Contains($"Usage: ./bin/ddb/{script}", r.Stdout);
        Assert.Contains("Example: ", r.Stdout);
        Assert.Contains("IAM: ", r.Stdout);
        Assert.Contains("Options:", r.Stdout);
        Assert.Contains("--help", r.Stdout);
        Assert.True(r.Stdout.Split("\n\n")[0].Length > 80, "a description paragraph");
        Assert.Empty(r.Stderr);
        // The header is the one source: one usage line, naming every option the script has.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(r.Stdout, "Usage:"));
        var usage = r.Stdout[r.Stdout.IndexOf("Usage:")..r.Stdout.IndexOf("Example:")];
        var options = r.Stdout[r.Stdout.IndexOf("Options:")..].Split('\n').Select(l => l.Trim().Split(' ')[0])
            .Where(o => o.StartsWith("--") && o != "--help").ToList();
        Assert.NotEmpty(options.Concat(r.Stdout.Contains("Arguments:") ? ["TABLE"] : []));
        Assert.All(options, o => Assert.Contains(o, usage));
        // prod is said for what it is (except by setup, which refuses it), and the variables that matter
        Assert.Equal(script != "setup", r.Stdout.Contains("\n  prod ") && r.Stdout.Contains("act on AWS"));
        Assert.Contains("Environment:\n  AWS_ENDPOINT_URL_DYNAMODB ", r.Stdout);
    }

    [Fact]
    public void Scripts_run_from_a_path_entry_in_any_folder()
    {
        var r = Repo.Exec(Scripts.Command("bash", ["-c", "cd / && list-tables --json"],
            new Dictionary<string, string?> { ["PATH"] = $"{Repo.Path_("bin", "ddb")}:{Environment.GetEnvironmentVariable("PATH")}",
                ["AWS_ENDPOINT_URL_DYNAMODB"] = Ddb.Endpoint }));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(JsonValueKind.Array, Strict(r.Stdout).ValueKind);
    }

    [Fact]
    public void A_conversation_on_standard_input_is_seeded_and_a_binary_file_is_refused_without_its_bytes()
    {
        Ok("schema-load");
        var binary = Path.Combine(Path.GetTempPath(), $"binary-{Table}");
        File.WriteAllBytes(binary, [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x0a]);

        var piped = Scripts.Run("seed", ["--conversation", "-"], Env(), stdin: "Person 1: from a pipe\nPerson 2: indeed\n");
        var refused = Run("seed", "--conversation", binary);

        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.Contains("2 messages", piped.Stdout);
        AssertFails(refused, 1, $"{binary}:1: expected 'Person 1: <message>' or 'Person 2: <message>', found '?ELF???[2J?'");
        Assert.DoesNotContain("\u001b", refused.Stderr);
        File.Delete(binary);
    }

    [Fact]
    public void Prod_as_the_value_of_an_option_is_that_value_not_the_word()
    {
        AssertFails(Run("seed", "--my-handle", "prod"), 2, "no CONNECTION_URL to look up 'prod'");
    }

    [Theory]
    [MemberData(nameof(AllScripts))]
    public void Every_script_rejects_an_unknown_option_with_exit_2(string script)
    {
        AssertFails(Run(script, "--no-such-option"), 2, "Unrecognized command or argument '--no-such-option'");
    }

    /// <summary>Parses as one JSON document, refusing duplicate keys (which jq and Python would silently drop).</summary>
    static JsonElement Strict(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Json_output_is_one_strict_document_with_the_data_for_every_script_that_lists_things()
    {
        Ok("setup");

        Assert.Contains(Table, Strict(Ok("list-tables", "--json").Stdout).EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Table, Strict(Ok("describe-table", "--json").Stdout).GetProperty("name").GetString());
        var messages = Strict(Ok("patterns/get-conversation", "--json").Stdout);
        Assert.True(messages.GetProperty("consumed_capacity").GetDouble() > 0);
        Assert.Equal(20, messages.GetProperty("messages").GetArrayLength());
        var groups = Strict(Ok("patterns/list-conversations", "--json").Stdout).GetProperty("message_groups");
        Assert.Equal(Users.Other.Handle, groups.EnumerateArray().Single().GetProperty("user_handle").GetString());
        var lines = Ok("scan", "--json").StdoutLines;
        Assert.Equal(File.ReadLines(Repo.Path_("bin", "ddb", "conversation.txt")).Count(l => l.StartsWith("Person ")) + 2, lines.Length);
        Assert.All(lines, l => Assert.Matches("^(GRP|MSG)#", Strict(l).GetProperty("pk").GetString()));
    }

    [Fact]
    public void Colours_only_on_a_terminal_and_never_with_NO_COLOR()
    {
        Ok("schema-load");

        var terminal = OnTerminal(new Dictionary<string, string?>(), null, "describe-table");
        var noColor = OnTerminal(new Dictionary<string, string?> { ["NO_COLOR"] = "1" }, null, "describe-table");
        var piped = Ok("describe-table");

        // colour = SGR sequences (ESC [ ... m); a terminal also sees .NET's keypad-mode sequence, which is not colour
        const string sgr = @"\u001b\[[0-9;]*m";
        Assert.True(terminal.ExitCode == 0, terminal.ToString());
        Assert.Matches(sgr, terminal.Stdout);
        Assert.Contains("pk (HASH), sk (RANGE)", noColor.Stdout);
        Assert.DoesNotMatch(sgr, noColor.Stdout);
        Assert.DoesNotContain("\u001b", piped.Stdout + piped.Stderr);
    }

    [Fact]
    public void Seed_shows_progress_on_a_terminal_only()
    {
        Ok("schema-load");

        var terminal = OnTerminal(new Dictionary<string, string?>(), null, "seed", "--groups", "20", "--messages", "500");
        var piped = Ok("seed", "--groups", "20", "--messages", "500");

        Assert.True(terminal.ExitCode == 0, terminal.ToString());
        Assert.Contains($"seeding {Table}", terminal.Stdout);
        Assert.DoesNotContain("seeding", piped.Stdout + piped.Stderr);
        Assert.Contains("seeded 20 synthetic conversations", piped.Stdout);
    }

    [Fact]
    public void Scan_into_a_file_shows_a_running_count_on_the_terminal_only()
    {
        Ok("schema-load");
        Ok("seed", "--groups", "10", "--messages", "1000");
        var file = Path.Combine(Path.GetTempPath(), $"scan-{Table}.jsonl");

        var terminal = OnTerminal($"'{Scripts.PathOf("scan")}' --json > '{file}'");
        var piped = Ok("scan", "--json");

        Assert.True(terminal.ExitCode == 0, terminal.ToString());
        Assert.Contains("scanned ", terminal.Stdout);
        Assert.Equal(piped.StdoutLines.Length, File.ReadAllLines(file).Length);
        Assert.DoesNotContain("scanned", piped.Stderr);
        File.Delete(file);
    }

    [Fact]
    public async Task The_workspace_start_up_script_on_a_fresh_copy_without_docker_ends_with_the_seeded_table()
    {
        var copy = Repo.FreshCopy("cruddur-workspace-");
        var (port, ui) = (Repo.FreePort(), Repo.FreePort());
        ProcessResult Workspace(string step)
        {
            var psi = Scripts.Command(Path.Combine(copy, "bin", "ddb", "workspace"), [step], new Dictionary<string, string?>
            {
                ["DDB_LOCAL_PORT"] = port.ToString(), ["DDB_LOCAL_ENGINE"] = "java", ["DDB_LOCAL_DATA"] = Path.Combine(copy, "data"),
                ["DDB_UI_PORT"] = ui.ToString(),
                ["DDB_MESSAGE_TABLE"] = Table,
                ["XDG_DATA_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "xdg")).FullName, // its own build cache
                ["XDG_CACHE_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "cache")).FullName, // the stream's checkpoint
            }, copy);
            return Repo.Exec(psi, timeout: TimeSpan.FromMinutes(10));
        }
        try
        {
            var init = Workspace("init");
            Assert.True(init.ExitCode == 0, init.ToString());
            Assert.Contains("build: seed", init.Stderr);

            var start = Workspace("start");
            Assert.True(start.ExitCode == 0, start.ToString());
            Assert.Contains($"{Table} @ http://localhost:{port} (local)", start.Stderr);

            using var client = new Amazon.DynamoDBv2.AmazonDynamoDBClient(new Amazon.Runtime.BasicAWSCredentials("x", "y"),
                new Amazon.DynamoDBv2.AmazonDynamoDBConfig { ServiceURL = $"http://127.0.0.1:{port}", AuthenticationRegion = "us-east-1" });
            var group = Items.GroupUuid(Users.Me, Users.Other);
            var messages = await client.QueryAsync(new QueryRequest
            {
                TableName = Table, KeyConditionExpression = "pk = :pk",
                ExpressionAttributeValues = new() { [":pk"] = new() { S = "MSG#" + group } },
            });
            Assert.True(messages.Count > 100);
            // and the stream is followed in the background, its output in a log
            var log = Path.Combine(copy, "bin", "ddb", ".dynamodb-local", "stream.log");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!(File.Exists(log) && File.ReadAllText(log).Contains($"following the stream of {Table}")) && DateTime.UtcNow < deadline)
                await Task.Delay(200);
            Assert.Contains($"following the stream of {Table}", File.ReadAllText(log));
            // and local ui shows the tables, on loopback, its output in a log beside the stream's
            var uiLog = Path.Combine(copy, "bin", "ddb", ".dynamodb-local", "ui.log");
            while (!(File.Exists(uiLog) && File.ReadAllText(uiLog).Contains("listening on")) && DateTime.UtcNow < deadline)
                await Task.Delay(200);
            using (var http = new HttpClient())
                Assert.Contains(Table, await http.GetStringAsync($"http://127.0.0.1:{ui}/"));

            // the app posts a reply; the background stream moves the group rows to it; the next start keeps both
            var reply = Items.MessageRow(Users.Other, group, Guid.NewGuid().ToString(), "posted in the app", Items.Iso(DateTime.UtcNow));
            await client.PutItemAsync(Table, reply);
            async Task<List<Dictionary<string, AttributeValue>>> Inbox(User owner) => (await client.QueryAsync(new QueryRequest
            {
                TableName = Table, KeyConditionExpression = "pk = :pk", ConsistentRead = true,
                ExpressionAttributeValues = new() { [":pk"] = new() { S = "GRP#" + owner.Uuid } },
            })).Items;
            deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await Inbox(Users.Me)).All(r => r["sk"].S != reply["sk"].S) && DateTime.UtcNow < deadline) await Task.Delay(200);
            Assert.Equal(reply["sk"].S, Assert.Single(await Inbox(Users.Me))["sk"].S);

            var again = Workspace("start");

            Assert.True(again.ExitCode == 0, again.ToString());
            // the reply at least; the group rows too when the background stream moved them to seed's newest message first
            Assert.Matches(@"[123] rows? of others left in place", again.Stdout);
            var kept = await client.GetItemAsync(Table, new() { ["pk"] = reply["pk"], ["sk"] = reply["sk"] });
            Assert.Equal("posted in the app", kept.Item["message"].S);
            var newest = (await client.QueryAsync(new QueryRequest
            {
                TableName = Table, KeyConditionExpression = "pk = :pk", ConsistentRead = true, ScanIndexForward = false, Limit = 1,
                ExpressionAttributeValues = new() { [":pk"] = new() { S = "MSG#" + group } },
            })).Items[0];
            foreach (var owner in new[] { Users.Me, Users.Other })
                Assert.Equal(newest["sk"].S, Assert.Single(await Inbox(owner))["sk"].S);
            var down = Repo.Exec(Scripts.Command(Path.Combine(copy, "bin", "ddb", "local"), ["down"], new Dictionary<string, string?> { ["DDB_LOCAL_PORT"] = port.ToString() }));
            Assert.Contains("stopped ./bin/ddb/stream", down.Stderr);
            Assert.Contains("stopped ./bin/ddb/local ui", down.Stderr);
            Assert.False(Repo.Answers(ui));
        }
        finally
        {
            Repo.Exec(Scripts.Command(Path.Combine(copy, "bin", "ddb", "local"), ["down"], new Dictionary<string, string?> { ["DDB_LOCAL_PORT"] = port.ToString() }));
            Directory.Delete(copy, recursive: true);
        }
    }
}
