using System.Diagnostics;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// The README's first command on a fresh clone: `local up` compiles setup while DynamoDB Local starts and
/// the other scripts afterwards in the background; a script run while its build runs waits for it.
/// </summary>
public sealed class BackgroundBuildTests
{
    /// <summary>A fresh copy with a build cache of its own (the SDK's runfile folder under XDG_DATA_HOME) and the jar of this checkout.</summary>
    static (string Copy, Dictionary<string, string?> Env) FreshClone()
    {
        var copy = Repo.FreshCopy("cruddur-first-");
        var modules = Repo.Path_("bin", "ddb", "tools", "node_modules");
        if (Directory.Exists(modules))
            Directory.CreateSymbolicLink(Path.Combine(copy, "bin", "ddb", "tools", "node_modules"), modules);
        var env = new Dictionary<string, string?> { ["XDG_DATA_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "xdg")).FullName };
        return (copy, env);
    }

    static ProcessStartInfo In(string copy, string script, string[] args, Dictionary<string, string?> env) =>
        Scripts.Command(Path.Combine([copy, "bin", "ddb", .. script.Split('/')]), args, env, copy);

    /// <summary>The build-success.cache of each script built in the copy, by script name.</summary>
    static Dictionary<string, DateTime> Built(string copy) =>
        Directory.Exists(Path.Combine(copy, "xdg", "dotnet", "runfile"))
            ? Directory.GetDirectories(Path.Combine(copy, "xdg", "dotnet", "runfile"))
                .Where(d => File.Exists(Path.Combine(d, "build-success.cache")))
                .ToDictionary(d => Path.GetFileName(d)[..Path.GetFileName(d).LastIndexOf('-')], d => File.GetLastWriteTimeUtc(Path.Combine(d, "build-success.cache")))
            : [];

    static void Cleanup(string copy, Dictionary<string, string?> env) => Repo.DeleteCopy(copy, Path.Combine(copy, "bin", "ddb"), env);

    [Fact]
    public void Local_up_compiles_setup_while_dynamodb_local_starts_and_every_other_script_in_the_background()
    {
        var (copy, env) = FreshClone();
        var port = Repo.FreePort();
        env["DDB_LOCAL_PORT"] = port.ToString();
        env["DDB_LOCAL_ENGINE"] = "java";
        env["AWS_ENDPOINT_URL_DYNAMODB"] = $"http://localhost:{port}";
        try
        {
            var up = Repo.Exec(In(copy, "local", ["up", "--in-memory"], env), timeout: TimeSpan.FromMinutes(5));
            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.Contains(up.StderrLines, l => l.StartsWith("build: setup (", StringComparison.Ordinal));
            Assert.Contains($"build: compiling the {Scripts.All.Count} scripts in the background, one at a time (log: bin/ddb/.dynamodb-local/build.log)", up.Stderr);

            // setup is compiled when local up returns, and its run does not compile it again
            var setupBuilt = Built(copy)["setup"];
            var setup = Repo.Exec(In(copy, "setup", [], env));
            Assert.True(setup.ExitCode == 0, setup.ToString());
            Assert.StartsWith("seeded conversation ", setup.Stdout);
            Assert.Equal(setupBuilt, Built(copy)["setup"]);

            // the background build goes through every script, one line each, and none fails
            var log = Path.Combine(copy, "bin", "ddb", ".dynamodb-local", "build.log");
            var clock = Stopwatch.StartNew();
            string[] lines = [];
            while (clock.Elapsed < TimeSpan.FromMinutes(6) && (lines = File.ReadAllLines(log).Where(l => l.StartsWith("build: ", StringComparison.Ordinal)).ToArray()).Length < Scripts.All.Count)
                Thread.Sleep(500);
            Assert.True(lines.Length == Scripts.All.Count, File.ReadAllText(log));
            Assert.DoesNotContain(lines, l => l.Contains("FAILED"));
            Assert.StartsWith("build: setup ", lines[0]); // compiled, or left alone as it was running
            Assert.Equal(Scripts.All.Count, Built(copy).Count);

            var listed = Repo.Exec(In(copy, "list-tables", ["--json"], env));
            Assert.True(listed.ExitCode == 0, listed.ToString());
        }
        finally
        {
            Cleanup(copy, env);
        }
    }

    [Fact]
    public async Task A_script_run_while_a_build_of_it_holds_its_lock_waits_for_that_build_instead_of_racing_it()
    {
        var (copy, env) = FreshClone();
        var script = Path.Combine(copy, "bin", "ddb", "list-tables");
        var lockFile = Path.Combine(Directory.CreateDirectory(Repo.Locks).FullName, script.Replace('/', '_') + ".lock");
        // what ./bin/ddb/build does while it compiles the script
        using var holder = Process.Start(new ProcessStartInfo("flock", [lockFile, "sleep", "600"]))!;
        Process? run = null;
        try
        {
            var clock = Stopwatch.StartNew();
            while (Repo.Exec(new ProcessStartInfo("flock", ["-n", lockFile, "true"])).ExitCode == 0)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the lock was never taken");
                Thread.Sleep(50);
            }

            var psi = In(copy, "list-tables", ["--help"], env);
            psi.RedirectStandardOutput = psi.RedirectStandardError = true;
            run = Process.Start(psi)!;
            var stdout = run.StandardOutput.ReadToEndAsync();
            var stderr = run.StandardError.ReadToEndAsync();

            // its build reaches the wait (a shared flock of the same file) and goes no further
            clock.Restart();
            while (!Waiting(lockFile))
            {
                if (run.HasExited) Assert.Fail($"the run did not wait for the build that holds the lock: exit {run.ExitCode}");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "the run's build never waited on the lock");
                Thread.Sleep(100);
            }
            Assert.False(run.HasExited);

            holder.Kill(entireProcessTree: true);
            Assert.True(run.WaitForExit(TimeSpan.FromMinutes(3)), "the run did not go on once the lock was free");
            Assert.True(run.ExitCode == 0, await stderr);
            Assert.StartsWith("list-tables: ", await stdout);
        }
        finally
        {
            if (!holder.HasExited) holder.Kill(entireProcessTree: true);
            if (run is { HasExited: false }) run.Kill(entireProcessTree: true);
            run?.Dispose();
            Cleanup(copy, env);
        }
    }

    /// <summary>Whether a process waits for a shared flock of <paramref name="lockFile"/> (what the scripts' build does).</summary>
    static bool Waiting(string lockFile) => Directory.GetDirectories("/proc").Any(d =>
    {
        try
        {
            var argv = File.ReadAllText(Path.Combine(d, "cmdline")).Split('\0');
            return argv.Length > 2 && Path.GetFileName(argv[0]) == "flock" && argv.Contains("-s") && argv.Contains(lockFile);
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    });
}
