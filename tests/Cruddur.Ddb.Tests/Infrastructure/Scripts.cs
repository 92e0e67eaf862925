using System.Diagnostics;

namespace Cruddur.Ddb.Tests;

/// <summary>Runs the real bin/ddb scripts as processes, through their shebang, with a clean environment.</summary>
public static class Scripts
{
    static readonly Lazy<bool> Built = new(() =>
    {
        // Compiles every script one after the other, so that tests may then run them in parallel.
        var r = Repo.Exec(Command(Repo.Path_("bin", "ddb", "build"), []), timeout: TimeSpan.FromMinutes(10));
        if (r.ExitCode != 0) throw new InvalidOperationException("./bin/ddb/build failed:\n" + r);
        return true;
    });

    /// <summary>Variables that would make a script act elsewhere than the test says; removed first.</summary>
    internal static readonly string[] Scrubbed =
    [
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION",
        "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "DDB_MESSAGE_TABLE",
        "DDB_ALLOWED_REGIONS", "DDB_DEBUG", "CONNECTION_URL", "PROD_CONNECTION_URL", "NO_COLOR", "DDB_MAX_RETRIES",
        "DDB_LOCAL_PORT", "DDB_LOCAL_ENGINE", "DDB_LOCAL_DATA", "DDB_BUILD_CACHE", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO",
        "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    ];

    /// <summary>
    /// Every C# script of bin/ddb, found as bin/ddb/build finds them: an executable file in bin/ddb or
    /// bin/ddb/patterns whose first line is the dotnet shebang. Names relative to bin/ddb.
    /// </summary>
    public static IReadOnlyList<string> All { get; } = Directory.GetFiles(Repo.Path_("bin", "ddb"))
        .Concat(Directory.GetFiles(Repo.Path_("bin", "ddb", "patterns")))
        .Where(f => (File.GetUnixFileMode(f) & UnixFileMode.UserExecute) != 0 && File.ReadLines(f).FirstOrDefault() is { } first
            && first.StartsWith("#!/usr/bin/env -S dotnet --", StringComparison.Ordinal))
        .Select(f => Path.GetRelativePath(Repo.Path_("bin", "ddb"), f))
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static string PathOf(string script) => Repo.Path_(["bin", "ddb", .. script.Split('/')]);

    /// <summary>
    /// The one way tests start a process of the repository's (a script, a bash helper, a shell line or a
    /// terminal that runs them): the variables in <see cref="Scrubbed"/> removed, AWS configuration
    /// files and instance metadata out of reach, then <paramref name="env"/> (null values remove).
    /// </summary>
    public static ProcessStartInfo Command(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory ?? Repo.Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in Scrubbed) psi.Environment.Remove(name);
        psi.Environment["AWS_CONFIG_FILE"] = "/nonexistent/aws-config";
        psi.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials";
        psi.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
            if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        return psi;
    }

    public static ProcessResult Run(string script, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null,
        string? stdin = null, TimeSpan? timeout = null)
    {
        _ = Built.Value;
        return Repo.Exec(Command(PathOf(script), args, env), stdin, timeout);
    }
}

/// <summary>Base of the end-to-end test classes: one DynamoDB Local per class, one table name per test.</summary>
public abstract class EndToEnd(DynamoDbLocal ddb) : IClassFixture<DynamoDbLocal>
{
    protected DynamoDbLocal Ddb { get; } = ddb;

    /// <summary>A table name of this test's own, so that tests never see each other's data.</summary>
    protected string Table { get; } = "t-" + Guid.NewGuid().ToString("N")[..12];

    protected virtual Dictionary<string, string?> Env() => new()
    {
        ["AWS_ENDPOINT_URL_DYNAMODB"] = Ddb.Endpoint,
        ["DDB_MESSAGE_TABLE"] = Table,
    };

    protected ProcessResult Run(string script, params string[] args) => Scripts.Run(script, args, Env());

    protected ProcessResult RunWith(string script, IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        var all = Env();
        foreach (var (k, v) in env) all[k] = v;
        return Scripts.Run(script, args, all);
    }

    /// <summary>Starts a script without waiting (for tests that kill or signal it), its output redirected.</summary>
    protected Process Start(string script, string[] args, bool ownProcessGroup = false)
    {
        var path = Scripts.PathOf(script);
        // A process group of its own, as a terminal's foreground job, with Ctrl-C's signal handled as there: a test run
        // started in the background (`./test &`, a non-interactive shell's `&`) passes SIGINT down ignored, and the
        // runtime leaves an inherited SIG_IGN in place, as shells do.
        var psi = ownProcessGroup ? Scripts.Command("env", ["--default-signal=INT", "setsid", path, .. args], Env()) : Scripts.Command(path, args, Env());
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        _ = Scripts.Run(script, ["--help"]); // compiled before any clock starts
        return Process.Start(psi)!;
    }

    /// <summary>
    /// Runs a script on a pseudo-terminal (script(1)), typing <paramref name="typed"/> when given;
    /// returns everything the terminal showed (stdout and stderr together, in Stdout).
    /// </summary>
    protected ProcessResult OnTerminal(IReadOnlyDictionary<string, string?> env, string? typed, string script, params string[] args)
    {
        var command = string.Join(' ', new[] { Scripts.PathOf(script) }.Concat(args).Select(a => $"'{a}'"));
        return OnTerminal(command, env, typed);
    }

    /// <summary>Runs a shell command line on a pseudo-terminal (see the other overload).</summary>
    protected ProcessResult OnTerminal(string commandLine, IReadOnlyDictionary<string, string?>? env = null, string? typed = null)
    {
        var all = Env();
        all["TERM"] = "xterm-256color";
        all["COLUMNS"] = "160";
        // The runner builds a script with NuGet's interactive mode when its output is a terminal, and
        // that is part of its up-to-date check: a terminal run after piped runs would build the script
        // again, racing with the other tests' runs of it. CI=true keeps the one build for both.
        all["CI"] = "true";
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) all[k] = v;
        return Repo.Exec(Scripts.Command("script", ["-qec", commandLine, "/dev/null"], all), stdin: typed is null ? null : typed + "\n",
            timeout: TimeSpan.FromMinutes(2));
    }

    /// <summary>Runs a script that must succeed, and returns what it printed.</summary>
    protected ProcessResult Ok(string script, params string[] args)
    {
        var r = Run(script, args);
        Assert.True(r.ExitCode == 0, $"{script} {string.Join(' ', args)} failed:\n{r}");
        return r;
    }

    /// <summary>Asserts the one-line failure contract: the exit code, one line on stderr after the context line, no stack trace.</summary>
    protected static void AssertFails(ProcessResult r, int code, string contains)
    {
        Assert.True(r.ExitCode == code, $"expected exit {code}:\n{r}");
        Assert.Contains(contains, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.True(r.StderrLines.Count(l => l.Contains(contains)) == 1, $"the failure should be said once:\n{r}");
    }
}
