using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

// The tests run bash scripts, Java and Postgres: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Cruddur.Ddb.Tests;

/// <summary>The repository the tests run from, and small process helpers.</summary>
public static class Repo
{
    public static readonly string Root = FindRoot();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "global.json")) && Directory.Exists(Path.Combine(dir.FullName, "bin", "ddb")))
                return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }

    public static string Path_(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A fresh clone of the working tree in a new temporary folder: tracked and new files, nothing ignored (no jar, no build output).</summary>
    public static string FreshCopy(string prefix)
    {
        var copy = Directory.CreateTempSubdirectory(prefix).FullName;
        CopyTracked("", copy);
        return copy;
    }

    /// <summary>
    /// Copies the tracked and new files of the folder <paramref name="folder"/> of the working tree ("" for all of it)
    /// into <paramref name="into"/>, modes kept, as `cp -r` of a clean checkout would.
    /// </summary>
    public static void CopyTracked(string folder, string into)
    {
        var files = Exec(new ProcessStartInfo("git", ["ls-files", "-co", "--exclude-standard", "--", folder == "" ? "." : folder]) { WorkingDirectory = Root });
        foreach (var f in files.StdoutLines.Where(f => File.Exists(Path_(f))))
        {
            var to = Path.Combine(into, Path.GetRelativePath(folder == "" ? "." : folder, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(Path_(f), to);
            File.SetUnixFileMode(to, File.GetUnixFileMode(Path_(f)));
        }
    }

    /// <summary>
    /// Deletes a copy made for a test: stops what its bin/ddb/local started, a background build still running
    /// in it, and removes the build locks of its scripts.
    /// </summary>
    public static void DeleteCopy(string copy, string binDdb, IReadOnlyDictionary<string, string?> env)
    {
        Exec(Scripts.Command(Path.Combine(binDdb, "local"), ["down"], env, copy));
        Exec(new ProcessStartInfo("pkill", ["-f", Path.Combine(binDdb, "build")]));
        Directory.Delete(copy, recursive: true);
        if (Directory.Exists(Locks))
            foreach (var l in Directory.GetFiles(Locks, copy.Replace('/', '_') + "_*")) File.Delete(l);
    }

    /// <summary>The scripts' cache folder for this user (XDG_CACHE_HOME, else ~/.cache): build locks, package images,
    /// stream checkpoints, and the tools the tests install.</summary>
    public static string Cache => Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } c ? c
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "cruddur-ddb");

    /// <summary>Where ./bin/ddb/build keeps its build locks, one per script path.</summary>
    public static string Locks => Path.Combine(Cache, "locks");

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static bool Answers(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static void WaitForPort(int port, Process process, TimeSpan timeout, Func<string> log)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Answers(port))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{process.StartInfo.FileName} exited with {process.ExitCode} during start-up: {log()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"nothing answered on port {port} within {timeout}: {log()}");
            Thread.Sleep(100);
        }
    }

    /// <summary>Runs a command to completion and returns its exit code and output; throws on a time-out.</summary>
    public static ProcessResult Exec(ProcessStartInfo psi, string? stdin = null, TimeSpan? timeout = null)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.UseShellExecute = false;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} did not finish");
        }
        // A child left running in the background (a server) may hold the pipes open: do not wait for it.
        if (!Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10)))
            throw new TimeoutException($"{psi.FileName} exited but something it started still holds its output open");
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
