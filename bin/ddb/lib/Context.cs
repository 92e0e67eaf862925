// Where the scripts act: DynamoDB Local or AWS, which endpoint, region, table and credentials.
// Resolved once from the arguments and the environment, said on stderr, and handed to everything.
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace Cruddur.Ddb;

public sealed record DdbContext(
    bool Prod,
    string Table,
    string? Endpoint,
    string EndpointSource,
    string Region,
    string Profile,
    bool EnvCredentials = false)
{
    public const string DefaultTable = "cruddur-messages";
    public const string LocalEndpoint = "http://localhost:8000";
    public const string ProdWord = "prod";

    /// <summary>Takes the word <c>prod</c> out of the arguments; what is left goes to the option parser.</summary>
    public static (bool Prod, string[] Others) SplitProd(IEnumerable<string> args)
    {
        var list = args.ToList();
        var prod = list.RemoveAll(a => a == ProdWord) > 0;
        return (prod, list.ToArray());
    }

    public static DdbContext Resolve(bool prod, Func<string, string?> env)
    {
        var table = MessagesTableName(env);
        var profile = Set(env("AWS_PROFILE")) ?? Set(env("AWS_DEFAULT_PROFILE")) ?? "default";
        var ddbEndpoint = Set(env("AWS_ENDPOINT_URL_DYNAMODB"));
        var envRegion = Set(env("AWS_REGION")) ?? Set(env("AWS_DEFAULT_REGION"));
        var envCredentials = Set(env("AWS_ACCESS_KEY_ID")) is not null;

        if (!prod)
        {
            var (endpoint, source) = ddbEndpoint is not null ? (ddbEndpoint, "AWS_ENDPOINT_URL_DYNAMODB")
                : Set(env("AWS_ENDPOINT_URL")) is { } any ? (any, "AWS_ENDPOINT_URL")
                : (LocalEndpoint, "default");
            return new DdbContext(false, table, CheckUrl(endpoint, source), source, envRegion ?? "us-east-1", profile);
        }

        var region = envRegion ?? ProfileRegion(profile)
            ?? throw new UserError(
                "prod needs an AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or a region in profile '"
                + profile + "' (aws configure)");
        if (Set(env("DDB_ALLOWED_REGIONS")) is { } allowed
            && !allowed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(region))
            throw new UserError($"region {region} is not in DDB_ALLOWED_REGIONS ({allowed}): refusing to act on prod there", 2);
        return ddbEndpoint is null
            ? new DdbContext(true, table, null, "AWS", region, profile, envCredentials)
            : new DdbContext(true, table, CheckUrl(ddbEndpoint, "AWS_ENDPOINT_URL_DYNAMODB"),
                "AWS_ENDPOINT_URL_DYNAMODB", region, profile, envCredentials);
    }

    /// <summary>The messages table: DDB_MESSAGE_TABLE, default cruddur-messages.</summary>
    public static string MessagesTableName(Func<string, string?> env) => Set(env("DDB_MESSAGE_TABLE")) ?? DefaultTable;

    static string? Set(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();

    static string CheckUrl(string url, string source) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https")
            ? url
            : throw new UserError($"{source} is not an http(s) URL: {url}");

    static string? ProfileRegion(string profile)
    {
        try
        {
            return new CredentialProfileStoreChain().TryGetProfile(profile, out var p) ? p.Region?.SystemName : null;
        }
        catch (Exception e) when (e is IOException or AmazonClientException or InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>The line every script prints before acting.</summary>
    public string Describe(string? subject = null)
    {
        subject ??= Table;
        if (!Prod) return $"{subject} @ {Endpoint} (local)";
        var who = EnvCredentials
            ? "credentials from environment"
            : $"profile {Profile}";
        return Endpoint is null
            ? $"{subject} @ AWS {Region} (prod, {who})"
            : $"{subject} @ {Endpoint} (prod, region {Region}, {who}) -- endpoint overridden by AWS_ENDPOINT_URL_DYNAMODB";
    }

    /// <summary>Where requests go, for messages: the URL, or "AWS region".</summary>
    public string Where => Endpoint ?? $"AWS DynamoDB in {Region}";

    public AmazonDynamoDBClient CreateClient()
    {
        var config = new AmazonDynamoDBConfig
        {
            // Fail within seconds when nothing listens, rather than the SDK's 100 s default.
            ConnectTimeout = TimeSpan.FromSeconds(Prod ? 10 : 3),
            Timeout = TimeSpan.FromSeconds(Prod ? 60 : 30),
            MaxErrorRetry = Prod ? 4 : 1,
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
        return new AmazonDynamoDBClient(Credentials(config), config);
    }

    AWSCredentials Credentials(AmazonDynamoDBConfig config)
    {
        if (!Prod)
        {
            // DynamoDB Local accepts any alphanumeric key; use the configured one when it is usable.
            var id = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
            var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
            return id is { Length: > 0 } && secret is { Length: > 0 } && id.All(char.IsAsciiLetterOrDigit)
                ? new BasicAWSCredentials(id, secret)
                : new BasicAWSCredentials("cruddurlocal", "cruddurlocal");
        }
        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials(config);
        }
        catch (AmazonClientException e)
        {
            throw new UserError(
                $"prod needs AWS credentials and none were found for profile '{Profile}': "
                + "run 'aws sso login' or 'aws configure', or set AWS_PROFILE", inner: e);
        }
    }
}

/// <summary>A failure the user can act on: one line on stderr and an exit code (1 failure, 2 usage or refused).</summary>
public sealed class UserError(string message, int exitCode = 1, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
