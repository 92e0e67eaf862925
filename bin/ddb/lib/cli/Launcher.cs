// The process that started this one: `dotnet FILE`'s launcher. When it is killed outright, nothing
// tells this process, so its parent is watched.
using System.Runtime.InteropServices;

namespace Cruddur.Ddb;

/// <summary>The process that started this one (`dotnet FILE`'s launcher).</summary>
public static class Launcher
{
    [DllImport("libc", EntryPoint = "getppid")]
    static extern int GetParentPid();

    /// <summary>Calls <paramref name="gone"/> within a quarter of a second of the parent process dying
    /// (this process is then re-parented), so that kill -9 of the launcher stops the work too.</summary>
    public static void WatchParent(Action gone)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var parent = GetParentPid();
        new Thread(() =>
        {
            while (GetParentPid() == parent) Thread.Sleep(250);
            gone();
        }) { IsBackground = true, Name = "parent watch" }.Start();
    }
}
