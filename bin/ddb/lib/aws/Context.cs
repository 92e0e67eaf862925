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
    AwsIdentity? Identity = null,
    string? EndpointFrom = null,
    string LocalKeyId = DdbContext.PlaceholderKey)
{
    public const string DefaultTable = "cruddur-messages";

    /// <summary>What local requests are signed with where nothing is configured, and always as their secret.</summary>
    public const string PlaceholderKey = "cruddurlocal";
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
        var (profile, chosen) = AwsCredentials.ProfileName(env);
        var ddbEndpoint = Set(env("AWS_ENDPOINT_URL_DYNAMODB"));
        var envRegion = Set(env("AWS_REGION")) ?? Set(env("AWS_DEFAULT_REGION"));

        if (!prod)
        {
            var (endpoint, source) = ddbEndpoint is not null ? (ddbEndpoint, "AWS_ENDPOINT_URL_DYNAMODB")
                : Set(env("AWS_ENDPOINT_URL")) is { } any ? (any, "AWS_ENDPOINT_URL")
                : Set(env("DDB_LOCAL_PORT")) is { } port ? (LocalPort(port), "DDB_LOCAL_PORT")
                : (LocalEndpoint, "default");
            var url = LocalUrl(endpoint, source);
            // Signed as the app and the AWS CLI sign (DynamoDB Local without -sharedDb keeps one database per
            // access key id and region, LocalStack one per region), with a placeholder secret, never the real one.
            var keyId = Set(env("AWS_ACCESS_KEY_ID"));
            var configured = envRegion is null || keyId is null ? LocalProfile(profile) : null;
            return new DdbContext(false, table, url, envRegion ?? configured?.Region?.SystemName ?? "us-east-1", profile,
                LocalKeyId: keyId ?? configured?.Options.AccessKey ?? PlaceholderKey);
        }

        var region = envRegion ?? AwsCredentials.Profile(profile)?.Region?.SystemName
            ?? throw (chosen && AwsCredentials.Profile(profile) is null
                ? new CredentialError(CredentialProblem.NoSuchProfile, profile)
                : new SettingError(SettingProblem.NoRegion, "AWS_REGION", profile));
        if (Set(env("DDB_ALLOWED_REGIONS")) is { } allowed
            && !allowed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Contains(region, StringComparer.OrdinalIgnoreCase))
            throw new SettingError(SettingProblem.RegionNotAllowed, "DDB_ALLOWED_REGIONS", region, allowed);
        // AWS_ENDPOINT_URL (the app's local endpoint) is never prod's; AWS_ENDPOINT_URL_DYNAMODB is, as for the SDKs,
        // unless configured endpoints are to be ignored
        if (IsTrue(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) ddbEndpoint = null;
        return ddbEndpoint is null
            ? new DdbContext(true, table, null, region, profile)
            : new DdbContext(true, table, CheckUrl(ddbEndpoint, "AWS_ENDPOINT_URL_DYNAMODB"), region, profile, EndpointFrom: "AWS_ENDPOINT_URL_DYNAMODB");
    }

    /// <summary>
    /// Prod only: the credentials and where they come from (files and environment; no request yet), and an
    /// endpoint the profile configures for DynamoDB (its services section or endpoint_url), as the SDK reads it.
    /// Called once the process's environment is settled (Cli drops AWS_ENDPOINT_URL first).
    /// </summary>
    public DdbContext WithCredentials(Func<string, string?> env)
    {
        if (!Prod) return this;
        var ctx = this with { Identity = AwsCredentials.Resolve(env) };
        if (Endpoint is null && ctx.SdkConfig(configuredEndpoints: true).ServiceURL is { } configured)
            ctx = ctx with { Endpoint = CheckUrl(configured.EndsWith("/", StringComparison.Ordinal) && new Uri(configured).AbsolutePath == "/" ? configured[..^1] : configured,
                $"profile {Profile}'s endpoint_url"), EndpointFrom = $"the endpoint_url of profile {Profile}" };
        return ctx;
    }

    /// <summary>The profile, for a local run's region and access key id; none when the files cannot be read (they are prod's business).</summary>
    static Amazon.Runtime.CredentialManagement.CredentialProfile? LocalProfile(string name)
    {
        try
        {
            return AwsCredentials.Profile(name);
        }
        catch (CredentialError)
        {
            return null;
        }
    }

    static bool IsTrue(string? v) => string.Equals(Set(v), "true", StringComparison.OrdinalIgnoreCase);

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
        : throw new SettingError(SettingProblem.NotPort, "DDB_LOCAL_PORT", port);

    /// <summary>The messages table: DDB_MESSAGE_TABLE, default cruddur-messages.</summary>
    public static string MessagesTableName(Func<string, string?> env) => Set(env("DDB_MESSAGE_TABLE")) ?? DefaultTable;

    static string? Set(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();

    static string CheckUrl(string url, string source) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https")
            ? url
            : throw new SettingError(SettingProblem.NotUrl, source, url);

    /// <summary>A local endpoint from <paramref name="source"/>: an http(s) URL, and never one of AWS itself (that takes the word prod).</summary>
    public static string LocalUrl(string url, string source) =>
        AwsHost(CheckUrl(url, source)) ? throw new SettingError(SettingProblem.AwsWithoutProd, source, new Uri(url).Host) : url;

    /// <summary>The line every script prints before acting.</summary>
    public string Describe(string? subject = null)
    {
        subject ??= Table;
        if (!Prod) return $"{subject} @ {Endpoint} (local)";
        var who = Identity?.Source ?? $"profile {Profile}";
        return Endpoint is null
            ? $"{subject} @ AWS {Region} (prod, {who})"
            : $"{subject} @ {Endpoint} (prod, region {Region}, {who}) -- endpoint overridden by {EndpointFrom}";
    }

    /// <summary>
    /// The AWS CLI command that does <paramref name="operation"/> (for example "update-table") where this context
    /// acts, for the user to run as printed: with the endpoint when one is set, the region, and locally placeholder
    /// keys when none are configured (DynamoDB Local needs some; a shell that only ever used it has none).
    /// </summary>
    public string AwsCli(string operation) =>
        (!Prod && LocalKeyId == PlaceholderKey ? $"AWS_ACCESS_KEY_ID={PlaceholderKey} AWS_SECRET_ACCESS_KEY={PlaceholderKey} " : "")
        + $"aws dynamodb {operation}{(Endpoint is { } e ? $" --endpoint-url {e}" : "")} --region {Region}";

    /// <summary>How long one request may take before it counts as unanswered: DynamoDB Local on a busy
    /// laptop can take seconds for one batch after heavy use, so it gets 20 s once it has answered.</summary>
    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(Prod ? 60 : 20);

    /// <summary>How long a local request may take while the endpoint has not answered this process at all: a
    /// port that accepts and never answers (a paused container, another program) is said within seconds.</summary>
    public TimeSpan FirstAnswerTimeout => TimeSpan.FromSeconds(4);

    /// <summary>The wait that applies now: the first answer's locally until one came, else the request's.</summary>
    public TimeSpan Patience => Prod || FirstAnswer.Came ? RequestTimeout : FirstAnswerTimeout;

    /// <summary>How long a connection may take: fail within seconds when nothing listens, rather than the SDK's 100 s default.</summary>
    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(Prod ? 10 : 3);

    /// <summary>Tries of one request by the SDK (its first and its retries), unless a caller retries itself.</summary>
    public int Tries => Prod ? 5 : 2;

    /// <summary>Where requests go, for messages: the URL, or "AWS region".</summary>
    public string Where => Endpoint ?? $"AWS DynamoDB in {Region}";

    /// <summary>An HTTP client with this context's patience, for the calls made without the SDK's client (JsonApi, StreamTriggers).</summary>
    public HttpClient CreateHttpClient()
    {
        HttpMessageHandler handler = new SocketsHttpHandler { ConnectTimeout = ConnectTimeout, MaxConnectionsPerServer = 64, AllowAutoRedirect = false };
        if (!Prod) handler = new FirstAnswer(FirstAnswerTimeout) { InnerHandler = handler };
        return new(handler) { Timeout = RequestTimeout };
    }

    /// <param name="retries">the SDK's own retries; 0 for callers that retry (and pace) themselves, so
    /// that one budget counts every attempt.</param>
    public AmazonDynamoDBClient CreateClient(int? retries = null) => new(CreateCredentials(), SdkConfig(retries));

    /// <summary>
    /// The SDK client's configuration: timeouts, the standard retry mode (Retry.cs takes its lists from the
    /// SDK), and where requests go: <see cref="Endpoint"/> when set, else AWS in the region, by the SDK's
    /// endpoint rules (FIPS and dual-stack as configured). With <paramref name="configuredEndpoints"/>, the
    /// SDK reads the configured endpoints itself (for <see cref="WithCredentials"/> and Endpoints.Streams).
    /// </summary>
    public AmazonDynamoDBConfig SdkConfig(int? retries = null, bool configuredEndpoints = false)
    {
        var config = new AmazonDynamoDBConfig
        {
            ConnectTimeout = ConnectTimeout,
            Timeout = RequestTimeout,
            MaxErrorRetry = retries ?? Tries - 1,
            RetryMode = RequestRetryMode.Standard,
            MaxConnectionsPerServer = 64,
        };
        if (!Prod) config.HttpClientFactory = new LocalHttpClients(this);
        if (Endpoint is not null && !configuredEndpoints)
        {
            config.ServiceURL = Endpoint;
            config.AuthenticationRegion = Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
            // the configured endpoints were read into Endpoint (WithCredentials): none is left to find
            if (!configuredEndpoints) config.IgnoreConfiguredEndpointUrls = true;
        }
        return config;
    }

    /// <summary>The credentials requests are signed with: prod's resolved ones, or DynamoDB Local's placeholder.</summary>
    public AWSCredentials CreateCredentials()
    {
        // the caller's access key id (DynamoDB Local keys its databases by it) and never a developer's real secret
        if (!Prod) return new BasicAWSCredentials(LocalKeyId, PlaceholderKey);
        return Identity?.Credentials ?? throw new InvalidOperationException("prod credentials were not resolved");
    }
}
