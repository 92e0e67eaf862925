// The one exit path of every script: parse the arguments, resolve and say the context, run,
// and turn every known failure into one line on stderr with an exit code
// (0 ok, 1 failure, 2 usage or refused, 130 interrupted). DDB_DEBUG=1 adds the details.
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Cruddur.Ddb;

public sealed record Invocation(DdbContext Context, ParseResult Args, CancellationToken Cancel)
{
    public T Get<T>(Option<T> option) => Args.GetValue(option)!;
}

public static class Cli
{
    public static bool Debug => Environment.GetEnvironmentVariable("DDB_DEBUG") is "1" or "true";

    /// <summary>Milliseconds since this process started (the launcher's own time comes before it).</summary>
    static double Elapsed => (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds;

    static readonly double Started = Debug ? Elapsed : 0; // only with DDB_DEBUG: reading the start time costs a little

    public static string ScriptPath => AppContext.GetData("EntryPointFilePath") as string ?? Environment.ProcessPath ?? "ddb";
    public static string ScriptDir => AppContext.GetData("EntryPointFileDirectoryPath") as string ?? AppContext.BaseDirectory;
    public static string Name => Path.GetFileName(ScriptPath);

    /// <summary>Refuses the word prod (exit 2) before anything else: set by <see cref="Command"/>.</summary>
    static bool _localOnly;

    /// <summary>What the environment variables a script reads do, for its --help.</summary>
    static readonly Dictionary<string, string> Variables = new()
    {
        ["AWS_ENDPOINT_URL_DYNAMODB"] = "the local endpoint (default http://localhost:8000); honoured in prod with a warning",
        ["AWS_ENDPOINT_URL"] = "the local endpoint when AWS_ENDPOINT_URL_DYNAMODB is unset; ignored in prod",
        ["DDB_MESSAGE_TABLE"] = "the messages table (default cruddur-messages)",
        ["AWS_PROFILE"] = "prod: the profile whose credentials and region are used (else AWS_DEFAULT_PROFILE, default)",
        ["AWS_REGION"] = "prod: the region (else AWS_DEFAULT_REGION, else the profile's)",
        ["DDB_ALLOWED_REGIONS"] = "prod: a comma list of regions; any other is refused",
        ["CONNECTION_URL"] = "the app's Postgres, where users are looked up (PROD_CONNECTION_URL with prod)",
        ["DDB_MAX_RETRIES"] = "retries of one batch or page under throttling (default 15)",
        ["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = "where the stream is read (default: the DynamoDB endpoint locally, AWS's Streams endpoint in prod)",
        ["XDG_CACHE_HOME"] = "where checkpoints are kept, under cruddur-ddb/ (default ~/.cache)",
        ["NO_COLOR"] = "no colours",
        ["DDB_DEBUG"] = "1: the details of a failure",
    };

    static string[] _variables = [];
    static bool _saysTable = true;

    /// <summary>
    /// The script's command, described by the header comment of its own file (the comment lines
    /// after the shebang), so that the file and its --help say the same. The word prod is taken
    /// out of the arguments before parsing (see DdbContext.SplitProd); --help shows it unless
    /// <paramref name="localOnly"/>, with the environment variables that matter
    /// (<paramref name="variables"/>: those beyond the ones every script reads).
    /// </summary>
    /// <param name="table">false for scripts that act on the endpoint rather than a table (list-tables).</param>
    public static RootCommand Command(bool localOnly = false, bool table = true, params string[] variables)
    {
        (_localOnly, _saysTable) = (localOnly, table);
        _variables = ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", .. table ? ["DDB_MESSAGE_TABLE"] : Array.Empty<string>(),
            .. localOnly ? Array.Empty<string>() : ["AWS_PROFILE", "AWS_REGION", "DDB_ALLOWED_REGIONS"], .. variables, "NO_COLOR", "DDB_DEBUG"];
        var root = new RootCommand(Header());
        root.Options.Remove(root.Options.OfType<VersionOption>().Single()); // the scripts are versioned with the repo
        root.Options.OfType<HelpOption>().Single().Action = new HeaderHelp(root);
        return root;
    }

    /// <summary>--help: the header comment (what the script does, its usage, example and IAM actions),
    /// then its arguments and options with their descriptions; no second usage line.</summary>
    sealed class HeaderHelp(RootCommand command) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var arguments = command.Arguments.Where(a => !a.Hidden).Select(a => (a.Name, a.Description ?? "")).ToList();
            if (!_localOnly)
                arguments.Add((DdbContext.ProdWord, "act on AWS (your AWS credentials and region) instead of DynamoDB Local; anywhere among the arguments"));
            var options = command.Options.Where(o => !o.Hidden).OrderBy(o => o is HelpOption).Select(o => (
                string.Join(", ", o.Aliases.Where(a => !a.StartsWith('/')).Append(o.Name).OrderBy(a => a.Length)),
                (o.Description ?? "") + (o.HasDefaultValue && o.ValueType != typeof(bool) ? $" (default: {o.GetDefaultValue()})" : ""))).ToList();
            var environment = _variables.Distinct().Select(v => (v, Variables[v])).ToList();
            var width = arguments.Concat(options).Concat(environment).Max(r => r.Item1.Length) + 2;
            var text = new System.Text.StringBuilder(command.Description).Append('\n');
            foreach (var (title, rows) in new[] { ("Arguments", arguments), ("Options", options), ("Environment", environment) }.Where(s => s.Item2.Count > 0))
            {
                text.Append('\n').Append(title).Append(":\n");
                foreach (var (name, description) in rows) text.Append("  ").Append(name.PadRight(width)).Append(description).Append('\n');
            }
            Console.Out.Write(text);
            return 0;
        }
    }

