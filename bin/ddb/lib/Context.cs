// Where the scripts act: DynamoDB Local or AWS, which endpoint, region, table and credentials.
// Resolved once from the arguments and the environment, said on stderr, and handed to everything.
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace Cruddur.Ddb;

public sealed record DdbContext(
    bool Prod,
    string Table,
    string? Endpoint,
    string Region,
    string Profile,
    AwsIdentity? Identity = null)
{
    public const string DefaultTable = "cruddur-messages";
    public const string LocalEndpoint = "http://localhost:8000";
    public const string ProdWord = "prod";

    /// <summary>
    /// Takes the word <c>prod</c> out of the arguments; what is left goes to the option parser. A
    /// <c>prod</c> right after an option that takes a value (<paramref name="takesValue"/>) is that
    /// option's value (<c>seed --my-handle prod</c>), not the word.
    /// </summary>
    public static (bool Prod, string[] Others) SplitProd(IEnumerable<string> args, Func<string, bool>? takesValue = null)
    {
        var (prod, others, previous) = (false, new List<string>(), (string?)null);
        foreach (var a in args)
        {
            if (a == ProdWord && !(previous is not null && takesValue?.Invoke(previous) == true)) prod = true;
            else others.Add(a);
            previous = a;
        }
        return (prod, others.ToArray());
    }

    public static DdbContext Resolve(bool prod, Func<string, string?> env)
    {
        var table = MessagesTableName(env);
        var (profile, _) = AwsCredentials.ProfileName(env);
        var ddbEndpoint = Set(env("AWS_ENDPOINT_URL_DYNAMODB"));
        var envRegion = Set(env("AWS_REGION")) ?? Set(env("AWS_DEFAULT_REGION"));

        if (!prod)
        {
            var (endpoint, source) = ddbEndpoint is not null ? (ddbEndpoint, "AWS_ENDPOINT_URL_DYNAMODB")
                : Set(env("AWS_ENDPOINT_URL")) is { } any ? (any, "AWS_ENDPOINT_URL")
                : Set(env("DDB_LOCAL_PORT")) is { } port ? (LocalPort(port), "DDB_LOCAL_PORT")
                : (LocalEndpoint, "default");
            var url = CheckUrl(endpoint, source);
            if (AwsHost(url))
                throw new UserError($"{source} points at AWS ({new Uri(url).Host}) but prod was not asked for: "
                    + "add the word prod to act on AWS, or point it at DynamoDB Local", 2);
            return new DdbContext(false, table, url, envRegion ?? "us-east-1", profile);
        }

        var region = envRegion ?? AwsCredentials.Profile(profile)?.Region?.SystemName
            ?? throw new UserError(AwsCredentials.ProfileName(env).Chosen && AwsCredentials.Profile(profile) is null
                ? AwsCredentials.MissingProfile(profile)
                : "prod needs an AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or a region in profile '" + profile + "' (aws configure)");
        if (Set(env("DDB_ALLOWED_REGIONS")) is { } allowed
            && !allowed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Contains(region, StringComparer.OrdinalIgnoreCase))
            throw new UserError($"region {region} is not in DDB_ALLOWED_REGIONS ({allowed}): refusing to act on prod there", 2);
        return new DdbContext(true, table, ddbEndpoint is null ? null : CheckUrl(ddbEndpoint, "AWS_ENDPOINT_URL_DYNAMODB"), region, profile);
    }

    /// <summary>Prod only: the credentials and where they come from (files and environment; no request yet).</summary>
    public DdbContext WithCredentials(Func<string, string?> env) =>
        Prod ? this with { Identity = AwsCredentials.Resolve(env) } : this;

    /// <summary>A host of AWS itself: regional and FIPS endpoints, the dual-stack api.aws names, China, VPC endpoints.</summary>
    public static bool AwsHost(string url)
    {
        var host = new Uri(url).Host.TrimEnd('.').ToLowerInvariant();
        return host is "amazonaws.com" or "api.aws" or "amazonaws.com.cn"
            || host.EndsWith(".amazonaws.com", StringComparison.Ordinal)
            || host.EndsWith(".amazonaws.com.cn", StringComparison.Ordinal)
            || host.EndsWith(".api.aws", StringComparison.Ordinal);
    }

    /// <summary>DynamoDB Local on the port that ./bin/ddb/local up was given (DDB_LOCAL_PORT).</summary>
    static string LocalPort(string port) => int.TryParse(port, out var p) && p is > 0 and < 65536
        ? $"http://localhost:{p}"
        : throw new UserError($"DDB_LOCAL_PORT is not a port number: {port}", 2);

    /// <summary>The messages table: DDB_MESSAGE_TABLE, default cruddur-messages.</summary>
    public static string MessagesTableName(Func<string, string?> env) => Set(env("DDB_MESSAGE_TABLE")) ?? DefaultTable;

    static string? Set(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();

    static string CheckUrl(string url, string source) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https")
            ? url
            : throw new UserError($"{source} is not an http(s) URL: {url}");

    /// <summary>The line every script prints before acting.</summary>
    public string Describe(string? subject = null)
    {
        subject ??= Table;
        if (!Prod) return $"{subject} @ {Endpoint} (local)";
        var who = Identity?.Source ?? $"profile {Profile}";
        return Endpoint is null
            ? $"{subject} @ AWS {Region} (prod, {who})"
            : $"{subject} @ {Endpoint} (prod, region {Region}, {who}) -- endpoint overridden by AWS_ENDPOINT_URL_DYNAMODB";
    }

    /// <summary>How long one request may take before it counts as unanswered: DynamoDB Local on a busy
    /// laptop can take seconds for one batch after heavy use, so it gets 20 s.</summary>
    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(Prod ? 60 : 20);

    /// <summary>How long a connection may take: fail within seconds when nothing listens, rather than the SDK's 100 s default.</summary>
    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(Prod ? 10 : 3);

    /// <summary>Tries of one request by the SDK (its first and its retries), unless a caller retries itself.</summary>
    public int Tries => Prod ? 5 : 2;

    /// <summary>Where requests go, for messages: the URL, or "AWS region".</summary>
    public string Where => Endpoint ?? $"AWS DynamoDB in {Region}";

    /// <param name="retries">the SDK's own retries; 0 for callers that retry (and pace) themselves, so
    /// that one budget counts every attempt.</param>
    public AmazonDynamoDBClient CreateClient(int? retries = null)
    {
        var config = new AmazonDynamoDBConfig
        {
            ConnectTimeout = ConnectTimeout,
            Timeout = RequestTimeout,
            MaxErrorRetry = retries ?? Tries - 1,
            RetryMode = RequestRetryMode.Standard,
            MaxConnectionsPerServer = 64,
        };
        if (Endpoint is not null)
        {
            config.ServiceURL = Endpoint;
            config.AuthenticationRegion = Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
            // prod means AWS: ignore AWS_ENDPOINT_URL (the app's local endpoint) and profile endpoint_url.
            config.IgnoreConfiguredEndpointUrls = true;
        }
        return new AmazonDynamoDBClient(CreateCredentials(), config);
    }

    /// <summary>The credentials requests are signed with: prod's resolved ones, or DynamoDB Local's placeholder.</summary>
    public AWSCredentials CreateCredentials()
    {
        // DynamoDB Local accepts any alphanumeric key: never sign local requests with a developer's real keys.
        if (!Prod) return new BasicAWSCredentials("cruddurlocal", "cruddurlocal");
        return Identity?.Credentials ?? throw new InvalidOperationException("prod credentials were not resolved");
    }
}

/// <summary>A failure the user can act on: one line on stderr and an exit code (1 failure, 2 usage or refused).</summary>
public class UserError(string message, int exitCode = 1, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The reader of standard output went away (`| head` closed the pipe): nothing is left to say.
/// Raised only by the scripts' own standard output (Stdout.Open), never by a network connection.</summary>
public sealed class ReaderGone() : IOException("the reader of standard output went away");

/// <summary>The table lacks the keys or the index the scripts use (what <paramref name="problem"/> says).</summary>
public sealed class NotShaped(string table, string problem) : Exception($"table {table} is not shaped like cruddur-messages: {problem}")
{
    public string Table { get; } = table;
    public string Problem { get; } = problem;
}

/// <summary>The table's stream is off.</summary>
public sealed class NoStream(string table) : Exception($"table {table} has no stream turned on")
{
    public string Table { get; } = table;
}

/// <summary>Writing had begun when this failed: the table holds part of what was meant.</summary>
public sealed class IncompleteWrite(long done, long total, Exception inner) : Exception(inner.Message, inner)
{
    public long Done { get; } = done;
    public long Total { get; } = total;
}
