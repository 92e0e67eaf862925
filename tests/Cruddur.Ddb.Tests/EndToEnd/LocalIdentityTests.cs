using System.Diagnostics;
using System.Text.Json;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// DynamoDB Local as AWS's docs start it, without -sharedDb: one database per access key id and region. With the
/// developer's AWS_ACCESS_KEY_ID and region set, what setup writes is what the app's backend sees: boto3 with the
/// same environment, making its client as the backend's lib/ddb.py does (endpoint_url from AWS_ENDPOINT_URL).
/// </summary>
public sealed class LocalIdentityTests
{
    const string Backend = """
        import json, os, boto3
        attrs = {"endpoint_url": os.getenv("AWS_ENDPOINT_URL")}
        dynamodb = boto3.client("dynamodb", **attrs)
        tables = dynamodb.list_tables()["TableNames"]
        items = dynamodb.scan(TableName="cruddur-messages")["Items"] if "cruddur-messages" in tables else []
        print(json.dumps({"tables": tables, "items": len(items)}))
        """;

    static JsonElement App(string python, Dictionary<string, string?> env)
    {
        var r = Repo.Exec(Scripts.Command(python, ["-c", Backend], env));
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement;
    }

    [Fact]
    public void After_setup_the_app_signing_as_the_developer_sees_the_table_and_the_seeded_rows()
    {
        var python = Boto3.Python();
        using var ddb = DynamoDbLocal.PerCredential();
        var env = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL"] = ddb.Endpoint, ["AWS_ACCESS_KEY_ID"] = "AKIADEVELOPER1", ["AWS_SECRET_ACCESS_KEY"] = "developersecret",
            ["AWS_DEFAULT_REGION"] = "eu-west-2",
        };

        var setup = Scripts.Run("setup", [], env);
        Assert.True(setup.ExitCode == 0, setup.ToString());
        var messages = int.Parse(System.Text.RegularExpressions.Regex.Match(setup.Stdout, @"(\d+) messages").Groups[1].Value);

        var seen = App(python, env);
        Assert.Contains("cruddur-messages", seen.GetProperty("tables").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(messages + 2, seen.GetProperty("items").GetInt32());

        // another access key id is another database there: the check above is not one that anything passes
        var other = App(python, new Dictionary<string, string?>(env) { ["AWS_ACCESS_KEY_ID"] = "AKIASOMEONEELSE" });
        Assert.Equal(0, other.GetProperty("tables").GetArrayLength());
    }
}
