using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Cruddur.Ddb.Tests;

/// <summary>Failure.Explain: every failure becomes one line a user can act on, with its exit code.</summary>
public sealed class CliTests
{
    static readonly DdbContext Local = new(false, "cruddur-messages", "http://localhost:8000", "us-east-1", "default");
    static readonly DdbContext Prod = new(true, "cruddur-messages", null, "eu-west-2", "admin",
        new AwsIdentity(new BasicAWSCredentials("AKIA", "secret"), "profile admin (SSO)", Sso: true));

    static AmazonDynamoDBException Service(string? code, HttpStatusCode status, string message = "m", string? requestId = "req-1") =>
        new(message, null, ErrorType.Sender, code, requestId, status);

    [Fact]
    public void A_user_error_keeps_its_words_and_code()
    {
        Assert.Equal(("bad input", 2), Failure.Explain(new UserError("bad input", 2), Local));
    }

    /// <summary>One of each failure the layers below throw, with data, for each of its problems.</summary>
    static IEnumerable<Exception> TypedErrors() =>
    [
        .. Enum.GetValues<SettingProblem>().Select(p => new SettingError(p, "AWS_ENDPOINT_URL_DYNAMODB", "value", "eu-west-1")),
        .. Enum.GetValues<CredentialProblem>().Select(p => new CredentialError(p, "cruddur", "denied")),
        .. Enum.GetValues<EndpointProblem>().Select(p => new EndpointError(p, "DynamoDB Streams", "xx-nowhere-1")),
        .. Enum.GetValues<UsersProblem>().Select(p => new UsersError(p, "Postgres db:5432/cruddur (CONNECTION_URL)", "refused", ["bayko"])),
        .. Enum.GetValues<ConversationProblem>().Select(p => new ConversationError("conversation.txt", p, 3, 1, p == ConversationProblem.TooLarge ? 409_600 : 0, "x")),
        .. Enum.GetValues<TableGoal>().Select(g => new TableWaitTimedOut("cruddur-messages", g, "CREATING", TimeSpan.FromMinutes(5))),
        new UnknownUser("bayko", "CONNECTION_URL"),
        new BatchThrottled("ProvisionedThroughputExceeded", 8, 40, TimeSpan.FromSeconds(61), 500),
        new KeptThrottling("ThrottlingException", 8, new Exception()),
        .. Enum.GetValues<ShapeMismatch>().Select(m => new NotShaped("cruddur-messages", m, "id HASH", "pk HASH, sk RANGE", "message-group-sk-index")),
        new NoStream("cruddur-messages"),
    ];

    [Fact]
    public void Every_typed_error_of_lib_is_worded_as_one_line_of_its_own_for_each_of_its_problems()
    {
        var explained = TypedErrors().Select(e => (e, Failure.Explain(e, Local))).ToList();

        Assert.All(explained, x => Assert.False(x.Item2.Message.StartsWith("unexpected", StringComparison.Ordinal) || x.Item2.Message.Contains('\n'),
            $"{x.e.GetType().Name} ({x.e.Message}): {x.Item2.Message}"));
        Assert.All(explained, x => Assert.InRange(x.Item2.Code, 1, 2));
        Assert.Equal(explained.Count, explained.Select(x => x.Item2.Message).Distinct().Count());
        // every error type lib declares is among them, but those worded elsewhere: the scripts' own (UserError),
        // a write cut short (its cause is worded, tested above), the lease's (SeedLines), a reader gone (exits quietly)
        var elsewhere = new[] { typeof(UserError), typeof(IncompleteWrite), typeof(LeaseLost), typeof(LeaseBusy), typeof(ReaderGone) };
        var declared = typeof(Failure).Assembly.GetTypes().Where(t => typeof(Exception).IsAssignableFrom(t) && !t.IsAbstract).Except(elsewhere);
        Assert.Empty(declared.Except(explained.Select(x => x.e.GetType())));
    }

    [Fact]
    public async Task A_lease_busy_or_lost_is_said_in_seeds_words_with_what_was_written()
    {
        var busy = await Assert.ThrowsAsync<UserError>(() => SeedLines.Stopped(() => throw new LeaseBusy("seed#g", TimeSpan.FromMinutes(5)), "seed"));
        Assert.Equal(("another run has held the lease on seed#g for over 5 minutes; nothing written: try again when it has finished", 1), (busy.Message, busy.ExitCode));
        var taken = await Assert.ThrowsAsync<UserError>(() => SeedLines.Stopped(
            () => throw new IncompleteWrite(3, 10, new LeaseLost("seed#g", LeaseLoss.Taken, TimeSpan.FromSeconds(20))), "seed"));
        Assert.Equal("stopped writing: the lease on seed#g was lost: another run holds it now, so another run may take it; "
            + "3 of 10 items were written and nothing of another run was deleted: run seed again to finish", taken.Message);
        var early = await Assert.ThrowsAsync<UserError>(() => SeedLines.Stopped(
            () => throw new LeaseLost("seed#g", LeaseLoss.NotRenewed, TimeSpan.FromSeconds(20)), "setup"));
        Assert.Equal("stopped: the lease on seed#g was lost: it could not be renewed in 20 s (DynamoDB throttled or did not answer), "
            + "before anything was written: run setup again", early.Message);
    }

