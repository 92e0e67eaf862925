// Secret keys kept out of everything the scripts print.
namespace Cruddur.Ddb;

/// <summary>Keeps secret keys and session tokens out of everything the scripts print.</summary>
public static class Secrets
{
    static readonly string[] Values = new[] { "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN" }
        .Select(Environment.GetEnvironmentVariable)
        .Where(v => v is { Length: >= 8 })
        .Cast<string>()
        .ToArray();

    public static string Scrub(string text)
    {
        foreach (var v in Values) text = text.Replace(v, "****");
        return text;
    }
}
