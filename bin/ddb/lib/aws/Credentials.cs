// Where prod credentials come from, in the order of botocore and the .NET SDK: environment keys, web
// identity from the environment, the profile (AWS_PROFILE, else AWS_DEFAULT_PROFILE, else default:
// static keys, assume-role, IAM Identity Center, credential_process, web identity), the container
// role, the EC2 instance role. Resolving reads files and environment only; fetching the keys (STS,
// SSO, the process, the metadata service) happens once, before the first request, and only ever
// goes to AWS or to an endpoint named for that service (see CredentialEndpoints).
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;

namespace Cruddur.Ddb;

/// <summary>Credentials for prod, and where they come from in words ("profile cruddur, assumed role ...").</summary>
public sealed record AwsIdentity(AWSCredentials Credentials, string Source, bool Sso = false);

public static class AwsCredentials
{
    public const string DefaultProfile = "default";

    /// <summary>The profile for region and credentials alike: AWS_PROFILE, else AWS_DEFAULT_PROFILE (the CLI's older name), else default.</summary>
    public static (string Name, bool Chosen) ProfileName(Func<string, string?> env) =>
        (Set(env("AWS_PROFILE")) ?? Set(env("AWS_DEFAULT_PROFILE"))) is { } name ? (name, true) : (DefaultProfile, false);

    public static CredentialProfile? Profile(string name, ICredentialProfileSource? store = null)
    {
        try
        {
            return (store ?? new CredentialProfileStoreChain()).TryGetProfile(name, out var p) ? p : null;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or AmazonClientException)
        {
            throw new CredentialError(CredentialProblem.UnreadableFiles, name, e.Message);
        }
    }

    public static AwsIdentity Resolve(Func<string, string?> env, ICredentialProfileSource? store = null)
    {
        if (Set(env("AWS_ACCESS_KEY_ID")) is not null)
        {
            if (Set(env("AWS_SECRET_ACCESS_KEY")) is null)
                throw new CredentialError(CredentialProblem.KeyWithoutSecret);
            return new(new EnvironmentVariablesAWSCredentials(), "credentials from the environment (AWS_ACCESS_KEY_ID)");
        }

        if (Set(env("AWS_WEB_IDENTITY_TOKEN_FILE")) is not null && Set(env("AWS_ROLE_ARN")) is { } role)
            return new(AssumeRoleWithWebIdentityCredentials.FromEnvironmentVariables(), $"web identity, role {role}");

        store ??= new CredentialProfileStoreChain();
        var (name, chosen) = ProfileName(env);
        if (Profile(name, store) is { } profile)
        {
            if (AWSCredentialsFactory.TryGetAWSCredentials(profile, store, out var fromProfile))
                return new(fromProfile, Describe(name, profile.Options), profile.Options.SsoAccountId is not null);
            if (chosen)
                throw new CredentialError(CredentialProblem.ProfileWithoutCredentials, name);
        }
        else if (chosen)
            throw new CredentialError(CredentialProblem.NoSuchProfile, name);

        if (Set(env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) is not null || Set(env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) is not null)
            return new(new GenericContainerCredentials(), "container role");
        if (!string.Equals(Set(env("AWS_EC2_METADATA_DISABLED")), "true", StringComparison.OrdinalIgnoreCase))
            try
            {
                return new(new InstanceProfileAWSCredentials(), "EC2 instance role (no keys, profile or web identity found)");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // no instance metadata service: not on EC2
            }
        throw new CredentialError(CredentialProblem.NoneFound);
    }

    /// <summary>The services that hand out credentials: how the SDK names their endpoint variable, and their AWS host.</summary>
    static readonly (string Variable, Func<string, string> Host)[] CredentialServices =
    [
        ("AWS_ENDPOINT_URL_STS", region => $"sts.{region}"),
        ("AWS_ENDPOINT_URL_SSO", region => $"portal.sso.{region}"),
        ("AWS_ENDPOINT_URL_SSO_OIDC", region => $"oidc.{region}"),
    ];

    /// <summary>
    /// Prod: the variables this process must set so that the SDK's STS, SSO and SSO-OIDC clients, which
    /// fetch the credentials, talk to AWS or to an endpoint named for them (AWS_ENDPOINT_URL_STS, _SSO,
    /// _SSO_OIDC), never to AWS_ENDPOINT_URL (the app's local endpoint, which those clients would
    /// otherwise follow) nor to a profile's endpoint_url. A null value removes the variable.
    /// </summary>
    /// <param name="region">the prod region; <paramref name="ssoRegion"/>, the profile's sso_region, for SSO.</param>
    public static Dictionary<string, string?> CredentialEndpoints(Func<string, string?> env, CredentialProfile? sdkProfile, string region, string? ssoRegion)
    {
        var set = new Dictionary<string, string?>();
        if (env("AWS_ENDPOINT_URL") is not null) set["AWS_ENDPOINT_URL"] = null;
        // endpoint_url, or a services section that may name one for sts or sso
        var fromProfile = sdkProfile is not null && (!string.IsNullOrEmpty(sdkProfile.EndpointUrl) || !string.IsNullOrEmpty(sdkProfile.Services));
        if (!fromProfile) return set; // the SDK's own choice is AWS's endpoint
        foreach (var (variable, host) in CredentialServices)
            if (Set(env(variable)) is null)
            {
                var r = variable == "AWS_ENDPOINT_URL_STS" ? region : ssoRegion ?? region;
                set[variable] = $"https://{host(r)}.{Amazon.RegionEndpoint.GetBySystemName(r).PartitionDnsSuffix ?? "amazonaws.com"}";
            }
        return set;
    }

    /// <summary>The profile whose endpoint settings the SDK's own clients read: AWS_PROFILE, else default.</summary>
    public static CredentialProfile? SdkProfile(Func<string, string?> env) => Profile(Set(env("AWS_PROFILE")) ?? DefaultProfile);

    /// <summary>A profile's kind of credentials in words.</summary>
    public static string Describe(string name, CredentialProfileOptions o) =>
        o.SsoAccountId is { } account ? $"profile {name}, IAM Identity Center (SSO) account {account} role {o.SsoRoleName}"
        : o.CredentialProcess is { Length: > 0 } ? $"profile {name}, credential_process"
        : o.RoleArn is { } role && o.WebIdentityTokenFile is { Length: > 0 } ? $"profile {name}, web identity, role {role}"
        : o.RoleArn is { } assumed ? $"profile {name}, assumed role {assumed}"
            + (o.SourceProfile is { } src ? $" (from profile {src})" : o.CredentialSource is { } cs ? $" (from {cs})" : "")
        : $"profile {name}";

    static string? Set(string? v) => string.IsNullOrWhiteSpace(v) ? null : v.Trim();
}
