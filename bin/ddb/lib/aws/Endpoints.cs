// Where requests go, one resolution for both ways of reaching AWS (the SDK's client and JsonApi).
// Locally: DynamoDB Local's URL, which serves DynamoDB and its Streams. In prod, DynamoDB: the endpoint
// the SDK's client resolves (its configured endpoints: AWS_ENDPOINT_URL_DYNAMODB, the profile's
// services section and endpoint_url, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS; else its endpoint rules:
// region, partition, FIPS, dual-stack). Streams (no SDK package here): the same configured-endpoint
// settings for the service "DynamoDB Streams", read by the SDK (AWS_ENDPOINT_URL_DYNAMODB_STREAMS, a
// services section's dynamodb_streams), else the rules of DynamoDB Streams' public endpoint rule set
// over the SDK's partition data, as botocore applies them.
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Endpoints.StandardLibrary;

namespace Cruddur.Ddb;

public static class Endpoints
{
    /// <summary>The URL a DynamoDB request of <paramref name="ctx"/> goes to, as the SDK's client sends it.</summary>
    public static Uri DynamoDb(DdbContext ctx)
    {
        if (!ctx.Prod) return new Uri(ctx.Endpoint!);
        using var client = new AmazonDynamoDBClient(new AnonymousAWSCredentials(), ctx.SdkConfig());
        return new Uri(client.DetermineServiceOperationEndpoint(new ListTablesRequest()).URL);
    }

    /// <summary>
    /// The URL DynamoDB Streams requests of <paramref name="ctx"/> go to: locally AWS_ENDPOINT_URL_DYNAMODB_STREAMS
    /// (never an AWS host) or DynamoDB Local; in prod the endpoint configured for DynamoDB Streams, else its rules.
    /// </summary>
    public static Uri Streams(DdbContext ctx, Func<string, string?> env)
    {
        if (!ctx.Prod)
            return new Uri(env("AWS_ENDPOINT_URL_DYNAMODB_STREAMS") is { Length: > 0 } set
                ? DdbContext.LocalUrl(set.Trim(), "AWS_ENDPOINT_URL_DYNAMODB_STREAMS")
                : ctx.Endpoint!);
        var config = ConfiguredFor(ctx, "DynamoDB Streams");
        return StreamsRule(ctx.Region, config.UseFIPSEndpoint, config.UseDualstackEndpoint, config.ServiceURL);
    }

    /// <summary>
    /// Lambda's API (prod): the endpoint configured for Lambda (AWS_ENDPOINT_URL_LAMBDA, a services section's
    /// lambda, read by the SDK's own code), else lambda[-fips].REGION over the SDK's partition data.
    /// </summary>
    public static Uri Lambda(DdbContext ctx)
    {
        var config = ConfiguredFor(ctx, "Lambda");
        if (config.ServiceURL is { } configured) return new Uri(configured);
        var p = Fn.Partition(ctx.Region) ?? throw new EndpointError(EndpointProblem.NoPartition, "Lambda", ctx.Region);
        var fips = config.UseFIPSEndpoint && p.supportsFIPS ? "-fips" : "";
        return new Uri($"https://lambda{fips}.{ctx.Region}.{(config.UseDualstackEndpoint && p.supportsDualStack ? p.dualStackDnsSuffix : p.dnsSuffix)}");
    }

    /// <summary>The SDK's configuration of <paramref name="ctx"/> as it stands for another service (its id, as in
    /// AWS_ENDPOINT_URL_&lt;ID&gt;): the SDK then reads that service's configured endpoint, FIPS and dual-stack settings.</summary>
    static AmazonDynamoDBConfig ConfiguredFor(DdbContext ctx, string serviceId)
    {
        var config = ctx.SdkConfig(configuredEndpoints: true);
        ((ClientConfig)config).ServiceId = serviceId;
        return config;
    }

    /// <summary>DynamoDB Streams' endpoint rule set (endpoint-rule-set-1.json of the service, as botocore ships it).</summary>
    public static Uri StreamsRule(string region, bool fips, bool dualStack, string? configured)
    {
        EndpointError Refused(EndpointProblem problem) => new(problem, "DynamoDB Streams", region);
        if (configured is not null)
            return fips ? throw Refused(EndpointProblem.ConfiguredAndFips)
                : dualStack ? throw Refused(EndpointProblem.ConfiguredAndDualStack)
                : new Uri(configured);
        var p = Fn.Partition(region) ?? throw Refused(EndpointProblem.NoPartition);
        string host;
        if (fips && dualStack)
            host = p.supportsFIPS && p.supportsDualStack ? $"streams.dynamodb-fips.{region}.{p.dualStackDnsSuffix}"
                : throw Refused(EndpointProblem.NoFipsDualStack);
        else if (fips)
            host = !p.supportsFIPS ? throw Refused(EndpointProblem.NoFips)
                : p.name == "aws-us-gov" ? $"streams.dynamodb.{region}.amazonaws.com"
                : $"streams.dynamodb-fips.{region}.{p.dnsSuffix}";
        else if (dualStack)
            host = p.supportsDualStack ? $"streams.dynamodb.{region}.{p.dualStackDnsSuffix}"
                : throw Refused(EndpointProblem.NoDualStack);
        else
            host = p.name switch
            {
                "aws" or "aws-us-gov" => $"streams.dynamodb.{region}.amazonaws.com",
                "aws-cn" => $"streams.dynamodb.{region}.amazonaws.com.cn",
                "aws-iso" => $"streams.dynamodb.{region}.c2s.ic.gov",
                "aws-iso-b" => $"streams.dynamodb.{region}.sc2s.sgov.gov",
                _ => $"streams.dynamodb.{region}.{p.dnsSuffix}",
            };
        return new Uri($"https://{host}");
    }
}
