using System.Diagnostics;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// ./bin/ddb/local ui: dynamodb-admin beside a real DynamoDB Local, opened in a real headless browser
/// (Debian's Chromium, which ./test installs): the seeded conversation is on the table's page. The page's
/// screenshot is the README's picture (docs/dynamodb-admin.png, written when missing or with DDB_SCREENSHOT=1).
/// </summary>
public sealed class LocalUiTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    static readonly string[] Headless = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--virtual-time-budget=5000"];

    static ProcessResult Browser(string profile, params string[] args) =>
        Repo.Exec(new ProcessStartInfo("chromium", [.. Headless, $"--user-data-dir={profile}", .. args]), timeout: TimeSpan.FromMinutes(2));

    [Fact]
    public async Task Local_ui_shows_the_seeded_conversation_in_a_browser_and_listens_on_loopback_only()
    {
        var port = Repo.FreePort();
        var env = Env();
        env["DDB_MESSAGE_TABLE"] = "cruddur-messages"; // as a user sees it (this class's DynamoDB Local has no other test's table)
        env["DDB_UI_PORT"] = port.ToString();
        var setup = Scripts.Run("setup", [], env);
        Assert.True(setup.ExitCode == 0, setup.ToString());
        var psi = Scripts.Command(Repo.Path_("bin", "ddb", "local"), ["ui"], env);
        (psi.RedirectStandardOutput, psi.RedirectStandardError) = (true, true);
        using var ui = Process.Start(psi)!;
        var stderr = new Watched(ui.StandardError);
        var stdout = new Watched(ui.StandardOutput);
        var profile = Directory.CreateTempSubdirectory("cruddur-chromium-").FullName;
        try
        {
            Assert.True(await stderr.WaitFor($"local: dynamodb-admin of {Ddb.Endpoint} on http://127.0.0.1:{port} (Ctrl-C stops)", TimeSpan.FromMinutes(3)),
                stderr.SoFar);
            Assert.True(await stdout.WaitFor("listening on", TimeSpan.FromMinutes(1)), stdout.SoFar + stderr.SoFar);
            var listening = Repo.Exec(new ProcessStartInfo("ss", ["-Hltn", $"sport = :{port}"])).Stdout;
            Assert.Contains($"127.0.0.1:{port}", listening);
            Assert.DoesNotContain($"0.0.0.0:{port}", listening);

            var page = $"http://127.0.0.1:{port}/tables/cruddur-messages";
            var dom = Browser(Path.Combine(profile, "dom"), "--dump-dom", page);
            Assert.True(dom.ExitCode == 0, dom.ToString());
            var first = File.ReadLines(Repo.Path_("bin", "ddb", "conversation.txt")).First(l => l.StartsWith("Person 1: ", StringComparison.Ordinal))["Person 1: ".Length..];
            Assert.Contains(first, dom.Stdout);
            Assert.Contains("cruddur-messages", dom.Stdout);

            var shot = Path.Combine(profile, "dynamodb-admin.png");
            var screenshot = Browser(Path.Combine(profile, "shot"), "--window-size=2000,860", "--hide-scrollbars", $"--screenshot={shot}", page);
            Assert.True(File.Exists(shot) && new FileInfo(shot).Length > 10_000, screenshot.ToString());
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(shot)[..4]);
            var docs = Repo.Path_("docs", "dynamodb-admin.png");
            if (!File.Exists(docs) || Environment.GetEnvironmentVariable("DDB_SCREENSHOT") == "1") File.Copy(shot, docs, overwrite: true);
        }
        finally
        {
            ui.Kill(entireProcessTree: true);
            ui.WaitForExit();
            Directory.Delete(profile, recursive: true);
        }
    }

    [Theory]
    [InlineData("prod", null, "ui is for DynamoDB Local only and refuses prod")]
    [InlineData(null, "https://dynamodb.eu-west-2.amazonaws.com", "ui is a local tool and https://dynamodb.eu-west-2.amazonaws.com is AWS")]
    public void Local_ui_refuses_prod_and_aws_endpoints(string? argument, string? endpoint, string said)
    {
        var env = Env();
        if (endpoint is not null) env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint;
        var r = Repo.Exec(Scripts.Command(Repo.Path_("bin", "ddb", "local"), argument is null ? ["ui"] : ["ui", argument], env));

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"local: {said}", r.StderrLines.Single());
    }
}
