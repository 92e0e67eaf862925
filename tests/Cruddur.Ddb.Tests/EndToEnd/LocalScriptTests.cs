using System.Diagnostics;

namespace Cruddur.Ddb.Tests;

/// <summary>bin/ddb/local starts, reports and stops the real DynamoDB Local jar (no Docker engine here).</summary>
public sealed class LocalScriptTests
{
    static ProcessResult Local(int port, params string[] args)
    {
        var psi = new ProcessStartInfo(Repo.Path_("bin", "ddb", "local")) { WorkingDirectory = Repo.Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DDB_LOCAL_PORT"] = port.ToString();
        psi.Environment["DDB_LOCAL_ENGINE"] = "java";
        return Repo.Exec(psi, timeout: TimeSpan.FromMinutes(10));
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
            Assert.True(Repo.Answers(port));

            var again = Local(port, "up", "--in-memory");
            Assert.Contains($"[skip] DynamoDB Local already answers on localhost:{port}", again.Stderr);

            var status = Local(port, "status");
            Assert.Equal(0, status.ExitCode);
            Assert.Contains("running (jar, pid", status.Stdout);
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
    public void An_unknown_subcommand_prints_usage_and_exits_2()
    {
        var r = Local(Repo.FreePort(), "sideways");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Usage: ./bin/ddb/local up", r.Stderr);
    }
}
