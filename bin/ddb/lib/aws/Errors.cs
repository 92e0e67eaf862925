// Failures of where the scripts act and how they reach AWS.
namespace Cruddur.Ddb;

/// <summary>A failure the user can act on: one line on stderr and an exit code (1 failure, 2 usage or refused).</summary>
public class UserError(string message, int exitCode = 1, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>DynamoDB throttled one call through every retry of its budget.</summary>
public sealed class KeptThrottling(string code, int retries, Exception inner) : Exception($"{code} after {retries} retries", inner)
{
    public string Code { get; } = code;
    public int Retries { get; } = retries;
}
