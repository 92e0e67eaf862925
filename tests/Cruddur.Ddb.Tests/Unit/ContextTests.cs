namespace Cruddur.Ddb.Tests;

/// <summary>The endpoint rules of lib/Context.cs.</summary>
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
    }

    [Fact]
    public void A_malformed_endpoint_is_a_clear_error()
    {
        var e = Assert.Throws<UserError>(() => Resolve(false, ("AWS_ENDPOINT_URL_DYNAMODB", "localhost:8000")));
        Assert.Contains("AWS_ENDPOINT_URL_DYNAMODB is not an http(s) URL", e.Message);
    }
}