    /// <summary>A TABLE argument; a word that starts with '-' is an unknown option, not a table name.</summary>
    public static Argument<string?> TableArgument(string description, bool required)
    {
        var argument = new Argument<string?>("TABLE")
        {
            Description = description,
            Arity = required ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne,
        };
        argument.Validators.Add(result =>
        {
            if (result.Tokens.FirstOrDefault()?.Value is { } value && value.StartsWith('-'))
                result.AddError($"Unrecognized command or argument '{value}'.");
        });
        return argument;
    }

    static string Header()
    {
        try
        {
            var lines = File.ReadLines(ScriptPath)
                .Skip(1)
                .TakeWhile(l => l.StartsWith("//", StringComparison.Ordinal))
                .Select(l => l.Length > 2 && l[2] == ' ' ? l[3..] : l[2..]);
            return string.Join('\n', lines).Trim();
        }
        catch (IOException)
        {
            return Name;
        }
    }

    /// <summary>Runs a script: parse, resolve the context, say it on stderr, act, and exit through one place.</summary>
    /// <param name="tableArgument">a TABLE argument that, when given, replaces the messages table.</param>
    public static int Run(string[] args, RootCommand command, Func<Invocation, Task<int>> action,
        Argument<string?>? tableArgument = null)
    {
        using var cts = new CancellationTokenSource();
        var stopCode = 130; // Ctrl-C; 143 for SIGTERM or a launcher that went away
        Console.CancelKeyPress += (_, e) =>
        {
            if (cts.IsCancellationRequested) return; // a second Ctrl-C ends the process at once
            e.Cancel = true;
            cts.Cancel();
        };
        void Terminate() { stopCode = 143; cts.Cancel(); }
        // `dotnet FILE` runs this program as a child of the launcher: SIGTERM is forwarded to it,
        // but when the launcher is killed outright nothing is, so the parent is watched too.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => { signal.Cancel = true; Terminate(); });
        Launcher.WatchParent(Terminate);
        DdbContext? context = null;
        try
        {
            var (prod, rest) = DdbContext.SplitProd(args, name =>
                command.Options.Any(o => (o.Name == name || o.Aliases.Contains(name)) && o.ValueType != typeof(bool)));
            var parsed = command.Parse(rest);
            if (command.Options.OfType<HelpOption>().SingleOrDefault() is { Action: SynchronousCommandLineAction help } option
                && parsed.GetResult(option) is not null)
                return help.Invoke(parsed); // also when a required argument is missing: `drop --help`
            if (parsed.Errors.Count > 0)
                throw new UserError($"{ParseError(parsed.Errors[0].Message, command)} (see {Name} --help)", 2);
            if (parsed.Action is not null) // --help, --version
                return parsed.Invoke();
            if (prod && _localOnly)
                throw new UserError($"{Name} is for DynamoDB Local only and refuses prod", 2);
            context = DdbContext.Resolve(prod, Environment.GetEnvironmentVariable);
            if (prod)
            {
                var env = (Func<string, string?>)Environment.GetEnvironmentVariable;
                var sdkProfile = AwsCredentials.SdkProfile(env);
                foreach (var (name, value) in AwsCredentials.CredentialEndpoints(env, sdkProfile, context.Region, sdkProfile?.Options.SsoRegion))
                    Environment.SetEnvironmentVariable(name, value);
                context = context.WithCredentials(env);
            }
            if (tableArgument is not null && parsed.GetValue(tableArgument) is { Length: > 0 } table)
                context = context with { Table = table };
            Console.Error.WriteLine(context.Describe(_saysTable ? null : "DynamoDB"));
            if (context is { Prod: true, Endpoint: { } endpoint })
                Console.Error.WriteLine($"WARNING: prod requests go to {endpoint} (AWS_ENDPOINT_URL_DYNAMODB), not to AWS's own endpoint");
            if (context.Identity is { } identity)
                FetchCredentials(identity, context, cts.Token);
            var resolved = Debug ? Elapsed : 0;
            var code = action(new Invocation(context, parsed, cts.Token)).GetAwaiter().GetResult();
            if (Debug)
                Console.Error.WriteLine($"timing: program started {Started:0} ms after the process, arguments and context ready at {resolved:0} ms, done at {Elapsed:0} ms");
            return code;
        }
        catch (Exception e) when (ReaderWentAway(e))
        {
            return 0; // the reader of standard output went away (| head): nothing left to say
        }
        catch (Exception e)
        {
            var (message, code) = Explain(e, context, cts.IsCancellationRequested);
            if (code == 130) code = stopCode;
            Console.Out.Flush();
            Console.Error.WriteLine(Secrets.Scrub($"{Name}: {message}"));
            if (Debug) Console.Error.WriteLine(Secrets.Scrub(e.ToString()));
            return code;
        }
    }

