// Failures of where the scripts act and how they reach AWS, with their data: Failure words them.
namespace Cruddur.Ddb;

/// <summary>
/// Where the scripts are to act cannot be had: a setting, the credentials or an endpoint. Found before
/// or at the first request, and no retry mends it.
/// </summary>
public abstract class SetupError(string message) : Exception(message);

/// <summary>What is wrong with a setting.</summary>
public enum SettingProblem
{
    /// <summary>Not an http(s) URL.</summary>
    NotUrl,
    /// <summary>A URL of AWS itself (its host in <see cref="SettingError.Value"/>) without the word prod.</summary>
    AwsWithoutProd,
    /// <summary>Not a port number.</summary>
    NotPort,
    /// <summary>Prod without a region: none in the environment (the setting), none in the profile (the value).</summary>
    NoRegion,
    /// <summary>A region (the value) that the setting's list (<see cref="SettingError.Allowed"/>) does not hold.</summary>
    RegionNotAllowed,
}

/// <summary>
/// A setting that cannot be used: <see cref="Setting"/> names it as the user set it (an environment variable,
/// "profile NAME's endpoint_url", a profile), <see cref="Value"/> is what it holds.
/// </summary>
public sealed class SettingError(SettingProblem problem, string setting, string value = "", string allowed = "")
    : SetupError($"{setting}: {problem} {value}")
{
    public SettingProblem Problem { get; } = problem;
    public string Setting { get; } = setting;
    public string Value { get; } = value;
    public string Allowed { get; } = allowed;
}

/// <summary>Why prod has no credentials.</summary>
public enum CredentialProblem
{
    /// <summary>The AWS config or credentials file cannot be read (the reason in <see cref="CredentialError.Detail"/>).</summary>
    UnreadableFiles,
    /// <summary>AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY.</summary>
    KeyWithoutSecret,
    /// <summary>The chosen profile exists but names no kind of credentials.</summary>
    ProfileWithoutCredentials,
    /// <summary>The chosen profile is in neither file.</summary>
    NoSuchProfile,
    /// <summary>Nothing in the chain: no keys, profile, web identity, container or instance role.</summary>
    NoneFound,
}

/// <summary>Prod credentials that cannot be had from the files and the environment (no request made yet).</summary>
public sealed class CredentialError(CredentialProblem problem, string profile = "", string detail = "")
    : SetupError($"{problem} {profile} {detail}")
{
    public CredentialProblem Problem { get; } = problem;
    public string Profile { get; } = profile;
    public string Detail { get; } = detail;
}

/// <summary>Why no endpoint of a service can be had in a region.</summary>
public enum EndpointProblem
{
    /// <summary>No AWS partition has the region.</summary>
    NoPartition,
    /// <summary>A configured endpoint, and FIPS asked for: the service's rules refuse both together.</summary>
    ConfiguredAndFips,
    /// <summary>A configured endpoint, and dual-stack asked for.</summary>
    ConfiguredAndDualStack,
    /// <summary>FIPS and dual-stack asked for; the region's partition lacks one of them.</summary>
    NoFipsDualStack,
    /// <summary>FIPS asked for; the region's partition has none.</summary>
    NoFips,
    /// <summary>Dual-stack asked for; the region's partition has none.</summary>
    NoDualStack,
}

/// <summary>The endpoint rules of <see cref="Service"/> give no endpoint in <see cref="Region"/> with the settings asked for.</summary>
public sealed class EndpointError(EndpointProblem problem, string service, string region)
    : SetupError($"{service} in {region}: {problem}")
{
    public EndpointProblem Problem { get; } = problem;
    public string Service { get; } = service;
    public string Region { get; } = region;
}

/// <summary>DynamoDB throttled one call through every retry of its budget.</summary>
public sealed class KeptThrottling(string code, int retries, Exception inner) : Exception($"{code} after {retries} retries", inner)
{
    public string Code { get; } = code;
    public int Retries { get; } = retries;
}
