using System.Diagnostics;
using Npgsql;

namespace Cruddur.Ddb.Tests;

/// <summary>
/// A real PostgreSQL server (Debian's binaries) on a free port, started once for the test run;
/// each test gets a database of its own with the app's users table.
/// </summary>
public sealed class Postgres
{
    static readonly Lazy<Postgres> Instance = new(() => new Postgres());
    public static Postgres Shared => Instance.Value;

    readonly string _bin;
    readonly string _dir;
    readonly bool _root = Environment.UserName == "root";
    public int Port { get; }

    Postgres()
    {
        _bin = FindBin();
        _dir = Directory.CreateTempSubdirectory("cruddur-pg-").FullName;
        Port = Repo.FreePort();
        if (_root) Must(new ProcessStartInfo("chown", ["-R", "postgres:postgres", _dir]));
        Must(Pg("initdb", "-D", Path.Combine(_dir, "data"), "-U", "postgres", "-A", "trust", "--no-sync"));
        Must(Pg("pg_ctl", "-D", Path.Combine(_dir, "data"), "-l", Path.Combine(_dir, "log"), "-w", "-t", "60",
            "-o", $"-p {Port} -h 127.0.0.1 -k {_dir} -c fsync=off -c synchronous_commit=off", "start"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
    }

    static string FindBin()
    {
        IEnumerable<string> candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderByDescending(d => d, StringComparer.Ordinal)
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("no PostgreSQL server binaries: run ./test (it installs postgresql)");
    }

    ProcessStartInfo Pg(string tool, params string[] args) => _root
        ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args])
        : new ProcessStartInfo(Path.Combine(_bin, tool), args);

    static void Must(ProcessStartInfo psi)
    {
        var r = Repo.Exec(psi, timeout: TimeSpan.FromMinutes(2));
        if (r.ExitCode != 0) throw new InvalidOperationException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)}: {r}");
    }

    void Stop()
    {
        try
        {
            Repo.Exec(Pg("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "stop"), timeout: TimeSpan.FromSeconds(30));
            Directory.Delete(_dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException) { }
    }

    /// <summary>A new database with the app's users table holding these users; returns its URL.</summary>
    public string Database(params User[] users)
    {
        var name = "cruddur_" + Guid.NewGuid().ToString("N")[..10];
        using (var admin = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres"))
        {
            admin.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            create.ExecuteNonQuery();
        }
        using var conn = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}");
        conn.Open();
        using (var schema = new NpgsqlCommand("""
            CREATE TABLE public.users (
              uuid UUID DEFAULT gen_random_uuid() PRIMARY KEY,
              display_name text NOT NULL,
              handle text NOT NULL,
              email text NOT NULL,
              cognito_user_id text NOT NULL,
              created_at TIMESTAMP default current_timestamp NOT NULL
            );
            """, conn))
            schema.ExecuteNonQuery();
        foreach (var u in users)
        {
            using var insert = new NpgsqlCommand(
                "INSERT INTO public.users (uuid, display_name, handle, email, cognito_user_id) VALUES (@u::uuid, @d, @h, @h || '@example.com', 'MOCK')", conn);
            insert.Parameters.AddWithValue("u", u.Uuid);
            insert.Parameters.AddWithValue("d", u.DisplayName);
            insert.Parameters.AddWithValue("h", u.Handle);
            insert.ExecuteNonQuery();
        }
        return $"postgresql://postgres@127.0.0.1:{Port}/{name}";
    }
}
