namespace Cruddur.Ddb.Tests;

/// <summary>The endpoint rules of lib/aws/Context.cs.</summary>
public sealed class ContextTests
{
    static DdbContext Resolve(bool prod, params (string Name, string Value)[] env)
    {
        var vars = env.ToDictionary(e => e.Name, e => e.Value);
        return DdbContext.Resolve(prod, n => vars.GetValueOrDefault(n));
    }

    [Fact]
    public void Local_defaults_to_localhost_8000_the_messages_table_and_us_east_1()
    {
        var c = Resolve(false);
        Assert.Equal(("http://localhost:8000", "cruddur-messages", "us-east-1", false), (c.Endpoint, c.Table, c.Region, c.Prod));
        Assert.Equal("cruddur-messages @ http://localhost:8000 (local)", c.Describe());
    }

    [Fact]
    public void Local_prefers_the_dynamodb_endpoint_variable_over_the_generic_one()
    {
        Assert.Equal("http://a:1", Resolve(false, ("AWS_ENDPOINT_URL_DYNAMODB", "http://a:1"), ("AWS_ENDPOINT_URL", "http://b:2")).Endpoint);
        Assert.Equal("http://b:2", Resolve(false, ("AWS_ENDPOINT_URL", "http://b:2")).Endpoint);
    }

    [Fact]
    public void Local_goes_to_DDB_LOCAL_PORT_when_no_endpoint_variable_is_set_and_refuses_one_that_is_no_port()
    {
        Assert.Equal("http://localhost:8765", Resolve(false, ("DDB_LOCAL_PORT", "8765")).Endpoint);
        Assert.Equal("http://b:2", Resolve(false, ("DDB_LOCAL_PORT", "8765"), ("AWS_ENDPOINT_URL", "http://b:2")).Endpoint);
        Assert.Null(Resolve(true, ("DDB_LOCAL_PORT", "8765"), ("AWS_REGION", "eu-west-2")).Endpoint);
        var e = Assert.Throws<SettingError>(() => Resolve(false, ("DDB_LOCAL_PORT", "80o0")));
        Assert.Equal((SettingProblem.NotPort, "DDB_LOCAL_PORT", "80o0"), (e.Problem, e.Setting, e.Value));
        Assert.Equal(("DDB_LOCAL_PORT is not a port number: 80o0", 2), Failure.Explain(e, null));
    }

    [Fact]
    public void The_table_comes_from_DDB_MESSAGE_TABLE()
    {
        Assert.Equal("other", Resolve(false, ("DDB_MESSAGE_TABLE", "other")).Table);
    }

    [Fact]
    public void Prod_uses_aws_in_the_configured_region_and_ignores_the_generic_endpoint()
    {
        var c = Resolve(true, ("AWS_REGION", "eu-west-2"), ("AWS_ENDPOINT_URL", "http://localhost:8000"), ("AWS_PROFILE", "cruddur"));
        Assert.Null(c.Endpoint);
        Assert.Equal("cruddur-messages @ AWS eu-west-2 (prod, profile cruddur)", c.Describe());
        Assert.Equal("eu-west-1", Resolve(true, ("AWS_DEFAULT_REGION", "eu-west-1")).Region);
    }