    /// <summary>The parser's error in the script's words: no .NET type names, the missing argument by name.</summary>
    public static string ParseError(string message, Command command)
    {
        var value = System.Text.RegularExpressions.Regex.Match(message, "^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'");
        if (value.Success)
            return $"{value.Groups[2].Value} takes {(value.Groups[3].Value.Contains("Int", StringComparison.Ordinal) ? "a whole number" : "another kind of value")}, "
                + $"not '{value.Groups[1].Value}'";
        if (message.StartsWith("Required argument missing", StringComparison.Ordinal)
            && command.Arguments.FirstOrDefault(a => a.Arity.MinimumNumberOfValues > 0) is { } missing)
            return $"{missing.Name} is missing: {missing.Description}";
        return message.TrimEnd('.');
    }

    /// <summary>What went wrong, in one line a user can act on, and the exit code.</summary>
    public static (string Message, int Code) Explain(Exception e, DdbContext? ctx, bool interrupted = false)
    {
        var table = ctx?.Table ?? DdbContext.DefaultTable;
        var where = ctx?.Where ?? "DynamoDB";
        switch (e)
        {
            case UserError u:
                return (u.Message, u.ExitCode);
            case IncompleteWrite w when interrupted && w.InnerException is OperationCanceledException:
                return ($"interrupted: {w.Done} of {w.Total} items written; run {Name} again to finish", 130);
            case IncompleteWrite w:
                var (why, code) = Explain(w.InnerException!, ctx, interrupted);
                return ($"{why}; {w.Done} of {w.Total} items were written: running {Name} again completes it", code);
            case OperationCanceledException when interrupted:
                return ("interrupted", 130);
            case ResourceNotFoundException:
                return (table == DdbContext.MessagesTableName(Environment.GetEnvironmentVariable)
                    ? $"table '{table}' does not exist at {where}: create it with ./bin/ddb/schema-load{(ctx?.Prod == true ? " prod" : "")}"
                    : $"table '{table}' does not exist at {where} (./bin/ddb/list-tables shows what does)", 1);
        }
        if (ctx is { Prod: true } && CredentialFailure(e, ctx) is { } failure)
            return (failure, 1);
        if (ctx is not null && TimedOut(e))
            return ($"{ctx.Where} accepted the connection but did not answer within {ctx.RequestTimeout.TotalSeconds:0} s ({ctx.Tries} tries)"
                + (ctx.Prod ? "" : ": is it DynamoDB Local, and is it overloaded? (./bin/ddb/local status)"), 1);
        if (NotDynamoDb(e) is { } status)
            return ($"{where} is not DynamoDB (it answered HTTP {status} without a DynamoDB request id)"
                + (ctx is { Prod: true, Endpoint: null } ? ": is a proxy in between?" : ": is another program using the port? (./bin/ddb/local status)"), 1);
        if (Unreachable(e))
            return ctx?.Prod == true && ctx.Endpoint is null
                ? ($"cannot reach {where}: check your network and AWS_REGION", 1)
                : ($"cannot reach DynamoDB at {where}: is DynamoDB Local running? Start it with ./bin/ddb/local up", 1);
        return e switch
        {
            AmazonServiceException { ErrorCode: "UnrecognizedClientException" or "InvalidSignatureException" or "ExpiredTokenException" or "ExpiredToken" } s =>
                ($"AWS rejected the credentials ({s.ErrorCode}) of {ctx?.Identity?.Source ?? "this context"}: "
                    + (ctx?.Identity?.Sso == true ? $"run '{SsoLogin(ctx)}'" : "refresh them or pick another AWS_PROFILE"), 1),
            AmazonServiceException { ErrorCode: "AccessDeniedException" } s =>
                ($"access denied: {s.Message} (see docs/iam-policy.json for the actions each script needs)", 1),
            AmazonServiceException { ErrorCode: "ValidationException" } s when (s.Message.Contains("key", StringComparison.OrdinalIgnoreCase)
                && s.Message.Contains("not supported", StringComparison.OrdinalIgnoreCase)) || s.Message.Contains("schema", StringComparison.OrdinalIgnoreCase) =>
                ($"DynamoDB ValidationException: {s.Message} -- table '{table}' is not shaped as these scripts expect: "
                    + $"./bin/ddb/schema-load{(ctx?.Prod == true ? " prod" : "")} lists the differences", 1),
            AmazonServiceException s when s.ErrorCode is { Length: > 0 } => ($"DynamoDB {s.ErrorCode}: {s.Message}", 1),
            AmazonServiceException s => ($"DynamoDB error {(int)s.StatusCode}: {s.Message}", 1),
            AmazonClientException c => ($"AWS SDK: {c.Message}", 1),
            _ => ($"unexpected {e.GetType().Name}: {e.Message} (run with DDB_DEBUG=1 for details)", 1),
        };
    }

