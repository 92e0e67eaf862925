namespace Cruddur.Ddb.Tests;

/// <summary>bin/ddb/build on a fresh copy: precompiled when the Crossgen2 pack is there, plain IL (said once) when it cannot be had.</summary>
public sealed class BuildTests(DynamoDbLocal ddb) : EndToEnd(ddb)
{
    /// <summary>Builds <paramref name="scripts"/> in the copy with a build cache and an XDG cache of its own, then runs list-tables.</summary>
    (ProcessResult Build, ProcessResult Run) BuildAndRun(string copy, Dictionary<string, string?> env, params string[] scripts)
    {
        env["XDG_DATA_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "xdg")).FullName;
        env["XDG_CACHE_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "cache")).FullName;
        var build = Repo.Exec(Scripts.Command(Path.Combine(copy, "bin", "ddb", "build"), scripts, env, copy), timeout: TimeSpan.FromMinutes(5));
        var run = Repo.Exec(Scripts.Command(Path.Combine(copy, "bin", "ddb", "list-tables"), ["--json"], env, copy));
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(run.ExitCode == 0, run.ToString());
        return (build, run);
    }

    [Fact]
    public void Without_the_crossgen2_pack_and_no_way_to_fetch_it_the_scripts_build_as_il_and_work()
    {
        var copy = Repo.FreshCopy("cruddur-build-");
        // A NuGet folder with every package this machine has except the Crossgen2 pack, and no source to fetch it from.
        var real = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } n ? n
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var packages = Directory.CreateDirectory(Path.Combine(copy, "nuget")).FullName;
        foreach (var dir in Directory.GetDirectories(real).Where(d => !Path.GetFileName(d).StartsWith("microsoft.netcore.app.crossgen2")))
            File.CreateSymbolicLink(Path.Combine(packages, Path.GetFileName(dir)), dir);
        var env = Env();
        env["NUGET_PACKAGES"] = packages;
        env["RestoreSources"] = Path.Combine(copy, "no-such-source");
        try
        {
            var (build, _) = BuildAndRun(copy, env, "list-tables", "schema-load");

            Assert.Single(build.StderrLines, l => l.Contains("could not be restored: the scripts run as plain IL"));
            Assert.False(Directory.Exists(Path.Combine(copy, "cache", "cruddur-ddb", "r2r")), "nothing was precompiled");
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void With_the_pack_package_images_are_compiled_once_into_the_shared_cache()
    {
        var copy = Repo.FreshCopy("cruddur-build-");
        try
        {
            BuildAndRun(copy, Env(), "list-tables", "describe-table");

            var images = Directory.GetFiles(Path.Combine(copy, "cache", "cruddur-ddb", "r2r"), "*.dll", SearchOption.AllDirectories);
            Assert.Contains(images, i => Path.GetFileName(i) == "AWSSDK.DynamoDBv2.dll");
            Assert.Equal(images.Length, images.Select(Path.GetFileName).Distinct().Count()); // one image of each, shared
            Assert.Empty(Directory.GetFiles(Path.Combine(copy, "cache"), "*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>
    /// The runner's up-to-date check sees every lib file a script compiles: those every script gets from
    /// bin/ddb/Directory.Build.props and those it names with #:include. A module initializer appended to one
    /// of each must show on the next run.
    /// </summary>
    [Fact]
    public void Editing_a_lib_file_a_script_compiles_from_the_props_or_an_include_rebuilds_it_on_its_next_run()
    {
        var copy = Repo.FreshCopy("cruddur-build-");
        var env = Env();
        env["XDG_DATA_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "xdg")).FullName;
        env["XDG_CACHE_HOME"] = Directory.CreateDirectory(Path.Combine(copy, "cache")).FullName;
        var script = Path.Combine(copy, "bin", "ddb", "list-tables");
        ProcessResult Help() => Repo.Exec(Scripts.Command(script, ["--help"], env, copy), timeout: TimeSpan.FromMinutes(3));
        void Mark(string lib, string word) => File.AppendAllText(Path.Combine(copy, "bin", "ddb", "lib", lib),
            $"\nstatic class {word}Mark {{ [System.Runtime.CompilerServices.ModuleInitializer] internal static void Say() => Console.Error.WriteLine(\"{word}\"); }}\n");
        try
        {
            Assert.True(Props().Contains("lib/cli/Secrets.cs"), "Secrets.cs is one of the files every script gets from the props");
            Assert.Contains("#:include lib/aws/JsonApi.cs", File.ReadAllLines(script));
            Assert.Equal(0, Help().ExitCode);

            Mark("cli/Secrets.cs", "fromprops");
            var first = Help();
            Mark("aws/JsonApi.cs", "frominclude");
            var second = Help();

            Assert.Contains("fromprops", first.StderrLines);
            Assert.Equal(["fromprops", "frominclude"], second.StderrLines.Where(l => l.StartsWith("from", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }

        string Props() => File.ReadAllText(Path.Combine(copy, "bin", "ddb", "Directory.Build.props"));
    }
}
