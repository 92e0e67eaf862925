using System.Text.RegularExpressions;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// The README's tour, run as shown against a DynamoDB Local of its own: every command succeeds and
/// prints what the README shows, line for line, up to times, sizes, ids and column widths.
/// </summary>
public sealed partial class ReadmeTests(DynamoDbLocal ddb) : IClassFixture<DynamoDbLocal>
{
    /// <summary>The tour's commands ("$ " lines) and what the README shows after each.</summary>
    static List<(string Command, List<string> Shown)> Tour()
    {
        var readme = File.ReadAllText(Repo.Path_("README.md"));
        var start = readme.IndexOf("```\n", readme.IndexOf("## A short tour", StringComparison.Ordinal), StringComparison.Ordinal) + 4;
        var block = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        var tour = new List<(string, List<string>)>();
        foreach (var line in block.Split('\n'))
            if (line.StartsWith("$ ", StringComparison.Ordinal)) tour.Add((line[2..], []));
            else if (line.Length > 0) tour[^1].Item2.Add(line);
        return tour;
    }

    /// <summary>A line's shape: numbers, hex ids, AM/PM and runs of spaces or dashes made alike.</summary>
    static string Shape(string line) =>
        Spaces().Replace(Dashes().Replace(Digits().Replace(Hex().Replace(line.Replace(" PM", " AM"), "h"), "9"), "-"), " ").Trim();

    [GeneratedRegex("[0-9a-f]{8,}")] private static partial Regex Hex();
    [GeneratedRegex("[0-9]+")] private static partial Regex Digits();
    [GeneratedRegex("-{2,}")] private static partial Regex Dashes();
    [GeneratedRegex(" {2,}")] private static partial Regex Spaces();

    [Fact]
    public void Every_command_of_the_tour_prints_what_the_readme_shows()
    {
        var tour = Tour();
        Assert.True(tour.Count >= 5, "the tour has its commands");
        foreach (var (command, shown) in tour)
        {
            var r = Repo.Exec(Scripts.Command("bash", ["-c", command + " 2>&1"], new Dictionary<string, string?>
            {
                ["AWS_ENDPOINT_URL_DYNAMODB"] = ddb.Endpoint, ["NO_COLOR"] = "1", ["CI"] = "true",
            }));
            Assert.True(r.ExitCode == 0, $"{command}\n{r}");
            var printed = r.Stdout.Replace(ddb.Endpoint, "http://localhost:8000").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(shown.Select(Shape).SequenceEqual(printed.Select(Shape)),
                $"$ {command}\nthe README shows:\n{string.Join('\n', shown)}\nit printed:\n{string.Join('\n', printed)}");
        }
    }
}
