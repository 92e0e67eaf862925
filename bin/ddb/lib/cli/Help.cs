// --help of every script: the header comment of its own file (what it does, usage, example, IAM
// actions), then its arguments, options (with defaults) and the environment variables it reads.
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Cruddur.Ddb;

/// <summary>
/// A script's command: a root command described by the script's header comment, that knows whether the
/// script refuses prod, whether it acts on a table, and which environment variables it reads.
/// </summary>
public sealed class ScriptCommand : RootCommand
{
    public bool LocalOnly { get; }
    public bool SaysTable { get; }
    public IReadOnlyList<string> Variables { get; }

    public ScriptCommand(string description, bool localOnly, bool saysTable, IReadOnlyList<string> variables) : base(description)
    {
        (LocalOnly, SaysTable, Variables) = (localOnly, saysTable, variables);
        Options.Remove(Options.OfType<VersionOption>().Single()); // the scripts are versioned with the repo
        Options.OfType<HelpOption>().Single().Action = new Help.HeaderHelp(this);
    }
}

public static class Help
{
    /// <summary>What the environment variables a script reads do, for its --help.</summary>
    public static readonly IReadOnlyDictionary<string, string> Variables = new Dictionary<string, string>
    {
        ["AWS_ENDPOINT_URL_DYNAMODB"] = "the local endpoint (default http://localhost:8000); honoured in prod with a warning",
        ["AWS_ENDPOINT_URL"] = "the local endpoint when AWS_ENDPOINT_URL_DYNAMODB is unset; ignored in prod",
        ["DDB_LOCAL_PORT"] = "DynamoDB Local's port (default 8000) when neither endpoint variable is set",
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

    /// <summary>--help: the header comment (what the script does, its usage, example and IAM actions),
    /// then its arguments and options with their descriptions; no second usage line.</summary>
    public sealed class HeaderHelp(ScriptCommand command) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var arguments = command.Arguments.Where(a => !a.Hidden).Select(a => (a.Name, a.Description ?? "")).ToList();
            if (!command.LocalOnly)
                arguments.Add((DdbContext.ProdWord, "act on AWS (your AWS credentials and region) instead of DynamoDB Local; anywhere among the arguments"));
            var options = command.Options.Where(o => !o.Hidden).OrderBy(o => o is HelpOption).Select(o => (
                string.Join(", ", o.Aliases.Where(a => !a.StartsWith('/')).Append(o.Name).OrderBy(a => a.Length)),
                (o.Description ?? "") + (o.HasDefaultValue && o.ValueType != typeof(bool) ? $" (default: {o.GetDefaultValue()})" : ""))).ToList();
            var environment = command.Variables.Distinct().Select(v => (v, Variables[v])).ToList();
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

    /// <summary>The comment lines after the shebang of <paramref name="path"/>: what the script says of itself.</summary>
    public static string Header(string path, string name)
    {
        try
        {
            var lines = File.ReadLines(path)
                .Skip(1)
                .TakeWhile(l => l.StartsWith("//", StringComparison.Ordinal))
                .Select(l => l.Length > 2 && l[2] == ' ' ? l[3..] : l[2..]);
            return string.Join('\n', lines).Trim();
        }
        catch (IOException)
        {
            return name;
        }
    }
}