    [Fact]
    public void Prod_honours_the_dynamodb_endpoint_variable_and_says_so()
    {
        var c = Resolve(true, ("AWS_REGION", "us-west-2"), ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9"));
        Assert.Equal("http://127.0.0.1:9", c.Endpoint);
        Assert.Contains("endpoint overridden by AWS_ENDPOINT_URL_DYNAMODB", c.Describe());
    }

    [Fact]
    public void The_word_prod_is_taken_from_anywhere_among_the_arguments_and_only_as_a_whole_word()
    {
        var (prod, rest) = DdbContext.SplitProd(["cruddur-messages", "prod", "--yes"]);
        Assert.True(prod);
        Assert.Equal(["cruddur-messages", "--yes"], rest);
        (prod, rest) = DdbContext.SplitProd(["production", "--prod"]);
        Assert.False(prod);
        Assert.Equal(["production", "--prod"], rest);
        (prod, rest) = DdbContext.SplitProd(["--my-handle", "prod", "prod"], name => name == "--my-handle");
        Assert.True(prod);
        Assert.Equal(["--my-handle", "prod"], rest);
    }

    [Fact]
    public void A_malformed_endpoint_is_a_clear_error()
    {
        var e = Assert.Throws<SettingError>(() => Resolve(false, ("AWS_ENDPOINT_URL_DYNAMODB", "localhost:8000")));
        Assert.Equal(("AWS_ENDPOINT_URL_DYNAMODB is not an http(s) URL: localhost:8000", 1), Failure.Explain(e, null));
    }

    [Theory]
    [InlineData("https://dynamodb.us-east-1.amazonaws.com")]
    [InlineData("https://dynamodb-fips.us-gov-west-1.amazonaws.com")]
    [InlineData("https://dynamodb.us-east-1.api.aws")]
    [InlineData("https://dynamodb.cn-north-1.amazonaws.com.cn")]
    [InlineData("https://vpce-0abc-1234.dynamodb.eu-west-2.vpce.amazonaws.com")]
    [InlineData("HTTPS://DYNAMODB.EU-WEST-2.AMAZONAWS.COM.")]
    public void Outside_prod_an_aws_endpoint_is_refused(string url)
    {
        var e = Assert.Throws<SettingError>(() => Resolve(false, ("AWS_ENDPOINT_URL_DYNAMODB", url)));
        var (message, code) = Failure.Explain(e, null);
        Assert.Equal(2, code);
        Assert.Contains("points at AWS", message);
        Assert.Contains("add the word prod", message);
        Assert.NotNull(Resolve(true, ("AWS_ENDPOINT_URL_DYNAMODB", url), ("AWS_REGION", "us-east-1")).Endpoint);
    }

    [Theory]
    [InlineData("http://localhost:8000")]
    [InlineData("http://dynamodb-local:8000")]
    [InlineData("http://amazonaws.com.example:8000")]
    public void Outside_prod_other_endpoints_are_used(string url)
    {
        Assert.Equal(url, Resolve(false, ("AWS_ENDPOINT_URL", url)).Endpoint);
    }

    [Fact]
    public void The_allowed_region_list_ignores_case()
    {
        Assert.Equal("eu-west-2", Resolve(true, ("AWS_REGION", "eu-west-2"), ("DDB_ALLOWED_REGIONS", "EU-WEST-2")).Region);
    }

    [Fact]
    public void Profiles_are_described_by_where_their_credentials_come_from()
    {
        Assert.Equal("profile p", AwsCredentials.Describe("p", new() { AccessKey = "AKIA", SecretKey = "s" }));
        Assert.Equal("profile p, assumed role arn:r (from profile base)", AwsCredentials.Describe("p", new() { RoleArn = "arn:r", SourceProfile = "base" }));
        Assert.Equal("profile p, assumed role arn:r (from Ec2InstanceMetadata)", AwsCredentials.Describe("p", new() { RoleArn = "arn:r", CredentialSource = "Ec2InstanceMetadata" }));
        Assert.Equal("profile p, web identity, role arn:r", AwsCredentials.Describe("p", new() { RoleArn = "arn:r", WebIdentityTokenFile = "/t" }));
        Assert.Equal("profile p, IAM Identity Center (SSO) account 1 role R", AwsCredentials.Describe("p", new() { SsoAccountId = "1", SsoRoleName = "R" }));
        Assert.Equal("profile p, credential_process", AwsCredentials.Describe("p", new() { CredentialProcess = "/bin/x" }));
    }

    [Fact]
    public void Only_one_profile_name_is_used_for_region_and_credentials()
    {
        Assert.Equal(("a", true), AwsCredentials.ProfileName(n => n switch { "AWS_PROFILE" => "a", "AWS_DEFAULT_PROFILE" => "b", _ => null }));
        Assert.Equal(("b", true), AwsCredentials.ProfileName(n => n == "AWS_DEFAULT_PROFILE" ? "b" : null));
        Assert.Equal(("default", false), AwsCredentials.ProfileName(_ => null));
    }

    static Amazon.Runtime.CredentialManagement.CredentialProfile WithEndpoint(string? endpointUrl) =>
        new("p", new() { RoleArn = "arn:r", SourceProfile = "base" }) { EndpointUrl = endpointUrl };

    [Fact]
    public void Prod_credential_calls_never_follow_the_apps_endpoint()
    {
        var set = AwsCredentials.CredentialEndpoints(n => n == "AWS_ENDPOINT_URL" ? "http://localhost:8000" : null, WithEndpoint(null), "eu-west-2", null);

        Assert.Equal(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL"] = null }, set);
    }

    [Fact]
    public void A_profiles_endpoint_url_is_replaced_by_aws_for_every_credential_service_not_named_explicitly()
    {
        var set = AwsCredentials.CredentialEndpoints(n => n == "AWS_ENDPOINT_URL_STS" ? "http://sts.test" : null, WithEndpoint("http://localhost:8000"), "cn-north-1", "eu-west-2");

        Assert.Equal(new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_SSO"] = "https://portal.sso.eu-west-2.amazonaws.com",
            ["AWS_ENDPOINT_URL_SSO_OIDC"] = "https://oidc.eu-west-2.amazonaws.com",
        }, set);
        Assert.Equal("https://sts.cn-north-1.amazonaws.com.cn",
            AwsCredentials.CredentialEndpoints(_ => null, WithEndpoint("http://x"), "cn-north-1", null)["AWS_ENDPOINT_URL_STS"]);
    }
}
