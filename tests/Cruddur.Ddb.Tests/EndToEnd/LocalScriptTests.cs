using System.Diagnostics;

namespace Cruddur.Ddb.Tests;

/// <summary>bin/ddb/local starts, reports and stops the real DynamoDB Local jar (no Docker engine here).</summary>
public sealed class LocalScriptTests
{
    static ProcessResult Local(int port, params string[] args) => LocalIn(null, port, args);

    static ProcessResult LocalIn(string? data, int port, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["DDB_LOCAL_PORT"] = port.ToString(), ["DDB_LOCAL_ENGINE"] = "java", ["DDB_LOCAL_DATA"] = data };
        return Repo.Exec(Scripts.Command(Repo.Path_("bin", "ddb", "local"), args, env), timeout: TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Up_status_and_down_manage_one_dynamodb_local()
    {
        var port = Repo.FreePort();
        try
        {
            var up = Local(port, "up", "--in-memory");
            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.Contains($"DynamoDB Local answers on http://localhost:{port}", up.Stderr);
            Assert.Contains($"the other scripts use port {port} where it is exported: export DDB_LOCAL_PORT={port}", up.Stderr);
            Assert.True(Repo.Answers(port));

            var again = Local(port, "up", "--in-memory");
            Assert.Contains($"[skip] DynamoDB Local already answers on localhost:{port}", again.Stderr);

            var status = Local(port, "status");
            Assert.Equal(0, status.ExitCode);
            Assert.Contains("running (jar, pid", status.Stdout);
            Assert.Contains("data: in memory (gone when it stops)", status.Stdout);
        }
        finally
        {
            var down = Local(port, "down");
            Assert.True(down.ExitCode == 0, down.ToString());
        }
        Assert.False(Repo.Answers(port));
        var stopped = Local(port, "status");
        Assert.Equal(1, stopped.ExitCode);
        Assert.Contains("not running", stopped.Stdout);
    }

    [Fact]
    public void Reset_deletes_the_on_disk_store_and_status_shows_its_size()
    {
        var port = Repo.FreePort();
        var data = Directory.CreateTempSubdirectory("cruddur-data-").FullName;
        var env = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = $"http://127.0.0.1:{port}", ["DDB_MESSAGE_TABLE"] = "t-reset" };
        try
        {
            Assert.Equal(0, LocalIn(data, port, "up").ExitCode);
            Assert.Equal(0, Scripts.Run("schema-load", [], env).ExitCode);
            Assert.NotEmpty(Directory.GetFiles(data));
            Assert.Contains($"data: {data} (", LocalIn(data, port, "status").Stdout);

            var reset = LocalIn(data, port, "reset");

            Assert.True(reset.ExitCode == 0, reset.ToString());
            Assert.Contains($"deleted {data}: every local table and item is gone", reset.Stderr);
            Assert.DoesNotContain("t-reset", Scripts.Run("list-tables", ["--json"], env).Stdout);
        }
        finally
        {
            LocalIn(data, port, "down");
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public void Up_and_status_refuse_a_port_held_by_a_server_that_is_not_dynamodb()
    {
        using var other = new OtherServer(501);

        var up = Local(other.Port, "up", "--in-memory");
        var status = Local(other.Port, "status");

        Assert.Equal(1, up.ExitCode);
        Assert.Equal($"local: port {other.Port} is taken by a server that is not DynamoDB (it answered 'HTTP/1.1 501 Not Implemented'): "
            + $"stop it, or pick another port for local and the scripts: export DDB_LOCAL_PORT={other.Port + 1}", up.Stderr.Trim());
        Assert.Equal(1, status.ExitCode);
        Assert.Contains($"not running; port {other.Port} is taken by a server that is not DynamoDB", status.Stdout);
    }

    [Fact]
    public void An_unknown_option_of_up_is_one_line_and_exit_2()
    {
        var r = Local(Repo.FreePort(), "up", "--bogus");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("local: unknown option '--bogus' (usage: local up [--in-memory])", r.Stderr.Trim());
    }

    [Fact]
    public void Docker_asked_for_without_its_compose_plugin_is_one_line_and_exit_2()
    {
        var bin = Directory.CreateTempSubdirectory("cruddur-nocompose-").FullName;
        File.WriteAllText(Path.Combine(bin, "docker"), "#!/bin/sh\necho \"docker: unknown command: docker $1\" >&2\nexit 1\n");
        File.SetUnixFileMode(Path.Combine(bin, "docker"), (UnixFileMode)0b111_101_101);
        var env = new Dictionary<string, string?>
        {
            ["DDB_LOCAL_PORT"] = Repo.FreePort().ToString(), ["DDB_LOCAL_ENGINE"] = "docker",
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
        };

        var r = Repo.Exec(Scripts.Command(Repo.Path_("bin", "ddb", "local"), ["up"], env));

        Directory.Delete(bin, recursive: true);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("local: DDB_LOCAL_ENGINE=docker, but there is no 'docker compose' here", Assert.Single(r.StderrLines, l => l.StartsWith("local: ")));
    }

    [Theory]
    [InlineData("local", "sideways", "local: unknown command 'sideways' (usage: ./bin/ddb/local up")]
    [InlineData("local", null, "local: usage: ./bin/ddb/local up")]
    [InlineData("workspace", "sideways", "workspace: unknown command 'sideways' (usage: ./bin/ddb/workspace init | start")]
    [InlineData("workspace", null, "workspace: usage: ./bin/ddb/workspace init | start")]
    public void A_bash_helper_without_a_known_command_says_its_usage_in_one_line_and_exits_2(string helper, string? argument, string said)
    {
        var r = Repo.Exec(Scripts.Command(Repo.Path_("bin", "ddb", helper), argument is null ? [] : [argument]));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith(said, Assert.Single(r.StderrLines));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("build")]
    [InlineData("workspace")]
    public void The_bash_helpers_show_their_usage_with_help_and_exit_0(string helper)
    {
        var r = Repo.Exec(Scripts.Command(Repo.Path_("bin", "ddb", helper), ["--help"]));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"Usage: ./bin/ddb/{helper}", r.Stdout);
        Assert.Contains($"Example: ./bin/ddb/{helper}", r.Stdout);
        Assert.Contains("IAM: ", r.Stdout);
        Assert.Equal("", r.Stderr);
    }
}
