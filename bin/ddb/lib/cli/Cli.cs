// The one exit path of every script: parse the arguments, resolve and say the context, run, and turn
// every failure into one line on stderr (Failure.Explain) with an exit code (0 ok, 1 failure, 2 usage
// or refused, 130 interrupted, 143 terminated). DDB_DEBUG=1 adds the details. Also the confirmation
// prompt of the scripts that delete in prod.
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

    public static string ScriptPath => AppContext.GetData("EntryPointFilePath") as string ?? Environment.ProcessPath ?? "ddb";
    public static string ScriptDir => AppContext.GetData("EntryPointFileDirectoryPath") as string ?? AppContext.BaseDirectory;
    public static string Name => Path.GetFileName(ScriptPath);

    /// <summary>Another script of bin/ddb by its path as the user can type it from the current folder (relative,
    /// starting with ./ or ../), for the hints failures give.</summary>
    public static string Sibling(string name) =>
        Typed(Path.Combine(Directory.Exists(Path.Combine(ScriptDir, "lib")) ? ScriptDir : Path.GetDirectoryName(ScriptDir.TrimEnd('/')) ?? ScriptDir, name));

    /// <summary>This script by its path as the user can type it from the current folder.</summary>
    public static string Self => Typed(ScriptPath);

    static string Typed(string file)
    {
        var path = Path.GetRelativePath(Environment.CurrentDirectory, file);
        return Path.IsPathRooted(path) || path.StartsWith("..", StringComparison.Ordinal) ? path : "./" + path;
    }

    /// <summary>
    /// The script's command, described by the header comment of its own file (the comment lines
    /// after the shebang), so that the file and its --help say the same. The word prod is taken
    /// out of the arguments before parsing (see DdbContext.SplitProd); --help shows it unless
    /// <paramref name="localOnly"/>, with the environment variables that matter
    /// (<paramref name="variables"/>: those beyond the ones every script reads).
    /// </summary>
    /// <param name="table">false for scripts that act on the endpoint rather than a table (list-tables).</param>
    public static ScriptCommand Command(bool localOnly = false, bool table = true, params string[] variables) =>
        new(Help.Header(ScriptPath, Name), localOnly, table,
            ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "DDB_LOCAL_PORT", .. table ? ["DDB_MESSAGE_TABLE"] : Array.Empty<string>(),
                .. localOnly ? Array.Empty<string>() : ["AWS_PROFILE", "AWS_REGION", "DDB_ALLOWED_REGIONS"], .. variables, "NO_COLOR", "DDB_DEBUG"]);

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

    /// <summary>Runs a script: parse, resolve the context, say it on stderr, act, and exit through one place.</summary>
    /// <param name="tableArgument">a TABLE argument that, when given, replaces the messages table.</param>
    public static int Run(string[] args, ScriptCommand command, Func<Invocation, Task<int>> action,
        Argument<string?>? tableArgument = null)
    {
        var started = Debug ? Elapsed : 0; // only with DDB_DEBUG: reading the start time costs a little
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
            if (prod && command.LocalOnly)
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
            if (tableArgument is not null && parsed.GetResult(tableArgument) is { Tokens.Count: > 0 } given)
                context = context with
                {
                    Table = string.IsNullOrWhiteSpace(given.Tokens[0].Value)
                        ? throw Usage($"{tableArgument.Name} is empty: name a table, or leave it out for {context.Table}")
                        : given.Tokens[0].Value,
                };
            Console.Error.WriteLine(context.Describe(command.SaysTable ? null : "DynamoDB"));
            if (context is { Prod: true, Endpoint: { } endpoint })
                Console.Error.WriteLine($"WARNING: prod requests go to {endpoint} ({context.EndpointFrom}), not to AWS's own endpoint");
            if (context.Identity is { } identity)
                FetchCredentials(identity, context, cts.Token);
            var resolved = Debug ? Elapsed : 0;
            var code = action(new Invocation(context, parsed, cts.Token)).GetAwaiter().GetResult();
            if (Debug)
                Console.Error.WriteLine($"timing: program started {started:0} ms after the process, arguments and context ready at {resolved:0} ms, done at {Elapsed:0} ms");
            return code;
        }
        catch (Exception e) when (Failure.ReaderWentAway(e))
        {
            return 0; // the reader of standard output went away (| head): nothing left to say
        }
        catch (Exception e)
        {
            var (message, code) = Failure.Explain(e, context, cts.IsCancellationRequested);
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
            throw new UserError(Failure.Unreachable(e) && !instanceRole
                ? $"cannot get credentials for {identity.Source}: the service that hands them out did not answer ({Failure.FirstLine(Failure.Innermost(e).Message)})"
                : Failure.CredentialFailure(e, ctx) ?? $"cannot get credentials for {identity.Source}: {Failure.FirstLine(e.Message)}", 1, e);
        }
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