    /// <summary>
    /// Fetches prod credentials before the first request (STS, SSO, the process, the metadata service),
    /// so that a failure there is worded as what it is, never as an unreachable DynamoDB.
    /// </summary>
    static void FetchCredentials(AwsIdentity identity, DdbContext ctx, CancellationToken ct)
    {
        try
        {
            identity.Credentials.GetCredentialsAsync().WaitAsync(ct).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var instanceRole = identity.Credentials is InstanceProfileAWSCredentials; // unreachable there means: not on EC2
            throw new UserError(Unreachable(e) && !instanceRole
                ? $"cannot get credentials for {identity.Source}: the service that hands them out did not answer ({FirstLine(Innermost(e).Message)})"
                : CredentialFailure(e, ctx) ?? $"cannot get credentials for {identity.Source}: {FirstLine(e.Message)}", 1, e);
        }
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    static string SsoLogin(DdbContext? ctx) => $"aws sso login --profile {ctx?.Profile ?? AwsCredentials.DefaultProfile}";

    /// <summary>
    /// Prod credentials that could not be had when the first request needed them: an SSO sign-in that
    /// expired, STS or SSO refusing, a credential_process that failed, no instance role. Null for
    /// anything else (DynamoDB's own errors).
    /// </summary>
    static string? CredentialFailure(Exception e, DdbContext ctx)
    {
        var source = ctx.Identity?.Source ?? $"profile {ctx.Profile}";
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is ProcessAWSCredentialException)
                return $"the credential_process of {source} failed: {FirstLine(x.Message)}";
            if (x is AmazonServiceException s && s.GetType().Namespace is { } ns && !ns.StartsWith("Amazon.DynamoDB", StringComparison.Ordinal))
                return ctx.Identity?.Sso == true && s.ErrorCode is "UnauthorizedException" or "ForbiddenException"
                    ? $"the IAM Identity Center (SSO) sign-in of profile '{ctx.Profile}' was refused ({s.ErrorCode}): run '{SsoLogin(ctx)}'"
                    : $"AWS would not give credentials for {source}: {s.ErrorCode}: {FirstLine(s.Message)}";
            if (x is AmazonClientException && (ctx.Identity?.Sso == true || x.Message.Contains("SSO", StringComparison.Ordinal)))
                return $"the IAM Identity Center (SSO) sign-in of profile '{ctx.Profile}' has expired or was never made: run '{SsoLogin(ctx)}'";
            if (x.Message.Contains("IMDS", StringComparison.Ordinal) || x.Message.Contains("Instance Metadata", StringComparison.OrdinalIgnoreCase))
                return AwsCredentials.NoCredentials; // the last link of the chain: not on EC2 either
        }
        return null;
    }

    static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    /// <summary>Standard output's reader closed the pipe (<see cref="ReaderGone"/>); a broken pipe anywhere
    /// else (a DynamoDB connection) is a failure like any other.</summary>
    public static bool ReaderWentAway(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException ?? (x as AggregateException)?.InnerExceptions.FirstOrDefault())
            if (x is ReaderGone)
                return true;
        return false;
    }

    /// <summary>The HTTP status of a reply that DynamoDB did not send: every DynamoDB reply, Local's
    /// too, carries a request id; an HTML page or a 501 from another server does not.</summary>
    static int? NotDynamoDb(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is AmazonServiceException { RequestId: null or "" } s && (s is AmazonUnmarshallingException || string.IsNullOrEmpty(s.ErrorCode)))
                return (int)s.StatusCode;
        return null;
    }

    static bool TimedOut(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is TimeoutException || x is TaskCanceledException && x.InnerException is TimeoutException)
                return true;
        return false;
    }

    /// <summary>Nothing answered: refused, reset, timed out (a network failure, not an error DynamoDB returned).</summary>
    public static bool Unreachable(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is HttpRequestException or HttpIOException or SocketException or TimeoutException
                || x is TaskCanceledException && x.InnerException is TimeoutException)
                return true;
        return false;
    }

    /// <summary>
    /// Asks the user to type <paramref name="expected"/> on a terminal; refuses (exit 2) when there is
    /// no terminal or the answer differs. Nothing is changed before this returns.
    /// </summary>
    public static void Confirm(string prompt, string expected,
        string noTerminal = "refusing to delete in prod without a terminal to confirm on; add --yes if you mean it",
        string nothingDone = "nothing deleted")
    {
        if (Console.IsInputRedirected || Console.IsErrorRedirected)
            throw new UserError(noTerminal, 2);
        Console.Error.Write(prompt);
        var answer = Console.ReadLine()?.Trim();
        if (answer != expected)
            throw new UserError($"'{answer}' is not '{expected}': {nothingDone}", 2);
    }

    /// <summary>Stops with a usage error (exit 2).</summary>
    public static UserError Usage(string message) => new($"{message} (see {Name} --help)", 2);
}

