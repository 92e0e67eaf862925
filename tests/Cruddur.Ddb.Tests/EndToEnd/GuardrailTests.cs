using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// Prod guardrails and failure handling. "prod" is exercised for real by pointing
/// AWS_ENDPOINT_URL_DYNAMODB at DynamoDB Local, with credentials in the environment.
/// </summary>
public sealed class GuardrailTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    const string SecretMarker = "MarkerSecretKey0123456789abcdefXYZ";
    const string TokenMarker = "MarkerSessionToken9876543210zyxwv";

    static readonly Dictionary<string, string?> Prod = new()
    {
        ["AWS_REGION"] = "eu-west-2",
        ["AWS_ACCESS_KEY_ID"] = "AKIAGUARDRAILTEST",
        ["AWS_SECRET_ACCESS_KEY"] = SecretMarker,
        ["AWS_SESSION_TOKEN"] = TokenMarker,
    };

    ProcessResult RunProd(string script, params string[] args) => RunWith(script, Prod, [.. args, "prod"]);

    [Fact]
    public async Task Schema_load_prod_turns_on_deletion_protection_and_says_what_the_endpoint_cannot_do()
    {
        var r = RunProd("schema-load");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("WARNING: prod requests go to", r.Stderr);
        Assert.Contains($"{Table} @ {Ddb.Endpoint} (prod, region eu-west-2, credentials from the environment (AWS_ACCESS_KEY_ID))", r.Stderr);
        Assert.Contains("[skip] point-in-time recovery: this endpoint (DynamoDB Local) does not support it", r.Stderr);
        Assert.Matches(@"deletion protection +on", r.Stdout);
        Assert.True((await Ddb.Client.DescribeTableAsync(Table)).Table.DeletionProtectionEnabled);
    }

    [Fact]
    public async Task Schema_load_prod_options_decline_each_guard_and_say_so()
    {
        var r = RunProd("schema-load", "--no-deletion-protection", "--no-pitr", "--aws-owned-key");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"deletion protection +off \(declined: --no-deletion-protection\)", r.Stdout);
        Assert.Matches(@"point-in-time recovery +not supported by this endpoint", r.Stdout); // DynamoDB Local: nothing to decline
        Assert.False((await Ddb.Client.DescribeTableAsync(Table)).Table.DeletionProtectionEnabled ?? false);
    }

    [Fact]
    public async Task Schema_load_prod_protects_an_existing_unprotected_table()
    {
        Ok("schema-load");
        Assert.False((await Ddb.Client.DescribeTableAsync(Table)).Table.DeletionProtectionEnabled ?? false);

        var r = RunProd("schema-load");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"[protect] deletion protection turned on for {Table}", r.Stderr);
        Assert.True((await Ddb.Client.DescribeTableAsync(Table)).Table.DeletionProtectionEnabled);
    }

    [Fact]
    public async Task A_refused_time_to_live_step_comes_after_the_guards_and_is_a_difference_with_its_mend_command()
    {
        using var proxy = new FaultProxy(Ddb.Endpoint, byBody: (op, _) => op == "UpdateTimeToLive" ? FaultProxy.Fault.Denied : FaultProxy.Fault.None);

        var r = RunWith("schema-load", new Dictionary<string, string?>(Prod) { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint }, "prod");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("[ttl] time to live could not be turned on: AccessDeniedException: ", r.Stderr);
        Assert.Contains("[differs] time to live: expected on for attribute ttl, found unknown (AccessDeniedException); mend in place: "
            + $"aws dynamodb update-time-to-live --endpoint-url {proxy.Endpoint} --region eu-west-2 --table-name {Table} "
            + "--time-to-live-specification Enabled=true,AttributeName=ttl", r.Stderr);
        Assert.True((await Ddb.Client.DescribeTableAsync(Table)).Table.DeletionProtectionEnabled); // the guards came first
    }

    [Fact]
    public async Task Time_to_live_off_on_an_existing_table_is_listed_not_changed_no_ttl_declines_it_and_setup_makes_the_same_table()
    {
        async Task<TimeToLiveStatus> Ttl() => (await Ddb.Client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = Table }))
            .TimeToLiveDescription.TimeToLiveStatus;
        Ok("schema-load", "--no-ttl");
        Assert.Equal(TimeToLiveStatus.DISABLED, await Ttl());

        var r = Run("schema-load");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("[differs] time to live: expected on for attribute ttl, found off; mend in place: ", r.Stderr);
        Assert.Equal(TimeToLiveStatus.DISABLED, await Ttl()); // an operator may have turned it off: not changed
        Assert.DoesNotContain("time to live", Ok("schema-load", "--no-ttl").Stderr);

        Ok("setup");
        Assert.Equal(TimeToLiveStatus.ENABLED, await Ttl());
        Assert.DoesNotContain("[differs]", Ok("schema-load").Stderr);
    }

    [Fact]
    public async Task Drop_never_deletes_a_protected_table_and_says_how_to_unprotect_it()
    {
        RunProd("schema-load");

        AssertFails(RunProd("drop", Table, "--yes"), 2, "has deletion protection on; turn it off first: "
            + $"aws dynamodb update-table --table-name {Table} --no-deletion-protection-enabled --endpoint-url {Ddb.Endpoint} --region eu-west-2");
        // the hint for a local table names the local endpoint: pasted as shown, it never acts on an AWS table of that name
        AssertFails(Run("drop", Table), 2, "AWS_ACCESS_KEY_ID=cruddurlocal AWS_SECRET_ACCESS_KEY=cruddurlocal "
            + $"aws dynamodb update-table --table-name {Table} --no-deletion-protection-enabled --endpoint-url {Ddb.Endpoint} --region us-east-1");
        Assert.Equal(TableStatus.ACTIVE, (await Ddb.Client.DescribeTableAsync(Table)).Table.TableStatus);
    }

    [Fact]
    public async Task Drop_in_prod_on_a_terminal_deletes_only_when_the_table_name_is_typed()
    {
        RunProd("schema-load", "--no-deletion-protection");

        var wrong = OnTerminal(Prod, "cruddur-messages-typo", "drop", Table, "prod");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("Type its name to confirm", wrong.Stdout);
        Assert.Contains("nothing deleted", wrong.Stdout);
        Assert.Equal(TableStatus.ACTIVE, (await Ddb.Client.DescribeTableAsync(Table)).Table.TableStatus);

        var right = OnTerminal(Prod, Table, "drop", Table, "prod");
        Assert.True(right.ExitCode == 0, right.ToString());
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ddb.Client.DescribeTableAsync(Table));
    }

    [Fact]
    public void A_region_outside_DDB_ALLOWED_REGIONS_is_refused_before_any_call()
    {
        var env = new Dictionary<string, string?>(Prod)
        {
            ["DDB_ALLOWED_REGIONS"] = "eu-west-1, eu-central-1",
            ["AWS_ENDPOINT_URL_DYNAMODB"] = $"http://127.0.0.1:{Repo.FreePort()}", // a call would say "cannot reach"
        };

        AssertFails(RunWith("list-tables", env, "prod"), 2, "region eu-west-2 is not in DDB_ALLOWED_REGIONS (eu-west-1, eu-central-1)");
        AssertFails(RunWith("seed", env, "prod"), 2, "is not in DDB_ALLOWED_REGIONS");
        env["AWS_REGION"] = "eu-central-1";
        AssertFails(RunWith("list-tables", env, "prod"), 1, "cannot reach");
    }

    [Fact]
    public void Outside_prod_an_aws_endpoint_is_refused_before_any_request()
    {
        var aws = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = "https://dynamodb.us-east-1.amazonaws.com" };

        AssertFails(RunWith("setup", aws), 2, "AWS_ENDPOINT_URL_DYNAMODB points at AWS (dynamodb.us-east-1.amazonaws.com) but prod was not asked for: add the word prod");
        AssertFails(RunWith("drop", aws, Table), 2, "add the word prod");
    }

    [Fact]
    public async Task Prod_seed_paces_itself_to_what_the_table_admits_and_loses_nothing()
    {
        RunProd("schema-load", "--no-deletion-protection");
        await Ddb.Client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = Table, ProvisionedThroughput = new() { ReadCapacityUnits = 5, WriteCapacityUnits = 120 },
        });
        using var proxy = new FaultProxy(Ddb.Endpoint, admitItemsPerSecond: 60); // half of what the table says

        var r = RunWith("seed", new Dictionary<string, string?>(Prod) { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint },
            "prod", "--groups", "4", "--messages", "150", "--yes");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("pacing: ", r.Stderr);
        Assert.Contains("120 write capacity units", r.Stderr);
        var conversation = File.ReadAllLines(Repo.Path_("bin", "ddb", "conversation.txt")).Count(l => l.StartsWith("Person "));
        Assert.Equal(conversation + 2 + 4 * 152, await Ddb.Count(Table));
        // Unpaced, 8 requests in flight meet the limit almost every time; paced, the rate settles below
        // it and throttling becomes rare: look at the second half of the writes.
        var writes = proxy.Requests.Where(q => q.Operation == "BatchWriteItem").Count();
        Assert.True(proxy.Throttled < writes / 2, $"{proxy.Throttled} of {writes} batch writes throttled");
    }

    [Fact]
    public async Task Synthetic_data_goes_into_prod_only_when_confirmed()
    {
        RunProd("schema-load", "--no-deletion-protection");
        await Ddb.Client.UpdateTableAsync(new UpdateTableRequest // paced to 5 items/s, the conversation alone would take 22 s
        {
            TableName = Table, ProvisionedThroughput = new() { ReadCapacityUnits = 5, WriteCapacityUnits = 500 },
        });

        AssertFails(RunProd("seed", "--groups", "2", "--messages", "5"), 2, "add --yes to write synthetic data into prod without a terminal");
        Assert.Equal(0, await Ddb.Count(Table));

        var typed = OnTerminal(Prod, Table, "seed", "prod", "--groups", "2", "--messages", "5");
        Assert.True(typed.ExitCode == 0, typed.ToString());
        Assert.Contains("Write 14 synthetic load-test items into the AWS table", typed.Stdout);
        Assert.Contains("seeded 2 synthetic conversations", typed.Stdout);
    }

    [Fact]
    public void No_output_ever_contains_the_secret_key_or_session_token()
    {
        var debug = new Dictionary<string, string?>(Prod) { ["DDB_DEBUG"] = "1" };
        var dead = new Dictionary<string, string?>(debug) { ["AWS_ENDPOINT_URL_DYNAMODB"] = $"http://127.0.0.1:{Repo.FreePort()}" };
        var runs = new[]
        {
            RunWith("schema-load", debug, "prod"),
            RunWith("seed", debug, "prod"),
            RunWith("scan", debug, "prod", "--json"),
            RunWith("describe-table", debug, "nope", "prod"),
            RunWith("list-tables", dead, "prod"),
            RunWith("drop", debug, "nope", "prod", "--yes"),
            RunWith("patterns/get-conversation", debug, "prod", "--group", "x"),
        };

        Assert.Contains(runs, r => r.Stderr.Contains("   at ")); // debug details were printed...
        foreach (var r in runs)
        {
            Assert.DoesNotContain(SecretMarker, r.Stdout + r.Stderr); // ...without the secrets
            Assert.DoesNotContain(TokenMarker, r.Stdout + r.Stderr);
        }
    }

    [Fact]
    public async Task Seed_retries_throttling_and_unprocessed_items_until_every_item_is_written()
    {
        Ok("schema-load");
        using var proxy = new FaultProxy(Ddb.Endpoint, n => (n % 3) switch
        {
            0 => FaultProxy.Fault.Throttle,
            1 => FaultProxy.Fault.Partial,
            _ => FaultProxy.Fault.None,
        });

        var r = RunWith("seed", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint }, "--groups", "5", "--messages", "100");

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(proxy.Throttled > 5 && proxy.Partial > 5, $"throttled {proxy.Throttled}, partial {proxy.Partial}");
        var conversation = File.ReadAllLines(Repo.Path_("bin", "ddb", "conversation.txt")).Count(l => l.StartsWith("Person "));
        Assert.Equal(conversation + 2 + 5 * 102, await Ddb.Count(Table));
    }

    [Fact]
    public async Task Seed_gives_up_on_endless_throttling_with_one_clear_line()
    {
        Ok("schema-load");
        using var proxy = new FaultProxy(Ddb.Endpoint, _ => FaultProxy.Fault.Throttle);

        var r = RunWith("seed", new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_DYNAMODB"] = proxy.Endpoint, ["DDB_MAX_RETRIES"] = "2" });

        AssertFails(r, 1, "DynamoDB kept throttling (ProvisionedThroughputExceeded) after 2 retries");
        Assert.Equal(0, await Ddb.Count(Table));
    }

    [Fact]
    public async Task Ctrl_c_stops_a_seed_cleanly_saying_how_far_it_got_and_a_rerun_completes_it()
    {
        Ok("schema-load");
        using var seed = Start("seed", ["--groups", "40", "--messages", "2000"], ownProcessGroup: true);
        var stderr = seed.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Ddb.Count(Table) < 1000 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Process.Start("kill", ["-INT", "--", $"-{seed.Id}"])!.WaitForExit(); // what Ctrl-C does: the whole process group
        Assert.True(seed.WaitForExit(30_000), "seed did not stop after Ctrl-C");

        Assert.Equal(130, seed.ExitCode);
        Assert.Matches(@"seed: interrupted: \d+ of 80\d+ items written; run seed again to finish", await stderr);
        Assert.DoesNotContain("Exception", await stderr);
        var conversation = File.ReadAllLines(Repo.Path_("bin", "ddb", "conversation.txt")).Count(l => l.StartsWith("Person "));
        Assert.True(await Ddb.Count(Table) < conversation + 2 + 40 * 2002);

        Ok("seed", "--groups", "40", "--messages", "2000");
        Assert.Equal(conversation + 2 + 40 * 2002, await Ddb.Count(Table));
    }
}
