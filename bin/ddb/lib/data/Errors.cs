// Failures of operations on the table and of the app's users, with their data: Failure and the
// scripts word them.
namespace Cruddur.Ddb;

/// <summary>What a wait on a table waited for.</summary>
public enum TableGoal { Active, Gone }

/// <summary>A table did not reach <see cref="Goal"/> within <see cref="Waited"/>; <see cref="Status"/> is its last
/// status (null: it did not exist).</summary>
public sealed class TableWaitTimedOut(string table, TableGoal goal, string? status, TimeSpan waited)
    : Exception($"table {table} not {goal} after {waited} ({status ?? "missing"})")
{
    public string Table { get; } = table;
    public TableGoal Goal { get; } = goal;
    public string? Status { get; } = status;
    public TimeSpan Waited { get; } = waited;
}

/// <summary>
/// DynamoDB throttled one batch of writes through every retry (<see cref="Retries"/>, by its error
/// <see cref="Code"/>); <see cref="AllRetries"/> over the writer's life of <see cref="Elapsed"/>, when
/// <see cref="Done"/> items had been written.
/// </summary>
public sealed class BatchThrottled(string? code, int retries, long allRetries, TimeSpan elapsed, long done)
    : Exception($"{code} after {retries} retries of one batch")
{
    public string? Code { get; } = code;
    public int Retries { get; } = retries;
    public long AllRetries { get; } = allRetries;
    public TimeSpan Elapsed { get; } = elapsed;
    public long Done { get; } = done;
}

/// <summary>Why a lease was lost.</summary>
public enum LeaseLoss
{
    /// <summary>It could not be renewed within its duration: DynamoDB throttled or did not answer.</summary>
    NotRenewed,
    /// <summary>Another run holds it now.</summary>
    Taken,
}

/// <summary>The lease on <see cref="Job"/> was lost while its holder worked; <see cref="Duration"/> is how long a lease lasts.</summary>
public sealed class LeaseLost(string job, LeaseLoss why, TimeSpan duration) : Exception($"the lease on {job} was lost: {why}")
{
    public string Job { get; } = job;
    public LeaseLoss Why { get; } = why;
    public TimeSpan Duration { get; } = duration;
}

/// <summary>Another run held the lease on <see cref="Job"/> for longer than a run waits (<see cref="Waited"/>).</summary>
public sealed class LeaseBusy(string job, TimeSpan waited) : Exception($"the lease on {job} busy for {waited}")
{
    public string Job { get; } = job;
    public TimeSpan Waited { get; } = waited;
}

/// <summary>A handle that cannot be looked up: no Postgres URL (<see cref="Variable"/>) is set and it is not a built-in user.</summary>
public sealed class UnknownUser(string handle, string variable) : Exception($"{variable} not set to look up {handle}")
{
    public string Handle { get; } = handle;
    public string Variable { get; } = variable;
}

/// <summary>What went wrong reading the app's users.</summary>
public enum UsersProblem
{
    /// <summary>The variable (<see cref="UsersError.Where"/>) holds no Postgres URL or connection string.</summary>
    NotPostgresUrl,
    /// <summary>The database has no users table.</summary>
    NoUsersTable,
    /// <summary>The database could not be queried (the reason in <see cref="UsersError.Detail"/>).</summary>
    Unreachable,
    /// <summary>No user has these <see cref="UsersError.Handles"/>.</summary>
    NoSuchHandles,
}

/// <summary>The app's users cannot be read: <see cref="Where"/> is the Postgres in words ("Postgres host:5432/cruddur
/// (CONNECTION_URL)"), or the variable when its URL cannot be read.</summary>
public sealed class UsersError(UsersProblem problem, string where, string detail = "", IReadOnlyList<string>? handles = null)
    : Exception($"{where}: {problem} {detail}")
{
    public UsersProblem Problem { get; } = problem;
    public string Where { get; } = where;
    public string Detail { get; } = detail;
    public IReadOnlyList<string> Handles { get; } = handles ?? [];
}
