using System.Security.Cryptography;
using System.Text;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// Prod with every credential source the AWS CLI accepts, without AWS: each test has a HOME of its own
/// with ~/.aws files, the SDK's own STS/SSO/container code talks to <see cref="AwsStandIn"/>, and
/// DynamoDB calls go through a recording proxy to DynamoDB Local, so a test sees both that the script
/// worked and which keys signed its requests.
/// </summary>
public sealed class CredentialTests : EndToEnd, IDisposable
{
    readonly AwsStandIn _aws = new();
    readonly FaultProxy _proxy;
    readonly string _home = Directory.CreateTempSubdirectory("cruddur-home-").FullName;

    public CredentialTests(DynamoDbLocal ddb) : base(ddb) => _proxy = new FaultProxy(ddb.Endpoint);

    public void Dispose()
    {
        _aws.Dispose();
        _proxy.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    const string Role = "arn:aws:iam::123456789012:role/cruddur-admin";

    /// <summary>The environment of a developer whose AWS set-up is the files under this test's HOME.</summary>
    Dictionary<string, string?> Aws(params (string Name, string? Value)[] extra)
    {
        var realHome = Environment.GetEnvironmentVariable("HOME") ?? "/root";
        var env = new Dictionary<string, string?>
        {
            ["HOME"] = _home,
            // the scripts' build cache, the SDK's first-run marker and the NuGet cache stay the real ones
            ["XDG_DATA_HOME"] = Environment.GetEnvironmentVariable("XDG_DATA_HOME") ?? Path.Combine(realHome, ".local", "share"),
            ["DOTNET_CLI_HOME"] = Environment.GetEnvironmentVariable("DOTNET_CLI_HOME") ?? realHome,
            ["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(realHome, ".nuget", "packages"),
            ["AWS_CONFIG_FILE"] = null,
            ["AWS_SHARED_CREDENTIALS_FILE"] = null,
            ["AWS_ENDPOINT_URL_DYNAMODB"] = _proxy.Endpoint,
            ["AWS_ENDPOINT_URL_STS"] = _aws.Endpoint,
            ["AWS_ENDPOINT_URL_SSO"] = _aws.Endpoint,
        };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    void File_(string relative, string text)
    {
        var path = Path.Combine(_home, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    void SsoCache(string key, DateTime expiresAt) => File_(
        $".aws/sso/cache/{Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(key)))}.json",
        $$"""{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-2","accessToken":"{{AwsStandIn.SsoToken}}","expiresAt":"{{expiresAt:yyyy-MM-ddTHH:mm:ssZ}}"}""");

    /// <summary>Every DynamoDB request was signed with keys the stand-in handed out.</summary>
    void AssertSignedWithStandInKeys()
    {
        Assert.NotEmpty(_proxy.Requests);
        Assert.All(_proxy.Requests, r => Assert.StartsWith(AwsStandIn.KeyPrefix, r.AccessKey));
    }

    ProcessResult ListTables(Dictionary<string, string?> env) => RunWith("list-tables", env, "prod");

    [Fact]
    public void An_assume_role_profile_assumes_the_role_with_the_source_profile_and_says_so()
    {
        File_(".aws/config", $"[profile admin]\nrole_arn = {Role}\nsource_profile = base\nregion = eu-west-2\n");
        File_(".aws/credentials", "[base]\naws_access_key_id = AKIABASEKEY\naws_secret_access_key = basesecret\n");

        var r = ListTables(Aws(("AWS_PROFILE", "admin")));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"(prod, region eu-west-2, profile admin, assumed role {Role} (from profile base))", r.Stderr);
        Assert.Equal([$"AssumeRole {Role}"], _aws.Calls);
        AssertSignedWithStandInKeys();
    }

    [Fact]
    public void Web_identity_from_the_environment_like_ci_and_eks()
    {
        File_("token", "eyJ.standin.jwt");

        var r = ListTables(Aws(("AWS_WEB_IDENTITY_TOKEN_FILE", Path.Combine(_home, "token")), ("AWS_ROLE_ARN", Role), ("AWS_REGION", "us-west-2")));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"prod, region us-west-2, web identity, role {Role})", r.Stderr);
        Assert.Equal([$"AssumeRoleWithWebIdentity {Role} token=eyJ.standin.jwt"], _aws.Calls);
        AssertSignedWithStandInKeys();
    }

    [Theory]
    [InlineData("sso-session")]
    [InlineData("legacy")]
    public void An_iam_identity_center_profile_with_a_valid_sign_in(string kind)
    {
        File_(".aws/config", kind == "sso-session"
            ? "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-west-2\n"
              + "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-2\nsso_registration_scopes = sso:account:access\n"
            : "[profile sso]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-2\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-west-2\n");
        SsoCache(kind == "sso-session" ? "corp" : "https://corp.awsapps.com/start", DateTime.UtcNow.AddHours(4));

        var r = ListTables(Aws(("AWS_PROFILE", "sso")));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("profile sso, IAM Identity Center (SSO) account 111122223333 role ReadOnly", r.Stderr);
        Assert.Equal([$"GetRoleCredentials 111122223333 ReadOnly token={AwsStandIn.SsoToken}"], _aws.Calls);
        AssertSignedWithStandInKeys();
    }

    [Fact]
    public void An_expired_sso_sign_in_says_to_run_aws_sso_login_for_that_profile()
    {
        File_(".aws/config", "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-west-2\n"
            + "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-2\n");
        SsoCache("corp", DateTime.UtcNow.AddHours(-1));

        AssertFails(ListTables(Aws(("AWS_PROFILE", "sso"))), 1, "run 'aws sso login --profile sso'");
        Assert.Empty(_aws.Calls);
        Assert.Empty(_proxy.Requests);
    }

    [Fact]
    public void A_sso_profile_never_signed_in_says_the_same()
    {
        File_(".aws/config", "[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-west-2\n"
            + "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-2\n");

        AssertFails(ListTables(Aws(("AWS_PROFILE", "sso"))), 1, "run 'aws sso login --profile sso'");
        Assert.Empty(_proxy.Requests);
    }

    [Fact]
    public void A_credential_process_profile_runs_the_process()
    {
        var tool = Path.Combine(_home, "creds.sh");
        File_("creds.sh", "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"" + AwsStandIn.KeyPrefix
            + "PROCESS\", \"SecretAccessKey\": \"processsecret\", \"SessionToken\": \"t\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        File_(".aws/config", $"[profile proc]\ncredential_process = {tool}\nregion = ap-southeast-2\n");

        var r = ListTables(Aws(("AWS_PROFILE", "proc")));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("(prod, region ap-southeast-2, profile proc, credential_process)", r.Stderr);
        AssertSignedWithStandInKeys();
    }

    [Fact]
    public void A_failing_credential_process_is_one_clear_line()
    {
        var tool = Path.Combine(_home, "creds.sh");
        File_("creds.sh", "#!/bin/sh\necho 'token expired, run corp-login' >&2\nexit 3\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        File_(".aws/config", $"[profile proc]\ncredential_process = {tool}\nregion = ap-southeast-2\n");

        AssertFails(ListTables(Aws(("AWS_PROFILE", "proc"))), 1, "the credential_process of profile proc, credential_process failed");
    }

    [Fact]
    public void Container_credentials_come_from_the_container_endpoint()
    {
        var r = ListTables(Aws(("AWS_CONTAINER_CREDENTIALS_FULL_URI", _aws.Endpoint + "/container"), ("AWS_REGION", "eu-west-1")));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("(prod, region eu-west-1, container role)", r.Stderr);
        Assert.Equal(["ContainerCredentials"], _aws.Calls);
        AssertSignedWithStandInKeys();
    }

    [Fact]
    public void Environment_keys_come_first_and_are_named()
    {
        File_(".aws/config", $"[profile admin]\nrole_arn = {Role}\nsource_profile = base\nregion = eu-west-2\n");

        var r = ListTables(Aws(("AWS_PROFILE", "admin"), ("AWS_ACCESS_KEY_ID", AwsStandIn.KeyPrefix + "ENV"), ("AWS_SECRET_ACCESS_KEY", "envsecret")));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("credentials from the environment (AWS_ACCESS_KEY_ID)", r.Stderr);
        Assert.Empty(_aws.Calls);
        AssertSignedWithStandInKeys();
    }

    [Fact]
    public void AWS_DEFAULT_PROFILE_picks_region_and_credentials_from_the_same_profile()
    {
        File_(".aws/config", "[default]\nregion = us-east-1\n"
            + $"[profile admin]\nrole_arn = {Role}\nsource_profile = base\nregion = eu-west-2\n");
        File_(".aws/credentials", "[default]\naws_access_key_id = AKIADEFAULTKEY\naws_secret_access_key = d\n"
            + "[base]\naws_access_key_id = AKIABASEKEY\naws_secret_access_key = basesecret\n");

        var r = ListTables(Aws(("AWS_DEFAULT_PROFILE", "admin")));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"region eu-west-2, profile admin, assumed role {Role}", r.Stderr);
        AssertSignedWithStandInKeys();
    }

    [Fact]
    public void A_profile_that_does_not_exist_says_so_before_any_request()
    {
        File_(".aws/config", "[profile real]\nregion = eu-west-2\n");

        AssertFails(ListTables(Aws(("AWS_PROFILE", "typo"), ("AWS_REGION", "eu-west-2"))), 1, "profile 'typo' does not exist");
        Assert.Empty(_proxy.Requests);
    }

    [Fact]
    public void Scripts_that_write_work_with_an_assumed_role_too()
    {
        File_(".aws/config", $"[profile admin]\nrole_arn = {Role}\nsource_profile = base\nregion = eu-west-2\n");
        File_(".aws/credentials", "[base]\naws_access_key_id = AKIABASEKEY\naws_secret_access_key = basesecret\n");
        var env = Aws(("AWS_PROFILE", "admin"));

        var load = RunWith("schema-load", env, "prod", "--no-deletion-protection");
        var seed = RunWith("seed", env, "prod");

        Assert.True(load.ExitCode == 0, load.ToString());
        Assert.True(seed.ExitCode == 0, seed.ToString());
        Assert.Contains(_proxy.Requests, r => r.Operation == "BatchWriteItem");
        AssertSignedWithStandInKeys();
    }

    [Theory]
    [InlineData("role")]
    [InlineData("sso")]
    public void Credential_calls_never_follow_the_apps_local_endpoint_nor_a_profiles_endpoint_url(string kind)
    {
        using var recorder = new FaultProxy(Ddb.Endpoint); // what the app's endpoint would receive
        using var aws = new ConnectRecorder();              // where requests for AWS would go, refused
        File_(".aws/config", kind == "role"
            ? $"[profile admin]\nrole_arn = {Role}\nsource_profile = base\nregion = eu-west-2\nendpoint_url = {recorder.Endpoint}\n"
            : "[profile admin]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-west-2\n"
              + $"endpoint_url = {recorder.Endpoint}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-2\n");
        File_(".aws/credentials", "[base]\naws_access_key_id = AKIABASEKEY\naws_secret_access_key = basesecret\n");
        SsoCache("corp", DateTime.UtcNow.AddHours(4));
        var env = Aws(("AWS_PROFILE", "admin"), ("AWS_ENDPOINT_URL", recorder.Endpoint), ("AWS_ENDPOINT_URL_STS", null), ("AWS_ENDPOINT_URL_SSO", null),
            ("HTTPS_PROXY", aws.Endpoint), ("NO_PROXY", null));

        var r = ListTables(env);

        Assert.Empty(recorder.Requests);
        Assert.Equal([kind == "role" ? "sts.eu-west-2.amazonaws.com:443" : "portal.sso.eu-west-2.amazonaws.com:443"], aws.Hosts.Distinct());
        AssertFails(r, 1, "cannot get credentials for profile admin");
        Assert.DoesNotContain("DynamoDB Local", r.Stderr);
        Assert.Empty(_proxy.Requests);
    }

    [Fact]
    public void An_endpoint_named_for_sts_is_used_while_the_apps_endpoint_is_not()
    {
        using var recorder = new FaultProxy(Ddb.Endpoint);
        File_(".aws/config", $"[profile admin]\nrole_arn = {Role}\nsource_profile = base\nregion = eu-west-2\nendpoint_url = {recorder.Endpoint}\n");
        File_(".aws/credentials", "[base]\naws_access_key_id = AKIABASEKEY\naws_secret_access_key = basesecret\n");

        var r = ListTables(Aws(("AWS_PROFILE", "admin"), ("AWS_ENDPOINT_URL", recorder.Endpoint)));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal([$"AssumeRole {Role}"], _aws.Calls);
        Assert.Empty(recorder.Requests);
        AssertSignedWithStandInKeys();
    }

    [Fact]
    public void Web_identity_from_the_environment_comes_before_the_profile_as_in_botocore_and_the_sdk()
    {
        File_("token", "eyJ.standin.jwt");
        File_(".aws/credentials", "[default]\naws_access_key_id = AKIADEFAULTKEY\naws_secret_access_key = d\n");

        var r = ListTables(Aws(("AWS_WEB_IDENTITY_TOKEN_FILE", Path.Combine(_home, "token")), ("AWS_ROLE_ARN", Role), ("AWS_REGION", "us-west-2")));

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"web identity, role {Role}", r.Stderr);
        AssertSignedWithStandInKeys();
    }

    [Fact]
    public void Sts_that_does_not_answer_is_a_credential_failure_not_an_unreachable_dynamodb()
    {
        File_(".aws/config", $"[profile admin]\nrole_arn = {Role}\nsource_profile = base\nregion = eu-west-2\n");
        File_(".aws/credentials", "[base]\naws_access_key_id = AKIABASEKEY\naws_secret_access_key = basesecret\n");

        var r = ListTables(Aws(("AWS_PROFILE", "admin"), ("AWS_ENDPOINT_URL_STS", $"http://127.0.0.1:{Repo.FreePort()}")));

        AssertFails(r, 1, $"cannot get credentials for profile admin, assumed role {Role} (from profile base): the service that hands them out did not answer");
        Assert.DoesNotContain("DynamoDB Local", r.Stderr);
        Assert.Empty(_proxy.Requests);
    }

    [Fact]
    public void A_missing_profile_without_a_region_says_the_profile_is_missing()
    {
        File_(".aws/config", "[profile real]\nregion = eu-west-2\n");

        AssertFails(ListTables(Aws(("AWS_PROFILE", "typo"))), 1, "profile 'typo' does not exist");
    }

    [Theory]
    [InlineData("list-tables")] // DynamoDB's JSON protocol (JsonApi)
    [InlineData("describe-table")] // the SDK's client
    public void Local_requests_carry_the_developers_access_key_id_and_region_but_are_signed_with_a_placeholder_secret(string script)
    {
        var r = RunWith(script, new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_DYNAMODB"] = _proxy.Endpoint, ["AWS_ACCESS_KEY_ID"] = "AKIAREALDEVKEY", ["AWS_SECRET_ACCESS_KEY"] = "realsecret",
            ["AWS_DEFAULT_REGION"] = "eu-west-2",
        });

        Assert.NotEmpty(_proxy.Raw);
        Assert.All(_proxy.Requests, q => Assert.Equal("AKIAREALDEVKEY", q.AccessKey));
        Assert.All(_proxy.Raw, q => Assert.Contains("/eu-west-2/dynamodb/aws4_request", q.Headers["authorization"]));
        Assert.All(_proxy.Raw, q => Assert.True(FaultProxy.SignedWith(q, "cruddurlocal"), $"not signed with the placeholder secret: {q.Headers["authorization"]}"));
        Assert.DoesNotContain(_proxy.Raw, q => FaultProxy.SignedWith(q, "realsecret") || q.Headers.Values.Any(v => v.Contains("realsecret")) || q.Body.Contains("realsecret"));
        Assert.DoesNotContain("realsecret", r.Stdout + r.Stderr);
    }

    [Fact]
    public void Local_requests_take_the_profiles_access_key_id_and_region_when_the_environment_has_none()
    {
        File_(".aws/credentials", "[default]\naws_access_key_id = AKIAPROFILEKEY\naws_secret_access_key = profilesecret\n");
        File_(".aws/config", "[default]\nregion = ap-south-1\n");

        var r = RunWith("list-tables", Aws()); // local: no prod

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.NotEmpty(_proxy.Raw);
        Assert.All(_proxy.Raw, q => Assert.Contains("Credential=AKIAPROFILEKEY/", q.Headers["authorization"]));
        Assert.All(_proxy.Raw, q => Assert.Contains("/ap-south-1/dynamodb/aws4_request", q.Headers["authorization"]));
        Assert.All(_proxy.Raw, q => Assert.True(FaultProxy.SignedWith(q, "cruddurlocal")));
    }
}
