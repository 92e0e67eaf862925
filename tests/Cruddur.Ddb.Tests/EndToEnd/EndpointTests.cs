namespace Cruddur.Ddb.Tests;

/// <summary>
/// Where prod requests go, through the SDK's client (describe-table) and DynamoDB's JSON protocol (list-tables,
/// scan) alike, seen by an HTTPS proxy on loopback that records each CONNECT's host and refuses it (nothing
/// leaves the machine): the hosts the SDK's client and botocore use for FIPS, dual-stack, a China region,
/// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS and a profile's services section; and where stream reads the stream.
/// </summary>
public sealed class EndpointTests : IDisposable
{
    readonly ConnectRecorder _aws = new();
    readonly string _home = Directory.CreateTempSubdirectory("cruddur-endpoints-").FullName;

    public void Dispose()
    {
        _aws.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // case, extra environment (NAME=VALUE;...), DynamoDB's host, DynamoDB Streams' URL
        { "FIPS", "AWS_USE_FIPS_ENDPOINT=true", "dynamodb-fips.us-east-1.amazonaws.com", "https://streams.dynamodb-fips.us-east-1.amazonaws.com/" },
        { "dual-stack", "AWS_USE_DUALSTACK_ENDPOINT=true", "dynamodb.us-east-1.api.aws", "https://streams.dynamodb.us-east-1.api.aws/" },
        { "China", "AWS_REGION=cn-north-1", "dynamodb.cn-north-1.amazonaws.com.cn", "https://streams.dynamodb.cn-north-1.amazonaws.com.cn/" },
        { "ignored endpoints", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true;AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:9", "dynamodb.us-east-1.amazonaws.com",
            "https://streams.dynamodb.us-east-1.amazonaws.com/" },
        { "profile services", "", "ddb.example.test", "https://streams.example.test/" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prod_requests_go_to_the_host_the_sdks_client_and_botocore_resolve(string name, string extra, string host, string streams)
    {
        Directory.CreateDirectory(Path.Combine(_home, ".aws"));
        File.WriteAllText(Path.Combine(_home, ".aws", "config"), name == "profile services"
            ? "[default]\nregion = us-east-1\nservices = local-aws\n\n[services local-aws]\ndynamodb =\n  endpoint_url = https://ddb.example.test\n"
              + "dynamodb_streams =\n  endpoint_url = https://streams.example.test\n"
            : "[default]\nregion = us-east-1\n");
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = _home, ["AWS_CONFIG_FILE"] = null, ["AWS_SHARED_CREDENTIALS_FILE"] = null,
            ["AWS_ACCESS_KEY_ID"] = "AKIAENDPOINTS", ["AWS_SECRET_ACCESS_KEY"] = "endpoints",
            ["HTTPS_PROXY"] = _aws.Endpoint, ["NO_PROXY"] = null, ["no_proxy"] = null,
            // the scripts' build cache and NuGet's stay the real ones
            ["XDG_DATA_HOME"] = Environment.GetEnvironmentVariable("XDG_DATA_HOME") ?? Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/root", ".local", "share"),
            ["DOTNET_CLI_HOME"] = Environment.GetEnvironmentVariable("DOTNET_CLI_HOME") ?? Environment.GetEnvironmentVariable("HOME") ?? "/root",
            ["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/root", ".nuget", "packages"),
        };
        foreach (var pair in extra.Split(';', StringSplitOptions.RemoveEmptyEntries))
            env[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];

        foreach (var script in new[] { "list-tables", "describe-table", "scan" })
        {
            while (_aws.Hosts.TryDequeue(out _)) { }
            var r = Scripts.Run(script, ["prod"], env);
            Assert.True(r.ExitCode == 1, $"{script} ({name}) should fail at the recording proxy:\n{r}");
            Assert.NotEmpty(_aws.Hosts);
            Assert.All(_aws.Hosts, h => Assert.Equal($"{host}:443", h));
        }

        var stream = Scripts.Run("stream", ["prod", "--print", "--once"], env);
        Assert.Contains($"reading the stream of cruddur-messages at {streams}", stream.Stderr);
        Assert.All(_aws.Hosts, h => Assert.Equal($"{host}:443", h)); // its DescribeTable went to DynamoDB's host
    }
}