    [Fact]
    public void An_interrupted_write_says_how_far_it_got_and_exits_130()
    {
        var (message, code) = Failure.Explain(new IncompleteWrite(5, 10, new OperationCanceledException()), Local, interrupted: true);
        Assert.Equal(($"interrupted: 5 of 10 items written; run {Cli.Name} again to finish", 130), (message, code));
    }

    [Fact]
    public void A_write_that_failed_half_way_says_that_running_again_completes_it()
    {
        var (message, code) = Failure.Explain(new IncompleteWrite(5, 10, Service("InternalServerError", HttpStatusCode.InternalServerError, "boom")), Local);
        Assert.Equal(($"DynamoDB InternalServerError: boom; 5 of 10 items were written: running {Cli.Name} again completes it", 1), (message, code));
    }

    [Fact]
    public void A_missing_messages_table_points_to_schema_load_and_another_table_to_list_tables()
    {
        Assert.Equal(("table 'cruddur-messages' does not exist at http://localhost:8000: create it with " + Cli.Sibling("schema-load"), 1),
            Failure.Explain(new ResourceNotFoundException("gone"), Local));
        Assert.Equal(("table 'other' does not exist at http://localhost:8000 (" + Cli.Sibling("list-tables") + " shows what does)", 1),
            Failure.Explain(new ResourceNotFoundException("gone"), Local with { Table = "other" }));
    }

    [Fact]
    public void Nothing_listening_asks_whether_dynamodb_local_runs()
    {
        Assert.Equal(("cannot reach DynamoDB at http://localhost:8000: is DynamoDB Local running? Start it with " + Cli.Sibling("local") + " up", 1),
            Failure.Explain(new HttpRequestException("refused", new System.Net.Sockets.SocketException(111)), Local));
    }

    [Fact]
    public void A_silent_endpoint_is_said_with_the_time_waited()
    {
        var (message, _) = Failure.Explain(new TaskCanceledException("t", new TimeoutException()), Local);
        Assert.StartsWith("http://localhost:8000 accepted the connection but did not answer within 4 s (2 tries)", message); // nothing answered this process yet
    }

    [Fact]
    public void A_reply_without_a_request_id_is_another_server()
    {
        var (message, code) = Failure.Explain(Service(null, HttpStatusCode.NotImplemented, requestId: null), Local);
        Assert.Equal(("http://localhost:8000 is not DynamoDB (it answered HTTP 501 without a DynamoDB request id): "
            + "is another program using the port? (" + Cli.Sibling("local") + " status)", 1), (message, code));
    }

    [Fact]
    public void A_key_condition_the_table_cannot_serve_points_to_schema_load()
    {
        var (message, _) = Failure.Explain(Service("ValidationException", HttpStatusCode.BadRequest, "Query key condition not supported"), Local);
        Assert.EndsWith("table 'cruddur-messages' is not shaped as these scripts expect: " + Cli.Sibling("schema-load") + " lists the differences", message);
    }

    [Fact]
    public void Access_denied_points_to_the_iam_actions_the_scripts_help_lists()
    {
        var (message, _) = Failure.Explain(Service("AccessDeniedException", HttpStatusCode.BadRequest, "not allowed"), Prod);
        Assert.Equal($"access denied: not allowed ({Cli.Self} --help lists the IAM actions it calls)", message);
    }

    [Fact]
    public void Expired_sso_credentials_say_the_sign_in_command()
    {
        var (message, _) = Failure.Explain(Service("ExpiredTokenException", HttpStatusCode.BadRequest), Prod);
        Assert.Equal("AWS rejected the credentials (ExpiredTokenException) of profile admin (SSO): run 'aws sso login --profile admin'", message);
    }

    [Fact]
    public void Anything_else_is_named_with_the_way_to_more_detail()
    {
        Assert.Equal(("unexpected InvalidOperationException: boom (run with DDB_DEBUG=1 for details)", 1),
            Failure.Explain(new InvalidOperationException("boom"), Local));
    }

    [Fact]
    public void Only_standard_outputs_own_signal_is_a_reader_that_went_away_not_any_broken_pipe()
    {
        Assert.True(Failure.ReaderWentAway(new ReaderGone()));
        Assert.True(Failure.ReaderWentAway(new AggregateException(new InvalidOperationException("x", new ReaderGone()))));
        Assert.False(Failure.ReaderWentAway(new HttpRequestException("send failed", new IOException("Unable to write data to the transport connection: Broken pipe."))));
        Assert.False(Failure.ReaderWentAway(new IOException("Broken pipe")));
    }
}
