using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Web;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// The AWS services that hand out credentials, answered on loopback so that the SDK's own STS, SSO
/// and container-credential code runs for real: STS AssumeRole and AssumeRoleWithWebIdentity (query
/// protocol, XML), IAM Identity Center GetRoleCredentials (GET /federation/credentials, JSON) and the
/// container credentials endpoint (GET /container, JSON). Scripts reach it through
/// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO and AWS_CONTAINER_CREDENTIALS_FULL_URI. Every key it
/// hands out is alphanumeric (DynamoDB Local accepts only those) and starts with <see cref="KeyPrefix"/>.
/// </summary>
public sealed class AwsStandIn : LoopbackServer
{
    public const string KeyPrefix = "ASIASTANDIN";
    public const string SsoToken = "standin-sso-access-token";

    int _issued;

    /// <summary>What was asked, one line a call: "AssumeRole arn:...", "GetRoleCredentials 111122223333 ReadOnly".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    string NewKey() => KeyPrefix + Interlocked.Increment(ref _issued).ToString("D6");

    protected override async Task Handle(HttpListenerContext ctx)
    {
        try
        {
            var request = ctx.Request;
            var expires = DateTime.UtcNow.AddHours(1);
            if (request.HttpMethod == "GET" && request.Url!.AbsolutePath == "/federation/credentials")
            {
                var token = request.Headers["x-amz-sso_bearer_token"];
                Calls.Enqueue($"GetRoleCredentials {request.QueryString["account_id"]} {request.QueryString["role_name"]} token={token}");
                if (token != SsoToken)
                {
                    await Reply(ctx, 401, "application/json", """{"message":"Session token not found or invalid"}""",
                        ("x-amzn-ErrorType", "UnauthorizedException"));
                    return;
                }
                var ms = new DateTimeOffset(expires).ToUnixTimeMilliseconds();
                await Reply(ctx, 200, "application/json",
                    $$$"""{"roleCredentials":{"accessKeyId":"{{{NewKey()}}}","secretAccessKey":"standinsecret","sessionToken":"standintoken","expiration":{{{ms}}}}}""");
                return;
            }
            if (request.HttpMethod == "GET" && request.Url!.AbsolutePath == "/container")
            {
                Calls.Enqueue("ContainerCredentials");
                await Reply(ctx, 200, "application/json",
                    $$"""{"AccessKeyId":"{{NewKey()}}","SecretAccessKey":"standinsecret","Token":"standintoken","Expiration":"{{expires:yyyy-MM-ddTHH:mm:ssZ}}"}""");
                return;
            }
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            var form = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
            var action = form["Action"];
            if (action is not ("AssumeRole" or "AssumeRoleWithWebIdentity"))
            {
                await Reply(ctx, 400, "text/xml", "<ErrorResponse><Error><Code>InvalidAction</Code><Message>stand-in</Message></Error></ErrorResponse>");
                return;
            }
            Calls.Enqueue($"{action} {form["RoleArn"]}" + (action == "AssumeRoleWithWebIdentity" ? $" token={form["WebIdentityToken"]}" : ""));
            await Reply(ctx, 200, "text/xml", $"""
                <{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <{action}Result>
                    <AssumedRoleUser>
                      <Arn>arn:aws:sts::123456789012:assumed-role/standin/{form["RoleSessionName"]}</Arn>
                      <AssumedRoleId>AROASTANDIN:{form["RoleSessionName"]}</AssumedRoleId>
                    </AssumedRoleUser>
                    <Credentials>
                      <AccessKeyId>{NewKey()}</AccessKeyId>
                      <SecretAccessKey>standinsecret</SecretAccessKey>
                      <SessionToken>standintoken</SessionToken>
                      <Expiration>{expires:yyyy-MM-ddTHH:mm:ssZ}</Expiration>
                    </Credentials>
                  </{action}Result>
                  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
                </{action}Response>
                """);
        }
        catch (Exception e)
        {
            try { await Reply(ctx, 500, "text/plain", "stand-in: " + e.Message); } catch (Exception) { }
        }
    }
}