/// <summary>The process that started this one (`dotnet FILE`'s launcher), and the scripts this one starts.</summary>
public static class Launcher
{
    [DllImport("libc", EntryPoint = "getppid")]
    static extern int GetParentPid();

    [DllImport("libc", EntryPoint = "kill")]
    static extern int Kill(int pid, int signal);

    /// <summary>
    /// Runs another script of bin/ddb (through its shebang, with this process's environment, output
    /// and error) and returns its exit code. Cancelling sends it SIGTERM, so that it stops the way
    /// it does on its own (saying how far it got) rather than being killed.
    /// </summary>
    public static async Task<int> RunScript(string name, IEnumerable<string> args, CancellationToken ct)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Path.Combine(Cli.ScriptDir, name), args) { UseShellExecute = false };
        using var child = System.Diagnostics.Process.Start(psi) ?? throw new UserError($"cannot start {name}");
        using (ct.Register(() => { try { Kill(child.Id, 15); } catch (InvalidOperationException) { } }))
            await child.WaitForExitAsync(CancellationToken.None);
        return child.ExitCode;
    }

    /// <summary>Calls <paramref name="gone"/> within a quarter of a second of the parent process dying
    /// (this process is then re-parented), so that kill -9 of the launcher stops the work too.</summary>
    public static void WatchParent(Action gone)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var parent = GetParentPid();
        new Thread(() =>
        {
            while (GetParentPid() == parent) Thread.Sleep(250);
            gone();
        }) { IsBackground = true, Name = "parent watch" }.Start();
    }
}

/// <summary>Keeps secret keys and session tokens out of everything the scripts print.</summary>
public static class Secrets
{
    static readonly string[] Values = new[] { "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" }
        .Select(Environment.GetEnvironmentVariable)
        .Where(v => v is { Length: >= 8 })
        .Cast<string>()
        .ToArray();

    public static string Scrub(string text)
    {
        foreach (var v in Values) text = text.Replace(v, "****");
        return text;
    }
}
