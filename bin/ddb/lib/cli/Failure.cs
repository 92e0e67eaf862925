// Failures in one line a user can act on, with an exit code, for the one exit path (Cli.Run): the
// typed errors of every layer below (settings, credentials, endpoints, the table, its items and
// operations, the app's users), DynamoDB's errors, credentials that could not be had, endpoints that
// do not answer or are not DynamoDB, a reader that went away.
using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Cruddur.Ddb;

/// <summary>A failure a script words itself: one line on stderr and an exit code (1 failure, 2 usage or refused, 130 interrupted).</summary>
public class UserError(string message, int exitCode = 1, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

public static class Failure
{
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
                return ($"interrupted: {w.Done} of {w.Total} items written; run {Cli.Name} again to finish", 130);
            case IncompleteWrite w:
                var (why, code) = Explain(w.InnerException!, ctx, interrupted);
                return ($"{why}; {w.Done} of {w.Total} items were written: running {Cli.Name} again completes it", code);
            case ConversationError c:
                return Conversation(c);
            case SettingError s:
                return Setting(s);
            case CredentialError c:
                return (Credentials(c), 1);
            case EndpointError p:
                return (Endpoint(p), 2);
            case UsersError u:
                return Users(u);
            case UnknownUser u:
                return (Unknown(u), 2);
            case TableWaitTimedOut t:
                return (t.Goal == TableGoal.Active
                    ? $"table '{t.Table}' is not ACTIVE after {t.Waited.TotalSeconds:0} s (status {t.Status ?? "missing"})"
                    : $"table '{t.Table}' is still {t.Status} after {t.Waited.TotalSeconds:0} s", 1);
            case BatchThrottled b:
                return ($"DynamoDB kept throttling ({b.Code}) after {b.Retries} retries of one batch ({b.AllRetries} retries in "
                    + $"{b.Elapsed.TotalSeconds:0} s in all); {b.Done} items were written. Run again later (it picks up where it left off) "
                    + "or raise the table's write capacity", 1);
            case NotShaped n:
                return ($"table {n.Table} is not shaped like cruddur-messages: " + n.Mismatch switch
                {
                    ShapeMismatch.Keys => $"its keys are {n.Found}, not {n.Expected}",
                    ShapeMismatch.NoIndex => $"it has no index {n.Index}",
                    _ => $"its index {n.Index} has keys {n.Found}, not {n.Expected}",
                } + $"; nothing written ({Cli.Sibling("schema-load")} lists the differences)", 1);
            case NoStream n:
                return ($"table {n.Table} has no stream turned on: {Cli.Sibling("schema-load")} shows the command that turns it on", 1);
            case KeptThrottling k:
                return ($"DynamoDB kept throttling ({k.Code}) after {k.Retries} retries of one request; run again later or raise the table's capacity", 1);
            case OperationCanceledException when interrupted:
                return ("interrupted", 130);
            case ResourceNotFoundException:
                return (table == DdbContext.MessagesTableName(Environment.GetEnvironmentVariable)
                    ? $"table '{table}' does not exist at {where}: create it with {Cli.Sibling("schema-load")}{(ctx?.Prod == true ? " prod" : "")}"
                    : $"table '{table}' does not exist at {where} ({Cli.Sibling("list-tables")} shows what does)", 1);
        }
        if (ctx is { Prod: true } && CredentialFailure(e, ctx) is { } failure)
            return (failure, 1);
        if (ctx is not null && TimedOut(e))
            return ($"{ctx.Where} accepted the connection but did not answer within {ctx.Patience.TotalSeconds:0} s ({ctx.Tries} tries)"
                + (ctx.Prod ? "" : $": is it DynamoDB Local, and is it overloaded? ({Cli.Sibling("local")} status)"), 1);
        if (NotDynamoDb(e) is { } status)
            return ($"{where} is not DynamoDB (it answered HTTP {status} without a DynamoDB request id)"
                + (ctx is { Prod: true, Endpoint: null } ? ": is a proxy in between?" : $": is another program using the port? ({Cli.Sibling("local")} status)"), 1);
        if (Unreachable(e))
            return ctx?.Prod == true && ctx.Endpoint is null
                ? ($"cannot reach {where}: check your network and AWS_REGION", 1)
                : ($"cannot reach DynamoDB at {where}: is DynamoDB Local running? Start it with {Cli.Sibling("local")} up", 1);
        return e switch
        {
            AmazonServiceException { ErrorCode: "UnrecognizedClientException" or "InvalidSignatureException" or "ExpiredTokenException" or "ExpiredToken" } s =>
                ($"AWS rejected the credentials ({s.ErrorCode}) of {ctx?.Identity?.Source ?? "this context"}: "
                    + (ctx?.Identity?.Sso == true ? $"run '{SsoLogin(ctx)}'" : "refresh them or pick another AWS_PROFILE"), 1),
            AmazonServiceException { ErrorCode: "AccessDeniedException" } s =>
                ($"access denied: {s.Message} ({Cli.Self} --help lists the IAM actions it calls)", 1),
            AmazonServiceException { ErrorCode: "ValidationException" } s when (s.Message.Contains("key", StringComparison.OrdinalIgnoreCase)
                && s.Message.Contains("not supported", StringComparison.OrdinalIgnoreCase)) || s.Message.Contains("schema", StringComparison.OrdinalIgnoreCase) =>
                ($"DynamoDB ValidationException: {s.Message} -- table '{table}' is not shaped as these scripts expect: "
                    + $"{Cli.Sibling("schema-load")}{(ctx?.Prod == true ? " prod" : "")} lists the differences", 1),
            AmazonServiceException s when s.ErrorCode is { Length: > 0 } => ($"DynamoDB {s.ErrorCode}: {s.Message}", 1),
            AmazonServiceException s => ($"DynamoDB error {(int)s.StatusCode}: {s.Message}", 1),
            AmazonClientException c => ($"AWS SDK: {c.Message}", 1),
            _ => ($"unexpected {e.GetType().Name}: {e.Message} (run with DDB_DEBUG=1 for details)", 1),
        };
    }

    public static Exception Innermost(Exception e)
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
    public static string? CredentialFailure(Exception e, DdbContext ctx)
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
                return Credentials(new CredentialError(CredentialProblem.NoneFound)); // the last link of the chain: not on EC2 either
        }
        return null;
    }

    public static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    /// <summary>Standard output's reader closed the pipe (<see cref="ReaderGone"/>); a broken pipe anywhere
    /// else (a DynamoDB connection) is a failure like any other.</summary>
    public static bool ReaderWentAway(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException ?? (x as AggregateException)?.InnerExceptions.FirstOrDefault())
            if (x is ReaderGone)
                return true;
        return false;
    }

    /// <summary>A handle that cannot be looked up; the scripts that catch it add how to do without.</summary>
    public static string Unknown(UnknownUser u) => $"no {u.Variable} to look up '{u.Handle}'";

    /// <summary>A setting that cannot be used: exit 2 where it refuses what was asked (AWS without prod, a region not allowed).</summary>
    static (string, int) Setting(SettingError s) => s.Problem switch
    {
        SettingProblem.NotUrl => ($"{s.Setting} is not an http(s) URL: {s.Value}", 1),
        SettingProblem.AwsWithoutProd => ($"{s.Setting} points at AWS ({s.Value}) but prod was not asked for: "
            + "add the word prod to act on AWS, or point it at DynamoDB Local", 2),
        SettingProblem.NotPort => ($"{s.Setting} is not a port number: {s.Value}", 2),
        SettingProblem.NoRegion => ($"prod needs an AWS region: set {s.Setting} (or AWS_DEFAULT_REGION), or a region in profile '{s.Value}' (aws configure)", 1),
        _ => ($"region {s.Value} is not in {s.Setting} ({s.Allowed}): refusing to act on prod there", 2),
    };

    static string Credentials(CredentialError c) => c.Problem switch
    {
        CredentialProblem.UnreadableFiles => $"cannot read the AWS config files: {c.Detail}",
        CredentialProblem.KeyWithoutSecret => "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
        CredentialProblem.ProfileWithoutCredentials => $"profile '{c.Profile}' has no credentials (access keys, role_arn, sso_session, "
            + "credential_process or web_identity_token_file)",
        CredentialProblem.NoSuchProfile => $"profile '{c.Profile}' does not exist in ~/.aws/config or ~/.aws/credentials (aws configure list-profiles shows those that do)",
        _ => "prod needs AWS credentials and none were found: run 'aws configure' or 'aws configure sso', or set AWS_PROFILE to a profile that has them",
    };

    static string Endpoint(EndpointError p) => p.Problem switch
    {
        EndpointProblem.NoPartition => $"no AWS partition has the region {p.Region}",
        EndpointProblem.ConfiguredAndFips => $"{p.Service}: FIPS and a configured endpoint are not supported together (AWS_USE_FIPS_ENDPOINT)",
        EndpointProblem.ConfiguredAndDualStack => $"{p.Service}: dual-stack and a configured endpoint are not supported together (AWS_USE_DUALSTACK_ENDPOINT)",
        EndpointProblem.NoFipsDualStack => $"FIPS and dual-stack are both asked for, but the partition of {p.Region} does not support both",
        EndpointProblem.NoFips => $"FIPS is asked for, but the partition of {p.Region} does not support it",
        _ => $"dual-stack is asked for, but the partition of {p.Region} does not support it",
    };

    static (string, int) Users(UsersError u) => u.Problem switch
    {
        UsersProblem.NotPostgresUrl => ($"{u.Where} is not a Postgres URL (postgresql://user:password@host:5432/cruddur)", 1),
        UsersProblem.NoUsersTable => ($"{u.Where} has no users table: load the app's schema into it first", 1),
        UsersProblem.Unreachable => ($"cannot query {u.Where}: {u.Detail}", 1),
        _ => ($"no user with handle {string.Join(", ", u.Handles.Select(h => $"'{h}'"))} in {u.Where}", 2),
    };

    /// <summary>A conversation file seed cannot take, said with where in it: exit 2 for a file that is not one, 1 for its content.</summary>
    static (string, int) Conversation(ConversationError c) => c.Problem switch
    {
        ConversationProblem.Folder => ($"{c.File} is a folder, not a conversation file", 2),
        ConversationProblem.Unreadable => (c.File == "standard input" ? $"cannot read the conversation from standard input: {c.Found}"
            : $"cannot read the conversation file {c.File}: {c.Found}", 1),
        ConversationProblem.NotUtf8 => ($"{c.File}:{c.Line}:{c.Column}: not UTF-8 (byte {c.Found}): save the file as UTF-8; nothing written", 2),
        ConversationProblem.BadLine => ($"{c.File}:{c.Line}: expected 'Person 1: <message>' or 'Person 2: <message>', found '{Output.Clip(c.Found, 40)}'", 1),
        ConversationProblem.NoMessages => ($"{c.File}: no messages (expected 'Person 1: ...' / 'Person 2: ...' lines)", 1),
        _ => ($"{c.File}:{c.Line}: this message makes an item of {c.Size / 1024.0:0.#} KB "
            + "and DynamoDB takes at most 400 KB an item; nothing written", 1),
    };

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
}
