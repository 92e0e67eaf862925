// What seed says, in seed's words, for the two scripts that seed: seed itself and setup (which seeds
// in-process after loading the schema): who the users are, whose lease a run waits for, why a run
// stopped, and the summary. Strings only: the scripts print them.
namespace Cruddur.Ddb;

public static class SeedLines
{
    /// <summary>The conversation seed writes unless told another: conversation.txt next to the scripts.</summary>
    public static string DefaultConversation => Path.Combine(Cli.ScriptDir, "conversation.txt");

    public static string Users(FoundUsers found, User me, User other) =>
        $"users: {(found.Postgres is { } pg ? $"from {pg}:" : $"no {found.Variable}, using")} {me.Handle} {me.Uuid}, {other.Handle} {other.Uuid}";

    /// <summary>This run as the runs that wait for its lease see it.</summary>
    public static string Holder(string script) =>
        $"{script} on host {Environment.MachineName}, pid {Environment.ProcessId}, started {DateTime.UtcNow:HH:mm:ss} UTC";

    public static string Waiting(LeaseHolder h) =>
        $"waiting: {h.Holder} holds the lease on this conversation until {h.Until:HH:mm:ss} UTC "
        + "(renewed while it writes; a killed run's lease lapses then); waiting up to 5 minutes";

    /// <summary>Runs <paramref name="write"/>, turning a lease that was busy too long or lost into one line that
    /// says what was written and that <paramref name="script"/> run again finishes it.</summary>
    public static async Task Stopped(Func<Task> write, string script)
    {
        try
        {
            await write();
        }
        catch (LeaseBusy busy)
        {
            throw new UserError($"another run has held the lease on {busy.Job} for over {busy.Waited.TotalMinutes:0} minutes; nothing written: try again when it has finished");
        }
        catch (LeaseLost lost)
        {
            throw new UserError($"stopped: {Lost(lost)}, before anything was written: run {script} again");
        }
        catch (IncompleteWrite w) when (w.InnerException is LeaseLost lost)
        {
            throw new UserError($"stopped writing: {Lost(lost)}, so another run may take it; {w.Done} of {w.Total} items were written "
                + $"and nothing of another run was deleted: run {script} again to finish");
        }
    }

    static string Lost(LeaseLost lost) => $"the lease on {lost.Job} was lost: " + (lost.Why == LeaseLoss.Taken ? "another run holds it now"
        : $"it could not be renewed in {lost.Duration.TotalSeconds:0} s (DynamoDB throttled or did not answer)");

    public static string Summary(Seeded done, User me, User other) =>
        $"seeded conversation {done.Group}: {me.Handle} and {other.Handle}, {done.Messages} messages, 2 message group rows"
        + (done.Replaced > 0 ? $", {done.Replaced} items of an earlier run replaced" : "")
        + (done.Moved > 0 ? $", {done.Moved} group row{(done.Moved == 1 ? "" : "s")} moved to the newest message" : "")
        + (done.Removed > 0 ? $", {done.Removed} stray group row{(done.Removed == 1 ? "" : "s")} removed (a second row of a participant in this conversation, as the bootcamp's messaging Lambda can leave)" : "")
        + (done.Kept > 0 ? $", {done.Kept} row{(done.Kept == 1 ? "" : "s")} of others left in place (the app's messages, group rows the stream or the Lambda moved)" : "");
}
