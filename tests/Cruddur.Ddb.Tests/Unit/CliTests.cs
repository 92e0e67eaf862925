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
