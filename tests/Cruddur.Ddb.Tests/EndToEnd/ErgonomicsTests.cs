using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>--help, --json, colours and progress, and the workspace start-up script.</summary>
public sealed class ErgonomicsTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    public static TheoryData<string> AllScripts() =>
    [
        "schema-load", "list-tables", "describe-table", "drop", "seed", "scan", "setup",
        "patterns/get-conversation", "patterns/list-conversations",
    ];

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
    }

    [Theory]
    [MemberData(nameof(AllScripts))]
    public void Every_script_rejects_an_unknown_option_with_exit_2(string script)
    {
        AssertFails(Run(script, "--no-such-option"), 2, "Unrecognized command or argument '--no-such-option'");
    }

    [Fact]
    public void Json_output_parses_for_every_script_that_lists_things()
    {
        Ok("setup");
        foreach (var args in new[]
                 {
                     new[] { "list-tables", "--json" }, ["describe-table", "--json"], ["patterns/get-conversation", "--json"],
                     ["patterns/list-conversations", "--json"],
                 })
        {
            var r = Ok(args[0], args[1..]);
            using var doc = JsonDocument.Parse(r.Stdout);
            Assert.NotEqual(JsonValueKind.Undefined, doc.RootElement.ValueKind);
        }
        Assert.All(Ok("scan", "--json").StdoutLines, l => JsonDocument.Parse(l).Dispose());
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
        var psi = new ProcessStartInfo("script", ["-qec", $"'{Repo.Path_("bin", "ddb", "scan")}' --json > '{file}'", "/dev/null"]) { WorkingDirectory = Repo.Root };
        psi.Environment.Remove("AWS_ENDPOINT_URL");
        foreach (var (k, v) in Env()) psi.Environment[k] = v;

        var terminal = Repo.Exec(psi);
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
        // A fresh clone of the working tree: tracked and new files, nothing ignored (no jar, no build output).
        var copy = Directory.CreateTempSubdirectory("cruddur-workspace-").FullName;
        var files = Repo.Exec(new ProcessStartInfo("git", ["ls-files", "-co", "--exclude-standard"]) { WorkingDirectory = Repo.Root });
        foreach (var f in files.StdoutLines.Where(f => File.Exists(Repo.Path_(f))))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, f))!);
            File.Copy(Repo.Path_(f), Path.Combine(copy, f));
            File.SetUnixFileMode(Path.Combine(copy, f), File.GetUnixFileMode(Repo.Path_(f)));
        }
        var port = Repo.FreePort();
        ProcessResult Workspace(string step)
        {
            var psi = new ProcessStartInfo(Path.Combine(copy, "bin", "ddb", "workspace"), [step]) { WorkingDirectory = copy };
            psi.Environment["DDB_LOCAL_PORT"] = port.ToString();
            psi.Environment["DDB_LOCAL_ENGINE"] = "java";
            psi.Environment["DDB_LOCAL_DATA"] = Path.Combine(copy, "data");
            psi.Environment["DDB_MESSAGE_TABLE"] = Table;
            psi.Environment["XDG_DATA_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "xdg")).FullName; // its own build cache
            foreach (var v in new[] { "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "CONNECTION_URL", "AWS_PROFILE", "AWS_REGION" })
                psi.Environment.Remove(v);
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
            var group = SeedData.GroupUuid(SeedData.Me, SeedData.Other);
            var messages = await client.QueryAsync(new QueryRequest
            {
                TableName = Table, KeyConditionExpression = "pk = :pk",
                ExpressionAttributeValues = new() { [":pk"] = new() { S = "MSG#" + group } },
            });
            Assert.True(messages.Count > 100);
        }
        finally
        {
            var down = new ProcessStartInfo(Path.Combine(copy, "bin", "ddb", "local"), ["down"]);
            down.Environment["DDB_LOCAL_PORT"] = port.ToString();
            Repo.Exec(down);
            Directory.Delete(copy, recursive: true);
        }
    }
}
