// Where Cruddur users come from: the app's Postgres users table (CONNECTION_URL, or
// PROD_CONNECTION_URL for prod), otherwise two built-in users, andrewbrown and bayko.
using Npgsql;

namespace Cruddur.Ddb;

/// <summary>Users found, and where from: the Postgres they were read from, or none (<paramref name="Variable"/> not set: built-in users).</summary>
public sealed record FoundUsers(User[] Users, string Variable, string? Postgres);

public static class Users
{
    /// <summary>The two users of the sample conversation when no Postgres is configured.</summary>
    public static readonly User Me = new("9b3c5e0e-6a49-4e0f-9e36-2f1f4d0b7a11", "Andrew Brown", "andrewbrown");
    public static readonly User Other = new("c7f2a8d4-1b3e-4f6a-8d2c-5e9b0a4f3c22", "Andrew Bayko", "bayko");

    /// <summary>Which Postgres holds the app's users: CONNECTION_URL, or PROD_CONNECTION_URL with prod.</summary>
    public static (string Name, string? Url) PostgresUrl(bool prod)
    {
        var name = prod ? "PROD_CONNECTION_URL" : "CONNECTION_URL";
        return (name, Environment.GetEnvironmentVariable(name) is { Length: > 0 } url ? url : null);
    }

    /// <summary>
    /// The users with these handles, in order: from Postgres when its URL is set, otherwise the built-in
    /// users. A given uuid replaces the one found (and without Postgres makes any handle usable).
    /// </summary>
    public static async Task<FoundUsers> Find(bool prod, IReadOnlyList<(string Handle, string? Uuid)> wanted, CancellationToken ct)
    {
        var (variable, url) = PostgresUrl(prod);
        if (url is null)
            return new(wanted.Select(w => w.Uuid is { } u ? new User(u, Builtin(w.Handle)?.DisplayName ?? w.Handle, w.Handle)
                : Builtin(w.Handle) ?? throw new UnknownUser(w.Handle, variable)).ToArray(), variable, null);
        var (found, where) = await Lookup(url, variable, wanted.Select(w => w.Handle).ToArray(), ct);
        return new(wanted.Select(w => w.Uuid is { } u ? found[w.Handle] with { Uuid = u } : found[w.Handle]).ToArray(), variable, where);
    }

    static User? Builtin(string handle) => handle == Me.Handle ? Me : handle == Other.Handle ? Other : null;

    static async Task<(Dictionary<string, User>, string Where)> Lookup(string url, string variable, string[] handles, CancellationToken ct)
    {
        var cs = ConnectionString(url, variable);
        var where = $"Postgres {cs.Host}:{cs.Port}/{cs.Database} ({variable})";
        var users = new Dictionary<string, User>();
        try
        {
            await using var conn = new NpgsqlConnection(cs.ConnectionString);
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand(
                "SELECT uuid::text, display_name, handle FROM public.users WHERE handle = ANY(@handles)", conn);
            cmd.Parameters.AddWithValue("handles", handles.Distinct().ToArray());
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                users[reader.GetString(2)] = new User(reader.GetString(0), reader.IsDBNull(1) ? reader.GetString(2) : reader.GetString(1), reader.GetString(2));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new UsersError(UsersProblem.NoUsersTable, where);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new UsersError(UsersProblem.Unreachable, where, e.Message);
        }
        var missing = handles.Where(h => !users.ContainsKey(h)).ToArray();
        if (missing.Length > 0)
            throw new UsersError(UsersProblem.NoSuchHandles, where, handles: missing);
        return (users, where);
    }

    /// <summary>Accepts the app's URL form (postgresql://user:pass@host:port/db?sslmode=...) or an Npgsql connection string.</summary>
    public static NpgsqlConnectionStringBuilder ConnectionString(string url, string variable = "CONNECTION_URL")
    {
        try
        {
            if (!url.Contains("://", StringComparison.Ordinal))
                return new NpgsqlConnectionStringBuilder(url) { Timeout = 5 };
            var u = new Uri(url);
            if (u.Scheme is not ("postgres" or "postgresql"))
                throw new FormatException($"scheme {u.Scheme}");
            var info = u.UserInfo.Split(':', 2);
            var b = new NpgsqlConnectionStringBuilder
            {
                Host = u.Host,
                Port = u.Port > 0 ? u.Port : 5432,
                Database = Uri.UnescapeDataString(u.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
                Username = info[0].Length > 0 ? Uri.UnescapeDataString(info[0]) : null,
                Password = info.Length > 1 ? Uri.UnescapeDataString(info[1]) : null,
                Timeout = 5,
            };
            foreach (var pair in u.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                if (kv[0] == "sslmode" && kv.Length == 2)
                    b.SslMode = Enum.Parse<SslMode>(kv[1].Replace("-", ""), ignoreCase: true);
            }
            return b;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or UriFormatException)
        {
            throw new UsersError(UsersProblem.NotPostgresUrl, variable);
        }
    }
}
