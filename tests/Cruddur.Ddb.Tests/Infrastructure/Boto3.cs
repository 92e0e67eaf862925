using System.Diagnostics;

namespace Cruddur.Ddb.Tests;

/// <summary>Python with boto3, for the app's side of a test (the backend's lib/ddb.py, the bootcamp's Lambda).</summary>
public static class Boto3
{
    /// <summary>A python3 that imports boto3 (./test installs Debian's python3-boto3 where none does).</summary>
    public static string Python() => new[] { "python3", "/usr/bin/python3" }.FirstOrDefault(p =>
    {
        try { return Repo.Exec(new ProcessStartInfo(p, ["-c", "import boto3"])).ExitCode == 0; }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }) ?? throw new InvalidOperationException("no python3 with boto3: run ./test, which installs python3-boto3");
}

/// <summary>
/// The bootcamp's messaging Lambda run over DynamoDB Local's stream (bootcamp_messaging_lambda.py): started
/// when it reads the stream, its lines kept for <see cref="WaitFor"/>, stopped on dispose.
/// </summary>
public sealed class BootcampLambda : IDisposable
{
    readonly Process _process;
    readonly List<string> _lines = [];

    public BootcampLambda(string endpoint, string table, double windowSeconds)
    {
        var script = Repo.Path_("tests", "Cruddur.Ddb.Tests", "Infrastructure", "bootcamp_messaging_lambda.py");
        var psi = Scripts.Command(Boto3.Python(), [script, endpoint, table, windowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (_lines) _lines.Add(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (_lines) _lines.Add("stderr: " + line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitFor("ready", TimeSpan.FromSeconds(30));
    }

    public List<string> Lines { get { lock (_lines) return [.. _lines]; } }

    /// <summary>Waits until it has printed <paramref name="line"/> after <paramref name="after"/> lines.</summary>
    public void WaitFor(string line, TimeSpan timeout, int after = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Lines.Skip(after).Contains(line))
        {
            Assert.False(_process.HasExited, "the Lambda stopped:\n" + string.Join('\n', Lines));
            Assert.True(DateTime.UtcNow < deadline, $"the Lambda did not say '{line}' within {timeout.TotalSeconds} s:\n" + string.Join('\n', Lines));
            Thread.Sleep(50);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
